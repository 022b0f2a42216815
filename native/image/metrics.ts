/**
 * Full-reference image metrics on luminance (BT.601, see `luminance`): PSNR, SSIM (Wang, Bovik,
 * Sheikh & Simoncelli 2004) and MS-SSIM (Wang, Simoncelli & Bovik 2003).
 *
 * SSIM follows the paper's reference code: an 11 × 11 Gaussian window with σ = 1.5, K1 = 0.01,
 * K2 = 0.03, L = 255, the mean over the "valid" positions (the window wholly inside the image).
 * The window is separable, so it runs as a horizontal then a vertical 11-tap pass over five
 * planes (x, y, x², y², xy), with all buffers allocated once per call (no allocation per pixel);
 * an image narrower than 11 pixels uses the Gaussian truncated to its (odd) size. Values are
 * centred on 128 before squaring so that the variances keep their precision in float32.
 */
import { proctorError } from '../../core/errors.js';
import { luminance, type RgbImage } from './raster.js';

const K1 = 0.01;
const K2 = 0.03;
const L = 255;
const C1 = (K1 * L) ** 2;
const C2 = (K2 * L) ** 2;
const WINDOW = 11;
const SIGMA = 1.5;

/** The standard MS-SSIM weights, finest scale first. */
export const MS_SSIM_WEIGHTS: readonly number[] = Object.freeze([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);

function gaussian(size: number): Float64Array {
  const taps = new Float64Array(size);
  const centre = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += taps[i] = Math.exp(-((i - centre) ** 2) / (2 * SIGMA * SIGMA));
  for (let i = 0; i < size; i++) taps[i] /= sum;
  return taps;
}

const FULL_WINDOW = gaussian(WINDOW);

/** `src` (width × rows) filtered along x with the window `g`, 'valid' positions only, into `dst` ((width − size + 1) × rows). */
function filterRows(src: Float32Array, width: number, rows: number, g: Float64Array, dst: Float32Array): void {
  const size = g.length;
  const ow = width - size + 1;
  if (size === WINDOW) {
    // The 11-tap Gaussian is symmetric: pair the taps, half the multiplications, no inner loop.
    const [g0, g1, g2, g3, g4, g5] = g;
    for (let r = 0; r < rows; r++) {
      for (let o = 0, i = r * width, d = r * ow; o < ow; o++, i++, d++) {
        dst[d] = g0 * (src[i] + src[i + 10]) + g1 * (src[i + 1] + src[i + 9]) + g2 * (src[i + 2] + src[i + 8])
          + g3 * (src[i + 3] + src[i + 7]) + g4 * (src[i + 4] + src[i + 6]) + g5 * src[i + 5];
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < ow; o++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += g[k] * src[r * width + o + k];
      dst[r * ow + o] = sum;
    }
  }
}

/** `src` (width × height) filtered along y, 'valid' rows only, into `dst` (width × (height − size + 1)). */
function filterColumns(src: Float32Array, width: number, height: number, g: Float64Array, dst: Float32Array): void {
  const size = g.length;
  const oh = height - size + 1;
  if (size === WINDOW) {
    const [g0, g1, g2, g3, g4, g5] = g;
    const w = width;
    for (let i = 0, n = width * oh; i < n; i++) {
      dst[i] = g0 * (src[i] + src[i + 10 * w]) + g1 * (src[i + w] + src[i + 9 * w]) + g2 * (src[i + 2 * w] + src[i + 8 * w])
        + g3 * (src[i + 3 * w] + src[i + 7 * w]) + g4 * (src[i + 4 * w] + src[i + 6 * w]) + g5 * src[i + 5 * w];
    }
    return;
  }
  for (let i = 0, n = width * oh; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < size; k++) sum += g[k] * src[i + k * width];
    dst[i] = sum;
  }
}

/**
 * The mean SSIM and the mean contrast-structure term `cs` over the valid window positions of two
 * luminance planes. Each of the five moments (x, y, x², y², xy, centred on 128) is formed once in
 * one scratch plane and filtered by rows then columns.
 */
export function ssimPlanes(x: Float32Array, y: Float32Array, width: number, height: number): { ssim: number; cs: number } {
  const size = Math.min(WINDOW, width - ((width + 1) % 2), height - ((height + 1) % 2));
  const g = size === WINDOW ? FULL_WINDOW : gaussian(size);
  const [ow, oh, n] = [width - size + 1, height - size + 1, width * height];
  const moment = new Float32Array(n);
  const rows = new Float32Array(ow * height);
  const means = Array.from({ length: 5 }, () => new Float32Array(ow * oh));
  for (let m = 0; m < 5; m++) {
    if (m === 0) for (let i = 0; i < n; i++) moment[i] = x[i] - 128;
    else if (m === 1) for (let i = 0; i < n; i++) moment[i] = y[i] - 128;
    else if (m === 2) for (let i = 0; i < n; i++) moment[i] = (x[i] - 128) * (x[i] - 128);
    else if (m === 3) for (let i = 0; i < n; i++) moment[i] = (y[i] - 128) * (y[i] - 128);
    else for (let i = 0; i < n; i++) moment[i] = (x[i] - 128) * (y[i] - 128);
    filterRows(moment, width, height, g, rows);
    filterColumns(rows, ow, height, g, means[m]);
  }
  const [mx, my, mxx, myy, mxy] = means;
  let ssimSum = 0;
  let csSum = 0;
  for (let i = 0; i < ow * oh; i++) {
    const vx = mxx[i] - mx[i] * mx[i];
    const vy = myy[i] - my[i] * my[i];
    const cov = mxy[i] - mx[i] * my[i];
    const cs = (2 * cov + C2) / (vx + vy + C2);
    const ux = mx[i] + 128;
    const uy = my[i] + 128;
    ssimSum += ((2 * ux * uy + C1) / (ux * ux + uy * uy + C1)) * cs;
    csSum += cs;
  }
  return { ssim: ssimSum / (ow * oh), cs: csSum / (ow * oh) };
}

function sameSize(a: RgbImage, b: RgbImage, metric: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `${metric} of a ${a.width}×${a.height} and a ${b.width}×${b.height} image` });
  }
}

