/**
 * Weights on both sides of `set_weights`.
 *
 * Chain side (subtensor `epoch/math.rs`, spec §8): the u16 max-upscale and the max-weight check,
 * bit-exact through `fixed.ts`. SDK side (bittensor 10.2.0 `utils/weight_utils.py`, spec §9): the
 * float pipeline a validator runs before submitting. The SDK mixes float32 (NumPy arrays) and
 * float64 (Python floats); each function below says which it reproduces and where, so the u16 rows
 * match the SDK's bit for bit (checked against NumPy 2.x, whose NEP 50 promotion keeps a float32
 * array float32 when a Python float meets it).
 */

import { proctorError } from '../errors.js';
import { type Fixed, fromInt, mul, round, safeDiv, toU16 } from './fixed.js';
import type { U16Row } from './state.js';
import { type FloatPrecision, type Rounding, ascending, numpyQuantile, numpySum, rounding } from './numpy-float.js';

const U16_MAX = 65535;
/** Above this the chain's `e · 65535` would overflow I32F32's 31 integer bits (§8.10). */
const UPSCALE_THRESHOLD = 32768;
/** `normalize_max_weight`'s "numerical stability" term. */
const EPSILON = 1e-7;
/** `process_weights` gives every uid this much before adding the real weights (too few non-zero). */
const FLOOR_WEIGHT = 1e-5;

export type { U16Row } from './state.js';
export type { FloatPrecision } from './numpy-float.js';

function invalid(problem: string): never {
  throw proctorError('PROCTOR_ERR_WEIGHTS_INVALID', { problem });
}

function isU16(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= U16_MAX;
}

function checkU16s(values: readonly number[], name: string): void {
  values.forEach((value, i) => {
    if (!isU16(value)) invalid(`${name}[${i}] = ${value} is not an integer from 0 to 65535`);
  });
}

function checkWeights(weights: readonly number[], name = 'weights'): void {
  weights.forEach((weight, i) => {
    if (!Number.isFinite(weight)) invalid(`${name}[${i}] = ${weight} is not a finite number`);
    if (weight < 0) invalid(`${name}[${i}] = ${weight} is negative`);
  });
}

function checkSameLength(uids: readonly number[], weights: readonly number[]): void {
  if (uids.length !== weights.length) {
    invalid(`uids and weights differ in length (${uids.length} and ${weights.length})`);
  }
}

function float32Weights(weights: readonly number[], name = 'weights'): number[] {
  return weights.map((weight, i) => {
    const single = Math.fround(weight);
    if (!Number.isFinite(single)) invalid(`${name}[${i}] = ${weight} overflows float32`);
    return single;
  });
}

// ---- chain ----

/**
 * The chain's `vec_u16_max_upscale_to_u16`: scales a u16 row so its largest value becomes 65535,
 * in I32F32 exactly as `set_weights` does before storing (§8.10). Rounding is half away from zero,
 * but above a max of 32768 the chain multiplies by a truncated ratio, which can pull an exact tie
 * below .5.
 *
 * @example
 * ```ts
 * chainMaxUpscale([43690, 21845]); // [65535, 32768]
 * chainMaxUpscale([32767, 65534]); // [32767, 65535]: 32767.5 exactly, but the ratio is truncated
 * ```
 */
export function chainMaxUpscale(values: readonly number[]): number[] {
  checkU16s(values, 'values');
  if (values.length === 0) return [];
  const fixed = values.map((value) => fromInt(value));
  const max = fixed.reduce((a, b) => (b > a ? b : a));
  const u16Max = fromInt(U16_MAX);
  if (max === 0n) return fixed.map((e) => toU16(mul(e, u16Max)));
  if (max > fromInt(UPSCALE_THRESHOLD)) {
    const ratio = safeDiv(u16Max, max);
    return fixed.map((e) => toU16(round(mul(e, ratio))));
  }
  return fixed.map((e) => toU16(round(safeDiv(mul(e, u16Max), max))));
}

