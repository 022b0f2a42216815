/**
 * What the pool's main thread and its workers share: the plain-data shapes that cross the worker
 * boundary, and the one code path that turns (evaluator, sample) into a result. The worker, the
 * pool's retries and the single-thread inline evaluator all score through `scoreOne`, so a sample
 * gets the same verdict wherever it runs.
 */
import { performance } from 'node:perf_hooks';
import { isProctorError, proctorError } from '../errors.js';
import type { ErrorCode, ProctorError } from '../errors.js';
import type { EvaluatorContext, EvaluatorDefinition, Json, Sample } from '../plugin-api.js';

/**
 * Names an evaluator module across the worker boundary.
 *
 * @example
 * ```ts
 * const ref: EvaluatorRef = { name: 'exact-match', version: '1.0.0', module: pathToFileURL(path).href, options: {} };
 * ```
 */
export interface EvaluatorRef {
  name: string;
  version: string;
  /** File URL of the module whose default export is the `defineEvaluator` object. */
  module: string;
  /** Given options; the evaluator's `defaults` fill in the rest and its schema checks the whole. */
  options: Record<string, Json>;
}

/** One (evaluator, sample) pair to score; `id` is the caller's and comes back on the result. */
export interface EvaluationJob {
  id: number;
  evaluator: EvaluatorRef;
  sample: Sample;
}

/** The codes an evaluation can end with; every other outcome is a value. */
export type EvaluationErrorCode = Extract<
  ErrorCode,
  | 'PROCTOR_ERR_EVALUATOR_FAILED'
  | 'PROCTOR_ERR_EVALUATOR_TIMEOUT'
  | 'PROCTOR_ERR_EVALUATOR_WORKER_EXIT'
  | 'PROCTOR_ERR_EVALUATOR_INPUT_MISSING'
  | 'PROCTOR_ERR_EVALUATOR_SETUP'
  | 'PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE'
  | 'PROCTOR_ERR_EVALUATOR_INVALID'
>;

/**
 * The outcome of one job: a value in the evaluator's range, or a recorded evaluation error.
 *
 * @example
 * ```ts
 * { id: 7, status: 'ok', value: 0.8, details: { overlap: 12 } }
 * { id: 8, status: 'error', code: 'PROCTOR_ERR_EVALUATOR_TIMEOUT', message: 'evaluator … took longer than 10000 ms; …' }
 * ```
 */
export type EvaluationResult = (
  | { id: number; status: 'ok'; value: number; details: Record<string, Json> }
  | { id: number; status: 'error'; code: EvaluationErrorCode; message: string }
) & {
  /**
   * Wall time of this one `score` call in its thread, ms (not the queue, not `setup`); for a
   * timeout, the limit it ran past. Absent when the evaluator never ran (setup or input errors).
   * A fact about the machine, not the verdict: it is not stored and replay ignores it.
   */
  ms?: number;
};

/**
 * A line an evaluator wrote with `ctx.log`, tagged with who wrote it. Workers post these to the
 * main thread, which writes them through the run's logger (`core/log`), never straight to stderr.
 *
 * @example
 * ```ts
 * { level: 'info', evaluator: 'ocr-match', version: '1.0.0', message: 'reading with PP-OCRv4 …' }
 * ```
 */
export interface EvaluatorLogRecord {
  level: 'info';
  evaluator: string;
  version: string;
  message: string;
}

/** Where evaluator log records go. */
export type EvaluatorLogSink = (record: EvaluatorLogRecord) => void;

/** The longest evaluator log message kept; the rest is cut (an evaluator cannot flood the log). */
export const EVALUATOR_LOG_MAX = 2000;

/** The most `ctx.log` lines one worker batch sends; the rest are counted and reported in one line when it ends. */
export const EVALUATOR_LOG_LINES_PER_BATCH = 200;

/** Without a sink, a record is one plain stderr line (stdout carries the CLI's machine-readable output). */
export const stderrLogSink: EvaluatorLogSink = (r) => void process.stderr.write(`[${r.evaluator}@${r.version}] ${r.message}\n`);

/** An evaluator's `ctx.log`: any value as text, capped, tagged with the evaluator. */
function evaluatorLog(ref: { name: string; version: string }, sink: EvaluatorLogSink): (message: string) => void {
  return (message) => {
    const text = String(message);
    sink({ level: 'info', evaluator: ref.name, version: ref.version, message: text.length > EVALUATOR_LOG_MAX ? `${text.slice(0, EVALUATOR_LOG_MAX)}…` : text });
  };
}

/** A result before it is tied to a job (each member of the union without its `id`). */
export type EvaluationOutcome =
  | { status: 'ok'; value: number; details: Record<string, Json>; ms?: number }
  | { status: 'error'; code: EvaluationErrorCode; message: string; ms?: number };

