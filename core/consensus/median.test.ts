import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { weightedMedian, consensusSparse } from './median.js';
import { fixedNumerics as fx, floatNumerics } from './numerics.js';
import { fromInt, fromF64, u16Proportion } from './fixed.js';

/**
 * The order-free reading of the chain's search (spec §3.6): lay the validators along the stake axis
 * in ascending score order; the median is the score whose half-open block [below, below + own)
 * contains the point `minority`; past the end it is the top score, before the start the lowest.
 */
function oracle(stake: bigint[], score: bigint[], minority: bigint): bigint {
  const distinct = [...new Set(score)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let below = 0n;
  for (const s of distinct) {
    const own = stake.reduce((acc, st, i) => (score[i] === s ? acc + st : acc), 0n);
    if (below <= minority && minority < below + own) return s;
    below += own;
  }
  return minority < 0n ? distinct[0] : distinct[distinct.length - 1];
}

function median(stake: bigint[], score: bigint[], minority: bigint): bigint {
  const total = stake.reduce((a, b) => a + b, 0n);
  return weightedMedian(fx, stake, score, stake.length, minority, 0n, total);
}

describe('weightedMedian', () => {
  const half = fromF64(0.5);
  const [low, high] = [fromF64(0.2), fromF64(0.8)];

  it('picks the upper score on an exact 50/50 split with the chain\'s κ = 32767/65535 (just under ½)', () => {
    const kappa = u16Proportion(32767);
    assert.equal(median([half, half], [low, high], fromInt(1) - kappa), high);
  });

  it('picks the lower score on the same split when κ is just over ½', () => {
    const kappa = u16Proportion(32768);
    assert.equal(median([half, half], [low, high], fromInt(1) - kappa), low);
  });

  it('returns the score whose stake block holds the point exactly at the boundary (stake above = κ)', () => {
    // blocks: 0.1 → [0, 0.25), 0.3 → [0.25, 0.75), 0.9 → [0.75, 1); minority 0.75 sits on the edge of 0.9
    const stake = [0.25, 0.5, 0.25].map(fromF64);
    const score = [0.1, 0.3, 0.9].map(fromF64);
    assert.equal(median(stake, score, fromF64(0.75)), fromF64(0.9));
    assert.equal(median(stake, score, fromF64(0.75) - 1n), fromF64(0.3));
  });

  it('treats tied scores as one block', () => {
    const stake = [0.2, 0.2, 0.2, 0.4].map(fromF64);
    const score = [0.5, 0.5, 0.5, 0.1].map(fromF64);
    assert.equal(median(stake, score, fromF64(0.39)), fromF64(0.1));
    assert.equal(median(stake, score, fromF64(0.4)), fromF64(0.5));
  });

  it('returns 0 for no candidates and the only score for one', () => {
    assert.equal(weightedMedian(fx, [], [], 0, 0n, 0n, 0n), 0n);
    assert.equal(median([fromInt(1)], [fromF64(0.7)], fromF64(0.5)), fromF64(0.7));
  });

  it('agrees with the order-free reading on random stakes, tied scores and boundary points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.boolean(),
        (entries, pick, onBoundary) => {
          const stake = entries.map(([s]) => BigInt(s) << 20n);
          const score = entries.map(([, c]) => BigInt(c) << 28n);
          const total = stake.reduce((a, b) => a + b, 0n);
          // Either exactly on a cumulative-stake boundary, or anywhere in [-1, total + 1].
          const cumulative = stake.map((_, i) => stake.slice(0, i + 1).reduce((a, b) => a + b, 0n));
          const minority = onBoundary ? cumulative[pick % cumulative.length] : (BigInt(pick) % (total + 3n)) - 1n;
          assert.equal(median(stake, score, minority), oracle(stake, score, minority));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('a coalition below κ', () => {
  it('cannot lift a column\'s consensus above the highest score the rest of the stake gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 65535 }), fc.boolean()), { minLength: 2, maxLength: 16 }),
        ([first, ...rest]) => {
          const entries = [first, ...rest];
          const total = entries.reduce((a, [s]) => a + s, 0);
          // Grow the coalition greedily while it stays strictly below κ = 32767/65535 of the stake.
          let share = 0;
          const inCoalition = entries.map(([s, , wants]) => {
            if (!wants || (share + s) / total >= 32767 / 65535) return false;
            share += s;
            return true;
          });
          fc.pre(inCoalition.some((x) => !x));
          const stake = entries.map(([s]) => BigInt(s) << 20n);
          // The coalition votes the maximum; everyone else keeps their score.
          const score = entries.map(([, v], i) => (inCoalition[i] ? 1n << 32n : (BigInt(v) << 32n) / 65535n));
          const honestMax = score.filter((_, i) => !inCoalition[i]).reduce((a, b) => (a > b ? a : b));
          const sumStake = stake.reduce((a, b) => a + b, 0n);
          const kappa = (32767n << 32n) / 65535n;
          const normalised = stake.map((s) => (s << 32n) / sumStake);
          const stakeSum = normalised.reduce((a, b) => a + b, 0n);
          const consensus = weightedMedian(fx, normalised, score, normalised.length, stakeSum - kappa, 0n, stakeSum);
          assert.ok(consensus <= honestMax, `consensus ${consensus} above the honest maximum ${honestMax}`);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('consensusSparse', () => {
  it('leaves out validators without active stake and scores missing entries as 0', () => {
    const stake = [0.6, 0, 0.4];
    const weights = { n: 3, start: Int32Array.from([0, 1, 2, 3]), col: Int32Array.from([1, 1, 0]), val: Float64Array.from([0.9, 0.1, 1]) };
    const consensus = consensusSparse(floatNumerics, Float64Array.from(stake), weights, 32767 / 65535);
    assert.deepEqual(Array.from({ length: 3 }, (_, c) => consensus[c]), [0, 0.9, 0]);
  });
});
