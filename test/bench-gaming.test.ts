/**
 * The red team end to end, as a user runs it: `validator bench gaming` on a small local subnet
 * (JSON shape exactly as documented), `validator run --red-team` and `{"strategy"}` entries of a
 * `--miners` file, and the coded errors of a misspelt strategy and a reused database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { runCli, type CliResult } from './cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'proctor-bench-gaming-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('validator bench gaming', () => {
  let result: CliResult;
  let db: string;
  before(async () => {
    db = join(dir, 'bench.db');
    result = await runCli(['bench', 'gaming', '--plugins', 'text', '--epochs', '1', '--miners-count', '3', '--validators', '1', '--strategies', 'copycat,constant,sybil-cluster:2', '--seed', 'test', '--db', db, '--json']);
  });

  it('prints exactly {"proctor", "naive", "details"} on stdout, a ratio ≥ 0 per strategy under each scorer', () => {
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { proctor: Record<string, number>; naive: Record<string, number>; details: { strategies: Record<string, { uids: number[]; findings: number }>; honest: { miners: unknown[] }; rounds: number; epochs: number } };
    assert.deepEqual(Object.keys(out), ['proctor', 'naive', 'details']);
    for (const scorer of [out.proctor, out.naive]) {
      assert.deepEqual(Object.keys(scorer), ['copycat', 'constant', 'sybil-cluster']);
      for (const [name, ratio] of Object.entries(scorer)) assert.ok(typeof ratio === 'number' && Number.isFinite(ratio) && ratio >= 0, `${name}: ${ratio}`);
    }
    assert.deepEqual(Object.keys(out.details.strategies), ['copycat', 'constant', 'sybil-cluster']);
    assert.equal(out.details.strategies['sybil-cluster'].uids.length, 2);
    // What the operator earns over all its uids: twice the per-uid ratio for a cluster of two; the
    // headline is what the second uid adds beyond one honest miner of the cluster model's skill.
    type Cluster = { totalRatio: Record<string, number>; perUidRatio: Record<string, number>; oneMinerRatio: Record<string, number> };
    const sybil = out.details.strategies['sybil-cluster'] as unknown as Cluster;
    for (const scorer of ['proctor', 'naive'] as const) {
      assert.ok(Math.abs(sybil.totalRatio[scorer] - 2 * sybil.perUidRatio[scorer]) < 1e-5);
      const gain = Math.max(0, sybil.totalRatio[scorer] - sybil.oneMinerRatio[scorer]);
      assert.ok(Math.abs(out[scorer]['sybil-cluster'] - gain) < 1e-5, `${scorer}: ${out[scorer]['sybil-cluster']} vs ${gain}`);
    }
    assert.equal(out.proctor.copycat, (out.details.strategies.copycat as unknown as Cluster).perUidRatio.proctor);
    assert.equal(out.details.honest.miners.length, 3);
    assert.deepEqual([out.details.rounds, out.details.epochs], [2, 1]);
    // The copycat relays the best honest miner: without any defence it would earn about what that miner earns.
    assert.ok(out.naive.copycat > 0.8, `naive copycat ${out.naive.copycat}`);
    assert.ok(out.naive.constant < out.naive.copycat);
  });

  it('reports progress on stderr and keeps the run in the new --db, red-team answers scored like any other', () => {
    assert.match(result.stderr, /validator bench gaming: plugins text; 3 honest miners; strategies copycat, constant, sybil-cluster:2; 1 epoch/);
    assert.match(result.stderr, /round 2 \(2\/2\)/);
    const [[valid, all]] = auditQuery(db, "SELECT SUM(status = 'ok'), COUNT(*) FROM responses WHERE uid >= 5").rows as number[][];
    assert.equal(valid, all, 'every red-team answer passed the schema');
    // 2 rounds × 8 text tasks × 4 red-team uids, less any replay probe (sent only to hotkeys never sent its original).
    const [[sent]] = auditQuery(db, "SELECT COUNT(*) FROM tasks WHERE plugin = 'text'").rows as number[][];
    assert.ok(all <= sent * 4 && all >= (sent - 2) * 4, `${all} red-team responses for ${sent} tasks`);
  });

  it('refuses a misspelt strategy with a coded error that suggests the right one', async () => {
    const bad = await runCli(['bench', 'gaming', '--strategies', 'copycat,sybil-clustr']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /\[PROCTOR_ERR_RED_TEAM_UNKNOWN\] no red-team strategy "sybil-clustr": did you mean "sybil-cluster"\?/);
  });

  it('refuses to reuse a database: the comparison needs a fresh subnet', async () => {
    const again = await runCli(['bench', 'gaming', '--plugins', 'text', '--db', db]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /\[PROCTOR_ERR_RUN_OPTIONS\] --db must name a new file/);
  });
});

describe('validator run with a red team', () => {
  it('adds --red-team miners and {"strategy"} entries of --miners after the reference miners, and says which is which', async () => {
    const miners = join(dir, 'miners.json');
    writeFileSync(miners, JSON.stringify([{ strategy: 'copycat' }, { strategy: 'sybil-cluster:2' }]));
    const run = await runCli(['run', '--plugins', 'text', '--rounds', '1', '--miners-count', '2', '--validators', '0', '--red-team', 'constant', '--miners', miners, '--seed', 'test', '--db', join(dir, 'run.db'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { miners: { uid: number; skill: number | null; strategy: string | null }[] };
    assert.deepEqual(summary.miners.map((m) => [m.uid, m.strategy]), [[1, null], [2, null], [3, 'constant'], [4, 'copycat'], [5, 'sybil-cluster'], [6, 'sybil-cluster']]);
    assert.ok(summary.miners.slice(0, 2).every((m) => m.skill !== null));
  });

  it('names the bad entry of a --miners file', async () => {
    const miners = join(dir, 'bad-miners.json');
    writeFileSync(miners, JSON.stringify([{ strategy: 'padderr' }]));
    const run = await runCli(['run', '--plugins', 'text', '--rounds', '1', '--miners', miners, '--db', join(dir, 'bad.db')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /PROCTOR_ERR_RED_TEAM_UNKNOWN.*did you mean "padder"/);
  });
});
