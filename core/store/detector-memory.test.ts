import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from './store.js';
import { detectorMemoryBefore, detectorMemoryOf } from './detector-memory.js';
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

function complete(store: Store, roundId: number, memory: DetectorMemoryRow[]): void {
  store.completeRound({ roundId, seed: 's', finishedAt: 'now', tasks: [], responses: [], scores: [], responseScores: [], findings: [], minerScores: [], movingAverages: [], weightSubmission: null, consensusPreview: null, epoch: null, chainSnapshot: null, detectorMemory: memory });
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
