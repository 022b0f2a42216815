/**
 * Stored versus recomputed, cell by cell. A replay collects every cell that differs as a
 * `Difference` naming the table, the row and the column, so an auditor can go straight to it with
 * `validator audit sql`.
 *
 * Numbers compare within a relative tolerance (`DEFAULT_TOLERANCE`, see `docs/audit.md`): SQLite
 * stores a REAL as the same IEEE-754 double the engine computed, and the engine's arithmetic runs
 * in a fixed order, so a replay on the same machine is bit-exact; the tolerance leaves room for the
 * last bits of a float64 on another CPU, far below anything that could move a u16 weight.
 */
import type { Json } from '../plugin-api.js';

/** |a − b| ≤ tolerance · max(1, |a|, |b|): relative for large values, absolute below 1. */
export const DEFAULT_TOLERANCE = 1e-9;

export interface Difference {
  table: string;
  /** The row, as a key an auditor can query: `round 3, task 3-text-2, uid 5, evaluator ground-truth`. */
  row: string;
  column: string;
  stored: Json;
  recomputed: Json;
}

/** Collects differences and the largest numeric deviation seen among equal cells and unequal ones alike. */
export interface Comparer {
  readonly tolerance: number;
  readonly differences: Difference[];
  /** Cells compared. */
  readonly cells: number;
  /** The largest |stored − recomputed| over every numeric cell compared. */
  readonly maxDeviation: number;
  /** Compares one cell; records a difference when they disagree. */
  cell(table: string, row: string, column: string, stored: Json | undefined, recomputed: Json | undefined): boolean;
  /** Records a row that exists on one side only. */
  missing(table: string, row: string, side: 'stored' | 'recomputed', what: Json): void;
}

/**
 * Creates a comparer with the given relative tolerance.
 *
 * @example
 * ```ts
 * const cmp = createComparer(1e-9);
 * cmp.cell('miner_round_scores', 'round 3, uid 5', 'score', 0.41, 0.41); // true
 * cmp.differences; // []
 * ```
 */
export function createComparer(tolerance = DEFAULT_TOLERANCE): Comparer {
  const differences: Difference[] = [];
  let cells = 0;
  let maxDeviation = 0;

  const near = (a: number, b: number): boolean => {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    const deviation = Math.abs(a - b);
    if (Number.isFinite(deviation)) maxDeviation = Math.max(maxDeviation, deviation);
    return a === b || deviation <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  };

  const equal = (a: Json | undefined, b: Json | undefined): boolean => {
    if (typeof a === 'number' && typeof b === 'number') return near(a, b);
    if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return a === b;
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      let same = true;
      for (let i = 0; i < a.length; i++) same = equal(a[i], b[i]) && same;
      return same;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    let same = true;
    for (const k of keys) same = equal(a[k], b[k]) && same;
    return same;
  };

  return {
    tolerance,
    differences,
    get cells() {
      return cells;
    },
    get maxDeviation() {
      return maxDeviation;
    },
    cell(table, row, column, stored, recomputed) {
      cells += 1;
      if (equal(stored, recomputed)) return true;
      differences.push({ table, row, column, stored: stored ?? null, recomputed: recomputed ?? null });
      return false;
    },
    missing(table, row, side, what) {
      differences.push({ table, row, column: '(row)', stored: side === 'stored' ? what : null, recomputed: side === 'recomputed' ? what : null });
    },
  };
}

/** Parses a stored JSON column; text that is not JSON is returned as the string it is. */
export function parseColumn(text: string | null): Json {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
