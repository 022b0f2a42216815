/**
 * The validator's own naive restoration of a task's degraded input: what a miner gets no credit
 * for. Super-resolution (and any input of another size than the expected output): Catmull-Rom
 * bicubic resampling with centred pixels (`resizeImage`, not sharp's: see `resample.ts`); inpainting: the mask filled with the mean of the pixels around it;
 * everything else (denoise, jpeg-artifacts, unknown kinds): the input itself.
 */
import type { Json } from '../../core/plugin-api.js';
import { borderMean, fillRect, type Rect, type RgbImage } from '../../native/image/raster.js';
import { resizeImage } from '../../native/image/resample.js';

export type NaiveMethod = 'bicubic-upscale' | 'border-mean-fill' | 'input';

/** A mask `{ x, y, width, height }` of non-negative integers, or null. */
export function readMask(value: Json | undefined): Rect | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { x, y, width, height } = value;
  const ok = [x, y, width, height].every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);
  return ok ? { x: x as number, y: y as number, width: width as number, height: height as number } : null;
}

/**
 * The naive restorations of `input` to `width` × `height` for a task of `kind`: the input itself
 * when it has the right size, plus the bicubic upscale when it has not, plus the border-mean fill
 * for inpainting. The evaluator takes the best of them metric by metric, so that no naive answer
 * scores above 0 (measured: a mask left flat grey sometimes beats the border-mean fill by SSIM).
 *
 * @example
 * ```ts
 * naiveRestorations('inpaint', input, 128, 128, mask).map((r) => r.method); // ['input', 'border-mean-fill']
 * ```
 */
export function naiveRestorations(kind: string, input: RgbImage, width: number, height: number, mask: Rect | null): { image: RgbImage; method: NaiveMethod }[] {
  if (input.width !== width || input.height !== height) return [{ image: resizeImage(input, width, height, 'cubic'), method: 'bicubic-upscale' }];
  const restorations: { image: RgbImage; method: NaiveMethod }[] = [{ image: input, method: 'input' }];
  if (kind === 'inpaint' && mask !== null) restorations.push({ image: fillRect(input, mask, borderMean(input, mask)), method: 'border-mean-fill' });
  return restorations;
}
