/**
 * Area resampling in pure TypeScript, synchronous and deterministic (the task generator's
 * downscaling, natural-image crops, the perceptual hash). Each output pixel is the exact mean of
 * the source area it covers, partial pixels weighted by their covered fraction: a ×2 or ×4
 * downscale is the plain box average.
 */
import { proctorError } from '../../core/errors.js';
import { createImage, type RgbImage } from './raster.js';

/** For each output index along one axis: the source indices it covers and their weights (summing to 1). */
function areaWeights(source: number, target: number): { start: Int32Array; count: Int32Array; weights: Float64Array; stride: number } {
  const scale = source / target;
  const stride = Math.ceil(scale) + 1;
  const start = new Int32Array(target);
  const count = new Int32Array(target);
  const weights = new Float64Array(target * stride);
  for (let o = 0; o < target; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const first = Math.floor(lo);
    start[o] = first;
    let n = 0;
    for (let s = first; s < hi && s < source; s++, n++) weights[o * stride + n] = (Math.min(hi, s + 1) - Math.max(lo, s)) / scale;
    count[o] = n;
  }
  return { start, count, weights, stride };
}

/**
 * Resamples one float plane (`width` × `height`, row-major) to `toWidth` × `toHeight` by area.
 *
 * @example
 * ```ts
 * const small = resizeAreaPlane(luma, 128, 128, 32, 32);
 * ```
 */
export function resizeAreaPlane(plane: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (!(toWidth >= 1 && toHeight >= 1 && Number.isInteger(toWidth) && Number.isInteger(toHeight))) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `resize to ${toWidth}×${toHeight}` });
  }
  const h = areaWeights(width, toWidth);
  const v = areaWeights(height, toHeight);
  const rows = new Float32Array(toWidth * height);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < toWidth; o++) {
      let sum = 0;
      for (let k = 0; k < h.count[o]; k++) sum += h.weights[o * h.stride + k] * plane[y * width + h.start[o] + k];
      rows[y * toWidth + o] = sum;
    }
  }
  const out = new Float32Array(toWidth * toHeight);
  for (let o = 0; o < toHeight; o++) {
    for (let k = 0; k < v.count[o]; k++) {
      const weight = v.weights[o * v.stride + k];
      const row = (v.start[o] + k) * toWidth;
      for (let x = 0; x < toWidth; x++) out[o * toWidth + x] += weight * rows[row + x];
    }
  }
  return out;
}

/**
 * An RGB image resampled by area, each channel rounded to the nearest integer: the degradation of
 * the super-resolution tasks (`resizeArea(img, w / 4, h / 4)` is a 4 × 4 box average).
 *
 * @example
 * ```ts
 * const input = resizeArea(original, 32, 32); // ×4 downscale of a 128² original
 * ```
 */
export function resizeArea(img: RgbImage, toWidth: number, toHeight: number): RgbImage {
  const out = createImage(toWidth, toHeight);
  const plane = new Float32Array(img.width * img.height);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = img.data[3 * i + c];
    const resized = resizeAreaPlane(plane, img.width, img.height, toWidth, toHeight);
    for (let i = 0; i < resized.length; i++) out.data[3 * i + c] = Math.min(255, Math.max(0, Math.round(resized[i])));
  }
  return out;
}
