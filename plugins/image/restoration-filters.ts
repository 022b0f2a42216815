/**
 * The restoration algorithms of the reference miners that sharp does not offer, on float RGB
 * planes in pure TypeScript (the images are small: 128² takes milliseconds):
 *
 * * iterative back-projection (Irani & Peleg 1991) for super-resolution by a known box downscale;
 * * non-local means (Buades, Coll & Morel 2005) with the noise level estimated from the image
 *   (Donoho's median absolute deviation of the finest diagonal detail);
 * * inpainting by linear interpolation between opposite borders, and by harmonic diffusion
 *   (the Laplace equation with the border as boundary condition).
 */
import type { Rect, RgbImage } from '../../native/image/raster.js';
import { createImage } from '../../native/image/raster.js';

/** Three planes of floats, one per channel. */
type Planes = [Float64Array, Float64Array, Float64Array];

function toPlanes(img: RgbImage): Planes {
  const planes = [0, 1, 2].map(() => new Float64Array(img.width * img.height)) as Planes;
  for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) planes[c][i] = img.data[3 * i + c];
  return planes;
}

function fromPlanes(planes: Planes, width: number, height: number): RgbImage {
  const out = createImage(width, height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) out.data[3 * i + c] = Math.min(255, Math.max(0, Math.round(planes[c][i])));
  return out;
}

/** The s × s box average of a plane (`width`, `height` multiples of s). */
function boxDown(plane: Float64Array, width: number, height: number, s: number): Float64Array {
  const [w, h] = [width / s, height / s];
  const out = new Float64Array(w * h);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[Math.floor(y / s) * w + Math.floor(x / s)] += plane[y * width + x] / (s * s);
  return out;
}

/** Bilinear upsampling by s with pixel centres aligned (the back-projection kernel). */
function bilinearUp(plane: Float64Array, w: number, h: number, s: number): Float64Array {
  const out = new Float64Array(w * s * h * s);
  const at = (i: number, j: number) => plane[Math.min(h - 1, j) * w + Math.min(w - 1, i)];
  for (let y = 0; y < h * s; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) / s - 0.5));
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    for (let x = 0; x < w * s; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) / s - 0.5));
      const x0 = Math.floor(fx);
      const wx = fx - x0;
      const top = at(x0, y0) * (1 - wx) + at(x0 + 1, y0) * wx;
      const bottom = at(x0, y0 + 1) * (1 - wx) + at(x0 + 1, y0 + 1) * wx;
      out[y * w * s + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/**
 * Refines an upscaled `estimate` until its s × s box average reproduces `input` (the known
 * degradation), pushing the residual back through bilinear upsampling.
 *
 * @example
 * ```ts
 * const sharper = backProject(await resizeImage(input, 128, 128, 'lanczos3'), input, 4, 20);
 * ```
 */
export function backProject(estimate: RgbImage, input: RgbImage, scale: number, iterations: number): RgbImage {
  const x = toPlanes(estimate);
  const target = toPlanes(input);
  const [W, H] = [estimate.width, estimate.height];
  for (let it = 0; it < iterations; it++) {
    for (let c = 0; c < 3; c++) {
      const down = boxDown(x[c], W, H, scale);
      for (let i = 0; i < down.length; i++) down[i] = target[c][i] - down[i];
      const correction = bilinearUp(down, input.width, input.height, scale);
      for (let i = 0; i < x[c].length; i++) x[c][i] += correction[i];
    }
  }
  return fromPlanes(x, W, H);
}

/**
 * Noise σ (of 255) per channel, estimated from the image: the median absolute value of the
 * finest diagonal Haar detail divided by 0.6745 (Donoho & Johnstone), averaged over the channels.
 */
export function estimateNoise(img: RgbImage): number {
  const { width, height, data } = img;
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    const details: number[] = [];
    const at = (x: number, y: number) => data[3 * (y * width + x) + c];
    for (let y = 0; y + 1 < height; y += 2) {
      for (let x = 0; x + 1 < width; x += 2) details.push(Math.abs(at(x, y) - at(x + 1, y) - at(x, y + 1) + at(x + 1, y + 1)) / 2);
    }
    details.sort((a, b) => a - b);
    sum += details[Math.floor(details.length / 2)] / 0.6745;
  }
  return sum / 3;
}

/** Sums of `plane` over the (2r + 1)² window around each pixel, edges clamped (two separable passes). */
function boxSum(plane: Float64Array, width: number, height: number, r: number, scratch: Float64Array, out: Float64Array): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += plane[y * width + Math.min(width - 1, Math.max(0, x + k))];
      scratch[y * width + x] = sum;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += scratch[Math.min(height - 1, Math.max(0, y + k)) * width + x];
      out[y * width + x] = sum;
    }
  }
}

