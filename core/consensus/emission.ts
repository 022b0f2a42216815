/**
 * The end of an epoch (spec §3.3 permits, §3.12 emission split, §3.13 storage): shared by the
 * sparse and dense paths.
 */
import type { Numerics, Vec } from './numerics.js';
import type { Matrix } from './sparse.js';
import { normalize, sum } from './sparse.js';
import type { EpochOutput, EpochResult, EpochState, EpochVectors, U16Row } from './state.js';

/** `is_topk_nonzero`: non-zero stakes, then a stable ascending sort switches off the n − k lowest. */
export function isTopKNonzero<T extends number | bigint>(num: Numerics<T>, stake: Vec<T>, k: number): boolean[] {
  const n = stake.length;
  const result = new Array<boolean>(n);
  for (let i = 0; i < n; i++) result[i] = stake[i] !== num.zero;
  if (n < k) return result;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (stake[a] < stake[b] ? -1 : stake[a] > stake[b] ? 1 : 0));
  for (let r = 0; r < n - k; r++) result[order[r]] = false;
  return result;
}

export interface EpochCore<T> {
  active: boolean[];
  stake: Vec<T>;
  activeStake: Vec<T>;
  permitOld: boolean[];
  permitNew: boolean[];
  consensus: Vec<T>;
  validatorTrust: Vec<T>;
  trust: Vec<T>;
  incentive: Vec<T>;
  dividends: Vec<T>;
  /** Bond rows as they go to storage, before the u16 conversion. */
  storedBonds: Matrix<T>;
}

/** Splits the emission, converts to storage forms, and decides which bond rows the epoch writes. */
export function finishEpoch<T extends number | bigint>(
  num: Numerics<T>,
  state: EpochState,
  core: EpochCore<T>,
): EpochResult {
  const { incentive, dividends } = core;
  const n = incentive.length;
  const combined = num.vec(n);
  for (let i = 0; i < n; i++) combined[i] = num.add(incentive[i], dividends[i]);
  const emissionSum = sum(num, combined);
  let server = num.slice(incentive, 0, n);
  let validator = num.slice(dividends, 0, n);
  let combinedNorm = normalize(num, num.slice(combined, 0, n));
  if (emissionSum !== num.zero) {
    for (let i = 0; i < n; i++) {
      server[i] = num.div(server[i], emissionSum);
      validator[i] = num.div(validator[i], emissionSum);
    }
  } else {
    // No usable weights: emission follows active stake, or stake when nothing is active.
    const fallback = sum(num, core.activeStake) === num.zero ? core.stake : core.activeStake;
    validator = num.slice(fallback, 0, n);
    combinedNorm = num.slice(fallback, 0, n);
  }

  // The stored u16 values are computed here; the row objects only when someone reads them.
  const stored = core.storedBonds;
  const storedU16 = new Uint16Array(stored.col.length);
  for (let e = 0; e < storedU16.length; e++) storedU16[e] = num.toU16(stored.val[e]);
  const bondRow = (i: number): U16Row => {
    if (core.permitNew[i]) {
      return { uids: Array.from(stored.col.subarray(stored.start[i], stored.start[i + 1])), values: Array.from(storedU16.subarray(stored.start[i], stored.start[i + 1])) };
    }
    if (core.permitOld[i]) return { uids: [], values: [] };
    return { uids: state.bonds[i].uids.slice(), values: state.bonds[i].values.slice() };
  };
  let bonds: U16Row[] | undefined;
  const carry = {
    validatorPermits: core.permitNew,
    get bonds(): U16Row[] {
      bonds ??= core.permitNew.map((_, i) => bondRow(i));
      return bonds;
    },
  };

  const map = <R>(xs: Vec<T>, f: (x: T) => R): R[] => {
    const out = new Array<R>(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]);
    return out;
  };
  const frac = (xs: Vec<T>) => map(xs, num.toNumber);
  const u16 = (xs: Vec<T>) => map(xs, num.toU16);
  const rao = (xs: Vec<T>) => map(xs, (x) => num.timesRao(x, state.raoEmission));
  const vectors: EpochVectors = {
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
  };
  return { vectors, carry };
}

/** The full JSON output of an epoch (spec §11): the vectors plus the stored bonds as dense n × n rows. */
export function epochOutput(result: EpochResult): EpochOutput {
  const n = result.vectors.stake.length;
  const bonds = result.carry.bonds.map((row) => {
    const out = new Array<number>(n).fill(0);
    row.uids.forEach((j, k) => (out[j] = row.values[k]));
    return out;
  });
  return { ...result.vectors, bonds, bonds_fraction: bonds.map((row) => row.map((v) => v / 65535)) };
}
