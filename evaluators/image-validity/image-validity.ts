/**
 * `image-validity`: whether a miner's `{ image }` is a usable answer at all — bare base64 of a PNG
 * or WebP within the byte, dimension and pixel caps, decodable to the end, of exactly the size the
 * task asks for (`payload.width` × `payload.height`, when the payload says), and not blank (one
 * flat colour, or nearly: luminance standard deviation under `minStdDev`). 1 or 0, with the first
 * problem found. It never throws on a response.
 */
import { z } from 'zod';
import { defineEvaluator, type Json, type Verdict } from '../../core/plugin-api.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from '../../native/image/decode.js';
import { luminanceStdDev } from '../../native/image/raster.js';
import { imageLimitsShape, readResponseImage } from '../../native/image/response.js';

export interface ImageValidityOptions extends ImageLimits {
  /** Below this luminance standard deviation (of 255) an image counts as blank. */
  minStdDev: number;
}

const schema = z.object({ minStdDev: z.number().min(0).max(128), ...imageLimitsShape }).strict();

const round3 = (x: number) => Math.round(x * 1e3) / 1e3;

/** The size the task asks for, when its payload states one. */
function expectedSize(payload: Json): { width: number; height: number } | null {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const { width, height } = payload;
  return Number.isInteger(width) && Number.isInteger(height) ? { width: width as number, height: height as number } : null;
}

/**
 * 1 for a decodable, right-sized, non-blank PNG or WebP; 0 with `reason` (and `code` for a
 * decoding failure) otherwise.
 *
 * @example
 * ```ts
 * // response { image: '<base64 of a 128×128 PNG>' }, payload { width: 128, height: 128 } → 1
 * // response { image: '<base64 of a JPEG>' } → 0, code PROCTOR_ERR_IMAGE_FORMAT
 * ```
 */
export default defineEvaluator<ImageValidityOptions>({
  name: 'image-validity',
  version: '1.0.0',
  inputs: ['response'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: { minStdDev: 2, ...DEFAULT_IMAGE_LIMITS } },
  async score(ctx, { task, response }): Promise<Verdict> {
    const expected = expectedSize(task?.payload ?? null);
    const got = await readResponseImage(response, ctx.options);
    if (!got.ok) return { value: 0, details: { expected, reason: got.reason, code: got.code } };
    const { image, bytes } = got;
    const facts = { expected, format: image.format, width: image.width, height: image.height, bytes, lumaStdDev: round3(luminanceStdDev(image)) };
    if (expected !== null && (image.width !== expected.width || image.height !== expected.height)) {
      return { value: 0, details: { ...facts, reason: `the image is ${image.width}×${image.height}; the task asks for ${expected.width}×${expected.height}` } };
    }
    if (facts.lumaStdDev < ctx.options.minStdDev) {
      return { value: 0, details: { ...facts, reason: `the image is blank: luminance standard deviation ${facts.lumaStdDev} < ${ctx.options.minStdDev}` } };
    }
    return { value: 1, details: facts };
  },
});
