/**
 * The evaluator worker pool: piscina threads that load each evaluator once and keep it warm.
 *
 * Jobs are grouped by evaluator and sent in batches. A batch that fails as a whole (a sample that
 * hangs, a worker that exits) is re-run one job at a time, so only the guilty sample is recorded
 * as `EVALUATOR_TIMEOUT` or `EVALUATOR_WORKER_EXIT` and its neighbours are scored.
 *
 * Timeouts: each batch carries a shared heartbeat (see `worker.ts`). A watchdog aborts a batch
 * whose current job has run longer than `timeoutMs`, or whose load + `setup` has run longer than
 * `setupTimeoutMs`. Aborting a running piscina 5 task terminates its thread (`Worker#terminate`
 * stops even a synchronous infinite loop) and piscina starts a replacement. Time spent queued
 * never counts, so a long round cannot time out samples that simply waited their turn.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { proctorError } from '../errors.js';
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { EvaluationJob, EvaluationResult, EvaluationRunner, EvaluatorLogRecord, EvaluatorLogSink, EvaluatorRef } from './evaluation.js';
import { errorOutcome, evaluatorLabel, keyCache } from './evaluation.js';
import { batchPhase, heartbeatSlot } from './worker.js';
import { serveNgramModels } from '../../native/ngram/ngram-model.js';
import type { EvaluationBatch } from './worker.js';

export interface EvaluatorPoolOptions {
  /** Worker threads, all started up front and kept; default `os.availableParallelism()`. */
  size?: number;
  /** Longest one sample may be scored, ms; default 10000. */
  timeoutMs?: number;
  /** Longest a worker may spend importing and setting up an evaluator, ms; default 60000. */
  setupTimeoutMs?: number;
  /** Most jobs sent to a worker at once; default 32. Smaller batches spread over more workers. */
  batchSize?: number;
  /** Where evaluators' `ctx.log` lines go, posted from the workers; plain stderr lines without it. */
  log?: EvaluatorLogSink;
}

export interface EvaluatorPoolStats {
  size: number;
  /** Workers terminated (timeouts) or lost (exits, uncaught errors) and started again. */
  workersReplaced: number;
  /** Batches sent, counting the one-job re-runs. */
  batches: number;
  /** Jobs re-run alone after their batch failed as a whole. */
  jobsRetried: number;
  /** Batches aborted by the watchdog. */
  timeouts: number;
  /** Batches lost with their worker. */
  workerExits: number;
  /** Workers' requests for an n-gram model, each served from this thread's one copy. */
  ngramTableRequests: number;
}

export interface EvaluatorPool extends EvaluationRunner {
  stats(): EvaluatorPoolStats;
}

const defaults = { timeoutMs: 10_000, setupTimeoutMs: 60_000, batchSize: 32 };

type BatchFailure = { kind: 'timeout' } | { kind: 'setup-timeout' } | { kind: 'exit'; detail: string };

/** A batch in flight, as the watchdog sees it. */
interface Watched {
  beat: Int32Array;
  controller: AbortController;
  phase: number;
  jobsStarted: number;
  changedAt: number;
  timedOutIn: number | null;
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: `evaluator pool ${option}`, problem: `must be an integer ≥ 1 (got ${value})` });
  }
  return value;
}

