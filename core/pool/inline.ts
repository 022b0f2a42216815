/**
 * The single-thread evaluator: the pool's `evaluate` API, scoring every job in the calling
 * thread through the same `scoreOne` the workers use. It is the baseline the benchmarks compare
 * the pool with, and what `validator score` uses for a handful of samples.
 *
 * It has no timeouts and no isolation: a `score` that loops forever hangs the caller, and one that
 * calls `process.exit()` ends the process. Use the pool wherever a response is untrusted.
 */
import type { EvaluationOutcome, EvaluationResult, EvaluationRunner, EvaluatorLogSink, PreparedEvaluator } from './evaluation.js';
import { keyCache, preparationOutcome, prepareEvaluator, scoreOne } from './evaluation.js';

/**
 * Creates an evaluator that runs in the calling thread. Like a worker, it sets each
 * (module, version, options) up once and keeps it for its life.
 *
 * @example
 * ```ts
 * const inline = createInlineEvaluator();
 * const [result] = await inline.evaluate([{ id: 0, evaluator, sample }]);
 * ```
 */
export function createInlineEvaluator(options: { log?: EvaluatorLogSink } = {}): EvaluationRunner {
  const prepared = new Map<string, PreparedEvaluator>();

  return {
    size: 1,
    async evaluate(jobs, onProgress) {
      // A failed setup is not kept past this call, as a worker tries again on its next batch.
      const failed = new Map<string, EvaluationOutcome>();
      const keyOf = keyCache();
      const results: EvaluationResult[] = [];
      for (const job of jobs) {
        const key = keyOf(job.evaluator);
        let ready = prepared.get(key);
        let outcome = failed.get(key);
        if (ready === undefined && outcome === undefined) {
          try {
            ready = await prepareEvaluator(job.evaluator, options.log);
            prepared.set(key, ready);
          } catch (error) {
            outcome = preparationOutcome(error, job.evaluator);
            failed.set(key, outcome);
          }
        }
        if (ready !== undefined) outcome = await scoreOne(ready.definition, ready.state, ready.context, job.sample);
        results.push({ id: job.id, ...(outcome as EvaluationOutcome) });
        onProgress?.(results.length);
      }
      return results;
    },
    close: async () => prepared.clear(),
  };
}
