import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  chainMaxUpscale,
  convertAndNormalizeWeightsAndUids,
  convertWeightsAndUidsForEmit,
  type FloatPrecision,
  normalizeMaxWeight,
} from '../core/consensus/weights.js';

const weight = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 20 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
);
const weightsWithPositiveMax = fc
  .array(weight, { minLength: 1, maxLength: 60 })
  .filter((weights) => weights.some((w) => Math.fround(w) > 0));

/** The SDK's row for `weights`, keyed back to each weight's index, with the weights it saw. */
function convert(weights: number[], float32: boolean) {
  const uids = weights.map((_, i) => i);
  const row = (float32 ? convertAndNormalizeWeightsAndUids : convertWeightsAndUidsForEmit)(uids, weights);
  const seen = float32 ? weights.map(Math.fround) : weights;
  return { row, seen, max: Math.max(...seen) };
}

describe('u16 weight conversion', () => {
  for (const float32 of [false, true]) {
    const path = float32 ? 'convertAndNormalizeWeightsAndUids' : 'convertWeightsAndUidsForEmit';

    it(`u16 conversion round-trips within one unit (${path} then the chain's upscale)`, () => {
      fc.assert(
        fc.property(weightsWithPositiveMax, (weights) => {
          const { row, seen, max } = convert(weights, float32);
          const stored = chainMaxUpscale(row.values);
          row.values.forEach((value, i) => assert.ok(Math.abs(stored[i] - value) <= 1));
          // Stronger, and true: the SDK's row already has 65535 as its max, so the chain keeps it.
          assert.deepEqual(stored, row.values);
          row.uids.forEach((uid, i) => {
            assert.ok(Math.abs(row.values[i] / 65535 - seen[uid] / max) <= 1 / 65535);
          });
          // What was dropped rounded to 0, i.e. was at most half a unit.
          const kept = new Set(row.uids);
          seen.forEach((w, uid) => kept.has(uid) || assert.ok((w / max) * 65535 <= 0.5));
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('normalizeMaxWeight', () => {
  for (const precision of ['float64', 'float32'] as FloatPrecision[]) {
    it(`clipping keeps the order of the weights (${precision})`, () => {
      const input = fc.record({
        x: fc.array(weight, { minLength: 1, maxLength: 60 }),
        limit: fc.double({ min: 0.005, max: 1, noNaN: true }),
      });
      fc.assert(
        fc.property(input, ({ x, limit }) => {
          const shares = normalizeMaxWeight(x, limit, precision);
          // Like the SDK, a cutoff of exactly 0 (or one that underflows) divides 0 by 0.
          fc.pre(!shares.some(Number.isNaN));
          for (let i = 0; i < x.length; i++) {
            for (let j = 0; j < x.length; j++) {
              if (x[i] <= x[j]) assert.ok(shares[i] <= shares[j] + 1e-9, `x[${i}] <= x[${j}] but share ${shares[i]} > ${shares[j]}`);
            }
          }
          const sum = shares.reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(sum - 1) < (precision === 'float32' ? 1e-5 : 1e-9), `shares sum to ${sum}`);
        }),
        { numRuns: 200 },
      );
    });

    it(`clipping caps the largest share at the limit when len · limit > 1 (${precision})`, () => {
      // The cap holds up to the SDK's ε = 1e-7 only while no share is itself near ε, so the
      // non-zero weights here stay within a factor of 100 of each other (see the unit tests
      // for the SDK's behaviour when they do not).
      const comparable = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.double({ min: 1, max: 100, noNaN: true }));
      const input = fc
        .record({
          x: fc.array(comparable, { minLength: 1, maxLength: 60 }),
          limit: fc.double({ min: 0.02, max: 1, noNaN: true }),
        })
        .filter(({ x, limit }) => x.length * limit > 1 && x.some((v) => v > 0));
      fc.assert(
        fc.property(input, ({ x, limit }) => {
          const largest = Math.max(...normalizeMaxWeight(x, limit, precision));
          assert.ok(largest <= limit + 1e-6, `largest share ${largest} > limit ${limit}`);
        }),
        { numRuns: 200 },
      );
    });
  }
});