/**
 * Starts `size` worker threads that score evaluation jobs.
 *
 * @example
 * ```ts
 * const pool = createEvaluatorPool({ timeoutMs: 5000 });
 * try {
 *   const results = await pool.evaluate(jobs);
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createEvaluatorPool(options: EvaluatorPoolOptions = {}): EvaluatorPool {
  const size = positiveInteger('size', options.size ?? availableParallelism());
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? defaults.timeoutMs);
  const setupTimeoutMs = positiveInteger('setupTimeoutMs', options.setupTimeoutMs ?? defaults.setupTimeoutMs);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? defaults.batchSize);
  const counts = { workersReplaced: 0, batches: 0, jobsRetried: 0, timeouts: 0, workerExits: 0 };

  const piscina = new Piscina<EvaluationBatch, EvaluationResult[]>({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: size,
    maxThreads: size,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
    recordTiming: false,
  });
  let closing: Promise<void> | null = null;
  piscina.on('workerDestroy', () => {
    if (closing === null) counts.workersReplaced += 1;
  });
  // A worker that dies between tasks (a stray timer of an evaluator) has no task to blame;
  // piscina replaces it and reports it here, where an unheard 'error' would crash the process.
  piscina.on('error', () => {});

  // Workers post evaluators' log records on a channel of this pool's own; each is checked before it reaches the sink.
  const logs = options.log === undefined ? null : new BroadcastChannel(`proctor-evaluator-log-${randomUUID()}`);
  if (logs !== null) {
    logs.onmessage = (event) => {
      const r = (event as MessageEvent).data as Partial<EvaluatorLogRecord> | null;
      if (r !== null && typeof r === 'object' && typeof r.evaluator === 'string' && typeof r.version === 'string' && typeof r.message === 'string') {
        options.log!({ level: 'info', evaluator: r.evaluator, version: r.version, message: r.message });
      }
    };
    logs.unref();
  }

  // The n-gram models the workers load come from this thread, one copy for all (native/ngram/ngram-share.ts).
  const ngramTables = serveNgramModels();

  const watched = new Set<Watched>();
  const tickMs = Math.min(250, Math.max(5, Math.floor(Math.min(timeoutMs, setupTimeoutMs) / 10)));
  let watchdog: NodeJS.Timeout | null = null;

  function inspect(): void {
    const now = performance.now();
    for (const batch of watched) {
      const phase = Atomics.load(batch.beat, heartbeatSlot.phase);
      const jobsStarted = Atomics.load(batch.beat, heartbeatSlot.jobsStarted);
      if (phase === batchPhase.queued) continue;
      if (phase !== batch.phase || jobsStarted !== batch.jobsStarted) {
        Object.assign(batch, { phase, jobsStarted, changedAt: now });
        continue;
      }
      const limit = phase === batchPhase.preparing ? setupTimeoutMs : timeoutMs;
      if (batch.timedOutIn === null && now - batch.changedAt > limit) {
        batch.timedOutIn = phase;
        batch.controller.abort();
      }
    }
  }

  function watch(batch: Watched): void {
    watched.add(batch);
    watchdog ??= setInterval(inspect, tickMs);
  }

  function unwatch(batch: Watched): void {
    watched.delete(batch);
    if (watched.size === 0 && watchdog !== null) {
      clearInterval(watchdog);
      watchdog = null;
    }
  }

  async function runBatch(evaluator: EvaluatorRef, jobs: EvaluationJob[]): Promise<EvaluationResult[] | BatchFailure> {
    const heartbeat = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const batch: Watched = { beat: new Int32Array(heartbeat), controller: new AbortController(), phase: 0, jobsStarted: 0, changedAt: 0, timedOutIn: null };
    counts.batches += 1;
    watch(batch);
    try {
      return await piscina.run({ evaluator, jobs, heartbeat, logChannel: logs?.name, ngramTablesChannel: ngramTables.channel }, { signal: batch.controller.signal });
    } catch (error) {
      if (batch.timedOutIn !== null) {
        counts.timeouts += 1;
        return { kind: batch.timedOutIn === batchPhase.preparing ? 'setup-timeout' : 'timeout' };
      }
      counts.workerExits += 1;
      return { kind: 'exit', detail: error instanceof Error ? error.message : String(error) };
    } finally {
      unwatch(batch);
    }
  }

  function failureResult(job: EvaluationJob, failure: BatchFailure): EvaluationResult {
    const evaluator = evaluatorLabel(job.evaluator);
    const error =
      failure.kind === 'exit'
        ? proctorError('PROCTOR_ERR_EVALUATOR_WORKER_EXIT', { evaluator, detail: failure.detail })
        : failure.kind === 'timeout'
          ? proctorError('PROCTOR_ERR_EVALUATOR_TIMEOUT', { evaluator, timeoutMs })
          : proctorError('PROCTOR_ERR_EVALUATOR_SETUP', { evaluator, detail: `load and setup took longer than ${setupTimeoutMs} ms` });
    return { id: job.id, ...errorOutcome(error), ...(failure.kind === 'timeout' ? { ms: timeoutMs } : {}) };
  }

  async function evaluateAll(jobs: readonly EvaluationJob[], onProgress?: (done: number) => void): Promise<EvaluationResult[]> {
    const results = new Array<EvaluationResult>(jobs.length);
    let done = 0;
    const settle = (positions: number[], outcome: (position: number, index: number) => EvaluationResult): void => {
      positions.forEach((position, index) => (results[position] = outcome(position, index)));
      done += positions.length;
      onProgress?.(done);
    };

    // A batch that fails as a whole is re-run one job at a time to find the guilty sample.
    async function runPositions(evaluator: EvaluatorRef, positions: number[]): Promise<void> {
      const outcome = await runBatch(evaluator, positions.map((position) => jobs[position]));
      if (Array.isArray(outcome)) return settle(positions, (_, index) => outcome[index]);
      if (outcome.kind === 'setup-timeout' || positions.length === 1) {
        return settle(positions, (position) => failureResult(jobs[position], outcome));
      }
      counts.jobsRetried += positions.length;
      await Promise.all(positions.map((position) => runPositions(evaluator, [position])));
    }

    const groups = new Map<string, { evaluator: EvaluatorRef; positions: number[] }>();
    const keyOf = keyCache();
    jobs.forEach((job, position) => {
      const key = keyOf(job.evaluator);
      const group = groups.get(key) ?? { evaluator: job.evaluator, positions: [] };
      group.positions.push(position);
      groups.set(key, group);
    });
    const running: Promise<void>[] = [];
    for (const { evaluator, positions } of groups.values()) {
      // Spread a small group over every worker rather than filling one batch.
      const length = Math.min(batchSize, Math.ceil(positions.length / size));
      for (let start = 0; start < positions.length; start += length) {
        running.push(runPositions(evaluator, positions.slice(start, start + length)));
      }
    }
    await Promise.all(running);
    return results;
  }

  const inFlight = new Set<Promise<unknown>>();

  return {
    size,
    async evaluate(jobs, onProgress) {
      if (closing !== null) throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: 'evaluate() was called on a closed evaluator pool' });
      const evaluation = evaluateAll(jobs, onProgress);
      inFlight.add(evaluation);
      try {
        return await evaluation;
      } finally {
        inFlight.delete(evaluation);
      }
    },
    stats: () => ({ size, ...counts, ngramTableRequests: ngramTables.requests }),
    close() {
      // Evaluations in flight finish first: each is bounded by the timeouts.
      closing ??= Promise.allSettled([...inFlight])
        .then(() => piscina.close())
        .then(() => {
          logs?.close();
          ngramTables.close();
        });
      return closing;
    },
  };
}
