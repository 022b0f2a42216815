/**
 * Detector memory checkpoints on a real run: with `--keep-detector-memory 2`, round 32, the first of
 * its block of 32, keeps its memory rows as a checkpoint, so `audit replay` of a later round whose starting memory was pruned
 * rebuilds it from round 32's rows and the rounds since (not from round 1), without a false
 * difference.
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

const dir = mkdtempSync(join(tmpdir(), 'proctor-memory-checkpoint-'));
const db = join(dir, 'proctor.db');
const rows = <T>(sql: string) => auditQuery(db, sql, []).rows as T[];

let run: CliResult;
let report: ReplayReport;

before(async () => {
  run = await runCli(['run', '--plugins', 'text', '--rounds', '35', '--keep-detector-memory', '2', '--miners-count', '2', '--validators', '1', '--red-team', 'sybil-cluster:2', '--seed', 'memory-checkpoint', '--pool-size', '1', '--db', db]);
  report = (await replayRounds(db, [34])).get(34)!;
}, { timeout: 900_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('detector memory checkpoints on a real run', { timeout: 900_000 }, () => {
  it('keeps round 32’s memory rows besides the latest two rounds’', () => {
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(rows('SELECT DISTINCT round FROM v_detector_memory ORDER BY round'), [[32], [34], [35]]);
    assert.deepEqual(rows('SELECT COUNT(*) FROM v_detector_memory_pruned'), [[32]], 'rounds 1–31 and 33');
  });

  it('replays round 34 from round 32’s rows and round 33, and compares its own kept rows, with no difference', () => {
    assert.deepEqual(report.differences, []);
    assert.ok(report.notes.some((n) => /memory stored with round 33 was pruned by retention .*rebuilt from the memory stored with round 32 by replaying round\(s\) 33$/.test(n)), report.notes.join('\n'));
    assert.ok(!report.notes.some((n) => /detector memory of round 34/.test(n)), 'round 34 kept its rows: they are compared, not noted');
    assert.deepEqual(report.stateful.find((s) => s.detector === 'sybil-cluster')?.roundsReplayed, [33]);
    assert.ok(report.checked.findings > 0, 'the findings need the rebuilt memory');
  });
});
