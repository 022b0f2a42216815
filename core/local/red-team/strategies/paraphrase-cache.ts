/**
 * `paraphrase-cache`: a `cache` that disguises what it replays, so that exact-hash duplicate checks
 * miss it: text is reworded (synonyms swapped, neighbouring words exchanged), an image nudged by
 * ±3 grey levels per pixel (same picture, other bytes and hashes).
 *
 * Stopped by: what stops `cache` (fresh tasks, cache probes), and similarity — not byte — based
 * duplicate detection (embedding similarity, perceptual hashes) — anti-gaming vectors 1 and 2.
 */
import type { Json } from '../../../plugin-api.js';
import { decodePngSync } from '../../../../native/image/png.js';
import { imageResponse, jitter } from '../image-tools.js';
import { answerShape, defineStrategy, textResponse, type StrategyContext } from '../strategy.js';
import { paraphrase } from '../text-tools.js';
import { cachedAnswer } from './cache.js';

function disguise(ctx: StrategyContext, answer: Json): Json {
  const shape = answerShape(ctx.plugin);
  const body = answer !== null && typeof answer === 'object' && !Array.isArray(answer) ? answer : {};
  if (shape === 'text' && typeof body.answer === 'string') return textResponse(ctx, paraphrase(body.answer, ctx.random));
  if (shape === 'image' && typeof body.image === 'string') {
    try {
      return imageResponse(jitter(decodePngSync(Buffer.from(body.image, 'base64')), ctx.random));
    } catch {
      return answer; // a WebP (the noisy text level): replayed as it is
    }
  }
  return answer;
}

export default defineStrategy({
  name: 'paraphrase-cache',
  summary: 'replays the best-matching earlier answer, reworded (text) or pixel-jittered (image)',
  defence: 'what stops cache (fresh tasks, cache probes) plus similarity-based duplicate detection (embeddings, perceptual hashes)',
  async answer(ctx) {
    const { answer, hit } = await cachedAnswer(ctx);
    return hit ? disguise(ctx, answer) : answer;
  },
});