/**
 * The chain's `check_vec_max_limited`: true when no value's share of the row's sum exceeds
 * `limit / 65535`, both in I32F32 (§8.11). An empty or all-zero row passes. This is the arithmetic
 * only: the chain skips the check for a self-weight and when `MaxWeightsLimit == 65535`.
 *
 * @example
 * ```ts
 * checkMaxWeightLimited([65535, 65535], 32768); // true: 0.5 <= 32768/65535
 * checkMaxWeightLimited([65535, 65535], 32767); // false
 * ```
 */
export function checkMaxWeightLimited(values: readonly number[], limit: number): boolean {
  checkU16s(values, 'values');
  if (!isU16(limit)) invalid(`limit = ${limit} is not an integer from 0 to 65535`);
  if (values.length === 0) return true;
  const maxLimit = safeDiv(fromInt(limit), fromInt(U16_MAX));
  const fixed = values.map((value) => fromInt(value));
  const sum = fixed.reduce((a, b) => a + b, 0n);
  // inplace_normalize leaves a zero-sum row as it is.
  const shares: Fixed[] = sum === 0n ? fixed : fixed.map((e) => safeDiv(e, sum));
  return shares.every((share) => share <= maxLimit);
}

// ---- SDK: conversion to u16 ----

/** Python's `round(float)`: to nearest, ties to even. `x − floor(x)` is exact for doubles. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest !== 0.5) return rest < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function checkEmitInput(uids: readonly number[], weights: readonly number[]): void {
  // The SDK raises here too: `min([])` of an empty list is a ValueError.
  if (uids.length === 0 || weights.length === 0) invalid('no weights were given');
  checkSameLength(uids, weights);
  checkWeights(weights);
  checkU16s(uids, 'uids');
}

function emit(uids: readonly number[], weights: readonly number[]): U16Row {
  let sum = 0;
  for (const weight of weights) sum += weight;
  const row: U16Row = { uids: [], values: [] };
  if (sum === 0) return row;
  const max = weights.reduce((a, b) => (b > a ? b : a));
  weights.forEach((weight, i) => {
    const value = roundHalfEven((weight / max) * U16_MAX);
    // The chain would store an explicit 0, which still counts for bonds (§3.9); the SDK drops it.
    if (value !== 0) {
      row.uids.push(uids[i]);
      row.values.push(value);
    }
  });
  return row;
}

/**
 * The SDK's `convert_weights_and_uids_for_emit`: max-upscales float weights in float64, converts
 * each to `round(w / max · 65535)` with Python's ties-to-even, and drops the entries that become 0.
 * All-zero weights give empty lists. Throws `PROCTOR_ERR_WEIGHTS_INVALID` on a negative or
 * non-finite weight, a uid that is not a u16, a length mismatch, or empty lists (the SDK raises on
 * the same inputs).
 *
 * @example
 * ```ts
 * convertWeightsAndUidsForEmit([0, 1, 2], [0.5, 1, 0]); // { uids: [0, 1], values: [32768, 65535] }
 * ```
 */
export function convertWeightsAndUidsForEmit(
  uids: readonly number[],
  weights: readonly number[],
): U16Row {
  checkEmitInput(uids, weights);
  return emit(uids, weights);
}

/**
 * The SDK's `convert_and_normalize_weights_and_uids`, the path `set_weights` takes: the weights
 * become a float32 array first, then {@link convertWeightsAndUidsForEmit} runs. That function calls
 * `.tolist()` before dividing, so only the input rounding is float32; the upscale is float64.
 *
 * @example
 * ```ts
 * convertAndNormalizeWeightsAndUids([4, 7], [0.25, 1]); // { uids: [4, 7], values: [16384, 65535] }
 * ```
 */
export function convertAndNormalizeWeightsAndUids(
  uids: readonly number[],
  weights: readonly number[],
): U16Row {
  checkEmitInput(uids, weights);
  return emit(uids, float32Weights(weights));
}

// ---- SDK: normalisation and processing ----

