/**
 * `validator audit replay` and `explain` on the history of a real run (both plugins, a copycat
 * for findings): every stored number of every round is reproduced; a score row altered in a copy
 * of the file (its append-only trigger dropped) is reported as exactly that row; `explain` tells
 * the same numbers the tables hold.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { replayRound } from '../core/audit/replay.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-audit-replay-'));
const db = join(dir, 'history.db');
const ROUNDS = 3;

/** A copy of the history with one row changed behind the triggers' back, as a forger with file access would. */
function tamperedCopy(name: string, sql: string[]): string {
  const copy = join(dir, name);
  copyFileSync(db, copy);
  if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
  const raw = new Database(copy);
  try {
    for (const statement of sql) raw.exec(statement);
  } finally {
    raw.close();
  }
  return copy;
}

function one<T>(sql: string, ...params: unknown[]): T {
  const reader = new Database(db, { readonly: true });
  try {
    return reader.prepare(sql).get(...params) as T;
  } finally {
    reader.close();
  }
}

before(async () => {
  const run = await runCli(['run', '--plugins', 'text,image', '--rounds', String(ROUNDS), '--miners-count', '3', '--validators', '1', '--red-team', 'copycat', '--seed', 'audit-replay', '--pool-size', '2', '--db', db]);
  assert.equal(run.code, 0, run.stderr);
}, { timeout: 600_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('validator audit replay on a real run', { timeout: 900_000 }, () => {

  it('reproduces every stored number of every round, detectors starting from the memory stored with the round before', async () => {
    const pool = createEvaluatorPool({ size: 2, timeoutMs: 60_000 });
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const report = await replayRound({ db, round, evaluator: pool });
        assert.deepEqual(report.differences, [], `round ${round}`);
        assert.equal(report.seed.verified, true);
        assert.equal(report.maxDeviation, 0, 'a replay on the same machine is bit-exact');
        assert.ok(report.checked.evaluations > 0 && report.checked.miners === 4, JSON.stringify(report.checked));
        // Weights were recomputed (the local subnet's size is stored), not skipped with a note.
        assert.ok(!report.notes.some((n) => n.startsWith('weights:')), report.notes.join('\n'));
        // The stored memory is used, so no earlier round is replayed to rebuild it.
        assert.deepEqual(report.stateful, []);
        if (round > 1) assert.ok(report.notes.some((n) => n.startsWith(`detector memory: started from the memory stored with round ${round - 1}`)), report.notes.join('\n'));
      }
    } finally {
      await pool.close();
    }
    const findings = one<{ n: number }>('SELECT COUNT(*) AS n FROM findings').n;
    assert.ok(findings > 0, 'the copycat was caught, so findings were replayed too');
  });

  it('exits 0 and says so when nothing differs', async () => {
    const r = await runCli(['audit', 'replay', '--round', '2', '--db', db, '--pool-size', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /seed matches its committed hash/);
    assert.match(r.stdout, /No differences: every stored number was reproduced\./);
  });

  it('reports a score row changed in a copy of the file, and only that row', async () => {
    const victim = one<{ id: number; value: number; task_key: string; uid: number; evaluator: string }>(
      `SELECT sc.id, sc.value, t.task_key, s.uid, sc.evaluator FROM scores sc JOIN responses s ON s.id = sc.response_id JOIN tasks t ON t.id = s.task_id
       JOIN rounds r ON r.id = t.round_id WHERE r.number = 2 AND sc.status = 'ok' AND sc.evaluator = 'ground-truth' ORDER BY sc.id LIMIT 1`,
    );
    const forged = victim.value === 1 ? 0 : 1;
    const copy = tamperedCopy('forged-score.db', ['DROP TRIGGER scores_append_only_update', `UPDATE scores SET value = ${forged} WHERE id = ${victim.id}`]);
    const r = await runCli(['audit', 'replay', '--round', '2', '--db', copy, '--json', '--pool-size', '1']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as Awaited<ReturnType<typeof replayRound>>;
    assert.deepEqual(report.differences, [
      { table: 'scores', row: `round 2, task ${victim.task_key}, uid ${victim.uid}, evaluator ${victim.evaluator}`, column: 'value', stored: forged, recomputed: victim.value },
    ]);
    const text = await runCli(['audit', 'replay', '--round', '2', '--db', copy, '--pool-size', '1']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /1 difference\(s\) between the history and the recomputation/);
    assert.match(text.stdout, new RegExp(`scores\\s+round 2, task ${victim.task_key}, uid ${victim.uid}, evaluator ground-truth\\s+value\\s+${forged}\\s+${victim.value}`));
  });

  it('reports a raised round score and a changed weight', async () => {
    const victim = one<{ uid: number; score: number }>('SELECT m.uid, m.score FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id WHERE r.number = 3 ORDER BY m.score LIMIT 1');
    const submission = one<{ id: number; weights: string }>('SELECT w.id, w.weights FROM weight_submissions w JOIN rounds r ON r.id = w.round_id WHERE r.number = 3');
    const weights = JSON.parse(submission.weights) as number[];
    // One u16 moved by one step, whatever it was (raising the last to 65535 changes nothing when it already is).
    const forgedWeights = weights.map((w, k) => (k === 0 ? (w === 0 ? 1 : w - 1) : w));
    const copy = tamperedCopy('forged-round.db', [
      'DROP TRIGGER miner_round_scores_append_only_update',
      `UPDATE miner_round_scores SET score = 0.99 WHERE uid = ${victim.uid} AND round_id = (SELECT id FROM rounds WHERE number = 3)`,
      'DROP TRIGGER weight_submissions_append_only_update',
      `UPDATE weight_submissions SET weights = '${JSON.stringify(forgedWeights)}' WHERE id = ${submission.id}`,
    ]);
    const pool = createEvaluatorPool({ size: 1, timeoutMs: 60_000 });
    try {
      const report = await replayRound({ db: copy, round: 3, evaluator: pool });
      assert.deepEqual(
        report.differences.map((d) => [d.table, d.column, d.stored, d.recomputed]),
        [
          ['miner_round_scores', 'score', 0.99, victim.score],
          ['weight_submissions', 'weights', forgedWeights, weights],
        ],
      );
    } finally {
      await pool.close();
    }
  });

  it('refuses a round that is not in the history, with a coded error', async () => {
    const r = await runCli(['audit', 'replay', '--round', '99', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\[PROCTOR_ERR_AUDIT_ROUND\] round 99 cannot be audited: it is not in this database/);
  });
});

describe('validator audit explain on the same history', () => {
  it('tells the numbers the tables hold, from tasks to incentive', async () => {
    const copycat = one<{ uid: number; hotkey: string }>("SELECT uid, hotkey FROM miner_round_scores WHERE uid = (SELECT MAX(uid) FROM miner_round_scores) LIMIT 1");
    const r = await runCli(['audit', 'explain', '--hotkey', copycat.hotkey, '--round', '2', '--db', db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout) as import('../core/audit/explain.js').MinerEvidence;
    assert.equal(e.uid, copycat.uid);
    const responses = one<{ n: number }>('SELECT COUNT(*) AS n FROM responses s JOIN tasks t ON t.id = s.task_id JOIN rounds r ON r.id = t.round_id WHERE r.number = 2 AND s.uid = ?', copycat.uid).n;
    assert.equal(e.tasks.length, responses);
    for (const t of e.tasks) {
      const stored = one<{ body_hash: string | null }>('SELECT s.body_hash FROM responses s JOIN tasks t ON t.id = s.task_id WHERE t.task_key = ? AND s.uid = ?', t.task, copycat.uid);
      assert.equal(t.bodyHash, stored.body_hash);
      if (t.status === 'ok') assert.ok(t.scores.length > 0 && t.final !== null);
    }
    const score = one<{ score: number }>('SELECT score FROM v_round_scores WHERE round = 2 AND uid = ?', copycat.uid).score;
    assert.equal(e.roundScore.score, score);
    assert.ok(Math.abs(e.roundScore.byPlugin.reduce((a, p) => a + p.contribution, 0) - score) < 1e-12);
    const weight = one<{ w: number }>('SELECT weight_u16 AS w FROM v_weight_entries WHERE round = 2 AND uid = ?', copycat.uid);
    assert.equal(e.weight?.u16 ?? 0, weight?.w ?? 0);
    assert.equal(e.movingAverage.after, one<{ value: number }>('SELECT value FROM moving_averages m JOIN rounds r ON r.id = m.round_id WHERE r.number = 2 AND m.hotkey = ?', copycat.hotkey).value);
    assert.ok(e.incentive.predicted !== null);
    assert.equal(e.history.length, 2);

    const text = await runCli(['audit', 'explain', '--hotkey', copycat.hotkey, '--db', db]);
    assert.equal(text.code, 0, text.stderr);
    for (const heading of ['1. Tasks and answers', '2. Findings naming this miner', '3. Round score', '4. Moving average', '5. Weight input', '6. Weight submitted', '7. Incentive']) assert.ok(text.stdout.includes(heading), heading);
    assert.match(text.stdout, new RegExp(`round ${ROUNDS} at block`), 'defaults to the latest round');
  });

  it('finds the miner by uid: the hotkey scored under it in the round, or in its latest round', async () => {
    const miner = one<{ uid: number; hotkey: string }>('SELECT uid, hotkey FROM miner_round_scores WHERE uid = (SELECT MIN(uid) FROM miner_round_scores) LIMIT 1');
    const byUid = await runCli(['audit', 'explain', '--uid', String(miner.uid), '--round', '2', '--db', db, '--json']);
    const byHotkey = await runCli(['audit', 'explain', '--hotkey', miner.hotkey, '--round', '2', '--db', db, '--json']);
    assert.equal(byUid.code, 0, byUid.stderr);
    assert.equal(byUid.stdout, byHotkey.stdout);
    const latest = JSON.parse((await runCli(['audit', 'explain', '--uid', String(miner.uid), '--db', db, '--json'])).stdout) as { hotkey: string; round: number };
    assert.deepEqual([latest.hotkey, latest.round], [miner.hotkey, ROUNDS]);

    const unknown = await runCli(['audit', 'explain', '--uid', '999', '--db', db]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^\[PROCTOR_ERR_AUDIT_UID\] uid 999: has no round score in this database/);
    for (const args of [['--uid', '1', '--hotkey', miner.hotkey], [], ['--uid', '-1'], ['--uid', '1.5']]) {
      const bad = await runCli(['audit', 'explain', ...args, '--db', db]);
      assert.equal(bad.code, 2, args.join(' '));
      assert.match(bad.stderr, /^\[PROCTOR_ERR_CLI_USAGE\]/, args.join(' '));
    }
  });

  it('names a hotkey the history never scored', async () => {
    const r = await runCli(['audit', 'explain', '--hotkey', '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\[PROCTOR_ERR_AUDIT_HOTKEY\] hotkey 5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM: has no round score in this database/);
  });
});
