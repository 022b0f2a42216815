/**
 * A chain round is stored whole or not at all: `runChainValidator` against the fake node (in
 * process, real JSON-RPC and SCALE) with reference miners on 127.0.0.2 and a real SQLite file, a
 * failure injected with a trigger. A failure while the round completes leaves none of its preview,
 * submission or inputs and sends nothing; a failure while the chain's answer is recorded leaves the
 * whole round with its submission `pending`. `validator audit replay` passes on what was stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadPlugin, type LoadedPlugin } from '../core/plugin-loader.js';
import { replayRound } from '../core/audit/replay.js';
import { STALE_PENDING_DETAIL } from '../core/chain/chain-records.js';
import { runChainValidator, type ChainRunSummary } from '../core/engine/chain-runner.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { openStore } from '../core/store/store.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import type { MinerServer } from '../core/transport/miner-server.js';
import { metadataSkip } from './chain-types.js';
import { FakeSubtensor } from './chain-node.js';
import { fakeChainRun, startTextMiners, textSubnetNode } from './chain-fixture.js';

const skip = metadataSkip();
type Row = Record<string, unknown>;

describe('a chain round is stored whole or not at all', { skip, timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-chain-atomic-'));
  const validator = devHotkey('validator', 0);
  const minerKeys = [1, 2, 3].map((i) => devHotkey('miner', i));
  let node: FakeSubtensor;
  let miners: MinerServer[] = [];
  let plugin: LoadedPlugin;
  let pool: ReturnType<typeof createEvaluatorPool>;

  before(async () => {
    await cryptoReady();
    plugin = await loadPlugin('text');
    miners = await startTextMiners(minerKeys, [0.2, 0.55, 0.95], 'chain-atomic');
    node = textSubnetNode(validator, minerKeys, miners);
    pool = createEvaluatorPool({ size: 1, timeoutMs: 60_000 });
  });

  after(async () => {
    node?.stop();
    await pool?.close();
    await Promise.all(miners.map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (db: string, rounds: number): Promise<ChainRunSummary> =>
    runChainValidator(fakeChainRun(node, { plugins: [plugin], db, hotkey: validator, rounds, seed: 'chain-atomic' }));

  /** A migrated file with `sql` (the injected failure) added, as a crash-prone disk would behave. */
  function injected(name: string, sql: string): string {
    const db = join(dir, name);
    openStore(db).close();
    const raw = new Database(db);
    raw.exec(sql);
    raw.close();
    return db;
  }

  /** Per round number: its status and how many rows of each kind it owns. */
  function rounds(db: string): Row[] {
    const raw = new Database(db, { readonly: true });
    try {
      return raw
        .prepare(
          `SELECT r.number, r.status,
             (SELECT COUNT(*) FROM consensus_previews p WHERE p.round_id = r.id) AS previews,
             (SELECT COUNT(*) FROM weight_submissions w WHERE w.round_id = r.id) AS submissions,
             (SELECT COUNT(*) FROM chain_round_inputs c WHERE c.round_id = r.id) AS inputs,
             (SELECT COUNT(*) FROM miner_round_scores m WHERE m.round_id = r.id) AS scores
           FROM rounds r ORDER BY r.number`,
        )
        .all() as Row[];
    } finally {
      raw.close();
    }
  }

  const setWeightsSent = () => node.received.filter((x) => x.method === 'setWeights').length;

  it('keeps nothing of a round whose completion fails (no preview, no submission, nothing sent); the next start abandons it and replays the rest', async () => {
    const db = injected(
      'complete-fails.db',
      `CREATE TRIGGER inject_round_2 BEFORE UPDATE ON rounds WHEN OLD.number = 2 AND NEW.status = 'complete'
       BEGIN SELECT RAISE(ABORT, 'injected: the disk failed while round 2 completed'); END;`,
    );
    const sentBefore = setWeightsSent();
    await assert.rejects(run(db, 3), /injected: the disk failed/);
    assert.deepEqual(rounds(db), [
      { number: 1, status: 'complete', previews: 1, submissions: 1, inputs: 1, scores: 3 },
      { number: 2, status: 'open', previews: 0, submissions: 0, inputs: 0, scores: 0 },
    ]);
    assert.equal(setWeightsSent() - sentBefore, 1, "only round 1's weights went on chain");

    const raw = new Database(db);
    raw.exec('DROP TRIGGER inject_round_2');
    raw.close();
    const summary = await run(db, 1);
    assert.deepEqual([summary.abandoned, summary.rounds], [[2], [3]]);
    assert.deepEqual(rounds(db).map((r) => [r.number, r.status, r.previews, r.submissions]), [[1, 'complete', 1, 1], [2, 'abandoned', 0, 0], [3, 'complete', 1, 1]]);
    for (const round of [1, 3]) {
      const report = await replayRound({ db, round, evaluator: pool });
      assert.deepEqual(report.differences, [], `round ${round}`);
    }
  });

  it("keeps the whole round when recording the chain's answer fails: its submission stays pending, and replay says so", async () => {
    const db = injected(
      'settle-fails.db',
      `CREATE TRIGGER inject_answer BEFORE UPDATE ON weight_submissions
       BEGIN SELECT RAISE(ABORT, 'injected: the disk failed while the answer was recorded'); END;`,
    );
    const sentBefore = setWeightsSent();
    const summary = await run(db, 1);
    assert.equal(setWeightsSent() - sentBefore, 1);
    assert.equal(summary.actions.length, 1);
    assert.equal(summary.actions[0].outcome, 'unknown');
    assert.match(summary.actions[0].detail, /injected/);
    assert.deepEqual(rounds(db), [{ number: 1, status: 'complete', previews: 1, submissions: 1, inputs: 1, scores: 3 }]);
    const raw = new Database(db, { readonly: true });
    const submission = raw.prepare('SELECT mode, outcome, extrinsic_hash FROM weight_submissions').get() as Row;
    raw.close();
    assert.deepEqual(submission, { mode: 'set_weights', outcome: 'pending', extrinsic_hash: null });
    const report = await replayRound({ db, round: 1, evaluator: pool });
    assert.deepEqual(report.differences, []);
    assert.ok(report.notes.some((n) => /submission \d+ is pending/.test(n)), report.notes.join('\n'));

    // The next start says the answer is lost for good: the row becomes 'unknown', with why.
    const fixed = new Database(db);
    fixed.exec('DROP TRIGGER inject_answer');
    fixed.close();
    await run(db, 1);
    const after = new Database(db, { readonly: true });
    const first = after.prepare('SELECT outcome, detail FROM weight_submissions ORDER BY id LIMIT 1').get() as Row;
    after.close();
    assert.deepEqual(first, { outcome: 'unknown', detail: STALE_PENDING_DETAIL.set_weights });
  });
});
