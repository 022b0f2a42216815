/**
 * The one in-memory image shape of Proctor's image code: 8-bit RGB, interleaved, row-major, no
 * alpha (decoders flatten alpha onto white). Plain data, so it crosses the worker boundary as is.
 */
import { proctorError } from '../../core/errors.js';

/** Where an image came from on the wire; images Proctor makes itself say `png`. */
export type ImageFormat = 'png' | 'webp';

/**
 * Pixels `data[3 * (y * width + x) + c]`, c = 0 red, 1 green, 2 blue.
 *
 * @example
 * ```ts
 * const img: RgbImage = { width: 2, height: 1, data: Uint8Array.of(255, 0, 0, 0, 0, 255), format: 'png' };
 * ```
 */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
  format: ImageFormat;
}

/** A rectangle in pixels; `x`, `y` is its top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A black image of the given size (or filled with `rgb`). */
export function createImage(width: number, height: number, rgb: readonly [number, number, number] = [0, 0, 0]): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `createImage(${width}, ${height}) needs positive integer sizes` });
  }
  const data = new Uint8Array(width * height * 3);
  if (rgb[0] !== 0 || rgb[1] !== 0 || rgb[2] !== 0) {
    for (let i = 0; i < data.length; i += 3) [data[i], data[i + 1], data[i + 2]] = rgb;
  }
  return { width, height, data, format: 'png' };
}

/** A copy with its own pixel buffer. */
export function cloneImage(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: img.data.slice(), format: img.format };
}

/**
 * Luminance per pixel, BT.601 weights (0.299 R + 0.587 G + 0.114 B) as floats in [0, 255], not
 * rounded. This is the channel all metrics read: the SSIM literature's choice (MATLAB `rgb2gray`),
 * and the one where restoration errors are most visible.
 */
export function luminance(img: RgbImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  const d = img.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2];
  return out;
}

/** The population standard deviation of the luminance; under ~2 an image is blank to the eye. */
export function luminanceStdDev(img: RgbImage): number {
  const y = luminance(img);
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < y.length; i++) {
    sum += y[i];
    squares += y[i] * y[i];
  }
  const mean = sum / y.length;
  return Math.sqrt(Math.max(0, squares / y.length - mean * mean));
}

/** The pixels of `rect` (clipped to the image) as a new image. */
export function cropImage(img: RgbImage, rect: Rect): RgbImage {
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(img.width, rect.x + rect.width);
  const y1 = Math.min(img.height, rect.y + rect.height);
  const out = createImage(Math.max(1, x1 - x0), Math.max(1, y1 - y0));
  for (let y = y0; y < y1; y++) {
    out.data.set(img.data.subarray(3 * (y * img.width + x0), 3 * (y * img.width + x1)), 3 * (y - y0) * out.width);
  }
  return out;
}

/** A copy with `rect` filled with one colour. */
export function fillRect(img: RgbImage, rect: Rect, rgb: readonly [number, number, number]): RgbImage {
  const out = cloneImage(img);
  for (let y = Math.max(0, rect.y); y < Math.min(img.height, rect.y + rect.height); y++) {
    for (let x = Math.max(0, rect.x); x < Math.min(img.width, rect.x + rect.width); x++) {
      const i = 3 * (y * img.width + x);
      [out.data[i], out.data[i + 1], out.data[i + 2]] = rgb;
    }
  }
  return out;
}

/**
 * The mean colour of the one-pixel ring just outside `rect` (the pixels an inpainter can see next
 * to the hole), rounded; the image's mean when the ring is empty.
 */
export function borderMean(img: RgbImage, rect: Rect): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  const add = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const i = 3 * (y * img.width + x);
    for (let c = 0; c < 3; c++) sum[c] += img.data[i + c];
    n += 1;
  };
  for (let x = rect.x - 1; x <= rect.x + rect.width; x++) {
    add(x, rect.y - 1);
    add(x, rect.y + rect.height);
  }
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    add(rect.x - 1, y);
    add(rect.x + rect.width, y);
  }
  if (n === 0) {
    for (let i = 0; i < img.data.length; i += 3) for (let c = 0; c < 3; c++) sum[c] += img.data[i + c];
    n = img.width * img.height;
  }
  return [Math.round(sum[0] / n), Math.round(sum[1] / n), Math.round(sum[2] / n)];
}
