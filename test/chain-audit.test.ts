/**
 * The chain round loop, observed and audited: `runChainValidator` against the fake node (in
 * process) with reference miners serving on 127.0.0.2 and its metrics served over real HTTP on
 * 127.0.0.1. The endpoint shows the run's rounds, responses, evaluation latencies and submissions
 * by outcome; `validator audit replay` reproduces every stored number of every chain round, the
 * u16 weights submitted and the consensus preview included (recomputed from the stored chain
 * inputs); a submitted weight or a preview altered in a copy of the file is reported where it is.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { request } from 'undici';
import type { Json } from '../core/plugin-api.js';
import { loadPlugin } from '../core/plugin-loader.js';
import { replayRound } from '../core/audit/replay.js';
import { runChainValidator, type ChainRunSummary } from '../core/engine/chain-runner.js';
import { createRunMetrics, serveMetrics } from '../core/metrics/metrics.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import type { MinerServer } from '../core/transport/miner-server.js';
import { metadataSkip } from './chain-types.js';
import { FakeSubtensor } from './chain-node.js';
import { fakeChainRun, startTextMiners, textSubnetNode } from './chain-fixture.js';

const skip = metadataSkip();
const ROUNDS = 3;

const sample = (text: string, series: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
};

describe('the chain round loop: metrics and replay', { skip, timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-chain-audit-'));
  const db = join(dir, 'chain.db');
  let node: FakeSubtensor;
  let miners: MinerServer[] = [];
  let summary: ChainRunSummary;
  let scraped = '';
  const logs: { line: string; fields?: Json }[] = [];

  before(async () => {
    await cryptoReady();
    const plugin = await loadPlugin('text');
    const validator = devHotkey('validator', 0);
    const minerKeys = [1, 2, 3].map((i) => devHotkey('miner', i));
    const skills = [0.2, 0.55, 0.95];
    miners = await startTextMiners(minerKeys, skills, 'chain-audit');
    node = textSubnetNode(validator, minerKeys, miners);

    const metrics = createRunMetrics();
    const server = await serveMetrics(metrics, { port: 0 });
    try {
      summary = await runChainValidator(
        fakeChainRun(node, { plugins: [plugin], db, hotkey: validator, rounds: ROUNDS, seed: 'chain-audit', log: (line, fields) => logs.push({ line, fields: fields as Json }), metrics }),
      );
      const res = await request(server.url);
      assert.equal(res.statusCode, 200);
      scraped = await res.body.text();
    } finally {
      await server.close();
    }
  });

  after(async () => {
    node?.stop();
    await Promise.all(miners.map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the rounds, responses, evaluation latencies and weight submissions by outcome over HTTP', () => {
    assert.equal(summary.rounds.length, ROUNDS);
    assert.equal(sample(scraped, 'proctor_rounds_total{outcome="complete"}'), ROUNDS);
    assert.equal(sample(scraped, 'proctor_last_round'), ROUNDS);
    const store = new Database(db, { readonly: true });
    try {
      const responses = (store.prepare("SELECT COUNT(*) AS n FROM responses WHERE status = 'ok'").get() as { n: number }).n;
      assert.ok(responses > 0);
      assert.equal(sample(scraped, 'proctor_responses_total{plugin="text",status="ok"}'), responses);
      const evaluations = (store.prepare("SELECT COUNT(*) AS n FROM scores WHERE evaluator = 'ground-truth'").get() as { n: number }).n;
      assert.ok(evaluations > 0);
      assert.equal(sample(scraped, 'proctor_evaluation_latency_seconds_count{plugin="text",evaluator="ground-truth"}'), evaluations);
      // Every stored submission is counted once under its mode and outcome.
      const rows = store.prepare('SELECT mode, outcome, COUNT(*) AS n FROM weight_submissions GROUP BY mode, outcome').all() as { mode: string; outcome: string; n: number }[];
      assert.ok(rows.some((r) => r.mode === 'set_weights' && r.outcome === 'accepted'), JSON.stringify(rows));
      for (const r of rows) assert.equal(sample(scraped, `proctor_weight_submissions_total{mode="${r.mode}",outcome="${r.outcome}"}`), r.n, `${r.mode} ${r.outcome}`);
    } finally {
      store.close();
    }
    // The round lines carry structured fields, evaluators' setup lines their name.
    assert.deepEqual(logs.filter((l) => typeof (l.fields as { round?: number } | undefined)?.round === 'number').map((l) => (l.fields as { round: number }).round), [1, 2, 3]);
    assert.ok(logs.some((l) => (l.fields as { evaluator?: string } | undefined)?.evaluator === 'perplexity'), 'an evaluator line through the logger');
  });

  describe('audit replay of the chain rounds', () => {
    let pool: ReturnType<typeof createEvaluatorPool>;
    before(() => {
      pool = createEvaluatorPool({ size: 1, timeoutMs: 60_000 });
    });
    after(() => pool.close());

    function tamperedCopy(name: string, sql: string): string {
      const copy = join(dir, name);
      copyFileSync(db, copy);
      if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
      const raw = new Database(copy);
      try {
        raw.exec(sql);
      } finally {
        raw.close();
      }
      return copy;
    }

    it('reproduces every stored number, the submitted u16 weights and the consensus preview included', async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const report = await replayRound({ db, round, evaluator: pool });
        assert.deepEqual(report.differences, [], `round ${round}`);
        assert.equal(report.maxDeviation, 0);
        assert.ok(!report.notes.some((n) => /not recomputed/.test(n) && !n.startsWith('epochs:')), report.notes.join('\n'));
      }
    });

    it('reports a submitted weight and a preview altered in a copy of the file, at their rows', async () => {
      const store = new Database(db, { readonly: true });
      const submission = store.prepare("SELECT w.id, w.weights FROM weight_submissions w JOIN rounds r ON r.id = w.round_id WHERE r.number = 2 AND w.mode = 'set_weights'").get() as { id: number; weights: string };
      store.close();
      const forged = (JSON.parse(submission.weights) as number[]).map((w, k) => (k === 0 ? Math.max(0, w - 1000) : w));
      const copy = tamperedCopy(
        'forged.db',
        `DROP TRIGGER weight_submissions_append_only_update; UPDATE weight_submissions SET weights = '${JSON.stringify(forged)}' WHERE id = ${submission.id};
         DROP TRIGGER consensus_previews_append_only_update; UPDATE consensus_previews SET dividends = dividends + 0.25 WHERE round_id = (SELECT id FROM rounds WHERE number = 2);`,
      );
      const report = await replayRound({ db: copy, round: 2, evaluator: pool });
      assert.deepEqual(
        report.differences.map((d) => [d.table, d.column]),
        [
          ['weight_submissions', 'weights'],
          ['consensus_previews', 'dividends'],
        ],
        JSON.stringify(report.differences),
      );
      assert.deepEqual(report.differences[0].stored, forged);
      assert.match(report.differences[0].row, new RegExp(`^round 2, submission ${submission.id} \\(set_weights, accepted\\)$`));
    });

    it('reports chain inputs altered in a copy of the file as a difference instead of stopping the replay', async () => {
      const round = `(SELECT id FROM rounds WHERE number = 2)`;
      for (const [name, set, problem] of [
        ['not-json.db', `epoch_input = '{"n": 4,'`, /chain_round_inputs\[round_id \d+\]\.epoch_input is not valid JSON/],
        ['bad-input.db', `epoch_input = json_set(epoch_input, '$.weights', json('[[[0, "x"]]]'))`, /chain_round_inputs\[round_id \d+\]\.epoch_input\.weights/],
        ['bad-hotkeys.db', `hotkeys = '[1, 2]'`, /chain_round_inputs\[round_id \d+\]\.hotkeys/],
      ] as const) {
        const copy = tamperedCopy(name, `DROP TRIGGER chain_round_inputs_append_only_update; UPDATE chain_round_inputs SET ${set} WHERE round_id = ${round};`);
        const report = await replayRound({ db: copy, round: 2, evaluator: pool });
        assert.deepEqual(report.differences.map((d) => [d.table, d.row]), [['chain_round_inputs', 'round 2']], name);
        assert.match(JSON.stringify(report.differences[0]), problem);
        assert.ok(report.notes.some((n) => /chain inputs stored with the round do not parse/.test(n)), report.notes.join('\n'));
      }
    });
  });
});
