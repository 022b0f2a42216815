/**
 * JPEG artefact removal by projection onto convex sets (Zakhor 1992; Yang, Galatsanos &
 * Katsaggelos 1993): smooth the luminance (here by non-local means, which keeps edges) and
 * project it back onto the set of images whose 8 × 8 DCT coefficients quantise to the ones
 * observed. The quantisation steps are not
 * given (the miner receives a PNG), so they are estimated: the image's block coefficients are
 * tried against the Annex K tables at every quality, and the coarsest table they fit is taken
 * (libjpeg's tables, which nearly every encoder uses). Chroma is only smoothed: the metrics read
 * luminance, and 4:2:0 chroma carries little to recover.
 */
import { fdct8x8, idct8x8, quantisationTable, rgbToYcc, yccToRgb } from '../../native/image/jpeg-dct.js';
import { createImage, type RgbImage } from '../../native/image/raster.js';
import { nonLocalMeansPlanes } from './restoration-filters.js';

type Plane = Float64Array;

/** Applies `f` to each whole 8 × 8 block's DCT coefficients (blocks at the grid origin). */
function forEachBlock(plane: Plane, width: number, height: number, f: (coefficients: Float64Array) => void): void {
  const block = new Float64Array(64);
  const coefficients = new Float64Array(64);
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[(by + y) * width + bx + x] - 128;
      fdct8x8(block, coefficients);
      f(coefficients);
      idct8x8(coefficients, block);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) plane[(by + y) * width + bx + x] = block[y * 8 + x] + 128;
    }
  }
}

/**
 * The lowest libjpeg quality (coarsest luminance table) whose steps the image's DCT coefficients
 * sit on: at least 60 % of the clearly non-zero coefficients (|c| ≥ 8) of the steps of 6 or more
 * within 1.5 of a multiple of their step. 100 when none fits (not a JPEG, or a finer one).
 */
export function estimateJpegQuality(luma: Plane, width: number, height: number): number {
  const samples: Float64Array[] = [];
  forEachBlock(Float64Array.from(luma), width, height, (c) => samples.push(Float64Array.from(c)));
  for (let quality = 1; quality <= 100; quality++) {
    const table = quantisationTable('luma', quality);
    let [near, n] = [0, 0];
    for (const c of samples) {
      for (let k = 1; k < 64; k++) {
        // Coefficients quantised to 0 fit every table, and small steps fit anything: judge on the
        // clearly non-zero coefficients of the coarse steps. Clipped colours move a few of them.
        if (table[k] < 6 || Math.abs(c[k]) < 8) continue;
        if (Math.abs(c[k] - table[k] * Math.round(c[k] / table[k])) < 1.5) near++;
        n++;
      }
    }
    if (n > 0 && near / n >= 0.6) return quality;
  }
  return 100;
}

/** A 3 × 3 binomial blur of a plane, edges clamped. */
function smooth(plane: Plane, width: number, height: number): Plane {
  const out = new Float64Array(plane.length);
  const at = (x: number, y: number) => plane[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * width + x] =
        (4 * at(x, y) + 2 * (at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1)) + at(x - 1, y - 1) + at(x + 1, y - 1) + at(x - 1, y + 1) + at(x + 1, y + 1)) / 16;
    }
  }
  return out;
}

/** Moves each block's DCT coefficients of `plane` into the constraint set, in place. */
function project(plane: Plane, width: number, height: number, observed: readonly Float64Array[], table: Float64Array): void {
  let b = 0;
  forEachBlock(plane, width, height, (c) => {
    const q = observed[b++];
    for (let k = 0; k < 64; k++) c[k] = Math.min((q[k] + 0.5) * table[k], Math.max((q[k] - 0.5) * table[k], c[k]));
  });
}

/**
 * The image with its JPEG blocking and ringing reduced: the luminance smoothed by non-local means
 * (σ from the estimated table: a quarter of its first AC step, 3–12) and projected onto the
 * quantisation constraints; chroma smoothed by a 3 × 3 binomial.
 *
 * @example
 * ```ts
 * const clean = deblockJpeg(decodedJpegPixels);
 * ```
 */
export function deblockJpeg(img: RgbImage, options: { sigma?: number } = {}): RgbImage {
  const { width, height } = img;
  const n = width * height;
  const [luma, cb, cr] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) [luma[i], cb[i], cr[i]] = rgbToYcc(img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2]);
  const table = quantisationTable('luma', estimateJpegQuality(luma, width, height));
  // The constraint set: each coefficient within half a step of the observed quantised value.
  const observed: Float64Array[] = [];
  forEachBlock(Float64Array.from(luma), width, height, (c) => observed.push(Float64Array.from(c, (v, k) => Math.round(v / table[k]))));
  const sigma = options.sigma ?? Math.min(12, Math.max(3, table[1] / 4));
  const [estimate] = nonLocalMeansPlanes([luma], width, height, sigma);
  project(estimate, width, height, observed, table);
  const [cbSmooth, crSmooth] = [smooth(cb, width, height), smooth(cr, width, height)];
  const out = createImage(width, height);
  for (let i = 0; i < n; i++) [out.data[3 * i], out.data[3 * i + 1], out.data[3 * i + 2]] = yccToRgb(estimate[i], cbSmooth[i], crSmooth[i]);
  return out;
}
