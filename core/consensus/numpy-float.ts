/**
 * NumPy's float arithmetic where the SDK's weight processing depends on it (pairwise sums,
 * `np.quantile`), in float32 or float64, so that Proctor's u16 rows match the SDK's bit for bit.
 */

/** The float width NumPy computes in: `float32` arrays, or `float64` arrays and Python floats. */
export type FloatPrecision = 'float32' | 'float64';

export type Rounding = (x: number) => number;

export function rounding(precision: FloatPrecision): Rounding {
  return precision === 'float32' ? Math.fround : (x) => x;
}

/**
 * `ndarray.sum()` on a contiguous array: NumPy's pairwise summation (8 accumulators, blocks of
 * 128), so a float32 sum rounds where NumPy's does, not where a running sum would.
 */
export function numpySum(x: readonly number[], r: Rounding, start = 0, n = x.length): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = r(sum + x[start + i]);
    return sum;
  }
  if (n <= 128) {
    const acc = x.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) acc[j] = r(acc[j] + x[start + i + j]);
    }
    const left = r(r(acc[0] + acc[1]) + r(acc[2] + acc[3]));
    let sum = r(left + r(r(acc[4] + acc[5]) + r(acc[6] + acc[7])));
    for (; i < n; i++) sum = r(sum + x[start + i]);
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return r(numpySum(x, r, start, half) + numpySum(x, r, start + half, n - half));
}

export function ascending(x: readonly number[]): number[] {
  return [...x].sort((a, b) => a - b);
}

/**
 * `np.quantile(x, q)` with the default linear method and a Python-float `q`: the virtual index and
 * the weight are float64, the interpolation runs in the array's precision with NumPy's two-sided
 * lerp (from below under a weight of 0.5, from above otherwise).
 */
export function numpyQuantile(x: readonly number[], q: number, r: Rounding): number {
  const sorted = ascending(x);
  const index = (sorted.length - 1) * q;
  if (index >= sorted.length - 1) return sorted[sorted.length - 1];
  const below = Math.floor(index);
  const t = index - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  const diff = r(b - a);
  return t >= 0.5 ? r(b - r(diff * r(1 - t))) : r(a + r(diff * r(t)));
}
