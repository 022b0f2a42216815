/**
 * The κ-weighted median exactly as the chain searches it (`weighted_median`, spec §3.6): a
 * deterministic mid-element pivot, stake strictly below (`lo`) and strictly above (`hi`) it against
 * running bounds [L, H], and the same inequalities, so ties and the stake-equals-κ boundary land
 * where the chain's do.
 */
import type { Numerics } from './numerics.js';
import type { Matrix } from './sparse.js';
import { normalize, sum, vecZeros } from './sparse.js';

/**
 * The stake-weighted median of `score` over the candidates `partition`, searched in [lo, hi].
 *
 * @example weightedMedian(floatNumerics, [0.5, 0.5], [0.2, 0.8], [0, 1], 0.5, 0, 1) // → 0.8
 */
export function weightedMedian<T extends number | bigint>(
  num: Numerics<T>,
  stake: readonly T[],
  score: readonly T[],
  partition: readonly number[],
  minority: T,
  lo: T,
  hi: T,
): T {
  let current = partition.slice();
  const limit = partition.length;
  for (let iteration = 0; iteration <= limit; iteration++) {
    const n = current.length;
    if (n === 0) return num.zero;
    if (n === 1) return score[current[0]];
    const pivot = score[current[n >> 1]];
    let loStake = num.zero;
    let hiStake = num.zero;
    const lower: number[] = [];
    const upper: number[] = [];
    for (const idx of current) {
      const s = score[idx];
      if (s === pivot) continue;
      if (s < pivot) {
        loStake = num.add(loStake, stake[idx]);
        lower.push(idx);
      } else {
        hiStake = num.add(hiStake, stake[idx]);
        upper.push(idx);
      }
    }
    const loEdge = num.add(lo, loStake);
    const hiEdge = num.sub(hi, hiStake);
    if (minority < loEdge && lower.length > 0) {
      current = lower;
      hi = loEdge;
    } else if (hiEdge <= minority && upper.length > 0) {
      current = upper;
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
export function consensusSparse<T extends number | bigint>(
  num: Numerics<T>,
  activeStake: readonly T[],
  weights: Matrix<T>,
  n: number,
  kappa: T,
): T[] {
  const rows: number[] = [];
  for (let i = 0; i < activeStake.length; i++) if (activeStake[i] > num.zero) rows.push(i);
  const useStake = normalize(num, rows.map((i) => activeStake[i]));
  const stakeSum = sum(num, useStake);
  const minority = num.sub(stakeSum, kappa);
  const partition = useStake.map((_, k) => k);
  const columns: T[][] = [];
  for (let c = 0; c < n; c++) columns.push(vecZeros(num, useStake.length));
  rows.forEach((i, k) => {
    const row = weights[i];
    for (let e = 0; e < row.idx.length; e++) columns[row.idx[e]][k] = row.val[e];
  });
  return columns.map((col) => weightedMedian(num, useStake, col, partition, minority, num.zero, stakeSum));
}

/**
 * `weighted_median_col` (dense): rows are validators, columns miners; rows with zero stake are
 * left out and the rest renormalised; minority = Σ − `majority`.
 */
export function consensusDense<T extends number | bigint>(
  num: Numerics<T>,
  stake: readonly T[],
  score: readonly (readonly T[])[],
  majority: T,
): T[] {
  const columns = score.length > 0 ? score[0].length : 0;
  const rows: number[] = [];
  for (let r = 0; r < stake.length; r++) if (stake[r] > num.zero) rows.push(r);
  const median = vecZeros(num, columns);
  if (rows.length === 0) return median;
  const useStake = normalize(num, rows.map((r) => stake[r]));
  const stakeSum = sum(num, useStake);
  const minority = num.sub(stakeSum, majority);
  const partition = useStake.map((_, k) => k);
  for (let c = 0; c < columns; c++) {
    const useScore = rows.map((r) => score[r][c]);
    median[c] = weightedMedian(num, useStake, useScore, partition, minority, num.zero, stakeSum);
  }
  return median;
}
