/**
 * Loads the stored u16 rows (weights or bonds) into the epoch's compressed-row matrices, with the
 * chain's masks applied as they load (spec §3.5, §3.9). Every mask the epoch needs has one shape:
 * entry (i, j) survives when uid j registered before a per-row block, so the test per entry is
 * one comparison, and a row that is masked whole is never read.
 */
import type { Numerics } from './numerics.js';
import type { Matrix } from './sparse.js';
import type { U16Row } from './state.js';

export interface RowMask {
  /** Entry (i, j) is kept only when `registered[j] < before[i]`; −∞ drops row i whole. */
  before: Float64Array;
  registered: readonly number[];
  /** Drop each row's own uid (a self-weight), except on this row (the subnet owner's; null: none). */
  dropSelf: { except: number | null } | null;
}

/**
 * The rows as a matrix: values converted as counts (`fromInt`) or as u16 proportions
 * (`x / 65535`), masked entries left out, the rest in the row's stored order.
 *
 * @example
 * ```ts
 * // a row that keeps its entries for uids registered before block 10, its self-weight dropped
 * loadRows(floatNumerics, rows, 'count', { before: Float64Array.of(10), registered, dropSelf: { except: null } });
 * ```
 */
export function loadRows<T extends number | bigint>(
  num: Numerics<T>,
  rows: readonly U16Row[],
  scale: 'count' | 'proportion',
  mask: RowMask,
): Matrix<T> {
  const n = rows.length;
  const { before, registered } = mask;
  let capacity = 0;
  for (let i = 0; i < n; i++) if (before[i] > -Infinity) capacity += rows[i].uids.length;
  const start = new Int32Array(n + 1);
  const col = new Int32Array(capacity);
  const val = num.buffer(capacity);
  const proportion = scale === 'proportion';
  let size = 0;
  for (let i = 0; i < n; i++) {
    const limit = before[i];
    if (limit > -Infinity) {
      const { uids, values } = rows[i];
      const self = mask.dropSelf !== null && i !== mask.dropSelf.except ? i : -1;
      for (let k = 0; k < uids.length; k++) {
        const j = uids[k];
        if (registered[j] < limit && j !== self) {
          col[size] = j;
          val[size++] = proportion ? num.fromU16Proportion(values[k]) : num.fromInt(values[k]);
        }
      }
    }
    start[i + 1] = size;
  }
  return { n, start, col: col.subarray(0, size), val: num.prefix(val, size) };
}
