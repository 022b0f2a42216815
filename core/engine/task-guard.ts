/**
 * The input guard: no task is issued twice in a validator's history. Every task a round issues has
 * an input hash, `sha256(JSON.stringify([plugin, kind, prompt, payload]))`, stored with it
 * (`tasks.input_hash`). Before a round is sent, each generated task whose hash an earlier round
 * (or an earlier slot of this round) already issued is replaced by a redraw, deterministically:
 * attempt `a` of slot `i` asks the plugin for its round again from the seed
 * `sha256("<plugin seed>:reissue:<i>:<a>")` and takes its slot `i`, until the hash is new, up to
 * `REISSUE_ATTEMPTS` times; a slot that still collides is dropped (its id is then missing).
 *
 * The one deliberate repeat is a replay probe (`meta.probe.kind === 'replay'`): it passes the
 * guard, and the engine sends it only to hotkeys that were never sent the original
 * (`replayAudience`), so still no miner receives the same input twice.
 *
 * An auditor reproduces round r's tasks from what the database holds: `roundTasks(plugins, seed_r,
 * r, { previous, issued })` with `previous` the completed rounds before r (at most
 * `TASK_HISTORY_ROUNDS`, most recent first, with their revealed seeds) and `issued` the input
 * hashes of every task stored for a round numbered below r (see `docs/anti-gaming.md`).
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Json, Task } from '../plugin-api.js';

/** How many completed rounds a generator sees in `TaskContext.previous`. */
export const TASK_HISTORY_ROUNDS = 32;
/** Redraws of one colliding slot before it is dropped. */
export const REISSUE_ATTEMPTS = 8;

/**
 * The hash that identifies a task's input: what a miner receives, and the plugin that sent it.
 *
 * @example
 * ```ts
 * taskInputHash('text', { kind: 'strings', prompt: 'Reverse "stone".', payload: { text: 'stone' } }); // 64 hex digits
 * ```
 */
export function taskInputHash(plugin: string, task: Pick<Task, 'kind' | 'prompt' | 'payload'>): string {
  return createHash('sha256').update(JSON.stringify([plugin, task.kind, task.prompt, task.payload])).digest('hex');
}

/** The earlier task a replay probe repeats (`meta.probe = { kind: 'replay', of, round }`), or null for any other task. */
export function replayOf(task: Pick<Task, 'meta'>): { of: string; round: number } | null {
  const probe = task.meta.probe as { [key: string]: Json } | undefined;
  if (probe === null || typeof probe !== 'object' || probe.kind !== 'replay') return null;
  return typeof probe.of === 'string' && typeof probe.round === 'number' ? { of: probe.of, round: probe.round } : null;
}

/** The seed of redraw `attempt` (from 1) of slot `index`. */
export function reissueSeed(pluginSeed: string, index: number, attempt: number): string {
  return createHash('sha256').update(`${pluginSeed}:reissue:${index}:${attempt}`).digest('hex');
}

/** One slot the guard changed, for the log. */
export interface Reissue {
  index: number;
  taskId: string;
  /** The input hash that had been issued before. */
  collided: string;
  attempts: number;
  outcome: 'replaced' | 'dropped';
}

/**
 * A plugin's generated tasks with every repeat of an issued input redrawn (see the module comment).
 * `redraw(i, a)` is slot i of the round regenerated for attempt a.
 */
export function guardTasks(
  plugin: string,
  tasks: readonly Task[],
  issued: (hash: string) => boolean,
  redraw: (index: number, attempt: number) => Task | undefined,
): { tasks: Task[]; reissues: Reissue[] } {
  const here = new Set<string>();
  const kept: Task[] = [];
  const reissues: Reissue[] = [];
  tasks.forEach((task, index) => {
    if (replayOf(task) !== null) return void kept.push(task);
    let [candidate, hash, attempts] = [task as Task | null, taskInputHash(plugin, task), 0];
    const collided = hash;
    while (issued(hash) || here.has(hash)) {
      if (++attempts > REISSUE_ATTEMPTS) {
        candidate = null;
        break;
      }
      const next = redraw(index, attempts);
      // A redraw that is itself a replay would repeat something else: not a replacement.
      if (next === undefined || replayOf(next) !== null) continue;
      [candidate, hash] = [{ ...next, id: task.id }, taskInputHash(plugin, next)];
    }
    if (attempts > 0) reissues.push({ index, taskId: task.id, collided, attempts: Math.min(attempts, REISSUE_ATTEMPTS), outcome: candidate === null ? 'dropped' : 'replaced' });
    if (candidate === null) return;
    here.add(hash);
    kept.push(candidate);
  });
  return { tasks: kept, reissues };
}

