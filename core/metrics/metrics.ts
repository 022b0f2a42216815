/**
 * Prometheus metrics of a running validator (prom-client), served on `--metrics-port` at
 * `/metrics`. Every series is listed in `METRIC_NAMES` and documented in `docs/audit.md`; a
 * test scrapes them over real HTTP. The registry is the run's own (not prom-client's global
 * one), so two validators in one process never mix their counts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { proctorError } from '../errors.js';

/** The series a validator exports besides the process defaults (`proctor_process_*`, `proctor_nodejs_*`). */
export const METRIC_NAMES = [
  'proctor_rounds_total',
  'proctor_round_duration_seconds',
  'proctor_last_round',
  'proctor_responses_total',
  'proctor_response_latency_seconds',
  'proctor_evaluations_total',
  'proctor_evaluation_latency_seconds',
  'proctor_evaluation_step_seconds',
  'proctor_query_step_seconds',
  'proctor_findings_total',
  'proctor_weight_submissions_total',
] as const;

/** What one completed round tells the metrics (a subset of `RoundOutcome`). */
export interface RoundMetricsInput {
  number: number;
  durationMs: number;
  tasks: readonly { key: string; plugin: string }[];
  responses: readonly { taskKey: string; status: string; latencyMs: number }[];
  scores: readonly { evaluator: string; status: string }[];
  /** Each evaluation's own time in its worker, ms (`EvaluationResult.ms`); those without one are left out. */
  evaluationTimes: readonly { plugin: string; evaluator: string; ms: number }[];
  findings: readonly { detector: string }[];
  stats: { evaluationMs: number; queryMs: number };
}

export interface RunMetrics {
  readonly registry: Registry;
  roundCompleted(round: RoundMetricsInput): void;
  roundsAbandoned(count: number): void;
  weightSubmission(mode: string, outcome: string): void;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Creates a validator's metrics on a registry of its own.
 *
 * @example
 * ```ts
 * const metrics = createRunMetrics();
 * metrics.roundCompleted({ number: 1, durationMs: 1200, tasks, responses, scores, evaluationTimes, findings, stats });
 * await metrics.registry.metrics(); // the Prometheus text format
 * ```
 */
export function createRunMetrics(options: { processMetrics?: boolean } = {}): RunMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'proctor_' });
  const registers = [registry];
  const rounds = new Counter({ name: 'proctor_rounds_total', help: 'Rounds finished, by outcome (complete, or abandoned by a restart).', labelNames: ['outcome'], registers });
  const roundSeconds = new Histogram({ name: 'proctor_round_duration_seconds', help: 'Wall time of a round, from its tasks to its stored weights.', buckets: SECONDS, registers });
  const lastRound = new Gauge({ name: 'proctor_last_round', help: 'Number of the last completed round.', registers });
  const responses = new Counter({ name: 'proctor_responses_total', help: 'Miner responses, by plugin and status (ok, timeout, invalid_response, ...).', labelNames: ['plugin', 'status'], registers });
  const latency = new Histogram({ name: 'proctor_response_latency_seconds', help: 'Time from query to the last byte of each miner response, by plugin.', labelNames: ['plugin'], buckets: SECONDS, registers });
  const evaluations = new Counter({ name: 'proctor_evaluations_total', help: 'Evaluations, by evaluator and status (ok or error).', labelNames: ['evaluator', 'status'], registers });
  const evaluationLatency = new Histogram({ name: 'proctor_evaluation_latency_seconds', help: "Time of one evaluation (one evaluator's score call on one response) in its worker thread, by plugin and evaluator.", labelNames: ['plugin', 'evaluator'], buckets: SECONDS, registers });
  const evaluationSeconds = new Histogram({ name: 'proctor_evaluation_step_seconds', help: "Wall time of a round's evaluations in the worker pool.", buckets: SECONDS, registers });
  const querySeconds = new Histogram({ name: 'proctor_query_step_seconds', help: "Wall time of a round's queries to miners.", buckets: SECONDS, registers });
  const findings = new Counter({ name: 'proctor_findings_total', help: 'Detector findings, by detector.', labelNames: ['detector'], registers });
  const submissions = new Counter({ name: 'proctor_weight_submissions_total', help: 'Weight submissions, by mode (set_weights, commit, reveal) and outcome (accepted, rejected, failed, skipped, unknown).', labelNames: ['mode', 'outcome'], registers });
  // Series with labels appear once observed; zero the counters whose labels are known up front so a scrape always shows them.
  rounds.inc({ outcome: 'complete' }, 0);
  rounds.inc({ outcome: 'abandoned' }, 0);

  return {
    registry,
    roundCompleted(r) {
      rounds.inc({ outcome: 'complete' });
      roundSeconds.observe(r.durationMs / 1000);
      lastRound.set(r.number);
      const pluginOf = new Map(r.tasks.map((t) => [t.key, t.plugin]));
      for (const resp of r.responses) {
        const plugin = pluginOf.get(resp.taskKey) ?? 'unknown';
        responses.inc({ plugin, status: resp.status });
        latency.observe({ plugin }, resp.latencyMs / 1000);
      }
      for (const s of r.scores) evaluations.inc({ evaluator: s.evaluator, status: s.status });
      for (const e of r.evaluationTimes) evaluationLatency.observe({ plugin: e.plugin, evaluator: e.evaluator }, e.ms / 1000);
      for (const f of r.findings) findings.inc({ detector: f.detector });
      evaluationSeconds.observe(r.stats.evaluationMs / 1000);
      querySeconds.observe(r.stats.queryMs / 1000);
    },
    roundsAbandoned(count) {
      if (count > 0) rounds.inc({ outcome: 'abandoned' }, count);
    },
    weightSubmission(mode, outcome) {
      submissions.inc({ mode, outcome });
    },
  };
}

/**
 * Serves `GET /metrics` on `host:port` (port 0 takes a free one). Resolves once listening.
 *
 * @example
 * ```ts
 * const server = await serveMetrics(metrics, { port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * await server.close();
 * ```
 */
export async function serveMetrics(metrics: RunMetrics, options: { port: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(proctorError('PROCTOR_ERR_METRICS_LISTEN', { host, port: options.port, detail: err.message }, err)));
    server.listen(options.port, host, () => resolve());
  });
  // A scrape in flight must not keep a finished validator alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
