/**
 * What a baseline JPEG encoder followed by a decoder does to an image, without the (lossless)
 * entropy coding in between: JFIF colour conversion, 4:2:0 chroma subsampling (2 × 2 means), the
 * 8 × 8 DCT, quantisation with the Annex K tables scaled by quality as libjpeg scales them, and
 * back, with edge pixels replicated to whole blocks as libjpeg pads. Pure and synchronous: the
 * `jpeg-artifacts` tasks are generated inside the synchronous task generator, and the same seed
 * must give the same pixels on every machine (libjpeg builds differ in their integer transforms).
 */
import { clampByte, fdct8x8, idct8x8, quantisationTable, rgbToYcc, yccToRgb } from './jpeg-dct.js';
import { createImage, type RgbImage } from './raster.js';

/** A plane of `width` × `height` floats through DCT → quantise → inverse DCT, 8 × 8 block by block. */
function quantisePlane(plane: Float64Array, width: number, height: number, table: Float64Array): Float64Array {
  const out = new Float64Array(width * height);
  const block = new Float64Array(64);
  const coefficients = new Float64Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[Math.min(height - 1, by + y) * width + Math.min(width - 1, bx + x)] - 128;
      }
      fdct8x8(block, coefficients);
      for (let k = 0; k < 64; k++) coefficients[k] = Math.round(coefficients[k] / table[k]) * table[k];
      idct8x8(coefficients, block);
      for (let y = 0; y < 8 && by + y < height; y++) {
        for (let x = 0; x < 8 && bx + x < width; x++) out[(by + y) * width + bx + x] = clampByte(block[y * 8 + x] + 128);
      }
    }
  }
  return out;
}

/**
 * The image as a baseline JPEG at `quality` (1–100, libjpeg's scale) would decode: blocking,
 * ringing and colour bleeding included.
 *
 * @example
 * ```ts
 * const input = jpegRoundTrip(original, 15); // a visibly blocky copy
 * ```
 */
export function jpegRoundTrip(img: RgbImage, quality: number): RgbImage {
  const { width, height } = img;
  const [cw, ch] = [Math.ceil(width / 2), Math.ceil(height / 2)];
  const luma = new Float64Array(width * height);
  const cb = new Float64Array(cw * ch);
  const cr = new Float64Array(cw * ch);
  const counts = new Float64Array(cw * ch);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const [l, b, r] = rgbToYcc(img.data[i], img.data[i + 1], img.data[i + 2]);
      const c = (y >> 1) * cw + (x >> 1);
      luma[y * width + x] = Math.round(l);
      cb[c] += b;
      cr[c] += r;
      counts[c] += 1;
    }
  }
  // libjpeg converts and downsamples to whole sample values before the DCT.
  for (let c = 0; c < cb.length; c++) [cb[c], cr[c]] = [Math.round(cb[c] / counts[c]), Math.round(cr[c] / counts[c])];
  const lumaOut = quantisePlane(luma, width, height, quantisationTable('luma', quality));
  const cbOut = quantisePlane(cb, cw, ch, quantisationTable('chroma', quality));
  const crOut = quantisePlane(cr, cw, ch, quantisationTable('chroma', quality));
  const out = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y >> 1) * cw + (x >> 1);
      const i = 3 * (y * width + x);
      [out.data[i], out.data[i + 1], out.data[i + 2]] = yccToRgb(lumaOut[y * width + x], cbOut[c], crOut[c]);
    }
  }
  return out;
}
