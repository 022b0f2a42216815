/**
 * Sparse matrix operations of the chain's production epoch (`math.rs`, the `*_sparse` functions),
 * generic over the numerics. Matrices are compressed rows (CSR) over typed index arrays; each row
 * keeps the chain's entry order and presence: an entry a function removes is absent, an explicit
 * zero it keeps is present, and that difference reaches the bonds (spec §3.5, §3.11).
 */
import type { Numerics, Vec } from './numerics.js';

/** Rows `i` hold entries `start[i] .. start[i+1]` of `col` and `val`. Square: n rows, n columns. */
export interface Matrix<T> {
  n: number;
  start: Int32Array;
  col: Int32Array;
  val: Vec<T>;
}

type Num<T extends number | bigint> = Numerics<T>;

/** A matrix built row by row into buffers of a known maximum size. */
class MatrixBuilder<T extends number | bigint> {
  readonly start: Int32Array;
  readonly col: Int32Array;
  readonly val: Vec<T>;
  private size = 0;
  private row = 0;

  constructor(
    private readonly num: Num<T>,
    private readonly n: number,
    capacity: number,
  ) {
    this.start = new Int32Array(n + 1);
    this.col = new Int32Array(capacity);
    this.val = num.buffer(capacity);
  }

  push(j: number, v: T): void {
    this.col[this.size] = j;
    this.val[this.size] = v;
    this.size++;
  }

  endRow(): void {
    this.start[++this.row] = this.size;
  }

  build(): Matrix<T> {
    return { n: this.n, start: this.start, col: this.col.subarray(0, this.size), val: this.num.prefix(this.val, this.size) };
  }
}

/**
 * Builds a matrix from rows of (column, value) pairs, converting each value with `load` and keeping
 * only the entries for which `keep(i, j)` holds (all when it is omitted).
 */
export function matrixFromRows<T extends number | bigint>(
  num: Num<T>,
  rows: readonly { uids: readonly number[]; values: readonly number[] }[],
  load: (value: number) => T,
  keep?: (i: number, j: number) => boolean,
): Matrix<T> {
  let capacity = 0;
  for (const row of rows) capacity += row.uids.length;
  const out = new MatrixBuilder(num, rows.length, capacity);
  for (let i = 0; i < rows.length; i++) {
    const { uids, values } = rows[i];
    for (let k = 0; k < uids.length; k++) if (keep === undefined || keep(i, uids[k])) out.push(uids[k], load(values[k]));
    out.endRow();
  }
  return out.build();
}

export function sum<T extends number | bigint>(num: Num<T>, xs: Vec<T>, from = 0, to = xs.length): T {
  let s = num.zero;
  for (let i = from; i < to; i++) s = num.add(s, xs[i]);
  return s;
}

/** `inplace_normalize`: x / Σx, unchanged when the sum is 0. Returns `xs`. */
export function normalize<T extends number | bigint>(num: Num<T>, xs: Vec<T>): Vec<T> {
  const s = sum(num, xs);
  if (s === num.zero) return xs;
  for (let i = 0; i < xs.length; i++) xs[i] = num.div(xs[i], s);
  return xs;
}

/** `inplace_row_normalize_sparse`: rows with a positive sum are divided by it. */
export function rowNormalize<T extends number | bigint>(num: Num<T>, m: Matrix<T>): void {
  for (let i = 0; i < m.n; i++) {
    const s = sum(num, m.val, m.start[i], m.start[i + 1]);
    if (s > num.zero) for (let e = m.start[i]; e < m.start[i + 1]; e++) m.val[e] = num.div(m.val[e], s);
  }
}

/** `matmul_sparse`: result_j = Σ_i v_i · m_ij. */
export function matmul<T extends number | bigint>(num: Num<T>, m: Matrix<T>, v: Vec<T>): Vec<T> {
  const out = num.vec(m.n);
  for (let i = 0; i < m.n; i++) {
    const vi = v[i];
    for (let e = m.start[i]; e < m.start[i + 1]; e++) out[m.col[e]] = num.add(out[m.col[e]], num.mul(vi, m.val[e]));
  }
  return out;
}

/** `matmul_transpose_sparse`: result_i = Σ_j v_j · m_ij. */
export function matmulTranspose<T extends number | bigint>(num: Num<T>, m: Matrix<T>, v: Vec<T>): Vec<T> {
  const out = num.vec(m.n);
  for (let i = 0; i < m.n; i++) {
    let acc = num.zero;
    for (let e = m.start[i]; e < m.start[i + 1]; e++) acc = num.add(acc, num.mul(v[m.col[e]], m.val[e]));
    out[i] = acc;
  }
  return out;
}

/**
 * {@link matmulTranspose} of `m` after {@link colNormalize}, without normalising a copy: each
 * entry is divided by its column's sum where it is read, the same operations in the same order.
 */
export function matmulTransposeColNormalized<T extends number | bigint>(num: Num<T>, m: Matrix<T>, v: Vec<T>): Vec<T> {
  const sums = colSums(num, m);
  const out = num.vec(m.n);
  for (let i = 0; i < m.n; i++) {
    let acc = num.zero;
    for (let e = m.start[i]; e < m.start[i + 1]; e++) {
      const j = m.col[e];
      const s = sums[j];
      acc = num.add(acc, num.mul(v[j], s !== num.zero ? num.div(m.val[e], s) : m.val[e]));
    }
    out[i] = acc;
  }
  return out;
}

export function rowSums<T extends number | bigint>(num: Num<T>, m: Matrix<T>): Vec<T> {
  const out = num.vec(m.n);
  for (let i = 0; i < m.n; i++) out[i] = sum(num, m.val, m.start[i], m.start[i + 1]);
  return out;
}

