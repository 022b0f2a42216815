import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from './store.js';
import { DETECTOR_MEMORY_CHECKPOINT_EVERY, detectorMemoryBefore, detectorMemoryChain, detectorMemoryOf, detectorMemoryPruned, runStoredDetectorMemory } from './detector-memory.js';
import type { DetectorMemoryRow } from './records.js';
import { migrations } from './schema.js';

const row = (detector: string, memoryJson: string): DetectorMemoryRow => ({ detector, version: '1.0.0', memoryJson, bytes: memoryJson.length, status: 'kept', errorCode: null });

function withStore(test: (store: Store, runId: number) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-detector-memory-'));
  const store = openStore(join(dir, 'proctor.db'));
  try {
    test(store, store.startRun({ engineVersion: 't', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} }));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function complete(store: Store, roundId: number, memory: DetectorMemoryRow[], keepDetectorMemory?: number): void {
  store.completeRound({ roundId, seed: 's', finishedAt: 'now', tasks: [], responses: [], scores: [], responseScores: [], findings: [], minerScores: [], movingAverages: [], weightSubmission: null, consensusPreview: null, epoch: null, chainSnapshot: null, detectorMemory: memory, keepDetectorMemory });
}

const count = (store: Store) => (store.db.prepare('SELECT COUNT(*) AS n FROM detector_memory').get() as { n: number }).n;

describe('detector_memory', () => {
  it('is written with the round that completes, and read back from the last completed round', () => {
    withStore((store, runId) => {
      assert.equal(store.latestDetectorMemory(), null);
      complete(store, store.openRound(runId, 1, 1, 'h'), [row('sybil-cluster', '[["pairs",{}]]'), row('canary', '[]')]);
      complete(store, store.openRound(runId, 2, 2, 'h'), [row('sybil-cluster', '[["pairs",{"a b":1}]]')]);
      assert.deepEqual(store.latestDetectorMemory(), { round: 2, rows: [row('sybil-cluster', '[["pairs",{"a b":1}]]')] });
      assert.deepEqual(store.db.prepare('SELECT round, detector, entries FROM v_detector_memory ORDER BY round, detector').all(), [
        { round: 1, detector: 'canary', entries: 0 },
        { round: 1, detector: 'sybil-cluster', entries: 1 },
        { round: 2, detector: 'sybil-cluster', entries: 1 },
      ]);
    });
  });

  it('stores no memory for a round whose completion fails: the memory rows roll back with it', () => {
    withStore((store, runId) => {
      const id = store.openRound(runId, 1, 1, 'h');
      store.abandonOpenRounds();
      // Everything is inserted, memory included, before the round is found not to be open.
      assert.throws(() => complete(store, id, [row('sybil-cluster', '[["pairs",{}]]')]), /is not open/);
      assert.equal(count(store), 0);
    });
  });

  it('passes over abandoned rounds: the memory before round N is the last completed round’s', () => {
    withStore((store, runId) => {
      complete(store, store.openRound(runId, 1, 1, 'h'), [row('cache-probe', '[["k",1]]')]);
      store.openRound(runId, 2, 2, 'h');
      assert.deepEqual(store.abandonOpenRounds(), [2]);
      complete(store, store.openRound(runId, 3, 3, 'h'), [row('cache-probe', '[["k",3]]')]);
      assert.equal(count(store), 2, 'the abandoned round has no row');
      assert.deepEqual(detectorMemoryBefore(store.db, 3), { round: 1, roundId: 1, runId, rows: [row('cache-probe', '[["k",1]]')] });
      assert.equal(detectorMemoryBefore(store.db, 1), null);
      assert.equal(store.latestDetectorMemory()?.round, 3);
    });
  });

  it('refuses to change or delete a stored memory', () => {
    withStore((store, runId) => {
      complete(store, store.openRound(runId, 1, 1, 'h'), [row('sybil-cluster', '[]')]);
      assert.throws(() => store.db.prepare("UPDATE detector_memory SET memory_json = '[]'").run(), /append-only/);
      assert.throws(() => store.db.prepare('DELETE FROM detector_memory').run(), /append-only/);
      assert.throws(() => store.db.prepare("INSERT INTO detector_memory VALUES (1, 'x', '1', '[]', 2, 'lost', NULL)").run(), /CHECK constraint/);
    });
  });

  it('reads a history written before v7 (no table) as having no memory', () => {
    const db = new Database(':memory:');
    for (const m of migrations.filter((m) => m.version < 7)) db.exec(m.sql);
    db.exec("INSERT INTO runs VALUES (1, 'now', 't', 'local', NULL, 'v', '[]', '{}'); INSERT INTO rounds (run_id, number, block, status, seed_hash, seed, started_at) VALUES (1, 1, 1, 'complete', 'h', 's', 'now')");
    assert.deepEqual(detectorMemoryOf(db, 1), []);
    assert.deepEqual(detectorMemoryBefore(db, 2), { round: 1, roundId: 1, runId: 1, rows: [] });
    db.close();
  });
});

/** Opens and completes round `number` with one memory row per detector, the given retention. */
function round(store: Store, runId: number, number: number, keep: number | undefined): void {
  complete(store, store.openRound(runId, number, number, 'h'), [row('cache-probe', `[["k",${number}]]`), row('sybil-cluster', `[["pairs",{"r":${number}}]]`)], keep);
}

const roundsWithRows = (store: Store) => (store.db.prepare('SELECT DISTINCT round FROM v_detector_memory ORDER BY round').all() as { round: number }[]).map((r) => r.round);
const pruned = (store: Store) => store.db.prepare('SELECT round, pruned_by_round AS prunedBy, keep, detectors FROM v_detector_memory_pruned ORDER BY round').all();

describe('detector memory retention (schema v9)', () => {
  it('keeps the rows of the latest `keep` completed rounds only, passing over abandoned rounds, and records each pruned round', () => {
    withStore((store, runId) => {
      round(store, runId, 1, 2);
      round(store, runId, 2, 2);
      assert.deepEqual(roundsWithRows(store), [1, 2]);
      store.openRound(runId, 3, 3, 'h');
      store.abandonOpenRounds();
      round(store, runId, 4, 2);
      assert.deepEqual(roundsWithRows(store), [2, 4], 'the abandoned round 3 is not a completed round: round 2 is kept');
      round(store, runId, 5, 2);
      assert.deepEqual(roundsWithRows(store), [4, 5]);
      assert.deepEqual(pruned(store), [
        { round: 1, prunedBy: 4, keep: 2, detectors: 2 },
        { round: 2, prunedBy: 5, keep: 2, detectors: 2 },
      ]);
      assert.deepEqual(store.latestDetectorMemory()?.rows.map((r) => r.memoryJson), ['[["k",5]]', '[["pairs",{"r":5}]]']);
      assert.deepEqual(detectorMemoryPruned(store.db, 1), { prunedBy: 4, keep: 2 });
      assert.equal(detectorMemoryPruned(store.db, 4), null);
      assert.equal(runStoredDetectorMemory(store.db, runId), true);
    });
  });

  it('keeps only the latest with keep 1, and everything without retention (0 or absent)', () => {
    withStore((store, runId) => {
      for (let n = 1; n <= 3; n++) round(store, runId, n, 0);
      round(store, runId, 4, undefined);
      assert.deepEqual(roundsWithRows(store), [1, 2, 3, 4]);
      round(store, runId, 5, 1);
      assert.deepEqual(roundsWithRows(store), [5]);
    });
  });

  it('prunes inside the completing transaction: a failed prune leaves the round open and every row in place', () => {
    withStore((store, runId) => {
      round(store, runId, 1, 1);
      store.db.exec("CREATE TEMP TRIGGER injected BEFORE INSERT ON detector_memory_pruned BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
      assert.throws(() => round(store, runId, 2, 1), /injected failure/);
      assert.deepEqual(store.db.prepare('SELECT number, status FROM rounds ORDER BY number').all(), [{ number: 1, status: 'complete' }, { number: 2, status: 'open' }]);
      assert.deepEqual(roundsWithRows(store), [1], "round 1's rows are still there, round 2 stored none");
      assert.deepEqual(pruned(store), []);
    });
  });

  it('still refuses any deletion retention did not record', () => {
    withStore((store, runId) => {
      round(store, runId, 1, 2);
      assert.throws(() => store.db.prepare('DELETE FROM detector_memory').run(), /append-only/);
      round(store, runId, 2, 1);
      assert.throws(() => store.db.prepare('DELETE FROM detector_memory_pruned').run(), /append-only/);
      assert.throws(() => store.db.prepare('UPDATE detector_memory_pruned SET keep = 9').run(), /append-only/);
    });
  });

  it('keeps the first round of every block of 32 from round 32 on as a checkpoint, so replay rebuilds at most 31 rounds however old the round', () => {
    withStore((store, runId) => {
      assert.equal(DETECTOR_MEMORY_CHECKPOINT_EVERY, 32);
      for (let n = 1; n <= 70; n++) round(store, runId, n, 2);
      assert.deepEqual(roundsWithRows(store), [32, 64, 69, 70]);
      assert.equal((pruned(store) as unknown[]).length, 66);
      assert.equal(detectorMemoryPruned(store.db, 32), null);
      const to64 = detectorMemoryChain(store.db, 64);
      assert.equal(to64.base?.round, 32);
      assert.deepEqual(to64.rounds, Array.from({ length: 31 }, (_, k) => 33 + k));
      assert.deepEqual(detectorMemoryChain(store.db, 68), { base: { round: 64, rows: [row('cache-probe', '[["k",64]]'), row('sybil-cluster', '[["pairs",{"r":64}]]')] }, rounds: [65, 66, 67] });
      assert.deepEqual(detectorMemoryChain(store.db, 20), { base: null, rounds: Array.from({ length: 19 }, (_, k) => 1 + k) }, 'before the first checkpoint: from empty memory');
    });
  });

  it('moves a block’s checkpoint to its next round when the first was abandoned', () => {
    withStore((store, runId) => {
      for (let n = 1; n <= 31; n++) round(store, runId, n, 2);
      store.openRound(runId, 32, 32, 'h');
      store.abandonOpenRounds();
      for (let n = 33; n <= 70; n++) round(store, runId, n, 2);
      assert.deepEqual(roundsWithRows(store), [33, 64, 69, 70]);
      const to64 = detectorMemoryChain(store.db, 64);
      assert.equal(to64.base?.round, 33);
      assert.deepEqual(to64.rounds, Array.from({ length: 30 }, (_, k) => 34 + k));
    });
  });

  it('gives replay the chain to rebuild: the latest kept rows before a round, or empty from the first pruned round', () => {
    withStore((store, runId) => {
      for (let n = 1; n <= 5; n++) round(store, runId, n, 2);
      assert.deepEqual(detectorMemoryChain(store.db, 5), { base: { round: 4, rows: [row('cache-probe', '[["k",4]]'), row('sybil-cluster', '[["pairs",{"r":4}]]')] }, rounds: [] });
      assert.deepEqual(detectorMemoryChain(store.db, 4), { base: null, rounds: [1, 2, 3] });
      assert.deepEqual(detectorMemoryChain(store.db, 2), { base: null, rounds: [1] });
    });
  });
});
