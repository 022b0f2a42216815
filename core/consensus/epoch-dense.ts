/**
 * The chain's test-only dense epoch (`epoch_dense`, spec §5.4): n × n matrices in which an absent
 * entry is a zero. It agrees with the sparse path to the bit except where the spec says it does
 * not: no subnet-owner rules, no commit-reveal mask, and liquid-alpha bonds that decay in every
 * column. Kept as an independent implementation, so that tests can hold the two paths against
 * each other, as the chain's own `test_512_graph_random_weights` does.
 */
import type { Numerics } from './numerics.js';
import { consensusDense } from './median.js';
import { normalize, sum, vecZeros } from './sparse.js';
import type { EpochResult, EpochState } from './state.js';
import { activityCutoff, lastTempoBlock } from './state.js';
import { finishEpoch, isTopKNonzero } from './emission.js';
import { liquidParams } from './bonds.js';

type Dense<T> = T[][];

function denseFrom<T extends number | bigint>(num: Numerics<T>, state: EpochState, which: 'weights' | 'bonds', load: (v: number) => T): Dense<T> {
  return state[which].map((row) => {
    const out = vecZeros(num, state.n);
    row.uids.forEach((j, k) => (out[j] = load(row.values[k])));
    return out;
  });
}

function colSums<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, n: number): T[] {
  const sums = vecZeros(num, n);
  for (const row of m) for (let j = 0; j < n; j++) sums[j] = num.add(sums[j], row[j]);
  return sums;
}

function colNormalize<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, n: number): void {
  const sums = colSums(num, m, n);
  for (const row of m) for (let j = 0; j < n; j++) if (sums[j] !== num.zero) row[j] = num.div(row[j], sums[j]);
}

function matmul<T extends number | bigint>(num: Numerics<T>, m: Dense<T>, v: readonly T[], n: number): T[] {
  const out = vecZeros(num, n);
  m.forEach((row, i) => {
    for (let j = 0; j < n; j++) out[j] = num.add(out[j], num.mul(v[i], row[j]));
  });
  return out;
}

export function runDenseEpoch<T extends number | bigint>(num: Numerics<T>, state: EpochState): EpochResult {
  const { n } = state;
  const cutoff = activityCutoff(state);
  const active = state.lastUpdate.map((u) => !(u + cutoff < state.currentBlock));
  const stake = num.stakeWeights(state.stake, state.stakeThreshold, null);
  const permitOld = state.validatorPermits.slice();
  const permitNew = isTopKNonzero(num, stake, state.maxAllowedValidators);
  const activeStake = normalize(num, stake.map((s, i) => (active[i] && permitOld[i] ? s : num.zero)));

  const weights = denseFrom(num, state, 'weights', (v) => num.fromInt(v));
  weights.forEach((row, i) => {
    for (let j = 0; j < n; j++) {
      if (!permitOld[i] || i === j || state.lastUpdate[i] <= state.blockAtRegistration[j]) row[j] = num.zero;
    }
    const s = sum(num, row);
    if (s > num.zero) for (let j = 0; j < n; j++) row[j] = num.div(row[j], s);
  });

  const preranks = matmul(num, weights, activeStake, n);
  const consensus = consensusDense(num, activeStake, weights, num.fromU16Proportion(state.kappa));
  const clipped = weights.map((row) => row.map((w, j) => (consensus[j] < w ? consensus[j] : w)));
  const validatorTrust = clipped.map((row) => sum(num, row));
  const ranks = matmul(num, clipped, activeStake, n);
  const trust = ranks.map((r, j) => num.div(r, preranks[j]));
  const incentive = normalize(num, ranks);

  const beta = num.fromU16Proportion(state.bondsPenalty);
  const weightsForBonds =
    beta === num.zero ? weights
    : beta === num.one ? clipped
    : weights.map((row, i) => row.map((w, j) => num.add(w, num.mul(beta, num.sub(clipped[i][j], w)))));
  const recent = lastTempoBlock(state);
  const load = state.yuma3 ? (v: number) => num.fromU16Proportion(v) : (v: number) => num.fromInt(v);
  const bonds = denseFrom(num, state, 'bonds', load);
  for (const row of bonds) for (let j = 0; j < n; j++) if (recent <= state.blockAtRegistration[j]) row[j] = num.zero;
  const alpha = num.emaAlpha(state.bondsMovingAverage);

  let emaBonds: Dense<T>;
  let dividends: T[];
  if (state.yuma3) {
    const liquid = state.liquidAlpha && consensus.some((c) => c !== num.zero) ? liquidParams(num, state) : null;
    const half = num.div(num.one, num.fromInt(2));
    const clamp = (x: T, lo: T, hi: T): T => (x > hi ? hi : x < lo ? lo : x);
    emaBonds = weightsForBonds.map((row, i) =>
      row.map((w, j) => {
        const b = bonds[i][j];
        let a = alpha;
        if (liquid) {
          const diff = w >= b ? clamp(num.sub(w, consensus[j]), num.zero, num.one) : clamp(num.sub(b, w), num.zero, num.one);
          const exponent = num.mul(num.div(liquid.steepness, num.fromInt(-100)), num.sub(diff, half));
          const sigmoid = num.div(num.one, num.add(num.one, num.expSafe(exponent)));
          a = clamp(num.add(liquid.low, num.mul(sigmoid, num.sub(liquid.high, liquid.low))), liquid.low, liquid.high);
          const inc = num.mul(a, w);
          const v = num.add(num.mul(num.sub(num.one, a), b), inc > num.zero ? inc : num.zero);
          return v > num.one ? num.one : v;
        }
        return num.add(num.mul(a, w), num.mul(num.sub(num.one, a), b));
      }),
    );
    const normalized = emaBonds.map((row) => row.slice());
    colNormalize(num, normalized, n);
    const perValidator = normalized.map((row) => sum(num, row.map((b, j) => num.mul(b, incentive[j]))));
    dividends = normalize(num, perValidator.map((b, i) => num.mul(b, activeStake[i])));
  } else {
    colNormalize(num, bonds, n);
    const delta = weightsForBonds.map((row, i) => row.map((w) => num.mul(activeStake[i], w)));
    colNormalize(num, delta, n);
    emaBonds = delta.map((row, i) => row.map((d, j) => num.add(num.mul(alpha, d), num.mul(num.sub(num.one, alpha), bonds[i][j]))));
    colNormalize(num, emaBonds, n);
    dividends = normalize(num, emaBonds.map((row) => sum(num, row.map((b, j) => num.mul(incentive[j], b)))));
    const maxes = vecZeros(num, n);
    for (const row of emaBonds) for (let j = 0; j < n; j++) if (maxes[j] < row[j]) maxes[j] = row[j];
    for (const row of emaBonds) for (let j = 0; j < n; j++) if (maxes[j] !== num.zero) row[j] = num.div(row[j], maxes[j]);
  }

  const all = Array.from({ length: n }, (_, j) => j);
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
    storedBonds: emaBonds.map((row) => ({ idx: all.slice(), val: row })),
  });
}