/**
 * Scores jobs: the worker pool, or the single-thread inline evaluator. Results come back in the
 * order of `jobs`; an evaluator's failure is a result, never a rejection.
 *
 * @example
 * ```ts
 * const results = await runner.evaluate(jobs, (done) => progress.update(done / jobs.length));
 * ```
 */
export interface EvaluationRunner {
  /** Threads scoring at once. */
  readonly size: number;
  evaluate(jobs: readonly EvaluationJob[], onProgress?: (done: number) => void): Promise<EvaluationResult[]>;
  close(): Promise<void>;
}

/** An evaluator loaded, its options resolved and its `setup` done: ready to score. */
export interface PreparedEvaluator {
  definition: EvaluatorDefinition;
  context: EvaluatorContext<Record<string, Json>>;
  state: unknown;
}

const inputNames = new Set(['response', 'answer', 'prompt']);
const evaluationCodes = new Set<string>([
  'PROCTOR_ERR_EVALUATOR_FAILED',
  'PROCTOR_ERR_EVALUATOR_TIMEOUT',
  'PROCTOR_ERR_EVALUATOR_WORKER_EXIT',
  'PROCTOR_ERR_EVALUATOR_INPUT_MISSING',
  'PROCTOR_ERR_EVALUATOR_SETUP',
  'PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE',
  'PROCTOR_ERR_EVALUATOR_INVALID',
]);

/** `name@version`, as error messages and logs name an evaluator. */
export function evaluatorLabel(ref: { name: string; version: string }): string {
  return `${ref.name}@${ref.version}`;
}

/** JSON with object keys sorted, so equal options give equal keys whatever their order. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Jobs with equal keys share a loaded module and one `setup` state per worker. */
export function evaluatorKey(ref: EvaluatorRef): string {
  return `${ref.module}\n${ref.name}@${ref.version}\n${canonicalJson(ref.options)}`;
}

/**
 * `evaluatorKey`, remembered by ref object for one call: the jobs of a round usually share one
 * ref, and the key costs microseconds.
 */
export function keyCache(): (ref: EvaluatorRef) => string {
  const keys = new WeakMap<EvaluatorRef, string>();
  return (ref) => {
    let key = keys.get(ref);
    if (key === undefined) keys.set(ref, (key = evaluatorKey(ref)));
    return key;
  };
}

/** The error half of a result, from a thrown catalogued error. */
export function errorOutcome(error: ProctorError): EvaluationOutcome {
  const code = evaluationCodes.has(error.code) ? (error.code as EvaluationErrorCode) : 'PROCTOR_ERR_EVALUATOR_FAILED';
  return { status: 'error', code, message: error.message };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first way `value` is not an evaluator definition, or null if it looks like one. */
function definitionProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return `its default export is ${value === null ? 'null' : typeof value}, not a defineEvaluator({ … }) object`;
  const def = value as Record<string, unknown>;
  if (typeof def.name !== 'string' || def.name === '') return 'default export .name must be a non-empty string';
  if (typeof def.version !== 'string' || def.version === '') return 'default export .version must be a non-empty string';
  if (!Array.isArray(def.inputs) || !def.inputs.every((input) => inputNames.has(input as string))) {
    return 'default export .inputs must be an array of "response", "answer", "prompt"';
  }
  const output = def.output as { range?: unknown; higherIsBetter?: unknown } | undefined;
  const range = output?.range;
  if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || range[0] > range[1]) {
    return 'default export .output.range must be [low, high] with finite low ≤ high';
  }
  if (typeof output?.higherIsBetter !== 'boolean') return 'default export .output.higherIsBetter must be a boolean';
  if (typeof def.score !== 'function') return 'default export .score must be a function';
  if (def.setup !== undefined && typeof def.setup !== 'function') return 'default export .setup must be a function when given';
  if (def.options !== undefined) {
    const options = def.options as { schema?: { safeParse?: unknown }; defaults?: unknown };
    if (typeof options.schema?.safeParse !== 'function') return 'default export .options.schema must be a zod schema';
    if (options.defaults === null || typeof options.defaults !== 'object') return 'default export .options.defaults must be an object';
  }
  return null;
}

/**
 * Imports an evaluator module and checks that its default export is a `defineEvaluator` object.
 * Throws `PROCTOR_ERR_EVALUATOR_INVALID` when it cannot be imported or is not one.
 */
export async function loadEvaluator(moduleUrl: string): Promise<EvaluatorDefinition> {
  let namespace: { default?: unknown };
  try {
    namespace = (await import(moduleUrl)) as { default?: unknown };
  } catch (error) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem: `cannot be imported: ${describeError(error)}` }, error);
  }
  const problem = definitionProblem(namespace.default);
  if (problem !== null) throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem });
  return namespace.default as EvaluatorDefinition;
}

