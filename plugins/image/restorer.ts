/**
 * The reference miners' restorations, at four quality levels, on real algorithms: centred
 * resampling kernels (`resample.ts`; sharp's upscale is half a pixel off centre), sharp's median,
 * Gaussian blur and unsharp mask, and this folder's back-projection, non-local means, JPEG
 * deblocking by projection and diffusion inpainting (`restoration-filters.ts`, `jpeg-deblock.ts`).
 *
 * | kind | `nearest` | `bicubic` | `lanczos-sharpen` | `good` |
 * |---|---|---|---|---|
 * | super-resolution | nearest neighbour | Catmull-Rom bicubic | Lanczos-3 + unsharp mask σ 0.5 | Lanczos-3 + 10 rounds of back-projection onto the box downscale |
 * | denoise | none (echo) | median 3 × 3 | Gaussian blur σ 1 | non-local means, σ estimated from the image |
 * | jpeg-artifacts | none (echo) | Gaussian blur σ 0.5 | median 3 × 3 then blur σ 0.5 | non-local means of the luminance projected onto the estimated quantisation constraints |
 * | inpaint | border mean | border mean | linear between borders | harmonic diffusion |
 *
 * Measured under `image-fidelity` on generated tasks (`restorer.test.ts`; figures in the
 * evaluator's README): kind by kind each better level scores higher on average, and the levels
 * that do what the naive baseline does score 0. Measured CPU a 128² task at `good`: 0.3–0.5 s
 * for denoise and JPEG (non-local means), 0.1–0.2 s for super-resolution, 0.07 s for inpainting;
 * the other levels take milliseconds.
 */
import { proctorError } from '../../core/errors.js';
import type { Json, PublicTask } from '../../core/plugin-api.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage, encodePng, fromSharp, toSharp } from '../../native/image/decode.js';
import { borderMean, fillRect, type Rect, type RgbImage } from '../../native/image/raster.js';
import { resizeImage } from '../../native/image/resample.js';
import { deblockJpeg } from './jpeg-deblock.js';
import { backProject, estimateNoise, inpaintHarmonic, inpaintLinear, nonLocalMeans } from './restoration-filters.js';

export const RESTORATION_LEVELS = ['nearest', 'bicubic', 'lanczos-sharpen', 'good'] as const;
export type RestorationLevel = (typeof RESTORATION_LEVELS)[number];

interface RestorationPayload {
  image: string;
  width: number;
  height: number;
  scale?: number;
  mask?: Rect;
}

function readPayload(task: PublicTask): RestorationPayload {
  const p = task.payload as { [key: string]: Json } | null;
  if (p === null || typeof p !== 'object' || typeof p.image !== 'string' || !Number.isInteger(p.width) || !Number.isInteger(p.height)) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `task ${task.id} has no restoration payload { image, width, height }` });
  }
  return p as unknown as RestorationPayload;
}

async function superResolve(input: RgbImage, p: RestorationPayload, level: RestorationLevel): Promise<RgbImage> {
  if (level === 'nearest') return resizeImage(input, p.width, p.height, 'nearest');
  if (level === 'bicubic') return resizeImage(input, p.width, p.height, 'cubic');
  const lanczos = resizeImage(input, p.width, p.height, 'lanczos3');
  if (level === 'lanczos-sharpen') return fromSharp(toSharp(lanczos).sharpen({ sigma: 0.5 }));
  const scale = p.scale ?? Math.round(p.width / input.width);
  return p.width === input.width * scale && p.height === input.height * scale ? backProject(lanczos, input, scale, 10) : lanczos;
}

async function denoise(input: RgbImage, level: RestorationLevel): Promise<RgbImage> {
  if (level === 'nearest') return input;
  if (level === 'bicubic') return fromSharp(toSharp(input).median(3));
  if (level === 'lanczos-sharpen') return fromSharp(toSharp(input).blur(1));
  return nonLocalMeans(input, estimateNoise(input));
}

async function deblock(input: RgbImage, level: RestorationLevel): Promise<RgbImage> {
  if (level === 'nearest') return input;
  if (level === 'bicubic') return fromSharp(toSharp(input).blur(0.5));
  if (level === 'lanczos-sharpen') return fromSharp(toSharp(input).median(3).blur(0.5));
  return deblockJpeg(input);
}

function inpaint(input: RgbImage, mask: Rect, level: RestorationLevel): RgbImage {
  if (level === 'nearest' || level === 'bicubic') return fillRect(input, mask, borderMean(input, mask));
  if (level === 'lanczos-sharpen') return inpaintLinear(input, mask);
  return inpaintHarmonic(input, mask);
}

/**
 * Restores the degraded image of a restoration task at `level`; the miner's response body.
 *
 * @example
 * ```ts
 * const response = await restoreImage(task, 'good'); // { image: 'iVBORw0KGgo…' }
 * ```
 */
export async function restoreImage(task: PublicTask, level: RestorationLevel): Promise<Json> {
  const p = readPayload(task);
  const input = await decodeImage(p.image, DEFAULT_IMAGE_LIMITS);
  let out: RgbImage;
  if (task.kind === 'super-resolution') out = await superResolve(input, p, level);
  else if (task.kind === 'denoise') out = await denoise(input, level);
  else if (task.kind === 'jpeg-artifacts') out = await deblock(input, level);
  else if (task.kind === 'inpaint' && p.mask) out = inpaint(input, p.mask, level);
  else out = input.width === p.width && input.height === p.height ? input : resizeImage(input, p.width, p.height, 'cubic');
  return { image: await encodePng(out) };
}
