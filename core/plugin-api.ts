/**
 * The plugin API: what a subnet author writes. A plugin is configuration plus a few functions
 * (`definePlugin`); an evaluator is one object that scores one (task, response) pair
 * (`defineEvaluator`); a detector sees every response to a task at once (`defineDetector`).
 * The engine finds them through the registry and `--plugins`; it never imports one by name.
 *
 * Everything that crosses the worker boundary is plain JSON data.
 */
import type { z } from 'zod';

/** JSON values, the only data that crosses the worker and storage boundaries. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A task as a miner sees it: nothing of the hidden answer. */
export interface PublicTask {
  /** Unique within the round: `<round>-<plugin>-<index>`. */
  id: string;
  /** The generator family (`arithmetic`, `date`, …). */
  kind: string;
  /** The instruction, in plain text. */
  prompt: string;
  /** Structured inputs, if the family has any (a document, an image, …). */
  payload: Json;
}

/** A task as the validator holds it: the public part, and what only the validator knows. */
export interface Task extends PublicTask {
  /** The hidden ground truth (or reference) the evaluators compare with. */
  answer: Json;
  /**
   * Family-specific facts an evaluator may use (tolerance, answer type, …). One key means something
   * to the engine: `probe: { kind: 'replay', of, round }` marks a deliberate repeat of an earlier
   * task, which the input guard lets through and sends only to hotkeys never sent the original
   * (`core/engine/task-guard.ts`).
   */
  meta: { [key: string]: Json };
}

/** What a task generator receives: everything it needs to be deterministic, nothing more. */
export interface TaskContext {
  /** The round's secret seed, hex. The same seed gives the same tasks. */
  seed: string;
  /** How many tasks to draw. */
  count: number;
  /** The round number, for ids. */
  round: number;
  /**
   * The completed rounds before this one (at most `TASK_HISTORY_ROUNDS`, most recent first), each
   * with this plugin's seed for it: a generator regenerates their tasks to draw probes from them,
   * and so can an auditor from the revealed seeds. Absent or empty on a fresh database.
   */
  previous?: readonly { round: number; seed: string }[];
}

/** One sample an evaluator scores: the task (with its hidden answer) and the miner's parsed response. */
export interface Sample {
  task: Task;
  /** The response body after the plugin's response schema accepted it. */
  response: Json;
}

/** An evaluator's verdict on one sample: a value in its declared range, and why. */
export interface Verdict {
  value: number;
  details?: { [key: string]: Json };
}

/** Passed to every evaluator call; `options` are the validated, defaulted options. */
export interface EvaluatorContext<O> {
  readonly options: Readonly<O>;
  /** Diagnostics, tagged with the evaluator's name and version. Never stdout. */
  readonly log: (message: string) => void;
}

export interface EvaluatorDefinition<O = Record<string, Json>, S = unknown> {
  /** = folder = registry key = README title. */
  name: string;
  /** Bump whenever the same input could score differently; stored with every score. */
  version: string;
  /** What the sample must carry; the engine records an error instead of calling `score` without it. */
  inputs: readonly ('response' | 'answer' | 'prompt')[];
  output: { range: readonly [number, number]; higherIsBetter: boolean };
  options?: { schema: z.ZodType<O>; defaults: O };
  /** Once per worker and options: load models, build tables. Its result is passed to `score`. */
  setup?: (ctx: EvaluatorContext<O>) => S | Promise<S>;
  /** Pure given (sample, state, options): the same input gives the same verdict. */
  score: (ctx: EvaluatorContext<O>, sample: Sample, state: S) => number | Verdict | Promise<number | Verdict>;
}

/**
 * Declares an evaluator. The module that defines it must export it as `default` and do no work at
 * import time: workers import it by path.
 *
 * @example
 * ```ts
 * export default defineEvaluator({
 *   name: 'exact-match', version: '1.0.0', inputs: ['response', 'answer'],
 *   output: { range: [0, 1], higherIsBetter: true },
 *   score: (_ctx, { task, response }) => (JSON.stringify(task.answer) === JSON.stringify(response) ? 1 : 0),
 * });
 * ```
 */
export function defineEvaluator<O = Record<string, Json>, S = unknown>(definition: EvaluatorDefinition<O, S>): EvaluatorDefinition<O, S> {
  return Object.freeze(definition);
}

/** One response as a detector sees it, with the facts that decide priority between copies. */
export interface ResponseView {
  uid: number;
  hotkey: string;
  /** Milliseconds since the round started when the response arrived. */
  receivedAtMs: number;
  latencyMs: number;
  response: Json;
}

/** A detector's finding: who, why (machine-readable), and the multiplicative penalty in [0, 1]. */
export interface Finding {
  uids: number[];
  evidence: { [key: string]: Json };
  /** Multiplies each named uid's score for this task; 1 = no penalty, 0 = no credit. */
  penalty: number;
}

export interface DetectorContext {
  round: number;
  readonly log: (message: string) => void;
  /**
   * This detector's memory, kept between rounds (answers seen so far, co-occurrence counts): plain
   * JSON values, stored with each completed round (`detector_memory`), so a restarted validator
   * continues from the last completed round's memory and audit replay starts from it.
   */
  readonly memory: Map<string, Json>;
}

