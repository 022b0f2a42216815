import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  chainMaxUpscale,
  checkMaxWeightLimited,
  convertAndNormalizeWeightsAndUids,
  convertWeightsAndUidsForEmit,
  normalizeMaxWeight,
  processWeights,
} from './weights.js';

const invalidWeights = { code: 'PROCTOR_ERR_WEIGHTS_INVALID' };

/**
 * The chain's upscale written from its definition in integers, without fixed.ts: at most 32768 it
 * is e·65535/m rounded half up (the 32-bit truncation cannot cross a .5), above that it is e times
 * the ratio 65535/m truncated to 32 fractional bits, rounded half up.
 */
function integerUpscale(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const max = BigInt(values.reduce((a, b) => Math.max(a, b)));
  if (max === 0n) return values.map(() => 0);
  const scale = 1n << 32n;
  if (max > 32768n) {
    const ratio = (65535n * scale) / max;
    return values.map((e) => Number((BigInt(e) * ratio + scale / 2n) / scale));
  }
  return values.map((e) => Number((2n * BigInt(e) * 65535n + max) / (2n * max)));
}

function assertClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - expected[i]) <= tolerance, `[${i}]: ${value} is not within ${tolerance} of ${expected[i]}`);
  });
}

describe('chainMaxUpscale', () => {
  it('upscales [43690, 21845] to [65535, 32768]', () => {
    assert.deepEqual(chainMaxUpscale([43690, 21845]), [65535, 32768]);
  });

  it('scales a row whose max is at most 32768 by v·65535/max: [32767, 0, 32767] → [65535, 0, 65535]', () => {
    assert.deepEqual(chainMaxUpscale([32767, 0, 32767]), [65535, 0, 65535]);
  });

  it('rounds an exact tie half away from zero: [1, 6] → [10923, 65535], where ties-to-even gives 10922', () => {
    // 1 · 65535 / 6 = 10922.5 exactly.
    assert.deepEqual(chainMaxUpscale([1, 6]), [10923, 65535]);
  });

  it('rounds a tie down above 32768, because the ratio 65535/max is truncated first', () => {
    // 32767 · 65535 / 65534 = 32767.5, but 32767 · ⌊65535·2^32/65534⌋ / 2^32 = 32767.4999999995.
    assert.deepEqual(chainMaxUpscale([32767, 65534]), [32767, 65535]);
  });

  it('keeps an all-zero row at zero', () => {
    assert.deepEqual(chainMaxUpscale([0, 0, 0]), [0, 0, 0]);
  });

  it('returns an empty row for an empty row', () => {
    assert.deepEqual(chainMaxUpscale([]), []);
  });

  it('leaves a row whose max is already 65535 unchanged', () => {
    assert.deepEqual(chainMaxUpscale([65535, 1, 32768, 0]), [65535, 1, 32768, 0]);
  });

  it('agrees with an integer model of the I32F32 arithmetic on random rows', () => {
    const small = fc.array(fc.integer({ min: 0, max: 32768 }), { maxLength: 20 });
    const any = fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 20 });
    fc.assert(
      fc.property(fc.oneof(small, any), (row) => {
        assert.deepEqual(chainMaxUpscale(row), integerUpscale(row));
      }),
      { numRuns: 400 },
    );
  });

  it('rejects values that are not u16 integers', () => {
    assert.throws(() => chainMaxUpscale([1, 65536]), invalidWeights);
    assert.throws(() => chainMaxUpscale([-1]), invalidWeights);
    assert.throws(() => chainMaxUpscale([0.5]), invalidWeights);
  });
});

describe('checkMaxWeightLimited', () => {
  it('accepts two equal values at a limit of 32768/65535 and rejects them at 32767/65535', () => {
    assert.equal(checkMaxWeightLimited([65535, 65535], 32768), true);
    assert.equal(checkMaxWeightLimited([65535, 65535], 32767), false);
  });

  it('accepts a single non-zero value only at the full limit of 65535', () => {
    assert.equal(checkMaxWeightLimited([0, 65535, 0], 65535), true);
    assert.equal(checkMaxWeightLimited([0, 65535, 0], 65534), false);
  });

  it('accepts an empty row and an all-zero row', () => {
    assert.equal(checkMaxWeightLimited([], 0), true);
    assert.equal(checkMaxWeightLimited([0, 0], 0), true);
  });

  it('rejects a limit that is not a u16', () => {
    assert.throws(() => checkMaxWeightLimited([1], 70000), invalidWeights);
  });
});

