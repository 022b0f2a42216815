import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as fx from './fixed.js';

describe('I32F32 emulation', () => {
  it('floors products, including negative ones (arithmetic shift)', () => {
    assert.equal(fx.mul(3n, fx.ONE / 2n), 1n); // 3 raw · 0.5 = 1.5 raw → 1
    assert.equal(fx.mul(-3n, fx.ONE / 2n), -2n); // −1.5 raw → −2
  });

  it('truncates quotients toward zero and gives 0 on division by zero', () => {
    assert.equal(fx.safeDiv(fx.ONE, 3n * fx.ONE), 1431655765n);
    assert.equal(fx.safeDiv(-fx.ONE, 3n * fx.ONE), -1431655765n);
    assert.equal(fx.safeDiv(fx.ONE, 0n), 0n);
  });

  it('gives 0 from safe_div when the quotient overflows i64', () => {
    assert.equal(fx.safeDiv(fx.fromInt(2_000_000_000), 1n), 0n);
  });

  it('converts floats to nearest with ties to even', () => {
    const ulp = 2 ** -32;
    assert.equal(fx.fromF64(0.5 * ulp), 0n);
    assert.equal(fx.fromF64(1.5 * ulp), 2n);
    assert.equal(fx.fromF64(2.5 * ulp), 2n);
    assert.equal(fx.fromF64(2.75 * ulp), 3n);
    assert.equal(fx.fromF64(0.1), 429496730n); // 0.1·2^32 = 429496729.6 → 429496730
  });

  it('rounds half away from zero', () => {
    assert.equal(fx.round(fx.ONE / 2n), fx.ONE);
    assert.equal(fx.round(-fx.ONE / 2n), -fx.ONE);
    assert.equal(fx.round(fx.ONE / 2n - 1n), 0n);
  });

  it('turns ten equal stakes into 99 999 999 rao each of 1e9, as test_10_graph asserts', () => {
    const tenth = fx.safeDiv(fx.ONE, fx.fromInt(10));
    assert.equal(tenth, 429496729n);
    assert.equal(fx.timesRao(tenth, 1_000_000_000n), 99_999_999n);
  });

  it('stores proportions as floor(x · 65535), clamped to the u16 range', () => {
    assert.equal(fx.proportionToU16(fx.ONE), 65535);
    assert.equal(fx.proportionToU16(fx.fromF64(0.5)), 32767);
    assert.equal(fx.proportionToU16(-1n), 0);
    assert.equal(fx.proportionToU16(fx.fromInt(2)), 65535);
    assert.equal(fx.u16Proportion(65535), fx.ONE);
  });

  it('truncates I64F64 to I32F32 by dropping 32 bits', () => {
    assert.equal(fx.i64f64ToFixed((1n << 64n) + (1n << 31n) + 5n), fx.ONE);
    assert.equal(fx.i64f64ToU64(fx.fromIntI64F64(7n) + 1n), 7n);
  });

  it('computes exp(0) = 1 and exp(1) as the library\'s I9F23 constant e', () => {
    assert.equal(fx.exp(0n), fx.ONE);
    assert.equal(fx.exp(fx.ONE), 22802601n << 9n);
  });

  it('computes exp as the chain does: the series cut after x^31/31!, not the true value', () => {
    // The cut series falls short of e^x for large x (≈0.8 % at 20); the chain lives with that, so must we.
    const partialSum = (x: number) => {
      let term = 1;
      let total = 1;
      for (let i = 1; i <= 31; i++) total += (term *= x / i);
      return total;
    };
    fc.assert(
      fc.property(fc.double({ min: 0, max: 20, noNaN: true }), (x) => {
        const exact = fx.toNumber(fx.fromF64(x));
        const got = fx.toNumber(fx.expSafe(fx.fromF64(x)));
        const want = partialSum(exact);
        assert.ok(Math.abs(got - want) <= 1e-6 * want + 1e-8, `exp(${x}) = ${got}, series ${want}`);
      }),
      { numRuns: 300 },
    );
    assert.ok(fx.toNumber(fx.expSafe(fx.fromInt(20))) < Math.exp(20) * 0.995);
  });

  it('computes exp of a negative input as 1 / exp(|x|)', () => {
    for (const x of [-0.3, -2, -7.5, -19]) {
      const positive = fx.expSafe(fx.fromF64(-x));
      assert.equal(fx.expSafe(fx.fromF64(x)), fx.safeDiv(fx.ONE, positive));
    }
  });

  it('clamps exp_safe input to [−20, 20]', () => {
    assert.equal(fx.expSafe(fx.fromInt(50)), fx.expSafe(fx.fromInt(20)));
    assert.equal(fx.expSafe(fx.fromInt(-50)), fx.expSafe(fx.fromInt(-20)));
  });
});
