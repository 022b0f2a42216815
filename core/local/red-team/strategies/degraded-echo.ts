/**
 * `degraded-echo`: returns the task's input as the answer — the degraded image unchanged (at the
 * asked size, nearest-neighbour, so the pixels stay the degraded ones; a blank canvas when there
 * is no input), or for text the payload's own text (the passage, the document, the phrase).
 * Naive similarity to the original pays it well: a slightly noisy image is still close to it.
 *
 * Stopped by: baseline subtraction (`image-fidelity` scores the improvement over the validator's
 * own naive restoration, which is at least as good as the input; `reference-comparison`'s echo
 * factor) and the validity gate (a blank canvas scores 0) — anti-gaming vector 3.
 */
import type { Json } from '../../../plugin-api.js';
import { echoImage, imageResponse } from '../image-tools.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse, type StrategyContext } from '../strategy.js';
import { publicText } from '../text-tools.js';

/** The echo of `ctx.task` in the plugin's shape: also every relay's answer when it has nothing to relay. */
export async function echoAnswer(ctx: StrategyContext): Promise<Json> {
  const shape = answerShape(ctx.plugin);
  if (shape === 'image') return imageResponse(echoImage(ctx.task));
  if (shape === 'text') return textResponse(ctx, publicText(ctx.task));
  // A plugin of another shape: its own reference miner at skill 0, the least effort it offers.
  return referenceAnswer(ctx, 0, ctx.random);
}

export default defineStrategy({
  name: 'degraded-echo',
  summary: 'returns the input unchanged: the degraded image at the asked size, or the payload\'s text',
  defence: 'baselines subtracted (image-fidelity scores only the gain over the naive restoration; reference-comparison\'s echo factor) and the image-validity gate',
  answer: echoAnswer,
});
