/**
 * Sparse matrix operations of the chain's production epoch (`math.rs`, the `*_sparse` functions),
 * generic over the numerics. A row keeps the chain's entry order and presence: an entry that a
 * function removes is absent, an explicit zero that it keeps is present, and that difference
 * reaches the bonds (spec §3.5, §3.11).
 */
import type { Numerics } from './numerics.js';

/** One sparse row: column indices and values, in the order the chain holds them. */
export interface Row<T> {
  idx: number[];
  val: T[];
}

export type Matrix<T> = Row<T>[];

export function emptyRow<T>(): Row<T> {
  return { idx: [], val: [] };
}

export function vecZeros<T extends number | bigint>(num: Numerics<T>, n: number): T[] {
  return new Array<T>(n).fill(num.zero);
}

export function sum<T extends number | bigint>(num: Numerics<T>, xs: readonly T[]): T {
  let s = num.zero;
  for (const x of xs) s = num.add(s, x);
  return s;
}

/** `inplace_normalize`: x / Σx, unchanged when the sum is 0. */
export function normalize<T extends number | bigint>(num: Numerics<T>, xs: T[]): T[] {
  const s = sum(num, xs);
  if (s === num.zero) return xs;
  for (let i = 0; i < xs.length; i++) xs[i] = num.div(xs[i], s);
  return xs;
}

/** Keeps the entries for which `keep(i, j)` holds. */
export function filterEntries<T>(m: Matrix<T>, keep: (i: number, j: number) => boolean): Matrix<T> {
  return m.map((row, i) => {
    const out = emptyRow<T>();
    for (let k = 0; k < row.idx.length; k++) {
      if (keep(i, row.idx[k])) {
        out.idx.push(row.idx[k]);
        out.val.push(row.val[k]);
      }
    }
    return out;
  });
}

/** `inplace_row_normalize_sparse`: rows with a positive sum are divided by it. */
export function rowNormalize<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>): void {
  for (const row of m) {
    const s = sum(num, row.val);
    if (s > num.zero) for (let k = 0; k < row.val.length; k++) row.val[k] = num.div(row.val[k], s);
  }
}

/** `matmul_sparse`: result_j = Σ_i v_i · m_ij. */
export function matmul<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, v: readonly T[], n: number): T[] {
  const out = vecZeros(num, n);
  for (let i = 0; i < m.length; i++) {
    const row = m[i];
    const vi = v[i];
    for (let k = 0; k < row.idx.length; k++) {
      const j = row.idx[k];
      out[j] = num.add(out[j], num.mul(vi, row.val[k]));
    }
  }
  return out;
}

/** `matmul_transpose_sparse`: result_i = Σ_j v_j · m_ij. */
export function matmulTranspose<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, v: readonly T[]): T[] {
  return m.map((row) => {
    let acc = num.zero;
    for (let k = 0; k < row.idx.length; k++) acc = num.add(acc, num.mul(v[row.idx[k]], row.val[k]));
    return acc;
  });
}

export function rowSums<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>): T[] {
  return m.map((row) => sum(num, row.val));
}

/** `col_clip_sparse`: min(w, c_j); an entry above a zero threshold is removed. */
export function colClip<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, c: readonly T[]): Matrix<T> {
  return m.map((row) => {
    const out = emptyRow<T>();
    for (let k = 0; k < row.idx.length; k++) {
      const j = row.idx[k];
      const w = row.val[k];
      if (c[j] < w) {
        if (c[j] > num.zero) {
          out.idx.push(j);
          out.val.push(c[j]);
        }
      } else {
        out.idx.push(j);
        out.val.push(w);
      }
    }
    return out;
  });
}

function densify<T extends number | bigint>(num: Numerics<T>, row: Row<T>, n: number): T[] {
  const out = vecZeros(num, n);
  for (let k = 0; k < row.idx.length; k++) out[row.idx[k]] = row.val[k];
  return out;
}

