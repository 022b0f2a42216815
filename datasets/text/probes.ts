/**
 * The text plugin's round: the ordinary tasks of `generateTextTasks`, with a few slots turned into
 * probes and canaries that look like any other task (same kinds, prompts, payload shapes and id
 * scheme; what makes them probes is only in the hidden `meta`).
 *
 * - **reworded** (`PROBE_RATES.reworded` of the slots): an ordinary task of one of the previous
 *   rounds with one detail changed so that its answer changes (`probes-reword.ts`). `meta.probe =
 *   { kind: 'reworded', of, round, oldAnswer, change, strength }`; the `cache-probe` detector
 *   catches answers that follow the old wording.
 * - **replay** (`PROBE_RATES.replay`): an exact copy of an earlier open-ended task (continuation or
 *   summary), `meta.probe = { kind: 'replay', of, round }`. The engine sends it only to hotkeys that
 *   were never sent the original (`core/engine/task-guard.ts`), so no miner is asked the same thing
 *   twice; an answer identical to another miner's earlier answer is a shared cache.
 * - **canary** (`PROBE_RATES.canary`): a task with a trap answer (`probes-canary.ts`), `meta.canary`.
 *
 * Which slots are probes comes from the round seed alone (stream `text-probe-plan`, one draw per
 * slot), so the ordinary tasks of any earlier round are regenerated from its revealed seed without
 * its own history. What a probe copies comes from `ctx.previous` (the earlier rounds' seeds) and the
 * stream `text-probe-content`. A probe slot with nothing to probe (a first round, no suitable
 * earlier task) keeps its ordinary task. The whole round is a pure function of `ctx`.
 *
 * @example
 * ```ts
 * const tasks = generateTextRound({ seed, count: 8, round: 12, previous: [{ round: 11, seed: seed11 }] });
 * tasks.filter((t) => t.meta.probe !== undefined); // the probes, ids `12-text-<slot>` like the rest
 * ```
 */
import type { Json, Task, TaskContext } from '../../core/plugin-api.js';
import { seededRandom, type Random } from '../seeded-random.js';
import { generateTextTasks, TEXT_DATASET_VERSION } from './generate.js';
import { canaryTask } from './probes-canary.js';
import { rewordTask } from './probes-reword.js';

/** Bump whenever the same seed and history could give a different round (rates, probe rules). */
export const TEXT_PROBES_VERSION = '1.0.0';
/** The version the text plugin stores with every task: the families' and the probes'. */
export const TEXT_ROUND_VERSION = `families ${TEXT_DATASET_VERSION}, probes ${TEXT_PROBES_VERSION}`;

/** The share of slots of each probe kind; the rest are ordinary. */
export const PROBE_RATES = Object.freeze({ reworded: 1 / 8, canary: 1 / 16, replay: 1 / 32 });

export type SlotPlan = 'ordinary' | 'reworded' | 'canary' | 'replay';

/** Kinds whose exact replays can show a cache: open-ended answers an independent writer does not repeat word for word. */
const REPLAYABLE = ['continuation', 'summary'];
const SOURCE_TRIES = 12;

/**
 * What each slot of a round is, from its seed alone.
 *
 * @example
 * ```ts
 * probePlan('c0ffee', 8); // ['ordinary', 'reworded', 'ordinary', …]
 * ```
 */
export function probePlan(seed: string, count: number): SlotPlan[] {
  const random = seededRandom(seed, 'text-probe-plan');
  return Array.from({ length: count }, () => {
    const u = random.next();
    if (u < PROBE_RATES.reworded) return 'reworded';
    if (u < PROBE_RATES.reworded + PROBE_RATES.canary) return 'canary';
    if (u < PROBE_RATES.reworded + PROBE_RATES.canary + PROBE_RATES.replay) return 'replay';
    return 'ordinary';
  });
}

/** The ordinary tasks that earlier rounds issued, regenerated from their seeds on first use. */
function earlierTasks(previous: readonly { round: number; seed: string }[], count: number) {
  const rounds = new Map<number, Task[]>();
  return (random: Random, accept: (task: Task) => boolean): { task: Task; round: number } | null => {
    if (previous.length === 0) return null;
    for (let t = 0; t < SOURCE_TRIES; t++) {
      const q = random.pick(previous);
      const slot = random.int(0, count - 1);
      if (!rounds.has(q.round)) {
        const plan = probePlan(q.seed, count);
        rounds.set(q.round, generateTextTasks({ seed: q.seed, count, round: q.round }).filter((_task, i) => plan[i] === 'ordinary'));
      }
      const task = rounds.get(q.round)!.find((x) => x.id === `${q.round}-text-${slot}`);
      if (task !== undefined && accept(task)) return { task, round: q.round };
    }
    return null;
  };
}

function probeFor(plan: SlotPlan, slot: Task, random: Random, pickEarlier: ReturnType<typeof earlierTasks>): Task | null {
  const probe = (meta: { [key: string]: Json }, draft: Omit<Task, 'id'>): Task => ({ ...draft, id: slot.id, meta: { ...draft.meta, ...meta } });
  if (plan === 'canary') {
    const canary = canaryTask(random, Number(slot.id.split('-').pop()));
    return canary === null ? null : { ...canary, id: slot.id };
  }
  if (plan === 'replay') {
    const source = pickEarlier(random, (task) => REPLAYABLE.includes(task.kind));
    if (source === null) return null;
    const { id: _of, ...copy } = source.task;
    return probe({ probe: { kind: 'replay', of: source.task.id, round: source.round } }, copy);
  }
  for (let t = 0; t < SOURCE_TRIES; t++) {
    const source = pickEarlier(random, () => true);
    if (source === null) return null;
    const reworded = rewordTask(source.task, random);
    if (reworded === null) continue;
    const { change, strength } = reworded;
    return probe({ probe: { kind: 'reworded', of: source.task.id, round: source.round, oldAnswer: source.task.answer, change, strength } }, reworded.draft);
  }
  return null;
}

/** The round's tasks with its probes mixed in; see the module comment. */
export function generateTextRound(ctx: TaskContext): Task[] {
  const tasks = generateTextTasks(ctx);
  const plan = probePlan(ctx.seed, ctx.count);
  if (plan.every((p) => p === 'ordinary')) return tasks;
  const random = seededRandom(ctx.seed, 'text-probe-content');
  const pickEarlier = earlierTasks((ctx.previous ?? []).filter((q) => q.round < ctx.round), ctx.count);
  return tasks.map((task, i) => (plan[i] === 'ordinary' ? task : (probeFor(plan[i], task, random, pickEarlier) ?? task)));
}
