/**
 * `random-text`: 5–40 words drawn at random from a small everyday vocabulary, with a number now and
 * then; on image tasks, uniform noise of the asked size. No relation to the task at all: the floor
 * every other strategy should beat, and what a naive similarity still pays a little for.
 *
 * Stopped by: hidden ground truth, baseline subtraction (a filler answer scores 0 semantically),
 * the perplexity ceiling (word salad), and the image-validity gate — anti-gaming vector 4.
 */
import { imageResponse, noiseImage, requestedSize } from '../image-tools.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse } from '../strategy.js';

const VOCABULARY = (
  'time year people way day man thing woman life child world school state family student group country problem hand part place case week company system ' +
  'program question work government number night point home water room mother area money story fact month lot right study book eye job word business issue ' +
  'side kind head house service friend father power hour game line end member law car city community name president team minute idea kid body information ' +
  'back parent face others level office door health person art war history party result change morning reason research girl guy moment air teacher force ' +
  'good new first last long great little own other old right big high different small large next early young important few public bad same able'
).split(' ');

/** `count` words (5–40 when omitted) from the vocabulary, with numbers mixed in. */
export function randomWords(random: () => number, count = 5 + Math.floor(random() * 36)): string {
  const words = Array.from({ length: count }, () => (random() < 0.1 ? String(Math.floor(random() * 1000)) : VOCABULARY[Math.floor(random() * VOCABULARY.length)]));
  return `${words.join(' ')}.`;
}

export default defineStrategy({
  name: 'random-text',
  summary: 'random everyday words (images: uniform noise of the asked size)',
  defence: 'hidden ground truth, baseline subtraction, the perplexity ceiling, the image-validity gate',
  async answer(ctx) {
    const shape = answerShape(ctx.plugin);
    if (shape === 'text') return textResponse(ctx, randomWords(ctx.random));
    if (shape === 'image') {
      const { width, height } = requestedSize(ctx.task);
      return imageResponse(noiseImage(width, height, ctx.random));
    }
    return referenceAnswer(ctx, 0, ctx.random);
  },
});