/** One task of the round and every valid response to it. */
export interface TaskResponses {
  task: Task;
  responses: readonly ResponseView[];
}

/** A finding of a whole-round detector: it names the task whose scores its penalty multiplies. */
export interface RoundFinding extends Finding {
  taskId: string;
}

export interface DetectorDefinition {
  name: string;
  version: string;
  /**
   * Sees every valid response to one task. May be async (decoding images, say); a throw or
   * rejection is logged and the task gets no finding from it.
   */
  inspect?: (ctx: DetectorContext, task: Task, responses: readonly ResponseView[]) => Finding[] | Promise<Finding[]>;
  /**
   * Sees the whole round at once — the tasks of every plugin that lists the detector, in one call —
   * for evidence that spans tasks and plugins (uids whose answers coincide everywhere). A detector
   * has `inspect`, `inspectRound`, or both.
   */
  inspectRound?: (ctx: DetectorContext, tasks: readonly TaskResponses[]) => RoundFinding[] | Promise<RoundFinding[]>;
}

/**
 * Declares a detector, which sees every valid response to one task at once.
 *
 * @example
 * ```ts
 * export default defineDetector({ name: 'exact-copy', version: '1.0.0', inspect: (ctx, task, responses) => [] });
 * ```
 */
export function defineDetector(definition: DetectorDefinition): DetectorDefinition {
  if (typeof definition.inspect !== 'function' && typeof definition.inspectRound !== 'function') {
    throw new TypeError(`detector ${definition.name} needs inspect(ctx, task, responses), inspectRound(ctx, tasks), or both`);
  }
  return Object.freeze(definition);
}

/** A reference miner of the local subnet: it solves the task and errs with probability 1 − skill. */
export interface ReferenceMiner {
  /** Answers a public task; `random` is the miner's own generator in [0, 1). */
  answer: (task: PublicTask, skill: number, random: () => number) => Json | Promise<Json>;
}

export interface PluginDefinition {
  name: string;
  version: string;
  /** The engine versions this plugin works with, as a semver range (`^0.1.0`). */
  engine: string;
  tasks: {
    /** Tasks per round. */
    perRound: number;
    /** The dataset version stored with every task. */
    version: string;
    generate: (ctx: TaskContext) => Task[];
  };
  /**
   * Evaluators by name, with their weight in the combined score and their options. A name is looked
   * up in the registry of built-in evaluators unless `module` gives the plugin's own evaluator
   * (a path relative to the plugin's module, or a file URL). `kinds` limits an evaluator to tasks of
   * those kinds; a response's combined score then weighs only the evaluators that apply to it.
   */
  evaluators: { [name: string]: { weight: number; options?: { [key: string]: Json }; module?: string; kinds?: string[] } };
  /** Detector registry names run on every task. */
  detectors?: string[];
  /** Response schema and limits of the miner protocol (`docs/protocol.md`). */
  protocol: {
    response: z.ZodType<Json>;
    /** Largest response body accepted, bytes. */
    maxResponseBytes: number;
    /**
     * Largest request body the plugin sends (a task with its payload), bytes; miners should accept
     * at least this. The reference miners' servers do. Default 65 536.
     */
    maxRequestBytes?: number;
    /** Deadline of one request, milliseconds, covering a slow body. */
    timeoutMs: number;
    /**
     * How requests are signed: `'epistula'` (Epistula v2, the default) or `'axon'`, the legacy
     * Bittensor `bt_header_*` scheme that existing Python miners verify (`docs/protocol.md`).
     */
    scheme?: 'epistula' | 'axon';
    /**
     * With `scheme: 'axon'`: the miner's synapse class. Requests go to `/{name}`; `hashFields` is the
     * class's `required_hash_fields` (their Python `str()` forms are hashed and signed), and
     * `floatFields` those of them typed `float`, so `5` hashes as `5.0`.
     *
     * @example
     * ```ts
     * protocol: { scheme: 'axon', synapse: { name: 'TextPrompting', hashFields: ['messages'] }, response, maxResponseBytes: 65536, timeoutMs: 12000 }
     * ```
     */
    synapse?: { name: string; hashFields?: string[]; floatFields?: string[] };
  };
  /** The local subnet's reference miners for this plugin. */
  miner: ReferenceMiner;
  /**
   * How evaluator values (each in its range, normalised to [0, 1]) become one score per response.
   * Defaults to the weight-averaged mean; an evaluator error counts as 0.
   */
  combine?: (values: { [evaluator: string]: number | null }, weights: { [evaluator: string]: number }) => number;
}

/**
 * Declares a plugin. Its module exports it as `default`; `--plugins ./path` loads such a module.
 *
 * @example
 * ```ts
 * export default definePlugin({
 *   name: 'my-subnet', version: '1.0.0', engine: '^0.1.0',
 *   tasks: { perRound: 8, version: '1', generate: ({ seed, count, round }) => makeTasks(seed, count, round) },
 *   evaluators: { 'ground-truth': { weight: 1 } },
 *   protocol: { response: z.object({ answer: z.string() }), maxResponseBytes: 65536, timeoutMs: 5000 },
 *   miner: { answer: (task, skill, random) => ({ answer: solve(task, skill, random) }) },
 * });
 * ```
 */
export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return Object.freeze(definition);
}