describe('convertWeightsAndUidsForEmit', () => {
  it('max-upscales so the largest weight becomes 65535', () => {
    assert.deepEqual(convertWeightsAndUidsForEmit([0, 1, 2], [0.5, 1, 0.25]), {
      uids: [0, 1, 2],
      values: [32768, 65535, 16384],
    });
  });

  it('rounds exact halves to even, as Python does: 0.5 → 0, 1.5 → 2, 2.5 → 2, 3.5 → 4', () => {
    // w / 131070 · 65535 lands exactly on w / 2 in float64 for these w.
    const row = convertWeightsAndUidsForEmit([10, 11, 12, 13, 14], [1, 3, 5, 7, 131070]);
    assert.deepEqual(row, { uids: [11, 12, 13, 14], values: [2, 2, 4, 65535] });
  });

  it('drops the entries that round to 0 from both lists', () => {
    const row = convertWeightsAndUidsForEmit([4, 5, 6, 7], [1e-9, 1, 0, 0.5]);
    assert.deepEqual(row, { uids: [5, 7], values: [65535, 32768] });
  });

  it('returns empty lists when every weight is 0', () => {
    assert.deepEqual(convertWeightsAndUidsForEmit([0, 1], [0, 0]), { uids: [], values: [] });
  });

  it('rejects negative or non-finite weights, bad uids, mismatched lengths and empty lists', () => {
    assert.throws(() => convertWeightsAndUidsForEmit([0, 1], [1, -0.1]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([0, 1], [1, Number.NaN]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([0, 1], [1, Number.POSITIVE_INFINITY]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([0, -1], [1, 1]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([0, 1.5], [1, 1]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([0, 1], [1]), invalidWeights);
    assert.throws(() => convertWeightsAndUidsForEmit([], []), invalidWeights);
  });
});

describe('convertAndNormalizeWeightsAndUids', () => {
  it('rounds the weights to float32 first, as the SDK’s NumPy array does', () => {
    const weights = [0.8364614512743888, 1];
    assert.deepEqual(convertWeightsAndUidsForEmit([0, 1], weights).values, [54818, 65535]);
    assert.deepEqual(convertAndNormalizeWeightsAndUids([0, 1], weights).values, [54817, 65535]);
  });

  it('rejects a weight that overflows float32', () => {
    assert.throws(() => convertAndNormalizeWeightsAndUids([0], [1e39]), invalidWeights);
  });
});

describe('normalizeMaxWeight', () => {
  it('clips [1, 1, 1, 1, 6] at a limit of 0.3 to ≈ [0.175, 0.175, 0.175, 0.175, 0.3], as the SDK does', () => {
    const shares = normalizeMaxWeight([1, 1, 1, 1, 6], 0.3);
    // By hand: k = 4, cutoff = (0.3 · 0.4 − 1e-7) / (1 − 0.3) · 10 ≈ 12/7, shares = cutoff / (4 + cutoff).
    assertClose(shares, [0.175, 0.175, 0.175, 0.175, 0.3], 1e-6);
    // Bit for bit what bittensor 10.2.0 returns for a float64 array.
    const sdk = [0.17500004375001096, 0.17500004375001096, 0.17500004375001096, 0.17500004375001096, 0.29999982499995625];
    assert.deepEqual(shares, sdk);
  });

  it('divides by the sum when no share exceeds the limit', () => {
    assertClose(normalizeMaxWeight([1, 2, 3, 4], 0.5), [0.1, 0.2, 0.3, 0.4], 1e-15);
  });

  it('returns a uniform vector when len · limit <= 1', () => {
    assert.deepEqual(normalizeMaxWeight([1, 2, 3], 0.2), [1 / 3, 1 / 3, 1 / 3]);
  });

  it('returns a uniform vector when every weight is 0', () => {
    assert.deepEqual(normalizeMaxWeight(new Array(20).fill(0), 0.1), new Array(20).fill(0.05));
  });

  it('sums to 1 and keeps every share within the limit when len · limit > 1', () => {
    const input = fc
      .record({
        x: fc.array(fc.double({ min: 1, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
        limit: fc.double({ min: 0.01, max: 1, noNaN: true }),
      })
      .filter(({ x, limit }) => x.length * limit > 1);
    fc.assert(
      fc.property(input, ({ x, limit }) => {
        const shares = normalizeMaxWeight(x, limit);
        assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
        assert.ok(Math.max(...shares) <= limit + 1e-6);
      }),
      { numRuns: 200 },
    );
  });

  it('rounds every step to float32 when asked, matching the SDK on a float32 array', () => {
    const x = [0.9, 0.05, 0.3, 0.6, 0.15];
    const float32 = [0.34999987483024597, 0.030000025406479836, 0.1800001561641693, 0.34999987483024597, 0.09000007808208466];
    const float64 = [0.34999987999990395, 0.030000024000019207, 0.18000014400011524, 0.34999987999990395, 0.09000007200005762];
    assert.deepEqual(normalizeMaxWeight(x, 0.35, 'float32'), float32);
    assert.deepEqual(normalizeMaxWeight(x, 0.35, 'float64'), float64);
  });

  it('can exceed the limit, as the SDK does, when the kept shares are as small as ε = 1e-7', () => {
    // The SDK returns exactly this: the ε-shifted cutoff falls below the kept 1e-6 entries too.
    assert.deepEqual(normalizeMaxWeight([1, 1, 1e-6, 0, 1e-6], 0.2380952267573702), [0.25, 0.25, 0.25, 0, 0.25]);
  });

  it('returns NaN, as the SDK does, when the cutoff underflows to 0', () => {
    assert.deepEqual(normalizeMaxWeight([5e-324, 0], 0.5000000000000001), [Number.NaN, Number.NaN]);
  });

  it('rejects negative weights', () => {
    assert.throws(() => normalizeMaxWeight([1, -1]), invalidWeights);
  });
});

describe('processWeights', () => {
  const everyUid = (n: number) => Array.from({ length: n }, (_, uid) => uid);

  it('gives every uid 1/n when no weight is positive', () => {
    const out = processWeights({ uids: [0, 1], weights: [0, 0], n: 4, minAllowedWeights: 1, maxWeightLimit: 1 });
    assert.deepEqual(out, { uids: everyUid(4), weights: [0.25, 0.25, 0.25, 0.25] });
  });

  it('gives every uid 1/n when n is below min_allowed_weights', () => {
    const out = processWeights({ uids: [0, 1], weights: [1, 2], n: 2, minAllowedWeights: 3, maxWeightLimit: 1 });
    assert.deepEqual(out, { uids: [0, 1], weights: [0.5, 0.5] });
  });

  it('spreads a 1e-5 floor over all n uids when fewer weights than min_allowed_weights are positive', () => {
    const out = processWeights({ uids: [2], weights: [1], n: 4, minAllowedWeights: 2, maxWeightLimit: 1 });
    assert.deepEqual(out.uids, everyUid(4));
    const sum = 1 + 4e-5;
    assertClose(out.weights, [1e-5 / sum, 1e-5 / sum, (1 + 1e-5) / sum, 1e-5 / sum], 1e-15);
  });

  it('adds each weight at its uid, not at its position in the input (where the SDK adds it)', () => {
    const out = processWeights({ uids: [3, 0], weights: [0.7, 0.3], n: 5, minAllowedWeights: 3, maxWeightLimit: 1 });
    const floored = [0.3, 0, 0, 0.7, 0].map((w) => Math.fround(w) + 1e-5);
    const sum = floored.reduce((a, b) => a + b, 0);
    assert.deepEqual(out.uids, everyUid(5));
    assertClose(out.weights, floored.map((w) => w / sum), 1e-15);
  });

  it('drops the weights below the exclude quantile', () => {
    // q = 16384/65535 ≈ 0.25: np.quantile([1..10], q) ≈ 3.25, so 1, 2 and 3 go.
    const weights = everyUid(10).map((uid) => uid + 1);
    const out = processWeights({ uids: everyUid(10), weights, n: 10, minAllowedWeights: 2, maxWeightLimit: 1, excludeQuantile: 16384 });
    assert.deepEqual(out.uids, [3, 4, 5, 6, 7, 8, 9]);
    assertClose(out.weights, [4, 5, 6, 7, 8, 9, 10].map((w) => w / 49), 1e-7);
  });

  it('never excludes so many that fewer than min_allowed_weights remain', () => {
    // q is capped at (10 − 8)/10: np.quantile([1..10], 0.2) = 2.8.
    const weights = everyUid(10).map((uid) => uid + 1);
    const out = processWeights({ uids: everyUid(10), weights, n: 10, minAllowedWeights: 8, maxWeightLimit: 1, excludeQuantile: 65535 });
    assert.deepEqual(out.uids, [2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps the input’s uid order and matches the SDK’s float32 output bit for bit', () => {
    const out = processWeights({
      uids: [5, 1, 7, 3, 0, 2],
      weights: [0.9, 0.05, 0.3, 0, 0.6, 0.15],
      n: 8,
      minAllowedWeights: 2,
      maxWeightLimit: 0.35,
    });
    assert.deepEqual(out, {
      uids: [5, 1, 7, 0, 2],
      weights: [0.34999987483024597, 0.030000025406479836, 0.1800001561641693, 0.34999987483024597, 0.09000007808208466],
    });
  });

  it('rejects a uid outside 0..n−1, a repeated uid and a negative weight', () => {
    const base = { n: 3, minAllowedWeights: 1, maxWeightLimit: 1 };
    assert.throws(() => processWeights({ ...base, uids: [3], weights: [1] }), invalidWeights);
    assert.throws(() => processWeights({ ...base, uids: [1, 1], weights: [1, 2] }), invalidWeights);
    assert.throws(() => processWeights({ ...base, uids: [0], weights: [-1] }), invalidWeights);
    assert.throws(() => processWeights({ ...base, uids: [0, 1], weights: [1] }), invalidWeights);
  });
});
