/**
 * Images at no cost, for the red team: the degraded input echoed at the asked size, the
 * validator's own naive restoration, noise, a constant picture, a pixel jitter that defeats byte
 * hashes, and PNG padding. Nothing here restores anything.
 */
import type { Json, PublicTask } from '../../plugin-api.js';
import { naiveRestorations, readMask } from '../../../evaluators/image-fidelity/baseline.js';
import { crc32, decodePngSync, encodePngSync } from '../../../native/image/png.js';
import { createImage, type RgbImage } from '../../../native/image/raster.js';
import { resizeImage } from '../../../native/image/resample.js';

const isObject = (value: Json | undefined): value is { [key: string]: Json } => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The size the task asks for (`payload.width` × `payload.height`), 128 × 128 when it does not say. */
export function requestedSize(task: PublicTask): { width: number; height: number } {
  const payload = isObject(task.payload) ? task.payload : {};
  const side = (value: Json | undefined) => (typeof value === 'number' && Number.isInteger(value) && value >= 8 && value <= 2048 ? value : 128);
  return { width: side(payload.width), height: side(payload.height) };
}

/** The task's input image (`payload.image`), or null when it has none. */
export function inputImage(task: PublicTask): RgbImage | null {
  const payload = isObject(task.payload) ? task.payload : {};
  if (typeof payload.image !== 'string') return null;
  try {
    return decodePngSync(Buffer.from(payload.image, 'base64'), 4096 * 4096);
  } catch {
    return null;
  }
}

/** `{ image }` with the PNG of `img`. */
export function imageResponse(img: RgbImage): Json {
  return { image: encodePngSync(img).toString('base64') };
}

/**
 * The degraded input returned as the answer, at the asked size (nearest-neighbour, so the pixels
 * stay the degraded ones); a plain white image for a task without an input (text rendering).
 */
export function echoImage(task: PublicTask): RgbImage {
  const { width, height } = requestedSize(task);
  const input = inputImage(task);
  if (input === null) return createImage(width, height, [255, 255, 255]);
  return input.width === width && input.height === height ? input : resizeImage(input, width, height, 'nearest');
}

/** The validator's own naive restoration (`image-fidelity`'s baseline): bicubic upscale, or the border-mean fill for inpainting. */
export function naiveRestoration(task: PublicTask): RgbImage {
  const { width, height } = requestedSize(task);
  const input = inputImage(task);
  if (input === null) return createImage(width, height, [255, 255, 255]);
  const payload = isObject(task.payload) ? task.payload : {};
  const options = naiveRestorations(task.kind, input, width, height, readMask(payload.mask));
  return options[options.length - 1].image;
}

/** Uniform noise at the asked size. */
export function noiseImage(width: number, height: number, random: () => number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.floor(random() * 256);
  return img;
}

/** One fixed picture per size: a soft diagonal gradient around mid-grey, the same bytes every time. */
export function constantImage(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.round(96 + (64 * (x + y)) / Math.max(1, width + height - 2));
      img.data.set([v, v, v + 8], (y * width + x) * 3);
    }
  }
  return img;
}

/** `img` with every pixel nudged by up to ±`amount` grey levels: the same picture, different bytes and hashes. */
export function jitter(img: RgbImage, random: () => number, amount = 3): RgbImage {
  const data = img.data.slice();
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, data[i] + Math.round((random() * 2 - 1) * amount)));
  return { ...img, data };
}

/**
 * The PNG of `base64` with a `tEXt` chunk of filler inserted before `IEND`, so the file is about
 * `factor` times as large and decodes to the same pixels; the input unchanged when it is not a PNG.
 */
export function padPng(base64: string, factor: number): string {
  const bytes = Buffer.from(base64, 'base64');
  const iend = bytes.lastIndexOf(Buffer.from('IEND', 'latin1')) - 4;
  if (iend < 8) return base64;
  const filler = Buffer.from(`Comment\u0000${'padding '.repeat(Math.ceil((bytes.length * Math.max(0, factor - 1)) / 8))}`, 'latin1');
  const chunk = Buffer.alloc(12 + filler.length);
  chunk.writeUInt32BE(filler.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  filler.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk, 4, 8 + filler.length), 8 + filler.length);
  return Buffer.concat([bytes.subarray(0, iend), chunk, bytes.subarray(iend)]).toString('base64');
}
