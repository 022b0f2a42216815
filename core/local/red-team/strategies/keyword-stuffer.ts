/**
 * `keyword-stuffer`: answers with the task's own keywords (the most frequent content words of its
 * prompt and payload) repeated to about 60 words — what a keyword- or embedding-overlap scorer
 * rewards. On a text-rendering task it renders the asked string three times over; a restoration
 * has no keywords, so there it echoes the input.
 *
 * Stopped by: reference-comparison's stuffing factor (vocabulary, repeated trigrams, function-word
 * density), the perplexity check (degenerate repetition), exact ground truth and OCR's character
 * error rate (three copies read as one long wrong string) — anti-gaming vectors 3 and 4.
 */
import { answerShape, defineStrategy, referenceAnswer, textResponse } from '../strategy.js';
import { keywords } from '../text-tools.js';
import { echoAnswer } from './degraded-echo.js';

/** The task's top keywords, cycled to `length` words. */
export function stuffed(words: readonly string[], length = 60): string {
  const top = words.slice(0, 10);
  return top.length === 0 ? '' : Array.from({ length }, (_, i) => top[i % top.length]).join(' ');
}

export default defineStrategy({
  name: 'keyword-stuffer',
  summary: 'repeats the task\'s keywords to ~60 words (text rendering: the string three times; restoration: the input)',
  defence: 'reference-comparison\'s stuffing factor, the perplexity check, exact ground truth, OCR character error rate',
  async answer(ctx) {
    const shape = answerShape(ctx.plugin);
    const payload = ctx.task.payload !== null && typeof ctx.task.payload === 'object' && !Array.isArray(ctx.task.payload) ? ctx.task.payload : {};
    if (shape === 'text') return textResponse(ctx, stuffed(keywords(ctx.task)) || ctx.task.prompt);
    if (shape === 'image' && typeof payload.text === 'string' && typeof payload.image !== 'string') {
      return referenceAnswer({ plugin: ctx.plugin, task: { ...ctx.task, payload: { ...payload, text: `${payload.text} ${payload.text} ${payload.text}` } } }, 1, ctx.random);
    }
    return echoAnswer(ctx);
  },
});
