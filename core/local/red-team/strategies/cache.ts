/**
 * `cache`: never computes. It keeps the answers it has seen from the most skilled reference miner
 * (a lookup table, as a miner scraping others or replaying the validator's past tasks would build)
 * and answers each task with the answer to the earlier task whose public text matches best
 * (bag-of-words cosine of prompt and payload, same kind first). Cold, it echoes the input.
 *
 * Stopped by: fresh tasks from a secret per-round seed (an earlier answer is to another question),
 * and cache probes — reworded copies of earlier tasks whose answer must follow the new wording; a
 * cache answers the old text — anti-gaming vector 2.
 */
import type { Json } from '../../../plugin-api.js';
import type { PostedAnswer } from '../answer-board.js';
import { defineStrategy, type StrategyContext } from '../strategy.js';
import { publicText, textSimilarity } from '../text-tools.js';
import { echoAnswer } from './degraded-echo.js';

/** The earlier answer whose task reads most like this one (same kind preferred), or null when there is none. */
export function bestMatch(ctx: Pick<StrategyContext, 'plugin' | 'task' | 'board'>): PostedAnswer | null {
  const text = `${ctx.task.prompt}\n${publicText(ctx.task)}`;
  let best: PostedAnswer | null = null;
  let bestScore = -Infinity;
  for (const seen of ctx.board.history(ctx.plugin.definition.name)) {
    if (seen.task.id === ctx.task.id) continue;
    const score = textSimilarity(text, `${seen.task.prompt}\n${publicText(seen.task)}`) + (seen.task.kind === ctx.task.kind ? 1 : 0);
    if (score > bestScore) [best, bestScore] = [seen, score];
  }
  return best;
}

export async function cachedAnswer(ctx: StrategyContext): Promise<{ answer: Json; hit: boolean }> {
  const match = bestMatch(ctx);
  return match === null ? { answer: await echoAnswer(ctx), hit: false } : { answer: match.answer, hit: true };
}

export default defineStrategy({
  name: 'cache',
  summary: 'replays the best reference miner\'s answer to the earlier task whose text matches best',
  defence: 'fresh tasks from a secret seed, an input guard that never reissues a task, and cache probes (reworded earlier tasks)',
  async answer(ctx) {
    return (await cachedAnswer(ctx)).answer;
  },
});
