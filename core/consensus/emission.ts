/**
 * The end of an epoch (spec §3.3 permits, §3.12 emission split, §3.13 storage): shared by the
 * sparse and dense paths.
 */
import type { Numerics } from './numerics.js';
import type { Matrix } from './sparse.js';
import { normalize, sum } from './sparse.js';
import type { EpochCarry, EpochOutput, EpochState, U16Row } from './state.js';

/** `is_topk_nonzero`: non-zero stakes, then a stable ascending sort switches off the n − k lowest. */
export function isTopKNonzero<T extends number | bigint>(num: Numerics<T>, stake: readonly T[], k: number): boolean[] {
  const result = stake.map((s) => s !== num.zero);
  const n = stake.length;
  if (n < k) return result;
  const order = stake.map((_, i) => i);
  order.sort((a, b) => (stake[a] < stake[b] ? -1 : stake[a] > stake[b] ? 1 : 0));
  for (let r = 0; r < n - k; r++) result[order[r]] = false;
  return result;
}

export interface EpochCore<T> {
  active: boolean[];
  stake: T[];
  activeStake: T[];
  permitOld: boolean[];
  permitNew: boolean[];
  consensus: T[];
  validatorTrust: T[];
  trust: T[];
  incentive: T[];
  dividends: T[];
  /** Bond rows as they go to storage, before the u16 conversion. */
  storedBonds: Matrix<T>;
}

/** Splits the emission, converts to storage forms, and decides which bond rows the epoch writes. */
export function finishEpoch<T extends number | bigint>(
  num: Numerics<T>,
  state: EpochState,
  core: EpochCore<T>,
): { output: EpochOutput; carry: EpochCarry } {
  const { incentive, dividends } = core;
  const combined = incentive.map((x, i) => num.add(x, dividends[i]));
  const emissionSum = sum(num, combined);
  let server = incentive.slice();
  let validator = dividends.slice();
  let combinedNorm = normalize(num, combined.slice());
  if (emissionSum !== num.zero) {
    server = server.map((x) => num.div(x, emissionSum));
    validator = validator.map((x) => num.div(x, emissionSum));
  } else {
    // No usable weights: emission follows active stake, or stake when nothing is active.
    const fallback = sum(num, core.activeStake) === num.zero ? core.stake : core.activeStake;
    validator = fallback.slice();
    combinedNorm = fallback.slice();
  }

  const bonds: U16Row[] = core.permitNew.map((permitted, i) => {
    if (permitted) {
      const row = core.storedBonds[i];
      return { uids: row.idx.slice(), values: row.val.map((v) => num.toU16(v)) };
    }
    if (core.permitOld[i]) return { uids: [], values: [] };
    return { uids: state.bonds[i].uids.slice(), values: state.bonds[i].values.slice() };
  });

  const frac = (xs: readonly T[]) => xs.map((x) => num.toNumber(x));
  const u16 = (xs: readonly T[]) => xs.map((x) => num.toU16(x));
  const rao = (xs: readonly T[]) => xs.map((x) => Number(num.timesRao(x, state.raoEmission)));
  const denseBonds = bonds.map((row) => {
    const out = new Array<number>(state.n).fill(0);
    row.uids.forEach((j, k) => (out[j] = row.values[k]));
    return out;
  });

  const output: EpochOutput = {
    active: core.active,
    stake: frac(core.stake),
    stake_u16: u16(core.stake),
    active_stake: frac(core.activeStake),
    validator_permits: core.permitNew,
    consensus: frac(core.consensus),
    consensus_u16: u16(core.consensus),
    validator_trust: frac(core.validatorTrust),
    validator_trust_u16: u16(core.validatorTrust),
    ranks: frac(incentive),
    ranks_u16: u16(incentive),
    trust: frac(core.trust),
    trust_u16: u16(core.trust),
    incentive: frac(incentive),
    incentive_u16: u16(incentive),
    dividends: frac(dividends),
    dividends_u16: u16(dividends),
    normalized_server_emission: frac(server),
    normalized_validator_emission: frac(validator),
    normalized_combined_emission: frac(combinedNorm),
    server_emission: rao(server),
    validator_emission: rao(validator),
    emission: rao(combinedNorm),
    bonds: denseBonds,
    bonds_fraction: denseBonds.map((row) => row.map((v) => v / 65535)),
  };
  return { output, carry: { bonds, validatorPermits: core.permitNew } };
}
