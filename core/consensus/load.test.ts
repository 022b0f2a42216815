import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadRows } from './load.js';
import { fixedNumerics as fx } from './numerics.js';
import { matrixFromRows } from './sparse.js';
import type { Matrix } from './sparse.js';

const plain = (m: Matrix<bigint>) => ({ start: Array.from(m.start), col: Array.from(m.col), val: Array.from(m.val as ArrayLike<bigint>) });

describe('loadRows', () => {
  it('keeps exactly the entries the predicate form of the mask keeps, in stored order', () => {
    const state = fc.integer({ min: 1, max: 9 }).chain((n) => {
      const uid = fc.integer({ min: 0, max: n - 1 });
      const block = fc.integer({ min: 0, max: 6 });
      return fc.record({
        rows: fc.array(fc.uniqueArray(fc.tuple(uid, fc.integer({ min: 0, max: 65535 })), { selector: ([j]) => j, maxLength: n }), { minLength: n, maxLength: n }),
        before: fc.array(fc.oneof(block, fc.constant(-Infinity)), { minLength: n, maxLength: n }),
        registered: fc.array(block, { minLength: n, maxLength: n }),
        dropSelf: fc.option(fc.record({ except: fc.option(uid) })),
        scale: fc.constantFrom('count' as const, 'proportion' as const),
      });
    });
    fc.assert(
      fc.property(state, ({ rows, before, registered, dropSelf, scale }) => {
        const u16Rows = rows.map((r) => ({ uids: r.map(([j]) => j), values: r.map(([, v]) => v) }));
        const loaded = loadRows(fx, u16Rows, scale, { before: Float64Array.from(before), registered, dropSelf });
        const expected = matrixFromRows(fx, u16Rows, scale === 'count' ? fx.fromInt : fx.fromU16Proportion, (i, j) => {
          if (dropSelf !== null && i === j && i !== dropSelf.except) return false;
          return registered[j] < before[i];
        });
        assert.deepEqual(plain(loaded), plain(expected));
      }),
      { numRuns: 400 },
    );
  });
});