/**
 * `interpolate_sparse`: a + ratio·(b − a). At ratio 0 or 1 the chosen matrix is returned as it
 * is (entry presence kept); in between only strictly positive results are kept, in column order.
 */
export function interpolate<T extends number | bigint>(
  num: Numerics<T>,
  a: Matrix<T>,
  b: Matrix<T>,
  n: number,
  ratio: T,
): Matrix<T> {
  if (ratio === num.zero) return a;
  if (ratio === num.one) return b;
  return a.map((rowA, i) => {
    if (rowA.idx.length === 0 && b[i].idx.length === 0) return emptyRow<T>();
    const da = densify(num, rowA, n);
    const db = densify(num, b[i], n);
    const out = emptyRow<T>();
    for (let j = 0; j < n; j++) {
      const v = num.add(da[j], num.mul(ratio, num.sub(db[j], da[j])));
      if (v > num.zero) {
        out.idx.push(j);
        out.val.push(v);
      }
    }
    return out;
  });
}

/** `inplace_col_normalize_sparse`: Σ_i m_ij = 1 for every column with a non-zero sum. */
export function colNormalize<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, n: number): void {
  const sums = vecZeros(num, n);
  for (const row of m) for (let k = 0; k < row.idx.length; k++) sums[row.idx[k]] = num.add(sums[row.idx[k]], row.val[k]);
  for (const row of m) {
    for (let k = 0; k < row.idx.length; k++) {
      const s = sums[row.idx[k]];
      if (s !== num.zero) row.val[k] = num.div(row.val[k], s);
    }
  }
}

/** `inplace_col_max_upscale_sparse`: each column divided by its maximum. */
export function colMaxUpscale<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, n: number): void {
  const maxes = vecZeros(num, n);
  for (const row of m) for (let k = 0; k < row.idx.length; k++) if (maxes[row.idx[k]] < row.val[k]) maxes[row.idx[k]] = row.val[k];
  for (const row of m) {
    for (let k = 0; k < row.idx.length; k++) {
      const mx = maxes[row.idx[k]];
      if (mx !== num.zero) row.val[k] = num.div(row.val[k], mx);
    }
  }
}

/** `row_hadamard_sparse`: m_ij · v_i. */
export function rowHadamard<T extends number | bigint>(num: Numerics<T>, m: Matrix<T>, v: readonly T[]): Matrix<T> {
  return m.map((row, i) => ({ idx: row.idx.slice(), val: row.val.map((x) => num.mul(x, v[i])) }));
}

/** `mat_ema_sparse`: α·new + (1−α)·old over the union, strictly positive entries in column order. */
export function ema<T extends number | bigint>(num: Numerics<T>, next: Matrix<T>, old: Matrix<T>, alpha: T, n: number): Matrix<T> {
  const oneMinus = num.sub(num.one, alpha);
  return next.map((rowNew, i) => {
    const rowOld = old[i];
    if (rowNew.idx.length === 0 && rowOld.idx.length === 0) return emptyRow<T>();
    const acc = vecZeros(num, n);
    const touched = new Uint8Array(n);
    for (let k = 0; k < rowNew.idx.length; k++) {
      const j = rowNew.idx[k];
      acc[j] = num.add(acc[j], num.mul(alpha, rowNew.val[k]));
      touched[j] = 1;
    }
    for (let k = 0; k < rowOld.idx.length; k++) {
      const j = rowOld.idx[k];
      acc[j] = num.add(acc[j], num.mul(oneMinus, rowOld.val[k]));
      touched[j] = 1;
    }
    const out = emptyRow<T>();
    for (let j = 0; j < n; j++) {
      if (touched[j] && acc[j] > num.zero) {
        out.idx.push(j);
        out.val.push(acc[j]);
      }
    }
    return out;
  });
}

/** Copies a matrix (rows and values), so that in-place steps leave the original alone. */
export function cloneMatrix<T>(m: Matrix<T>): Matrix<T> {
  return m.map((row) => ({ idx: row.idx.slice(), val: row.val.slice() }));
}
