/**
 * `slow-relay`: relays the most skilled reference miner's answer to the same task, but holds it
 * until 60 % of the announced deadline, as a relay to a distant or rate-limited API would arrive:
 * late, yet in time to be scored. With nothing to relay it echoes the input.
 *
 * Stopped by: near-duplicate detection, where the earliest response keeps the credit and the late
 * copy gets the penalty (timestamps stored with the finding) — anti-gaming vectors 1, 5 and 11.
 */
import { defineStrategy, sleep } from '../strategy.js';
import { sourceAnswer } from './copycat.js';
import { echoAnswer } from './degraded-echo.js';

// Not nearer: the local subnet's miners share one event loop, and a busy loop (the first round
// builds the reference writers' chains) makes a timer late; 70 % still timed out then.
/** Share of the deadline the relay waits before answering. */
export const SLOW_RELAY_SHARE = 0.6;

export default defineStrategy({
  name: 'slow-relay',
  summary: 'relays the best reference miner\'s answer to the same task at 60 % of the deadline',
  defence: 'near-duplicate detection with timestamps: the earliest response keeps the credit, the late copy is penalised',
  async answer(ctx) {
    const copied = await sourceAnswer(ctx, 0.6);
    await sleep(ctx.arrivedAt + ctx.deadlineMs * SLOW_RELAY_SHARE - Date.now());
    return copied ?? echoAnswer(ctx);
  },
});