/**
 * The evaluator's `defaults` overlaid with `given`, checked by its schema when it has one.
 * Throws `PROCTOR_ERR_EVALUATOR_INVALID` naming the option path that failed.
 */
export function resolveOptions(definition: EvaluatorDefinition, given: Record<string, Json>, moduleUrl: string): Record<string, Json> {
  if (definition.options === undefined) return { ...given };
  const merged = { ...definition.options.defaults, ...given };
  const parsed = definition.options.schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ['options', ...(issue?.path ?? []).map(String)].join('.');
  throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem: `${path}: ${issue?.message ?? 'is invalid'}` });
}

/**
 * Loads, configures and sets up the evaluator `ref` names: what a worker does once per
 * (module, version, options) and then keeps warm. Throws `PROCTOR_ERR_EVALUATOR_INVALID` (module,
 * name, version or options) or `PROCTOR_ERR_EVALUATOR_SETUP`.
 */
export async function prepareEvaluator(ref: EvaluatorRef, sink: EvaluatorLogSink = stderrLogSink): Promise<PreparedEvaluator> {
  const definition = await loadEvaluator(ref.module);
  if (definition.name !== ref.name || definition.version !== ref.version) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', {
      module: ref.module,
      problem: `declares ${evaluatorLabel(definition)}, but ${evaluatorLabel(ref)} was asked for`,
    });
  }
  const label = evaluatorLabel(definition);
  const options = Object.freeze(resolveOptions(definition, ref.options, ref.module));
  const context = { options, log: evaluatorLog(definition, sink) };
  let state: unknown;
  try {
    state = definition.setup === undefined ? undefined : await definition.setup(context);
  } catch (error) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_SETUP', { evaluator: label, detail: describeError(error) }, error);
  }
  return { definition, context, state };
}

/** A failed preparation as the outcome of every job that needed it. */
export function preparationOutcome(error: unknown, ref: EvaluatorRef): EvaluationOutcome {
  if (isProctorError(error)) return errorOutcome(error);
  return errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_SETUP', { evaluator: evaluatorLabel(ref), detail: describeError(error) }));
}

function isJson(value: unknown, depth = 0): value is Json {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isJson(item, depth + 1));
}

function missingInput(definition: EvaluatorDefinition, sample: Sample): string | undefined {
  return definition.inputs.find((input) => {
    if (input === 'response') return sample?.response === undefined;
    if (input === 'answer') return sample?.task?.answer === undefined;
    return sample?.task?.prompt === undefined;
  });
}

/**
 * Scores one sample: checks the declared inputs, calls `score`, and checks that the value is a
 * finite number in `output.range` and the details are JSON. Never throws: every failure is an
 * outcome with its code (`INPUT_MISSING`, `FAILED`, `OUT_OF_RANGE`).
 */
export async function scoreOne(
  definition: EvaluatorDefinition,
  state: unknown,
  context: EvaluatorContext<Record<string, Json>>,
  sample: Sample,
): Promise<EvaluationOutcome> {
  const label = evaluatorLabel(definition);
  const missing = missingInput(definition, sample);
  if (missing !== undefined) return errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_INPUT_MISSING', { evaluator: label, input: missing }));
  let returned: unknown;
  const started = performance.now();
  try {
    returned = await definition.score(context, sample, state);
  } catch (error) {
    return { ...errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_FAILED', { evaluator: label, detail: describeError(error) }, error)), ms: performance.now() - started };
  }
  const ms = performance.now() - started;
  return { ...checkVerdict(definition, returned), ms };
}

/** What `score` returned, checked: a value in range and JSON details, or the coded error it is. */
function checkVerdict(definition: EvaluatorDefinition, returned: unknown): EvaluationOutcome {
  const label = evaluatorLabel(definition);
  const verdict = typeof returned === 'number' ? { value: returned, details: {} } : (returned as { value?: unknown; details?: unknown } | null);
  if (verdict === null || typeof verdict !== 'object' || typeof verdict.value !== 'number') {
    const detail = `score returned ${returned === null ? 'null' : typeof returned}, not a number or { value, details }`;
    return errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_FAILED', { evaluator: label, detail }));
  }
  const { value } = verdict;
  const details = verdict.details ?? {};
  const [low, high] = definition.output.range;
  if (!Number.isFinite(value) || value < low || value > high) {
    return errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE', { evaluator: label, value, range: definition.output.range }));
  }
  // Details are stored as JSON and cross the worker boundary: reject what either would mangle.
  if (!isJson(details) || Array.isArray(details) || details === null || typeof details !== 'object') {
    return errorOutcome(proctorError('PROCTOR_ERR_EVALUATOR_FAILED', { evaluator: label, detail: 'score returned details that are not a plain JSON object' }));
  }
  return { status: 'ok', value, details };
}