/**
 * The SDK's `normalize_max_weight`: scales `x` to sum to 1 and clips the largest entries so that
 * none exceeds `limit` (up to ε = 1e-7). It returns a uniform vector when Σx = 0 or
 * `len · limit <= 1`.
 *
 * `precision` is the dtype of the NumPy array the SDK would hold: `'float32'` (what
 * {@link processWeights} passes in its main branch) rounds every array operation to float32, with
 * `limit` and ε rounded to float32 where they meet the array and the cutoff left in float64 (it is
 * divided by a NumPy int64 expression), as NumPy 2 does; `'float64'` (the default) is plain double
 * arithmetic. Sums are NumPy's pairwise sums, so the result matches the SDK's bit for bit.
 *
 * The SDK's quirks are kept: when the kept shares are themselves near ε the ε-shifted cutoff can
 * clip them too and the largest share can exceed `limit`, and a cutoff of exactly 0 (or one that
 * underflows) gives NaN everywhere, which {@link convertWeightsAndUidsForEmit} then rejects.
 *
 * @example
 * ```ts
 * normalizeMaxWeight([1, 1, 1, 1, 6], 0.3); // ≈ [0.175, 0.175, 0.175, 0.175, 0.3]
 * normalizeMaxWeight([1, 2, 3], 0.2); // [1/3, 1/3, 1/3]: 3 · 0.2 <= 1, no cap is reachable
 * ```
 */
export function normalizeMaxWeight(
  x: readonly number[],
  limit = 0.1,
  precision: FloatPrecision = 'float64',
): number[] {
  checkWeights(x, 'x');
  if (!Number.isFinite(limit) || limit < 0) invalid(`limit = ${limit} is not a non-negative number`);
  const r = rounding(precision);
  const weights = precision === 'float32' ? float32Weights(x, 'x') : [...x];
  const n = weights.length;
  if (numpySum(weights, r) === 0 || n * limit <= 1) return weights.map(() => r(1 / n));

  const values = ascending(weights);
  const total = numpySum(values, r);
  const estimation = values.map((v) => r(v / total));
  const limitAsArray = r(limit);
  const epsilon = r(EPSILON);
  // `values` is sorted, so the last share is the largest.
  if (estimation[n - 1] <= limitAsArray) {
    const sum = numpySum(weights, r);
    return weights.map((w) => r(w / sum));
  }

  const cumsum: number[] = [];
  estimation.forEach((e, i) => cumsum.push(i === 0 ? e : r(cumsum[i - 1] + e)));
  // k = how many of the smallest entries stay below the limit if everything above them were
  // clipped to their value; the rest get clipped to the cutoff that makes their share `limit`.
  let k = 0;
  estimation.forEach((e, i) => {
    const clippedTotal = r(r(r((n - i - 1) * e) + cumsum[i]) + epsilon);
    if (r(e / clippedTotal) < limitAsArray) k++;
  });
  // Python's cumsum[k − 1] reads the last element when k is 0.
  const keptShare = cumsum[k === 0 ? n - 1 : k - 1];
  // `k` is a NumPy int64, which makes the denominator a float64 scalar, so from here on the
  // cutoff is float64 and only its stored copy is rounded to the array's precision.
  const denominator = 1 - limit * (n - k);
  const cutoff = (r(r(limitAsArray * keptShare) - epsilon) / denominator) * total;
  const clipped = weights.map((w) => (w > cutoff ? r(cutoff) : w));
  const sum = numpySum(clipped, r);
  return clipped.map((w) => r(w / sum));
}

/** The arguments of {@link processWeights}, named as the subnet hyper-parameters they come from. */
export interface ProcessWeightsInput {
  uids: readonly number[];
  weights: readonly number[];
  /** The number of uids on the subnet (`metagraph.n`). */
  n: number;
  /** `MinAllowedWeights`. */
  minAllowedWeights: number;
  /** `MaxWeightsLimit / 65535`, a float. */
  maxWeightLimit: number;
  /** How many 65535ths of the smallest non-zero weights to drop; 0 keeps them all. */
  excludeQuantile?: number;
}

/** Uids and float weights ready for {@link convertAndNormalizeWeightsAndUids}. */
export interface ProcessedWeights {
  uids: number[];
  weights: number[];
}

