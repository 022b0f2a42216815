/**
 * The image plugin's reference miner: a skill in [0, 1] becomes a quality level per task, drawn
 * with the miner's own generator — with probability `skill` the best level, otherwise one of the
 * weaker ones — and the level's real algorithm produces the image (`restorer.ts`, `renderer.ts`).
 *
 * The local subnet's miners share one process, so a level's image of a task is computed once and
 * shared (the slowest level, non-local means in TypeScript, takes most of a second and blocks the
 * event loop); each answer then gets the miner's own faint dither (Gaussian, σ = 1 grey level, about 48 dB):
 * real miners running different code never return byte-identical images, but the reference
 * miners of one level would, and `near-duplicate-image` would then pay only the first of them.
 */
import { createHash } from 'node:crypto';
import type { Json, PublicTask, ReferenceMiner } from '../../core/plugin-api.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage, encodePng } from '../../native/image/decode.js';
import { RENDER_LEVELS, renderTextImage, type RenderLevel } from './renderer.js';
import { RESTORATION_LEVELS, restoreImage, type RestorationLevel } from './restorer.js';

const DITHER_SIGMA = 1;

/** The best level with probability `skill`, else one of the others, uniformly. */
export function pickLevel<L>(levels: readonly L[], skill: number, random: () => number): L {
  const best = levels[0];
  if (random() < skill) return best;
  const rest = levels.slice(1);
  return rest[Math.min(rest.length - 1, Math.floor(random() * rest.length))];
}

/** A standard normal draw (Box–Muller) from the miner's generator. */
function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

async function dither(base64: string, random: () => number): Promise<string> {
  const img = await decodeImage(base64, DEFAULT_IMAGE_LIMITS);
  const data = new Uint8Array(img.data);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(data[i] + DITHER_SIGMA * gaussian(random))));
  return encodePng({ ...img, data });
}

/** Best first: the order `pickLevel` expects. */
const RESTORE_BEST_FIRST: readonly RestorationLevel[] = [...RESTORATION_LEVELS].reverse();
const RENDER_BEST_FIRST: readonly RenderLevel[] = RENDER_LEVELS;

/** Images by task content and level, oldest dropped first; a round needs at most tasks × levels. */
const computed = new Map<string, Promise<Json>>();
const COMPUTED_LIMIT = 256;

function computeOnce(task: PublicTask, level: string, compute: () => Promise<Json>): Promise<Json> {
  const key = `${createHash('sha256').update(JSON.stringify([task.kind, task.prompt, task.payload])).digest('hex')}:${level}`;
  let image = computed.get(key);
  if (image === undefined) {
    image = compute();
    computed.set(key, image);
    image.catch(() => computed.delete(key));
    if (computed.size > COMPUTED_LIMIT) computed.delete(computed.keys().next().value!);
  }
  return image;
}

export const imageMiner: ReferenceMiner = {
  async answer(task: PublicTask, skill: number, random: () => number): Promise<Json> {
    let response: Json;
    if (task.kind === 'render-text') {
      const level = pickLevel(RENDER_BEST_FIRST, skill, random);
      response = await computeOnce(task, level, () => renderTextImage(task, level));
    } else {
      const level = pickLevel(RESTORE_BEST_FIRST, skill, random);
      response = await computeOnce(task, level, () => restoreImage(task, level));
    }
    return { image: await dither((response as { image: string }).image, random) };
  },
};
