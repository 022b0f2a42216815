import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from './store.js';
import { auditQuery, formatCsv, formatTable } from './audit.js';
import type { RoundRecord } from './records.js';
import { migrations, SCHEMA_VERSION } from './schema.js';

function tempDb(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-store-'));
  return { path: join(dir, 'proctor.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function record(roundId: number): RoundRecord {
  return {
    roundId,
    seed: 'ab'.repeat(32),
    finishedAt: new Date().toISOString(),
    tasks: [{ key: 't0', plugin: 'text', pluginVersion: '1.0.0', datasetVersion: '1', idx: 0, kind: 'arithmetic', prompt: '2+2?', payload: {}, answer: '4', meta: {} }],
    responses: [
      { taskKey: 't0', uid: 1, hotkey: 'hk1', status: 'ok', httpStatus: 200, latencyMs: 12, receivedAtMs: 12, bodyHash: 'h', body: '{"answer":"4"}', error: null },
      { taskKey: 't0', uid: 2, hotkey: 'hk2', status: 'timeout', httpStatus: null, latencyMs: 5000, receivedAtMs: null, bodyHash: null, body: null, error: 'deadline' },
    ],
    scores: [{ taskKey: 't0', uid: 1, evaluator: 'ground-truth', evaluatorVersion: '1.0.0', optionsHash: 'o', status: 'ok', value: 1, errorCode: null, details: {} }],
    responseScores: [
      { taskKey: 't0', uid: 1, combined: 1, penalty: 1, final: 1 },
      { taskKey: 't0', uid: 2, combined: 0, penalty: 1, final: 0 },
    ],
    findings: [],
    minerScores: [
      { uid: 1, hotkey: 'hk1', tasks: 1, answered: 1, score: 1, byPlugin: [{ plugin: 'text', tasks: 1, answered: 1, score: 1, share: 1 }] },
      { uid: 2, hotkey: 'hk2', tasks: 1, answered: 0, score: 0, byPlugin: [{ plugin: 'text', tasks: 1, answered: 0, score: 0, share: 1 }] },
    ],
    movingAverages: [
      { hotkey: 'hk1', uid: 1, value: 0.1, alpha: 0.1 },
      { hotkey: 'hk2', uid: 2, value: 0, alpha: 0.1 },
    ],
    weightSubmission: { network: 'local', mode: 'set_weights', uids: [1], weights: [65535], versionKey: 0, block: 12, extrinsicHash: null, outcome: 'accepted', detail: null },
    consensusPreview: { validatorUid: 0, numerics: 'float', validatorTrust: 1, dividends: 0.5, incentive: [0, 1, 0] },
    epoch: null,
    chainSnapshot: { block: 12 },
  };
}

describe('store', () => {
  it('migrates a new file to the current schema, and opening it again changes nothing', () => {
    const { path, done } = tempDb();
    openStore(path).close();
    const store = openStore(path);
    const versions = store.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
    assert.deepEqual(versions.map((v) => v.version), migrations.map((m) => m.version));
    assert.equal(versions.at(-1)?.version, SCHEMA_VERSION);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    store.close();
    done();
  });

  it('writes a round in one transaction and reveals its seed; its numbers continue after a restart', () => {
    const { path, done } = tempDb();
    const store = openStore(path);
    const run = store.startRun({ engineVersion: '0.1.0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} });
    const id = store.openRound(run, store.nextRoundNumber(), 12, 'hash');
    store.completeRound(record(id));
    assert.deepEqual(store.db.prepare('SELECT status, seed FROM rounds').get(), { status: 'complete', seed: 'ab'.repeat(32) });
    assert.equal(store.latestMovingAverages().get('hk1'), 0.1);
    assert.deepEqual(store.db.prepare('SELECT uid, plugin, score, share, contribution FROM v_plugin_scores ORDER BY uid').all(), [
      { uid: 1, plugin: 'text', score: 1, share: 1, contribution: 1 },
      { uid: 2, plugin: 'text', score: 0, share: 1, contribution: 0 },
    ]);
    store.close();
    const again = openStore(path);
    assert.equal(again.nextRoundNumber(), 2);
    assert.deepEqual(again.latestChainSnapshot(), { block: 12 });
    again.close();
    done();
  });

  it('writes nothing of a round whose transaction fails, and leaves it open to be abandoned', () => {
    const { path, done } = tempDb();
    const store = openStore(path);
    const run = store.startRun({ engineVersion: '0.1.0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} });
    const id = store.openRound(run, 1, 12, 'hash');
    const bad = record(id);
    bad.scores.push({ ...bad.scores[0], uid: 99 });
    assert.throws(() => store.completeRound(bad), /unknown response/);
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, 0);
    assert.deepEqual(store.abandonOpenRounds(), [1]);
    assert.equal((store.db.prepare('SELECT status FROM rounds').get() as { status: string }).status, 'abandoned');
    store.close();
    done();
  });

  it('refuses to change or delete history', () => {
    const { path, done } = tempDb();
    const store = openStore(path);
    const run = store.startRun({ engineVersion: '0.1.0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} });
    const id = store.openRound(run, 1, 12, 'hash');
    store.completeRound(record(id));
    assert.throws(() => store.db.prepare('UPDATE scores SET value = 0').run(), /append-only/);
    assert.throws(() => store.db.prepare('DELETE FROM responses').run(), /append-only/);
    assert.throws(() => store.db.prepare("UPDATE rounds SET seed = 'x'").run(), /append-only/);
    assert.throws(() => store.db.prepare('DELETE FROM rounds').run(), /append-only/);
    store.close();
    done();
  });

  it("stores a chain round's inputs with the round, so an abandoned or failed round leaves none", () => {
    const { path, done } = tempDb();
    const store = openStore(path);
    const run = store.startRun({ engineVersion: '0.1.0', network: 'custom', netuid: 1, validatorHotkey: 'v', plugins: [], config: {} });
    const inputs = { block: 12, validatorUid: 0, hotkeys: ['v', 'hk1', 'hk2'], minAllowedWeights: 1, maxWeightsLimit: 65535, epochInput: { n: 3 } };
    const count = (roundId: number) => (store.db.prepare('SELECT COUNT(*) AS n FROM chain_round_inputs WHERE round_id = ?').get(roundId) as { n: number }).n;
    const abandoned = store.openRound(run, 1, 12, 'hash');
    assert.deepEqual(store.abandonOpenRounds(), [1]);
    assert.equal(count(abandoned), 0);
    // A round that is no longer open fails to complete: none of its rows stay, the inputs included.
    assert.throws(() => store.completeRound({ ...record(abandoned), chainInputs: inputs }), /not open/);
    assert.equal(count(abandoned), 0);
    const complete = store.openRound(run, 2, 13, 'hash');
    store.completeRound({ ...record(complete), chainInputs: inputs });
    const row = store.db.prepare('SELECT block, validator_uid, hotkeys, epoch_input FROM chain_round_inputs WHERE round_id = ?').get(complete);
    assert.deepEqual(row, { block: 12, validator_uid: 0, hotkeys: '["v","hk1","hk2"]', epoch_input: '{"n":3}' });
    store.close();
    done();
  });

  it('refuses a database written by a newer schema without touching it', () => {
    const { path, done } = tempDb();
    openStore(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'now')").run();
    raw.close();
    assert.throws(() => openStore(path), (err: { code?: string }) => err.code === 'PROCTOR_ERR_STORE_SCHEMA');
    done();
  });
});

describe('auditQuery', () => {
  it('answers a query through a view, as a table and as CSV', () => {
    const { path, done } = tempDb();
    const store = openStore(path);
    const run = store.startRun({ engineVersion: '0.1.0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} });
    store.completeRound(record(store.openRound(run, 1, 12, 'hash')));
    store.close();
    const result = auditQuery(path, 'SELECT uid, weight_u16 FROM v_weight_entries');
    assert.deepEqual(result, { columns: ['uid', 'weight_u16'], rows: [[1, 65535]] });
    assert.match(formatTable(result), /uid\s+weight_u16\n-+\s+-+\n1\s+65535\n\(1 row\)/);
    assert.equal(formatCsv(result), 'uid,weight_u16\n1,65535');
    done();
  });

  for (const sql of [
    'UPDATE scores SET value = 0',
    'DELETE FROM runs',
    "INSERT INTO runs (started_at, engine_version, network, validator_hotkey, plugins, config) VALUES ('', '', '', '', '', '')",
    'CREATE TABLE x (a)',
    'DROP VIEW v_round_scores',
    'PRAGMA user_version = 7',
    "ATTACH DATABASE 'other.db' AS other",
    'VACUUM',
  ]) {
    it(`refuses "${sql.slice(0, 30)}…" with a coded error and leaves the file byte for byte unchanged`, () => {
      const { path, done } = tempDb();
      const store = openStore(path);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.close();
      const before = createHash('sha256').update(readFileSync(path)).digest('hex');
      assert.throws(() => auditQuery(path, sql), (err: { code?: string }) => err.code === 'PROCTOR_ERR_AUDIT_WRITE_REFUSED');
      assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), before);
      done();
    });
  }

  it('reports a missing database and bad SQL with their codes', () => {
    assert.throws(() => auditQuery('/nonexistent/proctor.db', 'SELECT 1'), (err: { code?: string }) => err.code === 'PROCTOR_ERR_AUDIT_NO_DB');
    const { path, done } = tempDb();
    openStore(path).close();
    assert.throws(() => auditQuery(path, 'SELEKT 1'), (err: { code?: string }) => err.code === 'PROCTOR_ERR_AUDIT_SQL');
    done();
  });
});
