/**
 * Detector memory retention on a real run (`--keep-detector-memory 2`, a sybil cluster of two whose
 * evidence builds up over rounds): three rounds, a stop, a restart for a fourth. Only the last two
 * completed rounds keep their memory rows; the restart continues from round 3's; and `audit
 * replay` reproduces rounds whose starting memory or own rows were pruned, by rebuilding the memory
 * from the rounds before and saying so, without a false difference.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReplayReport } from '../core/audit/replay.js';
import { auditQuery } from '../core/store/audit.js';
import { runCli, type CliResult } from './cli.js';
import { replayRounds } from './replays.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-memory-retention-'));
const db = join(dir, 'proctor.db');
const args = (rounds: number) => ['run', '--plugins', 'text', '--rounds', String(rounds), '--keep-detector-memory', '2', '--miners-count', '2', '--validators', '1', '--red-team', 'sybil-cluster:2', '--seed', 'memory-retention', '--pool-size', '1', '--db', db];
const rows = <T>(sql: string, params: unknown[] = []) => auditQuery(db, sql, params).rows as T[];

let first: CliResult;
let restarted: CliResult;
let reports: Map<number, ReplayReport>;

before(async () => {
  first = await runCli(args(3));
  restarted = await runCli(args(1));
  reports = await replayRounds(db, [2, 3, 4]);
}, { timeout: 900_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('detector memory retention on a real run', { timeout: 900_000 }, () => {
  it('keeps the memory rows of the last two completed rounds only, and records the pruned ones', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.deepEqual(rows('SELECT DISTINCT round FROM v_detector_memory ORDER BY round'), [[3], [4]]);
    assert.deepEqual(rows('SELECT round, pruned_by_round, keep FROM v_detector_memory_pruned ORDER BY round'), [[1, 3, 2], [2, 4, 2]]);
  });

  it('continues after the restart from round 3’s memory, which still holds round 1’s evidence', () => {
    assert.match(restarted.stderr, /detector memory: continuing from round 3 \([^)]*sybil-cluster/);
    const evidence = rows<[string]>("SELECT f.evidence FROM findings f JOIN rounds r ON r.id = f.round_id WHERE r.number = 4 AND f.detector = 'sybil-cluster'").map(([e]) => JSON.parse(e) as { pairs: { rounds: number[] }[] });
    assert.ok(evidence.length > 0, 'the cluster is caught in round 4');
    assert.ok(evidence.every((f) => f.pairs.some((p) => p.rounds.includes(1) && p.rounds.includes(4))), JSON.stringify(evidence[0]));
  });

  it('replays round 4 from round 3’s kept memory with no difference', () => {
    const r = reports.get(4)!;
    assert.deepEqual(r.differences, []);
    assert.ok(r.notes.some((n) => /started from the memory stored with round 3 \(.*sybil-cluster/.test(n)), r.notes.join('\n'));
    assert.deepEqual(r.stateful, []);
    assert.ok(r.checked.findings > 0);
  });

  it('replays round 3, whose starting memory was pruned, by rebuilding it from rounds 1 and 2, and compares its own kept rows', () => {
    const r = reports.get(3)!;
    assert.deepEqual(r.differences, []);
    assert.ok(r.notes.some((n) => /memory stored with round 2 was pruned by retention .*rebuilt from empty memory by replaying round\(s\) 1, 2$/.test(n)), r.notes.join('\n'));
    assert.ok(!r.notes.some((n) => /detector memory of round 3/.test(n)), 'round 3 kept its rows: they are compared, not noted');
    assert.deepEqual(r.stateful.find((s) => s.detector === 'sybil-cluster')?.roundsReplayed, [1, 2]);
    assert.ok(r.checked.findings > 0, 'the findings need the rebuilt memory');
  });

  it('replays round 2, whose starting memory and own rows were both pruned, with notes saying so and no difference', () => {
    const r = reports.get(2)!;
    assert.deepEqual(r.differences, []);
    assert.ok(r.notes.some((n) => /memory stored with round 1 was pruned by retention \(round 3 kept the latest 2\); rebuilt from empty memory by replaying round\(s\) 1$/.test(n)), r.notes.join('\n'));
    assert.ok(r.notes.some((n) => /^detector memory of round 2: not stored \(pruned by retention/.test(n)), r.notes.join('\n'));
  });

  it('prints the notes in `validator audit replay`', async () => {
    const r = await runCli(['audit', 'replay', '--round', '2', '--db', db, '--pool-size', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Note: detector memory of round 2: not stored \(pruned by retention/);
    assert.match(r.stdout, /Note: detector memory: the memory stored with round 1 was pruned by retention/);
  });

  it('refuses a retention that is not a round count, naming the flag', async () => {
    const r = await runCli(['run', '--plugins', 'text', '--rounds', '1', '--keep-detector-memory', '-1', '--db', join(dir, 'refused.db')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /PROCTOR_ERR_RUN_OPTIONS[\s\S]*--keep-detector-memory/);
  });
});
