import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { colClip, ema, interpolate, matrixFromRows } from './sparse.js';
import { fixedNumerics as fx, floatNumerics } from './numerics.js';
import type { Matrix } from './sparse.js';

/** A random square matrix of u16 rows (unsorted columns, explicit zeros) and a consensus vector. */
const matrixAndConsensus = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 65535 })), { selector: ([j]) => j, maxLength: n }), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: n, maxLength: n }),
  ),
);

function entries<T>(m: Matrix<T>, i: number): [number, T][] {
  const out: [number, T][] = [];
  for (let e = m.start[i]; e < m.start[i + 1]; e++) out.push([m.col[e], m.val[e]]);
  return out;
}

describe('colClip', () => {
  it('never raises a weight, never adds an entry, and caps each at its column consensus', () => {
    fc.assert(
      fc.property(matrixAndConsensus, ([n, rows, c]) => {
        const m = matrixFromRows(fx, rows.map((r) => ({ uids: r.map(([j]) => j), values: r.map(([, v]) => v) })), fx.fromU16Proportion);
        const consensus = c.map((v) => fx.fromU16Proportion(v));
        const clipped = colClip(fx, m, consensus);
        for (let i = 0; i < n; i++) {
          const before = new Map(entries(m, i));
          for (const [j, v] of entries(clipped, i)) {
            assert.ok(before.has(j), 'an entry appeared');
            assert.ok(v <= before.get(j)!, 'a weight rose');
            assert.ok(v <= consensus[j] || v === before.get(j), 'above consensus');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('removes an entry above a zero consensus and keeps a present zero', () => {
    const m = matrixFromRows(floatNumerics, [{ uids: [0, 1], values: [5, 0] }, { uids: [], values: [] }], (v) => v);
    const clipped = colClip(floatNumerics, m, Float64Array.from([0, 3]));
    assert.deepEqual(entries(clipped, 0), [[1, 0]]);
  });
});

describe('matrixFromRows, interpolate and ema', () => {
  const rows = [{ uids: [2, 0], values: [4, 0] }, { uids: [1], values: [2] }, { uids: [], values: [] }];
  const m = matrixFromRows(floatNumerics, rows, (v) => v);

  it('keeps the stored order and explicit zeros when filtering', () => {
    const kept = matrixFromRows(floatNumerics, rows, (v) => v, (_i, j) => j !== 1);
    assert.deepEqual(entries(kept, 0), [[2, 4], [0, 0]]);
    assert.deepEqual(entries(kept, 1), []);
  });

  it('returns one side as it is at ratio 0 or 1, and only positive results in column order between', () => {
    const other = matrixFromRows(floatNumerics, [{ uids: [0], values: [2] }, { uids: [], values: [] }, { uids: [], values: [] }], (v) => v);
    assert.equal(interpolate(floatNumerics, m, other, 0), m);
    assert.equal(interpolate(floatNumerics, m, other, 1), other);
    const half = interpolate(floatNumerics, m, other, 0.5);
    assert.deepEqual(entries(half, 0), [[0, 1], [2, 2]]);
    assert.deepEqual(entries(half, 1), [[1, 1]]);
  });

  it('averages new and old over the union of entries, dropping results that are not positive', () => {
    const old = matrixFromRows(floatNumerics, [{ uids: [1], values: [10] }, { uids: [], values: [] }, { uids: [0], values: [0] }], (v) => v);
    const out = ema(floatNumerics, m, old, 0.25);
    assert.deepEqual(entries(out, 0), [[1, 7.5], [2, 1]]);
    assert.deepEqual(entries(out, 2), []);
  });
});