/**
 * Non-local means (Buades, Coll & Morel; the parameters of their 2011 IPOL study for colour):
 * each pixel becomes the mean of the pixels of a search window, weighted by how alike their
 * patches are, exp(−max(d² − 2σ², 0) / h²) with d² the mean squared difference of the patches
 * over all planes. Patch 3 × 3 and h = 0.55 σ up to σ = 25, 5 × 5 and 0.4 σ above; the search
 * window is (2·`search` + 1)². Computed offset by offset, so the cost is pixels × offsets, not
 * × patch size.
 *
 * @example
 * ```ts
 * const [clean] = nonLocalMeansPlanes([luma], 128, 128, 6);
 * ```
 */
export function nonLocalMeansPlanes(planes: readonly Float64Array[], width: number, height: number, sigma: number, options: { search?: number } = {}): Float64Array[] {
  const n = width * height;
  const p = sigma > 25 ? 2 : 1;
  const h = (sigma > 25 ? 0.4 : 0.55) * sigma;
  const [s, h2, bias] = [options.search ?? 6, Math.max(1e-6, h * h), 2 * sigma * sigma];
  const sums = planes.map(() => new Float64Array(n));
  const total = new Float64Array(n);
  const diff = new Float64Array(n);
  const scratch = new Float64Array(n);
  const distance = new Float64Array(n);
  const shifted = new Int32Array(n);
  const patchSamples = planes.length * (2 * p + 1) ** 2;
  for (let dy = -s; dy <= s; dy++) {
    for (let dx = -s; dx <= s; dx++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const j = Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx));
          shifted[i] = j;
          let d = 0;
          for (const plane of planes) d += (plane[i] - plane[j]) ** 2;
          diff[i] = d;
        }
      }
      boxSum(diff, width, height, p, scratch, distance);
      for (let i = 0; i < n; i++) {
        const w = Math.exp(-Math.max(distance[i] / patchSamples - bias, 0) / h2);
        const j = shifted[i];
        total[i] += w;
        for (let c = 0; c < planes.length; c++) sums[c][i] += w * planes[c][j];
      }
    }
  }
  for (const sum of sums) for (let i = 0; i < n; i++) sum[i] /= total[i];
  return sums;
}

/**
 * Non-local means on an RGB image (see `nonLocalMeansPlanes`).
 *
 * @example
 * ```ts
 * const clean = nonLocalMeans(noisy, estimateNoise(noisy));
 * ```
 */
export function nonLocalMeans(img: RgbImage, sigma: number, options: { search?: number } = {}): RgbImage {
  return fromPlanes(nonLocalMeansPlanes(toPlanes(img), img.width, img.height, sigma, options) as Planes, img.width, img.height);
}

/** The pixel at (x, y) clamped into the image, as a colour. */
function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = 3 * (Math.min(img.height - 1, Math.max(0, y)) * img.width + Math.min(img.width - 1, Math.max(0, x)));
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

/**
 * Fills `mask` with the mean of a horizontal and a vertical linear interpolation between the
 * pixels just outside it on opposite sides.
 */
export function inpaintLinear(img: RgbImage, mask: Rect): RgbImage {
  const out = createImage(img.width, img.height);
  out.data.set(img.data);
  for (let y = mask.y; y < mask.y + mask.height; y++) {
    for (let x = mask.x; x < mask.x + mask.width; x++) {
      const tx = (x - mask.x + 1) / (mask.width + 1);
      const ty = (y - mask.y + 1) / (mask.height + 1);
      const [l, r, t, b] = [pixel(img, mask.x - 1, y), pixel(img, mask.x + mask.width, y), pixel(img, x, mask.y - 1), pixel(img, x, mask.y + mask.height)];
      for (let c = 0; c < 3; c++) out.data[3 * (y * img.width + x) + c] = Math.round(((1 - tx) * l[c] + tx * r[c] + (1 - ty) * t[c] + ty * b[c]) / 2);
    }
  }
  return out;
}

/**
 * Fills `mask` with the harmonic function whose boundary values are the pixels around it
 * (Gauss–Seidel with over-relaxation, started from `inpaintLinear`).
 */
export function inpaintHarmonic(img: RgbImage, mask: Rect, iterations = 300): RgbImage {
  const start = inpaintLinear(img, mask);
  const planes = toPlanes(start);
  const { width, height } = img;
  const omega = 1.8;
  // Pixels on the image's own edge keep their linear fill: they have no neighbour on one side.
  const [x0, x1] = [Math.max(1, mask.x), Math.min(width - 1, mask.x + mask.width)];
  const [y0, y1] = [Math.max(1, mask.y), Math.min(height - 1, mask.y + mask.height)];
  for (let it = 0; it < iterations; it++) {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * width + x;
        for (const plane of planes) {
          const around = (plane[i - 1] + plane[i + 1] + plane[i - width] + plane[i + width]) / 4;
          plane[i] += omega * (around - plane[i]);
        }
      }
    }
  }
  return fromPlanes(planes, width, height);
}
