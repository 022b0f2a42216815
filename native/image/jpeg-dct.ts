/**
 * The arithmetic JPEG shares between decoding and compressing (ITU-T T.81): the zig-zag order,
 * the 8 × 8 DCT pair, the example quantisation tables of Annex K scaled by quality as libjpeg
 * does, and the JFIF colour conversion. Floating-point throughout, so results are the same on
 * every machine (libjpeg's integer transforms differ from these by at most a level or two).
 */

/** ZIGZAG[k] = the natural (row-major) index of the k-th coefficient in zig-zag order. */
export const ZIGZAG: readonly number[] = Object.freeze([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Annex K.1 luminance table, natural order. */
const LUMA_TABLE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Annex K.1 chrominance table, natural order. */
const CHROMA_TABLE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...Array<number>(32).fill(99),
];

/**
 * The Annex K table for `channel` scaled to `quality` 1–100 the way libjpeg's `jpeg_set_quality`
 * does (baseline: entries clamped to 1–255), natural order.
 *
 * @example
 * ```ts
 * quantisationTable('luma', 50)[0]; // 16
 * ```
 */
export function quantisationTable(channel: 'luma' | 'chroma', quality: number): Float64Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  const base = channel === 'luma' ? LUMA_TABLE : CHROMA_TABLE;
  return Float64Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** BASIS[u * 8 + x] = C(u) cos((2x + 1) u π / 16) / 2, so that the DCT is orthonormal. */
const BASIS = (() => {
  const table = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) table[u * 8 + x] = ((u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)) / 2;
  }
  return table;
})();

const scratch = new Float64Array(64);

/** Forward 8 × 8 DCT-II of `block` (natural order, level-shifted samples) into `out`. */
export function fdct8x8(block: Float64Array, out: Float64Array): void {
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += BASIS[u * 8 + x] * block[y * 8 + x];
      scratch[y * 8 + u] = sum;
    }
  }
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) sum += BASIS[v * 8 + y] * scratch[y * 8 + u];
      out[v * 8 + u] = sum;
    }
  }
}

/** Inverse 8 × 8 DCT of `coefficients` (natural order) into `out` (level-shifted samples). */
export function idct8x8(coefficients: Float64Array, out: Float64Array): void {
  // Most blocks of a photograph keep a few low frequencies: skip the rows that are all zero.
  for (let v = 0; v < 8; v++) {
    let empty = true;
    for (let u = 0; u < 8 && empty; u++) empty = coefficients[v * 8 + u] === 0;
    if (empty) {
      scratch.fill(0, v * 8, v * 8 + 8);
      continue;
    }
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let u = 0; u < 8; u++) sum += BASIS[u * 8 + x] * coefficients[v * 8 + u];
      scratch[v * 8 + x] = sum;
    }
  }
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) sum += BASIS[v * 8 + y] * scratch[v * 8 + x];
      out[y * 8 + x] = sum;
    }
  }
}

export const clampByte = (value: number): number => (value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value));

/** JFIF YCbCr of one RGB pixel (unrounded; Cb and Cr centred on 128). */
export function rgbToYcc(r: number, g: number, b: number): [number, number, number] {
  return [
    0.299 * r + 0.587 * g + 0.114 * b,
    -0.168736 * r - 0.331264 * g + 0.5 * b + 128,
    0.5 * r - 0.418688 * g - 0.081312 * b + 128,
  ];
}

/** JFIF RGB of one YCbCr pixel, rounded and clamped to bytes. */
export function yccToRgb(y: number, cb: number, cr: number): [number, number, number] {
  return [clampByte(y + 1.402 * (cr - 128)), clampByte(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)), clampByte(y + 1.772 * (cb - 128))];
}