/** `col_clip_sparse`: min(w, c_j); an entry above a zero threshold is removed. */
export function colClip<T extends number | bigint>(num: Num<T>, m: Matrix<T>, c: Vec<T>): Matrix<T> {
  const start = new Int32Array(m.n + 1);
  const col = new Int32Array(m.col.length);
  const val = num.buffer(m.col.length);
  let size = 0;
  for (let i = 0; i < m.n; i++) {
    for (let e = m.start[i]; e < m.start[i + 1]; e++) {
      const j = m.col[e];
      const w = m.val[e];
      const cj = c[j];
      if (!(cj < w) || cj > num.zero) {
        col[size] = j;
        val[size++] = cj < w ? cj : w;
      }
    }
    start[i + 1] = size;
  }
  return { n: m.n, start, col: col.subarray(0, size), val: num.prefix(val, size) };
}

/**
 * `interpolate_sparse`: a + ratio·(b − a). At ratio 0 or 1 the chosen matrix is returned as it
 * is (entry presence kept); in between only strictly positive results are kept, in column order.
 */
export function interpolate<T extends number | bigint>(num: Num<T>, a: Matrix<T>, b: Matrix<T>, ratio: T): Matrix<T> {
  if (ratio === num.zero) return a;
  if (ratio === num.one) return b;
  const { n } = a;
  const rowA = num.vec(n);
  const rowB = num.vec(n);
  const out = new MatrixBuilder(num, n, a.col.length + b.col.length);
  for (let i = 0; i < n; i++) {
    if (a.start[i] !== a.start[i + 1] || b.start[i] !== b.start[i + 1]) {
      for (let e = a.start[i]; e < a.start[i + 1]; e++) rowA[a.col[e]] = a.val[e];
      for (let e = b.start[i]; e < b.start[i + 1]; e++) rowB[b.col[e]] = b.val[e];
      for (let j = 0; j < n; j++) {
        const v = num.add(rowA[j], num.mul(ratio, num.sub(rowB[j], rowA[j])));
        if (v > num.zero) out.push(j, v);
      }
      for (let e = a.start[i]; e < a.start[i + 1]; e++) rowA[a.col[e]] = num.zero;
      for (let e = b.start[i]; e < b.start[i + 1]; e++) rowB[b.col[e]] = num.zero;
    }
    out.endRow();
  }
  return out.build();
}

/** Column sums of the entries present. */
export function colSums<T extends number | bigint>(num: Num<T>, m: Matrix<T>): Vec<T> {
  const sums = num.vec(m.n);
  for (let e = 0; e < m.col.length; e++) sums[m.col[e]] = num.add(sums[m.col[e]], m.val[e]);
  return sums;
}

/** `inplace_col_normalize_sparse`: Σ_i m_ij = 1 for every column with a non-zero sum. */
export function colNormalize<T extends number | bigint>(num: Num<T>, m: Matrix<T>): void {
  const sums = colSums(num, m);
  for (let e = 0; e < m.col.length; e++) {
    const s = sums[m.col[e]];
    if (s !== num.zero) m.val[e] = num.div(m.val[e], s);
  }
}

/** `inplace_col_max_upscale_sparse`: each column divided by its maximum. */
export function colMaxUpscale<T extends number | bigint>(num: Num<T>, m: Matrix<T>): void {
  const maxes = num.vec(m.n);
  for (let e = 0; e < m.col.length; e++) if (maxes[m.col[e]] < m.val[e]) maxes[m.col[e]] = m.val[e];
  for (let e = 0; e < m.col.length; e++) {
    const mx = maxes[m.col[e]];
    if (mx !== num.zero) m.val[e] = num.div(m.val[e], mx);
  }
}

/** `row_hadamard_sparse`: m_ij · v_i, same entries. */
export function rowHadamard<T extends number | bigint>(num: Num<T>, m: Matrix<T>, v: Vec<T>): Matrix<T> {
  const val = num.vec(m.col.length);
  for (let i = 0; i < m.n; i++) for (let e = m.start[i]; e < m.start[i + 1]; e++) val[e] = num.mul(m.val[e], v[i]);
  return { n: m.n, start: m.start, col: m.col, val };
}

/** `mat_ema_sparse`: α·new + (1−α)·old over the union, strictly positive entries in column order. */
export function ema<T extends number | bigint>(num: Num<T>, next: Matrix<T>, old: Matrix<T>, alpha: T): Matrix<T> {
  const { n } = next;
  const oneMinus = num.sub(num.one, alpha);
  const acc = num.vec(n);
  const out = new MatrixBuilder(num, n, next.col.length + old.col.length);
  for (let i = 0; i < n; i++) {
    const emptyNew = next.start[i] === next.start[i + 1];
    if (!emptyNew || old.start[i] !== old.start[i + 1]) {
      for (let e = next.start[i]; e < next.start[i + 1]; e++) acc[next.col[e]] = num.add(acc[next.col[e]], num.mul(alpha, next.val[e]));
      for (let e = old.start[i]; e < old.start[i + 1]; e++) acc[old.col[e]] = num.add(acc[old.col[e]], num.mul(oneMinus, old.val[e]));
      for (let j = 0; j < n; j++) {
        if (acc[j] > num.zero) out.push(j, acc[j]);
        acc[j] = num.zero;
      }
    }
    out.endRow();
  }
  return out.build();
}

/** Copies a matrix, so that in-place steps leave the original alone. */
export function cloneMatrix<T extends number | bigint>(num: Num<T>, m: Matrix<T>): Matrix<T> {
  return { n: m.n, start: m.start, col: m.col, val: num.slice(m.val, 0, m.val.length) };
}
