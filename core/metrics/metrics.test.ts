import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { createRunMetrics, METRIC_NAMES, serveMetrics } from './metrics.js';

const round = {
  number: 7,
  durationMs: 2400,
  tasks: [
    { key: '7-text-0', plugin: 'text' },
    { key: '7-image-0', plugin: 'image' },
  ],
  responses: [
    { taskKey: '7-text-0', status: 'ok', latencyMs: 40 },
    { taskKey: '7-text-0', status: 'timeout', latencyMs: 12_000 },
    { taskKey: '7-image-0', status: 'ok', latencyMs: 90 },
  ],
  scores: [
    { evaluator: 'ground-truth', status: 'ok' },
    { evaluator: 'ocr-match', status: 'ok' },
    { evaluator: 'ocr-match', status: 'error' },
  ],
  evaluationTimes: [
    { plugin: 'text', evaluator: 'ground-truth', ms: 3 },
    { plugin: 'image', evaluator: 'ocr-match', ms: 400 },
    { plugin: 'image', evaluator: 'ocr-match', ms: 10_000 },
  ],
  findings: [{ detector: 'near-duplicate-text' }, { detector: 'near-duplicate-text' }],
  stats: { evaluationMs: 800, queryMs: 1200 },
};

async function scrape(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await request(url);
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
}

describe('validator metrics', () => {
  it('serves every documented series over HTTP on 127.0.0.1, with the counts of the rounds recorded', async () => {
    const metrics = createRunMetrics();
    metrics.roundsAbandoned(1);
    metrics.roundCompleted(round);
    metrics.weightSubmission('set_weights', 'accepted');
    metrics.weightSubmission('commit', 'rejected');
    const server = await serveMetrics(metrics, { port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const { status, type, text } = await scrape(server.url);
      assert.equal(status, 200);
      assert.match(type, /^text\/plain; version=0\.0\.4/);
      for (const name of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      const sample = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        assert.ok(line, `no sample ${series}`);
        return Number(line.slice(series.length + 1));
      };
      assert.equal(sample('proctor_rounds_total{outcome="complete"}'), 1);
      assert.equal(sample('proctor_rounds_total{outcome="abandoned"}'), 1);
      assert.equal(sample('proctor_last_round'), 7);
      assert.equal(sample('proctor_responses_total{plugin="text",status="ok"}'), 1);
      assert.equal(sample('proctor_responses_total{plugin="text",status="timeout"}'), 1);
      assert.equal(sample('proctor_responses_total{plugin="image",status="ok"}'), 1);
      assert.equal(sample('proctor_response_latency_seconds_count{plugin="text"}'), 2);
      assert.equal(sample('proctor_response_latency_seconds_bucket{le="0.05",plugin="text"}'), 1);
      assert.equal(sample('proctor_evaluations_total{evaluator="ocr-match",status="error"}'), 1);
      assert.equal(sample('proctor_evaluations_total{evaluator="ground-truth",status="ok"}'), 1);
      assert.equal(sample('proctor_evaluation_latency_seconds_count{plugin="image",evaluator="ocr-match"}'), 2);
      assert.equal(sample('proctor_evaluation_latency_seconds_sum{plugin="image",evaluator="ocr-match"}'), 10.4);
      assert.equal(sample('proctor_evaluation_latency_seconds_bucket{le="0.5",plugin="image",evaluator="ocr-match"}'), 1);
      assert.equal(sample('proctor_evaluation_latency_seconds_bucket{le="0.005",plugin="text",evaluator="ground-truth"}'), 1);
      assert.equal(sample('proctor_evaluation_step_seconds_sum'), 0.8);
      assert.equal(sample('proctor_query_step_seconds_sum'), 1.2);
      assert.equal(sample('proctor_round_duration_seconds_sum'), 2.4);
      assert.equal(sample('proctor_findings_total{detector="near-duplicate-text"}'), 2);
      assert.equal(sample('proctor_weight_submissions_total{mode="commit",outcome="rejected"}'), 1);
      assert.ok(sample('proctor_process_resident_memory_bytes') > 0, 'process metrics carry the prefix too');

      const missing = await scrape(server.url.replace('/metrics', '/other'));
      assert.equal(missing.status, 404);
    } finally {
      await server.close();
    }
  });

  it('keeps each run on a registry of its own', async () => {
    const [a, b] = [createRunMetrics({ processMetrics: false }), createRunMetrics({ processMetrics: false })];
    a.roundCompleted(round);
    assert.match(await a.registry.metrics(), /^proctor_last_round 7$/m);
    assert.match(await b.registry.metrics(), /^proctor_last_round 0$/m);
  });

  it('refuses a port already in use with a coded error', async () => {
    const first = await serveMetrics(createRunMetrics({ processMetrics: false }), { port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      await assert.rejects(serveMetrics(createRunMetrics({ processMetrics: false }), { port }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'PROCTOR_ERR_METRICS_LISTEN');
        assert.match(err.message, new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
        return true;
      });
    } finally {
      await first.close();
    }
  });
});
