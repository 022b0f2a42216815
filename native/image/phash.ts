/**
 * The DCT perceptual hash (pHash, as the `imagehash` Python library computes it): luminance
 * area-resized to 32 × 32, a 2-D DCT-II, the 8 × 8 lowest frequencies (DC included) compared with
 * their median. 64 bits; the first coefficient (row 0, column 0) is the most significant bit.
 * Images that look alike differ in few bits (re-encoding, mild noise or blur: a handful), unrelated
 * ones in about 32.
 */
import { luminance, type RgbImage } from './raster.js';
import { resizeAreaPlane } from './resample.js';

const N = 32;
const KEEP = 8;

/** cos(π (2i + 1) k / 2N) for the k < KEEP frequencies pHash keeps. */
const COS = (() => {
  const table = new Float64Array(KEEP * N);
  for (let k = 0; k < KEEP; k++) for (let i = 0; i < N; i++) table[k * N + i] = Math.cos((Math.PI * (2 * i + 1) * k) / (2 * N));
  return table;
})();

/**
 * The 64-bit perceptual hash of an image.
 *
 * @example
 * ```ts
 * hammingDistance(phash(a), phash(b)) <= 10; // near-duplicates
 * phashHex(phash(a)); // 'c3d1e0f08c8e9f1b'
 * ```
 */
export function phash(img: RgbImage): bigint {
  const small = resizeAreaPlane(luminance(img), img.width, img.height, N, N);
  // Only the 8 × 8 low frequencies are needed: rows first (N × KEEP), then columns (KEEP × KEEP).
  const rows = new Float64Array(N * KEEP);
  for (let y = 0; y < N; y++) {
    for (let k = 0; k < KEEP; k++) {
      let sum = 0;
      for (let x = 0; x < N; x++) sum += small[y * N + x] * COS[k * N + x];
      rows[y * KEEP + k] = sum;
    }
  }
  const coefficients = new Float64Array(KEEP * KEEP);
  for (let v = 0; v < KEEP; v++) {
    for (let k = 0; k < KEEP; k++) {
      let sum = 0;
      for (let y = 0; y < N; y++) sum += rows[y * KEEP + k] * COS[v * N + y];
      coefficients[v * KEEP + k] = sum;
    }
  }
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hash = 0n;
  for (let i = 0; i < KEEP * KEEP; i++) hash = (hash << 1n) | (coefficients[i] > median ? 1n : 0n);
  return hash;
}

/** The hash as 16 lower-case hex digits, for storage in JSON. */
export function phashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

/**
 * The number of bits in which two 64-bit hashes differ, 0–64.
 *
 * @example
 * ```ts
 * hammingDistance(0b1011n, 0b0001n); // 2
 * ```
 */
export function hammingDistance(a: bigint, b: bigint): number {
  let diff = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (diff !== 0n) {
    diff &= diff - 1n;
    count++;
  }
  return count;
}
