/**
 * The chain's test-only dense epoch (`epoch_dense`, spec §5.4): n × n matrices in which an absent
 * entry is a zero. It agrees with the sparse path to the bit except where the spec says it does
 * not: no subnet-owner rules, no commit-reveal mask, and liquid-alpha bonds that decay in every
 * column. Kept as an independent implementation, so that tests can hold the two paths against
 * each other, as the chain's own `test_512_graph_random_weights` does.
 */
import type { Numerics, Vec } from './numerics.js';
import { consensusDense } from './median.js';
import { normalize, sum } from './sparse.js';
import type { EpochResult, EpochState } from './state.js';
import { activityCutoff, lastTempoBlock } from './state.js';
import { finishEpoch, isTopKNonzero } from './emission.js';
import { liquidParams } from './bonds.js';

type Dense<T> = Vec<T>[];

function denseFrom<T extends number | bigint>(num: Numerics<T>, state: EpochState, which: 'weights' | 'bonds', load: (v: number) => T): Dense<T> {
  return state[which].map((row) => {
    const out = num.vec(state.n);
    row.uids.forEach((j, k) => (out[j] = load(row.values[k])));
    return out;
  });
}

function mapDense<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, f: (x: T, i: number, j: number) => T): Dense<T> {
  return m.map((row, i) => {
    const out = num.vec(row.length);
    for (let j = 0; j < row.length; j++) out[j] = f(row[j], i, j);
    return out;
  });
}

function colNormalize<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, n: number): void {
  const sums = num.vec(n);
  for (const row of m) for (let j = 0; j < n; j++) sums[j] = num.add(sums[j], row[j]);
  for (const row of m) for (let j = 0; j < n; j++) if (sums[j] !== num.zero) row[j] = num.div(row[j], sums[j]);
}

function matmul<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, v: Vec<T>, n: number): Vec<T> {
  const out = num.vec(n);
  m.forEach((row, i) => {
    for (let j = 0; j < n; j++) out[j] = num.add(out[j], num.mul(v[i], row[j]));
  });
  return out;
}

function rowDot<T extends number | bigint>(num: Numerics<T>, row: Vec<T>, v: Vec<T>): T {
  let acc = num.zero;
  for (let j = 0; j < row.length; j++) acc = num.add(acc, num.mul(row[j], v[j]));
  return acc;
}

