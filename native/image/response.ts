/**
 * A miner's `{ "image": "<base64>" }` response read for scoring: never throws on the miner's
 * bytes, but says what is wrong with them, so that an image evaluator records a 0 with a reason
 * instead of an error row (an error row means the evaluator or the task is broken).
 */
import { z } from 'zod';
import { isProctorError } from '../../core/errors.js';
import type { Json } from '../../core/plugin-api.js';
import { decodeImage, type ImageLimits } from './decode.js';
import type { RgbImage } from './raster.js';

/** The option fields of the caps, shared by the image evaluators' schemas. */
export const imageLimitsShape = {
  maxBytes: z.number().int().positive(),
  maxPixels: z.number().int().positive(),
  maxDimension: z.number().int().positive(),
};

export type ResponseImage =
  | { ok: true; image: RgbImage; bytes: number }
  | { ok: false; reason: string; code: string | null };

/**
 * Decodes `response.image` under `limits`.
 *
 * @example
 * ```ts
 * const got = await readResponseImage(sample.response, options);
 * if (!got.ok) return { value: 0, details: { reason: got.reason, code: got.code } };
 * ```
 */
export async function readResponseImage(response: Json, limits: ImageLimits): Promise<ResponseImage> {
  const image = response !== null && typeof response === 'object' && !Array.isArray(response) ? response.image : undefined;
  if (typeof image !== 'string') return { ok: false, reason: 'the response has no string "image"', code: null };
  try {
    const decoded = await decodeImage(image, limits);
    return { ok: true, image: decoded, bytes: Buffer.byteLength(image, 'base64') };
  } catch (error) {
    if (isProctorError(error)) return { ok: false, reason: error.message, code: error.code };
    throw error;
  }
}
