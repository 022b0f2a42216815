/**
 * The pool's one worker entry (piscina's `filename`). A worker scores batches of one evaluator;
 * it loads and sets up each (module, version, options) once and keeps it warm for its whole life.
 *
 * A batch carries a small shared heartbeat the main thread's watchdog reads: the phase, and a
 * count bumped as each job starts. Timeouts are measured from those beats, so time spent queued
 * or in `setup` never counts against a sample.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { useNgramTablesFrom } from '../../native/ngram/ngram-share.js';
import type { EvaluationJob, EvaluationResult, EvaluatorLogRecord, EvaluatorLogSink, EvaluatorRef, PreparedEvaluator } from './evaluation.js';
import { EVALUATOR_LOG_LINES_PER_BATCH, evaluatorKey, prepareEvaluator, preparationOutcome, scoreOne, stderrLogSink } from './evaluation.js';

/** What the main thread sends: jobs of one evaluator, and where to beat. Plain data only. */
export interface EvaluationBatch {
  evaluator: EvaluatorRef;
  jobs: EvaluationJob[];
  /** Int32 slots `[phase, jobsStarted]`; see `heartbeatSlot`. */
  heartbeat?: SharedArrayBuffer;
  /** The `BroadcastChannel` the pool listens on for evaluators' `ctx.log` records; stderr without it. */
  logChannel?: string;
  /** Where n-gram models are served from (`native/ngram/ngram-share.ts`); read from disk here without it. */
  ngramTablesChannel?: string;
}

/** The heartbeat's layout: slot indexes and the phase values. */
export const heartbeatSlot = { phase: 0, jobsStarted: 1 } as const;
export const batchPhase = { queued: 0, preparing: 1, scoring: 2 } as const;

/** Successful preparations only: a failed `setup` is tried again by the next batch. */
const prepared = new Map<string, PreparedEvaluator>();

/**
 * Evaluators keep their context (and its `log`) for the worker's life, so `ctx.log` posts to the
 * channel of the batch running now, not of the batch that set the evaluator up. Records go out as
 * they are written, so a batch that is later terminated for a timeout has already sent its lines.
 */
let channel: BroadcastChannel | null = null;
const send: EvaluatorLogSink = (record) => (channel !== null ? channel.postMessage(record) : stderrLogSink(record));

// Each line is capped (EVALUATOR_LOG_MAX); without a count too, an evaluator in a loop floods the channel and the log.
let sentLines = 0;
const droppedLines = new Map<string, { record: EvaluatorLogRecord; count: number }>();
const workerSink: EvaluatorLogSink = (record) => {
  if (sentLines < EVALUATOR_LOG_LINES_PER_BATCH) {
    sentLines += 1;
    send(record);
    return;
  }
  const key = `${record.evaluator}@${record.version}`;
  const dropped = droppedLines.get(key) ?? { record, count: 0 };
  dropped.count += 1;
  droppedLines.set(key, dropped);
};

/** Starts a batch's line budget; returns what reports the lines it dropped. */
function startLogBudget(): () => void {
  sentLines = 0;
  droppedLines.clear();
  return () => {
    for (const { record, count } of droppedLines.values()) {
      send({ ...record, message: `${count} log line(s) dropped: past ${EVALUATOR_LOG_LINES_PER_BATCH} lines in one batch` });
    }
    droppedLines.clear();
  };
}

function useChannel(name: string | undefined): void {
  if (name === undefined || channel?.name === name) return;
  channel?.close();
  channel = new BroadcastChannel(name);
  // The worker lives for the pool's tasks, not for its channel.
  channel.unref();
}

export default async function evaluateBatch(batch: EvaluationBatch): Promise<EvaluationResult[]> {
  useChannel(batch.logChannel);
  useNgramTablesFrom(batch.ngramTablesChannel ?? null);
  const reportDropped = startLogBudget();
  try {
    return await scoreBatch(batch);
  } finally {
    reportDropped();
  }
}

async function scoreBatch({ evaluator, jobs, heartbeat }: EvaluationBatch): Promise<EvaluationResult[]> {
  const beat = heartbeat === undefined ? undefined : new Int32Array(heartbeat);
  const key = evaluatorKey(evaluator);
  let ready = prepared.get(key);
  if (ready === undefined) {
    if (beat !== undefined) Atomics.store(beat, heartbeatSlot.phase, batchPhase.preparing);
    try {
      ready = await prepareEvaluator(evaluator, workerSink);
    } catch (error) {
      const outcome = preparationOutcome(error, evaluator);
      return jobs.map((job) => ({ id: job.id, ...outcome }));
    }
    prepared.set(key, ready);
  }
  if (beat !== undefined) Atomics.store(beat, heartbeatSlot.phase, batchPhase.scoring);
  const results: EvaluationResult[] = [];
  for (const job of jobs) {
    if (beat !== undefined) Atomics.add(beat, heartbeatSlot.jobsStarted, 1);
    const outcome = await scoreOne(ready.definition, ready.state, ready.context, job.sample);
    results.push({ id: job.id, ...outcome });
  }
  return results;
}