function checkProcessInput(input: ProcessWeightsInput): void {
  const { uids, weights, n, minAllowedWeights, maxWeightLimit, excludeQuantile = 0 } = input;
  const counts = { n, minAllowedWeights, excludeQuantile };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      invalid(`${name} = ${value} is not a non-negative integer`);
    }
  }
  if (!Number.isFinite(maxWeightLimit) || maxWeightLimit < 0) {
    invalid(`maxWeightLimit = ${maxWeightLimit} is not a non-negative number`);
  }
  checkSameLength(uids, weights);
  checkWeights(weights);
  const seen = new Set<number>();
  uids.forEach((uid, i) => {
    if (!Number.isInteger(uid) || uid < 0 || uid >= n) {
      invalid(`uids[${i}] = ${uid} is not a uid from 0 to n − 1 = ${n - 1}`);
    }
    // The chain rejects a row with a repeated uid, and a sum by uid would hide it.
    if (seen.has(uid)) invalid(`uids[${i}] = ${uid} appears twice`);
    seen.add(uid);
  });
}

/**
 * The SDK's `process_weights`, what a validator runs before converting: weights are cast to
 * float32 and only the positive ones count.
 * * No positive weight, or `n < minAllowedWeights`: every uid gets `1/n` (float64).
 * * Fewer positive weights than `minAllowedWeights`: every uid gets 1e-5 plus its weight, then
 *   {@link normalizeMaxWeight} in float64 (the SDK's floor array is float64), for all `n` uids.
 * * Otherwise the weights below `np.quantile(positive, q)` are dropped, with
 *   `q = min(excludeQuantile/65535, (count − minAllowedWeights)/count)`, and the rest go through
 *   {@link normalizeMaxWeight} in float32, keeping the input's uid order.
 *
 * Unlike the SDK, the second case adds each weight **at its uid**: the SDK adds it at its
 * position in the input (`w[nz_idx] += nz_weights`), which is the same only when every uid equals
 * its position (`uids` = 0, 1, 2, … in order); otherwise the SDK credits the wrong uids, or raises
 * when a positive weight sits at a position ≥ `n`. Uids must also be unique and below `n` here,
 * as the chain requires; the SDK passes such rows on for the chain to reject.
 *
 * @example
 * ```ts
 * processWeights({ uids: [3, 0], weights: [0.7, 0.3], n: 5, minAllowedWeights: 3, maxWeightLimit: 1 });
 * // { uids: [0, 1, 2, 3, 4], weights: [≈0.3, ≈1e-5, ≈1e-5, ≈0.7, ≈1e-5] } (divided by their sum)
 * ```
 */
export function processWeights(input: ProcessWeightsInput): ProcessedWeights {
  checkProcessInput(input);
  const { uids, n, minAllowedWeights, maxWeightLimit, excludeQuantile = 0 } = input;
  const weights = float32Weights(input.weights);
  const positive = weights.flatMap((weight, i) => (weight > 0 ? [i] : []));
  const everyUid = Array.from({ length: n }, (_, uid) => uid);

  if (positive.length === 0 || n < minAllowedWeights) {
    return { uids: everyUid, weights: everyUid.map(() => 1 / n) };
  }
  if (positive.length < minAllowedWeights) {
    const floored = everyUid.map(() => FLOOR_WEIGHT);
    for (const i of positive) floored[uids[i]] += weights[i];
    return { uids: everyUid, weights: normalizeMaxWeight(floored, maxWeightLimit, 'float64') };
  }

  const maxExclude = Math.max(0, positive.length - minAllowedWeights) / positive.length;
  const q = Math.min(excludeQuantile / U16_MAX, maxExclude);
  const lowest = numpyQuantile(positive.map((i) => weights[i]), q, Math.fround);
  const kept = positive.filter((i) => weights[i] >= lowest);
  return {
    uids: kept.map((i) => uids[i]),
    weights: normalizeMaxWeight(kept.map((i) => weights[i]), maxWeightLimit, 'float32'),
  };
}
