/**
 * `padder`: a correct-ish answer (the plugin's reference miner at skill 0.5) padded to eight times
 * its length with itself and filler phrases ("To be clear, this is the answer."), at least 400
 * characters. Repeating the answer keeps a bag-of-embeddings similarity high while the text grows,
 * which is what length-rewarding scorers pay for. Image tasks have no text to pad: it sends the
 * no-effort naive restoration with a `tEXt` chunk making the file eight times as large.
 *
 * Stopped by: reference-comparison's length factor (beyond 2× the reference's length the score
 * falls as (2 / ratio)^1.5), exact-answer checking (`ground-truth`: an extra word scores 0), the
 * stuffing checks, and baseline subtraction for the image — anti-gaming vector 3.
 */
import { imageResponse, naiveRestoration, padPng } from '../image-tools.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse } from '../strategy.js';
import { FILLER } from '../text-tools.js';

/** How many times longer than the answer the padded text is. */
export const PAD_FACTOR = 8;

/** `answer` repeated with filler between, to `factor` × its length and at least `minimum` characters. */
export function pad(answer: string, factor = PAD_FACTOR, minimum = 400): string {
  const target = Math.max(answer.length * factor, minimum);
  const parts = [answer];
  for (let i = 0; parts.join(' ').length < target; i++) parts.push(FILLER[i % FILLER.length], answer);
  return parts.join(' ');
}

export default defineStrategy({
  name: 'padder',
  summary: 'a correct-ish answer padded with itself and filler to 8× its length (images: the naive restoration, file padded 8×)',
  defence: 'reference-comparison\'s length factor, exact ground truth, stuffing checks; for images baseline subtraction',
  async answer(ctx) {
    const shape = answerShape(ctx.plugin);
    if (shape === 'image') return { image: padPng((imageResponse(naiveRestoration(ctx.task)) as { image: string }).image, PAD_FACTOR) };
    const base = await referenceAnswer(ctx, 0.5, ctx.random);
    const text = base !== null && typeof base === 'object' && !Array.isArray(base) && typeof base.answer === 'string' ? base.answer : null;
    return shape === 'text' && text !== null ? textResponse(ctx, pad(text)) : base;
  },
});
