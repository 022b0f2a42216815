/**
 * `copycat`: relays the most skilled reference miner's answer to the same task, byte for byte,
 * 20–60 ms after that miner sent it — the way a relay that watches a better miner's output (or
 * buys it) would. It does no work; with nothing to relay before the deadline it echoes the input.
 *
 * Stopped by: near-duplicate detection across miners (exact hash, normalised text, embedding and
 * perceptual-hash similarity); the earliest response keeps the credit, later copies are penalised,
 * with both timestamps as evidence — anti-gaming vectors 1 and 11.
 */
import type { Json } from '../../../plugin-api.js';
import { defineStrategy, sleep, type StrategyContext } from '../strategy.js';
import { echoAnswer } from './degraded-echo.js';

/** The source's answer to this task, waited for until `share` of the deadline; null when it never came. */
export async function sourceAnswer(ctx: StrategyContext, share: number): Promise<Json | null> {
  if (ctx.sourceUid === null) return null;
  const left = ctx.arrivedAt + ctx.deadlineMs * share - Date.now();
  const posted = await ctx.board.wait(ctx.plugin.definition.name, ctx.task.id, ctx.sourceUid, left);
  return posted === null ? null : posted.answer;
}

export default defineStrategy({
  name: 'copycat',
  summary: 'relays the best reference miner\'s answer to the same task, 20–60 ms after it was sent',
  defence: 'near-duplicate detection: the earliest of identical or near-identical answers keeps the credit, later copies are penalised',
  async answer(ctx) {
    const copied = await sourceAnswer(ctx, 0.6);
    if (copied === null) return echoAnswer(ctx);
    await sleep(20 + 40 * ctx.random());
    return copied;
  },
});
