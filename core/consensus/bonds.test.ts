import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { liquidEma } from './bonds.js';
import { fixedNumerics as fx } from './numerics.js';
import { cloneMatrix, colNormalize, matmulTranspose, matmulTransposeColNormalized, matrixFromRows } from './sparse.js';
import type { Matrix } from './sparse.js';

const u16 = fc.integer({ min: 0, max: 65535 });

/** n, then two matrices of n u16 rows (sorted or shuffled columns, explicit zeros) and a vector. */
const inputs = (sorted: boolean) =>
  fc.integer({ min: 1, max: 9 }).chain((n) => {
    const row = fc
      .uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), u16), { selector: ([j]) => j, maxLength: n })
      .map((r) => (sorted ? r.sort((a, b) => a[0] - b[0]) : r));
    const rows = fc.array(row, { minLength: n, maxLength: n });
    return fc.tuple(fc.constant(n), rows, rows, fc.array(u16, { minLength: n, maxLength: n }));
  });

function matrix(rows: [number, number][][]): Matrix<bigint> {
  return matrixFromRows(fx, rows.map((r) => ({ uids: r.map(([j]) => j), values: r.map(([, v]) => v) })), fx.fromU16Proportion);
}

const plain = (m: Matrix<bigint>) => ({ start: Array.from(m.start), col: Array.from(m.col), val: Array.from(m.val as ArrayLike<bigint>) });

describe('liquidEma', () => {
  const liquid = { low: fx.fromU16Proportion(45875), high: fx.fromU16Proportion(58982), steepness: fx.fromInt(1000) };
  for (const sorted of [true, false]) {
    it(`merging rows in column order gives the chain's scan to the bit (${sorted ? 'sorted' : 'shuffled'} rows)`, () => {
      fc.assert(
        fc.property(inputs(sorted), ([, weights, bonds, c]) => {
          const input = {
            weightsForBonds: matrix(weights),
            bonds: matrix(bonds),
            consensus: c.map((v) => fx.fromU16Proportion(v)),
            activeStake: [],
            incentive: [],
          };
          assert.deepEqual(plain(liquidEma(fx, input, liquid, true)), plain(liquidEma(fx, input, liquid, false)));
        }),
        { numRuns: 400 },
      );
    });
  }
});

describe('matmulTransposeColNormalized', () => {
  it('equals colNormalize of a copy, then matmulTranspose, to the bit', () => {
    fc.assert(
      fc.property(inputs(false), ([, rows, , v]) => {
        const m = matrix(rows);
        const vector = v.map((x) => fx.fromU16Proportion(x));
        const copy = cloneMatrix(fx, m);
        colNormalize(fx, copy);
        assert.deepEqual(Array.from(matmulTransposeColNormalized(fx, m, vector) as ArrayLike<bigint>), Array.from(matmulTranspose(fx, copy, vector) as ArrayLike<bigint>));
      }),
      { numRuns: 300 },
    );
  });
});
