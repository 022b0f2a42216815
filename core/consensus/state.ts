/**
 * The chain state one epoch reads (spec §1, §11), already validated and with defaults applied.
 * Weights and bonds are the u16 values as stored on chain, in sparse rows that keep the stored
 * order and explicit zeros.
 */
import type { NumericsName, StakeSource } from './numerics.js';

export interface U16Row {
  uids: number[];
  values: number[];
}

export type Variant = 'sparse' | 'dense';

export interface EpochState {
  n: number;
  stake: StakeSource;
  stakeThreshold: bigint;
  ownerUid: number | null;
  validatorPermits: boolean[];
  maxAllowedValidators: number;
  currentBlock: number;
  tempo: number;
  lastUpdate: number[];
  blockAtRegistration: number[];
  /** Explicit cutoff in blocks; when null it is derived from the tempo (§3.1). */
  activityCutoff: number | null;
  activityCutoffFactorMilli: number;
  /** 0 = unknown, in which case the chain uses current_block − tempo. */
  lastMechanismStepBlock: number;
  weights: U16Row[];
  bonds: U16Row[];
  kappa: number;
  bondsPenalty: number;
  bondsMovingAverage: number;
  yuma3: boolean;
  liquidAlpha: boolean;
  alphaLow: number;
  alphaHigh: number;
  alphaSigmoidSteepness: number;
  commitRevealEnabled: boolean;
  /** Earliest unexpired commit block per uid, null where there is none. */
  commitBlocks: (number | null)[];
  raoEmission: bigint;
  variant: Variant;
  numerics: NumericsName;
}

/** One epoch's results (§11), fractions in [0, 1] and their storage forms. */
export interface EpochOutput {
  active: boolean[];
  stake: number[];
  stake_u16: number[];
  active_stake: number[];
  validator_permits: boolean[];
  consensus: number[];
  consensus_u16: number[];
  validator_trust: number[];
  validator_trust_u16: number[];
  ranks: number[];
  ranks_u16: number[];
  trust: number[];
  trust_u16: number[];
  incentive: number[];
  incentive_u16: number[];
  dividends: number[];
  dividends_u16: number[];
  normalized_server_emission: number[];
  normalized_validator_emission: number[];
  normalized_combined_emission: number[];
  server_emission: number[];
  validator_emission: number[];
  emission: number[];
  bonds: number[][];
  bonds_fraction: number[][];
}

/** The per-uid results of an epoch; the dense bond matrices are built from `carry` only on demand. */
export type EpochVectors = Omit<EpochOutput, 'bonds' | 'bonds_fraction'>;

export interface EpochResult {
  vectors: EpochVectors;
  carry: EpochCarry;
}

/** What an epoch writes back that the next epoch reads: the bond rows and the new permits. */
export interface EpochCarry {
  readonly bonds: U16Row[];
  validatorPermits: boolean[];
}

export function activityCutoff(state: EpochState): number {
  if (state.activityCutoff !== null) return state.activityCutoff;
  return Math.max(1, Math.floor((state.activityCutoffFactorMilli * state.tempo) / 1000));
}

/** The block before which a registration counts as recent for the bonds mask (§3.10.1). */
export function lastTempoBlock(state: EpochState): number {
  if (state.lastMechanismStepBlock > 0) return state.lastMechanismStepBlock + 1;
  return Math.max(0, state.currentBlock - state.tempo);
}
