/**
 * The κ-weighted median exactly as the chain searches it (`weighted_median`, spec §3.6): a
 * deterministic mid-element pivot, stake strictly below (`lo`) and strictly above (`hi`) it against
 * running bounds [L, H], and the same inequalities, so ties and the stake-equals-κ boundary land
 * where the chain's do. Candidate lists keep the chain's order (the pivot depends on it) but live
 * in reusable index buffers, so a column costs no allocation.
 */
import type { Numerics, Vec } from './numerics.js';
import type { Matrix } from './sparse.js';
import { normalize, sum } from './sparse.js';

/** Index buffers for one search, sized for `capacity` candidates, reused across columns. */
export class MedianScratch {
  current: Int32Array;
  lower: Int32Array;
  upper: Int32Array;

  constructor(capacity: number) {
    this.current = new Int32Array(capacity);
    this.lower = new Int32Array(capacity);
    this.upper = new Int32Array(capacity);
  }
}

/**
 * The stake-weighted median of `score[offset + k]` over the candidates k = 0 … count − 1, searched in
 * [lo, hi] for the point `minority`.
 *
 * @example weightedMedian(floatNumerics, [0.5, 0.5], [0.2, 0.8], 2, 0.5, 0, 1) // → 0.8
 */
export function weightedMedian<T extends number | bigint>(
  num: Numerics<T>,
  stake: Vec<T>,
  score: Vec<T>,
  count: number,
  minority: T,
  lo: T,
  hi: T,
  scratch: MedianScratch = new MedianScratch(count),
  offset = 0,
): T {
  let { current, lower, upper } = scratch;
  for (let k = 0; k < count; k++) current[k] = k;
  let n = count;
  for (let iteration = 0; iteration <= count; iteration++) {
    if (n === 0) return num.zero;
    if (n === 1) return score[offset + current[0]];
    const pivot = score[offset + current[n >> 1]];
    let loStake = num.zero;
    let hiStake = num.zero;
    let nLower = 0;
    let nUpper = 0;
    // Branch-free partition: both lists get the index, and only the matching count moves on.
    for (let c = 0; c < n; c++) {
      const idx = current[c];
      const s = score[offset + idx];
      const below = +(s < pivot) as 0 | 1;
      const above = +(s > pivot) as 0 | 1;
      lower[nLower] = idx;
      upper[nUpper] = idx;
      nLower += below;
      nUpper += above;
      loStake = num.addIf(loStake, stake[idx], below);
      hiStake = num.addIf(hiStake, stake[idx], above);
    }
    const loEdge = num.add(lo, loStake);
    const hiEdge = num.sub(hi, hiStake);
    const spare = current;
    if (minority < loEdge && nLower > 0) {
      current = lower;
      lower = spare;
      n = nLower;
      hi = loEdge;
    } else if (hiEdge <= minority && nUpper > 0) {
      current = upper;
      upper = spare;
      n = nUpper;
      lo = hiEdge;
    } else {
      return pivot;
    }
  }
  return num.zero;
}

/**
 * `weighted_median_col_sparse`: per column, the median over validators with positive active stake
 * (their stake renormalised; a missing entry scores 0), with minority = Σa − κ.
 */
export function consensusSparse<T extends number | bigint>(num: Numerics<T>, activeStake: Vec<T>, weights: Matrix<T>, kappa: T): Vec<T> {
  const { n } = weights;
  const rows: number[] = [];
  for (let i = 0; i < activeStake.length; i++) if (activeStake[i] > num.zero) rows.push(i);
  const v = rows.length;
  const useStake = num.vec(v);
  rows.forEach((i, k) => (useStake[k] = activeStake[i]));
  normalize(num, useStake);
  const stakeSum = sum(num, useStake);
  const minority = num.sub(stakeSum, kappa);
  // Column-major scores: column c's validators at c·v … c·v + v − 1.
  const scores = num.vec(n * v);
  rows.forEach((i, k) => {
    for (let e = weights.start[i]; e < weights.start[i + 1]; e++) scores[weights.col[e] * v + k] = weights.val[e];
  });
  const scratch = new MedianScratch(v);
  const consensus = num.vec(n);
  for (let c = 0; c < n; c++) consensus[c] = weightedMedian(num, useStake, scores, v, minority, num.zero, stakeSum, scratch, c * v);
  return consensus;
}

/**
 * `weighted_median_col` (dense): rows are validators, columns miners; rows with zero stake are
 * left out and the rest renormalised; minority = Σ − `majority`.
 */
export function consensusDense<T extends number | bigint>(
  num: Numerics<T>,
  stake: Vec<T>,
  score: readonly Vec<T>[],
  majority: T,
): Vec<T> {
  const columns = score.length > 0 ? score[0].length : 0;
  const rows: number[] = [];
  for (let r = 0; r < stake.length; r++) if (stake[r] > num.zero) rows.push(r);
  const median = num.vec(columns);
  if (rows.length === 0) return median;
  const useStake = num.vec(rows.length);
  rows.forEach((r, k) => (useStake[k] = stake[r]));
  normalize(num, useStake);
  const stakeSum = sum(num, useStake);
  const minority = num.sub(stakeSum, majority);
  const scratch = new MedianScratch(rows.length);
  const useScore = num.vec(rows.length);
  for (let c = 0; c < columns; c++) {
    rows.forEach((r, k) => (useScore[k] = score[r][c]));
    median[c] = weightedMedian(num, useStake, useScore, rows.length, minority, num.zero, stakeSum, scratch);
  }
  return median;
}
