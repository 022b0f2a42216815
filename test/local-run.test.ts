/**
 * The whole job, as a user runs it: `validator run` on the embedded local subnet, a temporary
 * SQLite file, then read-only audit queries on what it stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { runCli } from './cli.js';

describe('validator run on the local subnet', () => {
  let dir: string;
  let db: string;
  let summary: { rounds: number[]; epochs: number; miners: { uid: number; skill: number; meanScore: number; incentive: number; weight: number }[] };
  let stderr: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-run-'));
    db = join(dir, 'proctor.db');
    const result = await runCli(['run', '--plugins', 'text', '--rounds', '6', '--miners-count', '8', '--validators', '2', '--seed', 'test', '--db', db, '--json']);
    assert.equal(result.code, 0, result.stderr);
    summary = JSON.parse(result.stdout) as typeof summary;
    stderr = result.stderr;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows progress per round on stderr', () => {
    assert.match(stderr, /round 1 \(1\/6\) block 10: 64 responses \(ok 64\), \d+ evaluations \(\d+\/s\)/);
    assert.match(stderr, /epoch at block 20/);
  });

  it('stores every round complete, with its seed revealed and its hash matching', () => {
    const rounds = auditQuery(db, 'SELECT number, status, seed, seed_hash FROM rounds ORDER BY number').rows as [number, string, string, string][];
    assert.deepEqual(rounds.map((r) => [r[0], r[1]]), [1, 2, 3, 4, 5, 6].map((n) => [n, 'complete']));
    for (const [, , seed, hash] of rounds) {
      assert.equal(hash, sha256(seed));
    }
  });

  it('records one response per task and miner, scores every response, and runs every evaluator that applies', () => {
    const [[responses, scored, missing]] = auditQuery(
      db,
      `SELECT (SELECT COUNT(*) FROM responses), (SELECT COUNT(*) FROM response_scores),
              (SELECT COUNT(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.response_id = r.id))`,
    ).rows as number[][];
    // Every task to every miner, but a replay probe only to hotkeys never sent its original: none here.
    const [[replays]] = auditQuery(db, "SELECT COUNT(*) FROM tasks WHERE json_extract(meta, '$.probe.kind') = 'replay'").rows as number[][];
    assert.equal(responses, (6 * 8 - replays) * 8);
    assert.equal(scored, responses);
    assert.equal(missing, 0, 'a valid response without any evaluator score');
    const kinds = auditQuery(db, 'SELECT t.kind, COUNT(DISTINCT s.evaluator) FROM scores s JOIN responses r ON r.id = s.response_id JOIN tasks t ON t.id = r.task_id GROUP BY t.kind').rows as [string, number][];
    for (const [kind, evaluators] of kinds) assert.equal(evaluators, ['continuation', 'summary'].includes(kind) ? 3 : 1, kind);
  });

  it('regenerates every round\'s tasks from its revealed seed and the history before it', async () => {
    const { roundTasks } = await import('../core/engine/round.js');
    const { auditTaskHistory } = await import('../core/engine/task-guard.js');
    const { default: Database } = await import('better-sqlite3');
    const readonly = new Database(db, { readonly: true });
    const { loadPlugins } = await import('../core/plugin-loader.js');
    const plugins = await loadPlugins(['text']);
    const rounds = auditQuery(db, 'SELECT id, number, seed FROM rounds').rows as [number, number, string][];
    for (const [id, number, seed] of rounds) {
      const stored = auditQuery(db, 'SELECT task_key, prompt, answer FROM tasks WHERE round_id = ? ORDER BY idx', [id]).rows;
      const regenerated = roundTasks(plugins, seed, number, auditTaskHistory(readonly, number))[0].tasks.map((t) => [t.id, t.prompt, JSON.stringify(t.answer)]);
      assert.deepEqual(stored, regenerated);
    }
    readonly.close();
  });

  it('ends with incentive from Yuma, better-skilled miners earning more', () => {
    assert.equal(summary.epochs, 3);
    const incentive = summary.miners.reduce((a, m) => a + m.incentive, 0);
    assert.ok(Math.abs(incentive - 1) < 1e-6, `miners' incentive sums to ${incentive}`);
    // Rank correlation between skill and incentive over the reference miners.
    const rank = (xs: number[]) => xs.map((x) => xs.filter((y) => y < x).length);
    const a = rank(summary.miners.map((m) => m.skill));
    const b = rank(summary.miners.map((m) => m.incentive));
    const n = a.length;
    const rho = 1 - (6 * a.reduce((acc, x, i) => acc + (x - b[i]) ** 2, 0)) / (n * (n * n - 1));
    assert.ok(rho > 0.7, `Spearman rank correlation of skill and incentive ${rho.toFixed(2)}`);
    const best = summary.miners.reduce((x, y) => (y.skill > x.skill ? y : x));
    const worst = summary.miners.reduce((x, y) => (y.skill < x.skill ? y : x));
    assert.ok(best.incentive > 2 * worst.incentive);
  });

  it('keeps the weights, the consensus preview and the epoch results queryable', () => {
    const weights = auditQuery(db, 'SELECT COUNT(DISTINCT submission_id), MAX(weight_u16) FROM v_weight_entries').rows[0];
    assert.deepEqual(weights, [6, 65535]);
    const previews = auditQuery(db, 'SELECT COUNT(*), (SELECT validator_trust FROM consensus_previews ORDER BY id DESC LIMIT 1) FROM consensus_previews').rows[0] as number[];
    assert.equal(previews[0], 6);
    assert.ok(previews[1] > 0.9, `this validator's previewed trust after six rounds: ${previews[1]}`);
    const latest = auditQuery(db, 'SELECT COUNT(*), ROUND(SUM(incentive), 6) FROM v_latest_incentive').rows[0];
    assert.deepEqual(latest, [11, 1]);
  });

  it('stores what every weight was computed from: interval, evidence and tier per miner and round', () => {
    const [[rows, badIntervals, badValues]] = auditQuery(
      db,
      `SELECT COUNT(*), SUM(ci_low > ci_high OR rounds < 1 OR rounds > 6), SUM(ABS(value - tier_average * evidence) > 1e-12 OR evidence > 1)
       FROM v_weight_inputs`,
    ).rows as number[][];
    assert.deepEqual([rows, badIntervals, badValues], [6 * 8, 0, 0]);
    // With 8 tasks a round and 24 for full weight, the first round's evidence is a third.
    const [[first]] = auditQuery(db, 'SELECT MAX(evidence) FROM v_weight_inputs WHERE round = 1').rows as number[][];
    assert.ok(Math.abs(first - 1 / 3) < 1e-12, String(first));
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
