/**
 * Resampling in pure TypeScript, synchronous and deterministic.
 *
 * * Area (`resizeArea`): each output pixel is the exact mean of the source area it covers, partial
 *   pixels weighted by their covered fraction; a ×2 or ×4 downscale is the plain box average. The
 *   task generator's downscaling, natural-image crops, the perceptual hash.
 * * Kernels (`resizeImage`): nearest, Catmull-Rom bicubic, Lanczos-3, with pixel centres aligned
 *   (output x samples input (x + ½)·in/out − ½) and edges clamped; widened by the ratio when
 *   downscaling. The naive baseline of super-resolution and the reference miners use these rather
 *   than sharp's resize: libvips places an upscaled image half an output pixel off centre (a
 *   single bright pixel upscaled ×4 peaks at 14 instead of 13.5), which costs bicubic and Lanczos
 *   about as much as they gain over nearest neighbour.
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

/** The resampling kernels of `resizeImage`. */
export type ResizeKernel = 'nearest' | 'cubic' | 'lanczos3';

const KERNELS: Record<Exclude<ResizeKernel, 'nearest'>, { support: number; f: (x: number) => number }> = {
  // Catmull-Rom: Keys' cubic with a = −0.5.
  cubic: {
    support: 2,
    f: (x) => {
      const t = Math.abs(x);
      return t < 1 ? 1.5 * t ** 3 - 2.5 * t ** 2 + 1 : t < 2 ? -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2 : 0;
    },
  },
  lanczos3: {
    support: 3,
    f: (x) => {
      if (x === 0) return 1;
      if (Math.abs(x) >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    },
  },
};

/** For each output index: the source indices (clamped) and normalised weights of one axis. */
function kernelWeights(source: number, target: number, kernel: ResizeKernel): { index: Int32Array; weight: Float64Array; taps: number } {
  const ratio = source / target;
  if (kernel === 'nearest') {
    const index = Int32Array.from({ length: target }, (_, o) => Math.min(source - 1, Math.floor((o + 0.5) * ratio)));
    return { index, weight: new Float64Array(target).fill(1), taps: 1 };
  }
  const { support, f } = KERNELS[kernel];
  const stretch = Math.max(1, ratio); // widen the kernel when downscaling, to average instead of alias
  const taps = 2 * Math.ceil(support * stretch) + 1;
  const index = new Int32Array(target * taps);
  const weight = new Float64Array(target * taps);
  for (let o = 0; o < target; o++) {
    const centre = (o + 0.5) * ratio - 0.5;
    const first = Math.floor(centre) - (taps >> 1) + 1;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const w = f((first + k - centre) / stretch);
      index[o * taps + k] = Math.min(source - 1, Math.max(0, first + k));
      weight[o * taps + k] = w;
      sum += w;
    }
    for (let k = 0; k < taps; k++) weight[o * taps + k] /= sum;
  }
  return { index, weight, taps };
}

/**
 * Resamples to exactly `width` × `height` with a kernel, each channel rounded and clamped.
 *
 * @example
 * ```ts
 * const up = resizeImage(small, 128, 128, 'cubic'); // the naive super-resolution
 * ```
 */
export function resizeImage(img: RgbImage, width: number, height: number, kernel: ResizeKernel): RgbImage {
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `resize to ${width}×${height}` });
  }
  const h = kernelWeights(img.width, width, kernel);
  const v = kernelWeights(img.height, height, kernel);
  const rows = new Float64Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    for (let o = 0; o < width; o++) {
      let [r, g, b] = [0, 0, 0];
      for (let k = 0; k < h.taps; k++) {
        const w = h.weight[o * h.taps + k];
        const i = 3 * (y * img.width + h.index[o * h.taps + k]);
        r += w * img.data[i];
        g += w * img.data[i + 1];
        b += w * img.data[i + 2];
      }
      const j = 3 * (y * width + o);
      [rows[j], rows[j + 1], rows[j + 2]] = [r, g, b];
    }
  }
  const out = createImage(width, height);
  for (let o = 0; o < height; o++) {
    for (let x = 0; x < width; x++) {
      let [r, g, b] = [0, 0, 0];
      for (let k = 0; k < v.taps; k++) {
        const w = v.weight[o * v.taps + k];
        const i = 3 * (v.index[o * v.taps + k] * width + x);
        r += w * rows[i];
        g += w * rows[i + 1];
        b += w * rows[i + 2];
      }
      const j = 3 * (o * width + x);
      out.data[j] = Math.min(255, Math.max(0, Math.round(r)));
      out.data[j + 1] = Math.min(255, Math.max(0, Math.round(g)));
      out.data[j + 2] = Math.min(255, Math.max(0, Math.round(b)));
    }
  }
  return out;
}