export function runDenseEpoch<T extends number | bigint>(num: Numerics<T>, state: EpochState): EpochResult {
  const { n } = state;
  const cutoff = activityCutoff(state);
  const active = state.lastUpdate.map((u) => !(u + cutoff < state.currentBlock));
  const stake = num.stakeWeights(state.stake, state.stakeThreshold, null);
  const permitOld = state.validatorPermits.slice();
  const permitNew = isTopKNonzero(num, stake, state.maxAllowedValidators);
  const activeStake = num.vec(n);
  for (let i = 0; i < n; i++) if (active[i] && permitOld[i]) activeStake[i] = stake[i];
  normalize(num, activeStake);

  const weights = denseFrom(num, state, 'weights', num.fromInt);
  weights.forEach((row, i) => {
    for (let j = 0; j < n; j++) {
      if (!permitOld[i] || i === j || state.lastUpdate[i] <= state.blockAtRegistration[j]) row[j] = num.zero;
    }
    const s = sum(num, row);
    if (s > num.zero) for (let j = 0; j < n; j++) row[j] = num.div(row[j], s);
  });

  const preranks = matmul(num, weights, activeStake, n);
  const consensus = consensusDense(num, activeStake, weights, num.fromU16Proportion(state.kappa));
  const clipped = mapDense(num, weights, (w, _i, j) => (consensus[j] < w ? consensus[j] : w));
  const validatorTrust = num.vec(n);
  clipped.forEach((row, i) => (validatorTrust[i] = sum(num, row)));
  const ranks = matmul(num, clipped, activeStake, n);
  const trust = num.vec(n);
  for (let j = 0; j < n; j++) trust[j] = num.div(ranks[j], preranks[j]);
  const incentive = normalize(num, ranks);

  const beta = num.fromU16Proportion(state.bondsPenalty);
  const weightsForBonds =
    beta === num.zero ? weights
    : beta === num.one ? clipped
    : mapDense(num, weights, (w, i, j) => num.add(w, num.mul(beta, num.sub(clipped[i][j], w))));
  const recent = lastTempoBlock(state);
  const bonds = denseFrom(num, state, 'bonds', state.yuma3 ? num.fromU16Proportion : num.fromInt);
  for (const row of bonds) for (let j = 0; j < n; j++) if (recent <= state.blockAtRegistration[j]) row[j] = num.zero;
  const alpha = num.emaAlpha(state.bondsMovingAverage);

  let emaBonds: Dense<T>;
  let dividends: Vec<T>;
  if (state.yuma3) {
    let anyConsensus = false;
    for (let j = 0; j < n; j++) if (consensus[j] !== num.zero) anyConsensus = true;
    const liquid = state.liquidAlpha && anyConsensus ? liquidParams(num, state) : null;
    const half = num.div(num.one, num.fromInt(2));
    const clamp = (x: T, lo: T, hi: T): T => (x > hi ? hi : x < lo ? lo : x);
    emaBonds = mapDense(num, weightsForBonds, (w, i, j) => {
      const b = bonds[i][j];
      if (!liquid) return num.add(num.mul(alpha, w), num.mul(num.sub(num.one, alpha), b));
      const diff = w >= b ? clamp(num.sub(w, consensus[j]), num.zero, num.one) : clamp(num.sub(b, w), num.zero, num.one);
      const exponent = num.mul(num.div(liquid.steepness, num.fromInt(-100)), num.sub(diff, half));
      const sigmoid = num.div(num.one, num.add(num.one, num.expSafe(exponent)));
      const a = clamp(num.add(liquid.low, num.mul(sigmoid, num.sub(liquid.high, liquid.low))), liquid.low, liquid.high);
      const inc = num.mul(a, w);
      const v = num.add(num.mul(num.sub(num.one, a), b), inc > num.zero ? inc : num.zero);
      return v > num.one ? num.one : v;
    });
    const normalized = emaBonds.map((row) => num.slice(row, 0, n));
    colNormalize(num, normalized, n);
    const perValidator = num.vec(n);
    normalized.forEach((row, i) => (perValidator[i] = num.mul(rowDot(num, row, incentive), activeStake[i])));
    dividends = normalize(num, perValidator);
  } else {
    colNormalize(num, bonds, n);
    const delta = mapDense(num, weightsForBonds, (w, i) => num.mul(activeStake[i], w));
    colNormalize(num, delta, n);
    emaBonds = mapDense(num, delta, (d, i, j) => num.add(num.mul(alpha, d), num.mul(num.sub(num.one, alpha), bonds[i][j])));
    colNormalize(num, emaBonds, n);
    const raw = num.vec(n);
    emaBonds.forEach((row, i) => (raw[i] = rowDot(num, row, incentive)));
    dividends = normalize(num, raw);
    const maxes = num.vec(n);
    for (const row of emaBonds) for (let j = 0; j < n; j++) if (maxes[j] < row[j]) maxes[j] = row[j];
    for (const row of emaBonds) for (let j = 0; j < n; j++) if (maxes[j] !== num.zero) row[j] = num.div(row[j], maxes[j]);
  }

  // The dense epoch stores every column of a bond row, zeros included.
  const start = Int32Array.from({ length: n + 1 }, (_, i) => i * n);
  const col = Int32Array.from({ length: n * n }, (_, e) => e % n);
  const val = num.vec(n * n);
  emaBonds.forEach((row, i) => {
    for (let j = 0; j < n; j++) val[i * n + j] = row[j];
  });
  return finishEpoch(num, state, {
    active,
    stake,
    activeStake,
    permitOld,
    permitNew,
    consensus,
    validatorTrust,
    trust,
    incentive,
    dividends,
    storedBonds: { n, start, col, val },
  });
}
