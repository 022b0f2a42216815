/**
 * `constant`: the same answer to every task — one fixed sentence built from words common to
 * answers in general, or one fixed picture (a soft grey gradient) per asked size. A template that
 * scores similarity without a baseline pays it for whatever the sentence happens to share with
 * each reference.
 *
 * Stopped by: hidden ground truth, baseline subtraction (content-free answers score 0), the
 * image-validity gate (a near-flat picture), and duplicate / sybil detection when several uids
 * send it — anti-gaming vector 3.
 */
import { constantImage, imageResponse, requestedSize } from '../image-tools.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse } from '../strategy.js';

/** The one text answer. */
export const CONSTANT_ANSWER = 'The answer is given in the document: the first one, as the people there said many years ago, and it was a great day for the country and the company.';

export default defineStrategy({
  name: 'constant',
  summary: 'the same sentence to every text task, the same gradient picture to every image task of a size',
  defence: 'hidden ground truth, baseline subtraction, the image-validity gate, duplicate and sybil detection',
  async answer(ctx) {
    const shape = answerShape(ctx.plugin);
    if (shape === 'text') return textResponse(ctx, CONSTANT_ANSWER);
    if (shape === 'image') {
      const { width, height } = requestedSize(ctx.task);
      return imageResponse(constantImage(width, height));
    }
    return referenceAnswer(ctx, 0, () => 0.5);
  },
});