/**
 * PSNR in dB of the luminance, peak 255; `Infinity` for identical luminance.
 *
 * @example
 * ```ts
 * psnr(original, restored); // 31.7
 * ```
 */
export function psnr(a: RgbImage, b: RgbImage): number {
  sameSize(a, b, 'psnr');
  const [x, y] = [luminance(a), luminance(b)];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] - y[i]) ** 2;
  const mse = sum / x.length;
  return mse === 0 ? Infinity : 10 * Math.log10((L * L) / mse);
}

/**
 * Mean SSIM of the luminance, in [−1, 1]; 1 for identical images. Symmetric in its arguments.
 *
 * @example
 * ```ts
 * ssim(original, original); // 1
 * ```
 */
export function ssim(a: RgbImage, b: RgbImage): number {
  sameSize(a, b, 'ssim');
  return ssimPlanes(luminance(a), luminance(b), a.width, a.height).ssim;
}

/** Halves a plane by 2 × 2 averaging; an odd last row or column is dropped. */
function halve(plane: Float32Array, width: number, height: number): Float32Array {
  const [w, h] = [width >> 1, height >> 1];
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * width + 2 * x;
      out[y * w + x] = (plane[i] + plane[i + 1] + plane[i + width] + plane[i + width + 1]) / 4;
    }
  }
  return out;
}

/**
 * How many MS-SSIM scales an image of this size gets: up to 5, while the coarsest scale is still
 * at least 11 pixels a side (so 5 scales need 176 px; a 128² image gets 4, a 32² image 2).
 */
export function msSsimScales(width: number, height: number): number {
  let scales = 1;
  while (scales < 5 && Math.min(width, height) >> scales >= WINDOW) scales++;
  return scales;
}

/**
 * MS-SSIM of the luminance in [0, 1]: Π cs_j^w_j × ssim_M^w_M over `msSsimScales` scales, with the
 * standard weights of the scales used renormalised to sum to 1, and each term floored at 0 (a
 * negative mean cs would make the fractional power undefined). One scale is plain SSIM floored at 0.
 *
 * @example
 * ```ts
 * msSsim(original, restored); // 0.93
 * ```
 */
export function msSsim(a: RgbImage, b: RgbImage): number {
  sameSize(a, b, 'msSsim');
  const scales = msSsimScales(a.width, a.height);
  const weights = MS_SSIM_WEIGHTS.slice(0, scales);
  const total = weights.reduce((s, w) => s + w, 0);
  let [x, y, w, h] = [luminance(a), luminance(b), a.width, a.height];
  let value = 1;
  for (let j = 0; j < scales; j++) {
    const { ssim: s, cs } = ssimPlanes(x, y, w, h);
    value *= Math.max(0, j === scales - 1 ? s : cs) ** (weights[j] / total);
    if (j < scales - 1) [x, y, w, h] = [halve(x, w, h), halve(y, w, h), w >> 1, h >> 1];
  }
  return value;
}
