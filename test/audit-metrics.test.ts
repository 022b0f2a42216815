/**
 * A running `validator run --metrics-port 0 --log-format json`: its Prometheus endpoint, scraped
 * over real HTTP on 127.0.0.1 while rounds complete, serves every documented series with the
 * run's own counts (each evaluation's latency too); its stderr is JSON log lines with levels, the
 * evaluators' own lines from the worker threads included; nothing secret is in them (no round
 * seed, revealed or not, and not the --seed the round seeds derive from).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { METRIC_NAMES } from '../core/metrics/metrics.js';
import { startCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-audit-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sample = (text: string, series: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
};

describe('validator run --metrics-port --log-format json', { timeout: 600_000 }, () => {
  it('serves the documented series while it runs and logs JSON lines with nothing secret', async () => {
    const db = join(dir, 'history.db');
    const runSeed = 'metrics-run-seed-7f3a91';
    const rounds = 4;
    const { child, done } = startCli(['run', '--plugins', 'text', '--rounds', String(rounds), '--miners-count', '3', '--validators', '1', '--red-team', 'copycat', '--seed', runSeed, '--pool-size', '1', '--db', db, '--metrics-port', '0', '--log-format', 'json']);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const found = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr);
        if (found) resolve(found[1]);
      });
      child.on('close', () => reject(new Error(`the run ended without serving metrics:\n${stderr}`)));
    });

    // Scrape until at least two rounds are in, while the run goes on (it closes the endpoint when it ends).
    let last = '';
    for (let tries = 0; tries < 1200; tries++) {
      const res = await request(url).catch(() => null);
      if (res === null) break;
      assert.equal(res.statusCode, 200);
      last = await res.body.text();
      if ((sample(last, 'proctor_rounds_total{outcome="complete"}') ?? 0) >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const result = await done;
    assert.equal(result.code, 0, stderr);

    for (const name of METRIC_NAMES) assert.match(last, new RegExp(`^# TYPE ${name} `, 'm'), name);
    const completed = sample(last, 'proctor_rounds_total{outcome="complete"}')!;
    assert.ok(completed >= 2 && completed <= rounds, `complete rounds ${completed}`);
    assert.equal(sample(last, 'proctor_last_round'), completed);
    // 4 miners (3 reference + the copycat) answer every text task of every round scraped.
    const store = new Database(db, { readonly: true });
    try {
      const perRound = (store.prepare('SELECT COUNT(*) AS n FROM responses s JOIN tasks t ON t.id = s.task_id JOIN rounds r ON r.id = t.round_id WHERE r.number <= ?').get(completed) as { n: number }).n;
      const ok = sample(last, 'proctor_responses_total{plugin="text",status="ok"}') ?? 0;
      assert.equal(ok, perRound, 'responses counted are the responses stored');
      assert.equal(sample(last, 'proctor_weight_submissions_total{mode="set_weights",outcome="accepted"}'), completed);
      assert.ok((sample(last, 'proctor_evaluations_total{evaluator="ground-truth",status="ok"}') ?? 0) > 0);
      assert.ok((sample(last, 'proctor_evaluation_step_seconds_count') ?? 0) === completed);
      // Each evaluation's own time, by plugin and evaluator: one observation per evaluation counted.
      const evaluated = sample(last, 'proctor_evaluations_total{evaluator="ground-truth",status="ok"}')!;
      assert.equal(sample(last, 'proctor_evaluation_latency_seconds_count{plugin="text",evaluator="ground-truth"}'), evaluated);
      assert.ok((sample(last, 'proctor_evaluation_latency_seconds_sum{plugin="text",evaluator="ground-truth"}') ?? 0) > 0);
      assert.ok((sample(last, 'proctor_evaluation_latency_seconds_count{plugin="text",evaluator="perplexity"}') ?? 0) > 0);

      // The log: every line a JSON object with a level and a message, the evaluators' lines from the worker threads included.
      const lines = stderr.split('\n').filter((l) => l.length > 0);
      for (const l of lines) assert.ok(l.startsWith('{'), `a stderr line that is not JSON: ${l}`);
      const json = lines.map((l) => JSON.parse(l) as { level: number; msg: string; round?: number; evaluator?: string; evaluatorVersion?: string });
      assert.ok(json.length >= rounds + 2);
      for (const entry of json) assert.ok(typeof entry.level === 'number' && typeof entry.msg === 'string');
      assert.deepEqual(json.filter((e) => typeof e.round === 'number').map((e) => e.round), [1, 2, 3, 4]);
      const fromEvaluators = json.filter((e) => e.evaluator !== undefined);
      assert.ok(fromEvaluators.some((e) => e.evaluator === 'perplexity' && /^\[perplexity@[\d.]+\] scoring with /.test(e.msg)), 'the perplexity evaluator\'s setup line');
      for (const e of fromEvaluators) assert.ok(e.level === 30 && typeof e.evaluatorVersion === 'string' && e.msg.startsWith(`[${e.evaluator}@${e.evaluatorVersion}] `));

      const seeds = (store.prepare('SELECT seed FROM rounds').all() as { seed: string }[]).map((r) => r.seed);
      assert.equal(seeds.length, rounds);
      for (const secret of [runSeed, ...seeds]) assert.ok(!stderr.includes(secret), 'a seed reached the log');
    } finally {
      store.close();
    }
  });

  it('refuses an unknown log format with a coded error', async () => {
    const r = await startCli(['run', '--plugins', 'text', '--rounds', '1', '--log-format', 'xml', '--db', join(dir, 'never.db')]).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\[PROCTOR_ERR_RUN_OPTIONS\] .*--log-format.*must be json or pretty \(got "xml"\)/);
  });
});
