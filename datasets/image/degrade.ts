/**
 * The four degradations of the restoration tasks, pure and synchronous, every parameter drawn
 * from the round's stream:
 *
 * | kind | degradation | parameters |
 * |---|---|---|
 * | `super-resolution` | area (box) downscale | `scale` 2 or 4 |
 * | `denoise` | additive Gaussian noise, independent per channel, clipped | `sigma` 8–30 (of 255) |
 * | `jpeg-artifacts` | baseline JPEG round trip, 4:2:0 | `quality` 8–25 |
 * | `inpaint` | a rectangle (20–35 % of each side, 4 px from the edges, over some detail) painted flat grey | `mask` |
 */
import type { Json } from '../../core/plugin-api.js';
import { jpegRoundTrip } from '../../native/image/jpeg-compress.js';
import { cloneImage, cropImage, fillRect, luminanceStdDev, type Rect, type RgbImage } from '../../native/image/raster.js';
import { resizeArea } from '../../native/image/resample.js';
import type { Random } from '../seeded-random.js';

export const RESTORATION_KINDS = ['super-resolution', 'denoise', 'jpeg-artifacts', 'inpaint'] as const;
export type RestorationKind = (typeof RESTORATION_KINDS)[number];

/** The colour an inpainting mask is painted with. */
export const MASK_FILL: readonly [number, number, number] = Object.freeze([128, 128, 128]) as readonly [number, number, number];

export interface Degraded {
  /** What the miner receives. */
  input: RgbImage;
  /** Extra payload fields of the kind (`scale`, `mask`). */
  payload: { [key: string]: Json };
  /** `meta.degradation`: the kind's parameters, for audit. */
  degradation: { [key: string]: Json };
}

/** A standard normal draw (Box–Muller on two uniforms of the stream). */
function gaussian(random: Random): number {
  const u = 1 - random.next(); // (0, 1]: log(u) is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Under this luminance standard deviation a masked region is too flat to score an inpainting. */
const MIN_MASKED_DETAIL = 6;

/**
 * A rectangle of 20–35 % of each side, 4 px from the edges, over a region with some detail (a
 * flat one would make the naive fill perfect); the last of 20 draws if none has.
 */
function drawMask(original: RgbImage, random: Random): Rect {
  const { width, height } = original;
  let mask: Rect = { x: 0, y: 0, width: 0, height: 0 };
  for (let attempt = 0; attempt < 20; attempt++) {
    const maskWidth = random.int(Math.round(0.2 * width), Math.round(0.35 * width));
    const maskHeight = random.int(Math.round(0.2 * height), Math.round(0.35 * height));
    mask = { x: random.int(4, width - maskWidth - 4), y: random.int(4, height - maskHeight - 4), width: maskWidth, height: maskHeight };
    if (luminanceStdDev(cropImage(original, mask)) >= MIN_MASKED_DETAIL) break;
  }
  return mask;
}

/**
 * Degrades `original` as `kind` says, drawing the parameters (and the noise) from `random`.
 *
 * @example
 * ```ts
 * const { input, payload, degradation } = degrade('super-resolution', original, random);
 * payload.scale; // 2 or 4; input is original.width / scale wide
 * ```
 */
export function degrade(kind: RestorationKind, original: RgbImage, random: Random): Degraded {
  const { width, height } = original;
  if (kind === 'super-resolution') {
    const scale = random.pick([2, 4]);
    return { input: resizeArea(original, Math.round(width / scale), Math.round(height / scale)), payload: { scale }, degradation: { type: 'area-downscale', scale } };
  }
  if (kind === 'denoise') {
    const sigma = Math.round(80 + 220 * random.next()) / 10;
    const input = cloneImage(original);
    for (let i = 0; i < input.data.length; i++) input.data[i] = Math.min(255, Math.max(0, Math.round(original.data[i] + sigma * gaussian(random))));
    return { input, payload: {}, degradation: { type: 'gaussian-noise', sigma, clipped: true } };
  }
  if (kind === 'jpeg-artifacts') {
    const quality = random.int(8, 25);
    return { input: jpegRoundTrip(original, quality), payload: {}, degradation: { type: 'jpeg', quality, subsampling: '4:2:0', tables: 'annex-k' } };
  }
  const mask = drawMask(original, random);
  return {
    input: fillRect(original, mask, MASK_FILL),
    payload: { mask: { ...mask } },
    degradation: { type: 'rect-mask', fill: [...MASK_FILL], ...mask },
  };
}
