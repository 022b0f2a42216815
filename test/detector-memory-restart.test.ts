/**
 * Detector memory across a stop and a `kill -9` on the same database, with a real sybil cluster
 * (`--red-team sybil-cluster:2`; sybil-cluster needs two rounds of evidence here, round 1 alone
 * finds nothing): round 1 completes and the process stops; the next process is killed inside round
 * 2; the third runs round 3. Round 3 must start from the memory stored with round 1 — so the
 * cluster is caught in the first round after the restart, with round 1's evidence — the abandoned
 * round 2 must have stored no memory, and `audit replay` must reproduce round 3 from round 1's rows.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { replayRound } from '../core/audit/replay.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { auditQuery } from '../core/store/audit.js';
import { runCli, startCli, type CliResult } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-detector-memory-'));
const db = join(dir, 'proctor.db');
const args = (rounds: number) => ['run', '--plugins', 'text', '--rounds', String(rounds), '--miners-count', '2', '--validators', '1', '--red-team', 'sybil-cluster:2', '--seed', 'detector-memory', '--pool-size', '1', '--db', db];
const TEXT_DETECTORS = ['cache-probe', 'canary', 'latency-floor', 'near-duplicate-text', 'stuffing', 'sybil-cluster'];

const rows = <T>(sql: string, params: unknown[] = []) => auditQuery(db, sql, params).rows as T[];

/** Waits until round `number` is open in the database (the process is inside it), polling read-only. */
async function untilOpen(number: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (existsSync(db) && rows("SELECT 1 FROM rounds WHERE number = ? AND status = 'open'", [number]).length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`round ${number} was never opened`);
}

/** Sybil-cluster findings of a round, their evidence parsed. */
function sybilFindings(round: number): { pairs: { rounds: number[] }[] }[] {
  return rows<[string]>("SELECT f.evidence FROM findings f JOIN rounds r ON r.id = f.round_id WHERE r.number = ? AND f.detector = 'sybil-cluster'", [round]).map(([e]) => JSON.parse(e));
}

let first: CliResult;
let killed: CliResult;
let restarted: CliResult;

before(async () => {
  first = await runCli(args(1));
  const run = startCli(args(1000));
  await untilOpen(2, 120_000);
  run.child.kill('SIGKILL');
  killed = await run.done;
  restarted = await runCli(args(1));
}, { timeout: 600_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('detector memory across a stop and a kill -9', { timeout: 600_000 }, () => {
  it('ran round 1, was killed inside round 2, and ran round 3 after the restart', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.deepEqual(rows('SELECT number, status FROM rounds ORDER BY number'), [[1, 'complete'], [2, 'abandoned'], [3, 'complete']]);
  });

  it('stores one memory row per detector with each completed round, and none with the abandoned one', () => {
    const stored = rows<[number, string]>('SELECT round, detector FROM v_detector_memory ORDER BY round, detector');
    assert.deepEqual(stored, [...TEXT_DETECTORS.map((d) => [1, d]), ...TEXT_DETECTORS.map((d) => [3, d])]);
  });

  it('starts round 3 from the memory stored with round 1, and catches the cluster in it with round 1’s evidence', () => {
    assert.match(restarted.stderr, /detector memory: continuing from round 1 \([^)]*sybil-cluster/);
    assert.deepEqual(sybilFindings(1), [], 'one round of evidence is not enough: a finding after the restart needs the stored memory');
    const found = sybilFindings(3);
    assert.ok(found.length > 0, 'the sybils were caught in the first round after the restart');
    assert.ok(found.every((f) => f.pairs.some((p) => p.rounds.includes(1) && p.rounds.includes(3))), JSON.stringify(found[0]));
  });

  it('replays round 3 from round 1’s stored memory with no difference; with that memory emptied, the findings differ', async () => {
    const pool = createEvaluatorPool({ size: 1, timeoutMs: 60_000 });
    try {
      const report = await replayRound({ db, round: 3, evaluator: pool });
      assert.deepEqual(report.differences, []);
      assert.ok(report.notes.some((n) => /started from the memory stored with round 1 \(.*sybil-cluster/.test(n)), report.notes.join('\n'));
      assert.deepEqual(report.stateful, [], 'nothing rebuilt by replaying earlier rounds');
      assert.ok(report.checked.findings > 0);

      const copy = join(dir, 'forgotten.db');
      copyFileSync(db, copy);
      if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
      const raw = new Database(copy);
      raw.exec("DROP TRIGGER detector_memory_append_only_update; UPDATE detector_memory SET memory_json = '[]' WHERE detector = 'sybil-cluster' AND round_id = (SELECT id FROM rounds WHERE number = 1)");
      raw.close();
      const forgot = await replayRound({ db: copy, round: 3, evaluator: pool });
      const tables = new Set(forgot.differences.map((d) => d.table));
      assert.ok(tables.has('findings') && tables.has('detector_memory'), JSON.stringify([...tables]));
    } finally {
      await pool.close();
    }
  });
});