/** What a round's generation depends on besides its seed (`roundTasks`). */
export interface TaskHistory {
  /** The completed rounds before this one, most recent first, with their round seeds. */
  previous?: readonly { round: number; seed: string }[];
  /** Whether an earlier round issued this input hash. */
  issued?: (hash: string) => boolean;
}

/** The history a validator's database gives each round, and who was sent what. */
export interface TaskLedger {
  /** The history of round `number`: the completed rounds before it and every input issued so far. */
  historyFor(number: number): TaskHistory;
  /** Adds a completed round's input hashes (call after the store has the round). */
  record(hashes: readonly string[]): void;
  /** The hotkeys that were sent task `taskKey` of round `round`. */
  sentTo(round: number, taskKey: string): ReadonlySet<string>;
}

/**
 * A ledger over the store's tables: input hashes of every stored task (rows written before the
 * column existed are hashed once, here), seeds of completed rounds, and responses by task.
 *
 * @example
 * ```ts
 * const ledger = createTaskLedger(store.db);
 * const outcome = await runRound(deps, number, seed, miners, ledger.historyFor(number));
 * ```
 */
export function createTaskLedger(db: Database): TaskLedger {
  const issued = new Set<string>((db.prepare('SELECT input_hash AS h FROM tasks WHERE input_hash IS NOT NULL').all() as { h: string }[]).map((r) => r.h));
  const unhashed = db.prepare('SELECT plugin, kind, prompt, payload FROM tasks WHERE input_hash IS NULL').iterate() as IterableIterator<{ plugin: string; kind: string; prompt: string; payload: string }>;
  for (const r of unhashed) issued.add(taskInputHash(r.plugin, { kind: r.kind, prompt: r.prompt, payload: JSON.parse(r.payload) as Json }));
  const seeds = db.prepare("SELECT number AS round, seed FROM rounds WHERE status = 'complete' AND seed IS NOT NULL AND number < ? ORDER BY number DESC LIMIT ?");
  const sent = db.prepare('SELECT DISTINCT s.hotkey AS hotkey FROM responses s JOIN tasks t ON t.id = s.task_id JOIN rounds r ON r.id = t.round_id WHERE r.number = ? AND t.task_key = ?');
  return {
    historyFor(number) {
      return { previous: seeds.all(number, TASK_HISTORY_ROUNDS) as { round: number; seed: string }[], issued: (hash) => issued.has(hash) };
    },
    record(hashes) {
      for (const h of hashes) issued.add(h);
    },
    sentTo(round, taskKey) {
      return new Set((sent.all(round, taskKey) as { hotkey: string }[]).map((r) => r.hotkey));
    },
  };
}

/**
 * The history round `number` was generated with, rebuilt from a database afterwards — what an
 * auditor passes to `roundTasks` with the round's revealed seed to regenerate its exact tasks.
 *
 * @example
 * ```ts
 * const db = new Database('proctor.db', { readonly: true });
 * const tasks = roundTasks(plugins, seed, 12, auditTaskHistory(db, 12));
 * ```
 */
export function auditTaskHistory(db: Database, number: number): TaskHistory {
  const rows = db.prepare('SELECT t.input_hash AS h, t.plugin, t.kind, t.prompt, t.payload FROM tasks t JOIN rounds r ON r.id = t.round_id WHERE r.number < ?').all(number) as { h: string | null; plugin: string; kind: string; prompt: string; payload: string }[];
  const issued = new Set(rows.map((r) => r.h ?? taskInputHash(r.plugin, { kind: r.kind, prompt: r.prompt, payload: JSON.parse(r.payload) as Json })));
  const previous = db.prepare("SELECT number AS round, seed FROM rounds WHERE status = 'complete' AND seed IS NOT NULL AND number < ? ORDER BY number DESC LIMIT ?").all(number, TASK_HISTORY_ROUNDS) as { round: number; seed: string }[];
  return { previous, issued: (hash) => issued.has(hash) };
}

/**
 * Who may be sent `task`: everyone, unless it replays an earlier task; then only hotkeys that
 * were not sent the original — and nobody when there is no ledger to ask.
 */
export function replayAudience(task: Pick<Task, 'meta'>, sentTo: TaskLedger['sentTo'] | undefined): ((hotkey: string) => boolean) | null {
  const replay = replayOf(task);
  if (replay === null) return null;
  if (sentTo === undefined) return () => false;
  const excluded = sentTo(replay.round, replay.of);
  return (hotkey) => !excluded.has(hotkey);
}
