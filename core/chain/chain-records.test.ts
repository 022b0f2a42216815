/**
 * A submission row written with its round as `pending` gets the chain's answer once, in one
 * transaction with its commit event, on a real SQLite file: a failure inside leaves it pending
 * with no event, a repeat changes nothing, and nothing else about the row can change.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../store/store.js';
import { chainRecords, STALE_PENDING_DETAIL, type ChainRecords, type SettleEvent } from './chain-records.js';
import type { Submission } from './submit.js';

type Row = Record<string, unknown>;
const included: Submission = { call: 'commit_weights', outcome: 'included', extrinsicHash: '0xabc', blockHash: '0xdef', blockNumber: 42, error: null };

describe('a pending weight submission', () => {
  let dir: string;
  let store: Store;
  let records: ChainRecords;
  let roundId: number;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-chain-records-'));
    store = openStore(join(dir, 'v.db'));
    records = chainRecords(store.db);
    const runId = store.startRun({ engineVersion: 'test', network: 'custom', netuid: 1, validatorHotkey: 'v', plugins: [], config: {} });
    roundId = store.openRound(runId, 1, 7, 'hash');
  });
  after(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pending commit row and its salt, as a round's transaction writes them. */
  const pendingCommit = (hash: string) =>
    records.atomically(() => ({
      commit: records.recordCommit({ roundId, network: 'custom', genesisHash: '0x00', netuid: 1, hotkey: 'v', commitHash: hash, uids: [1], weights: [65535], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 0n }),
      submission: records.recordSubmission({ roundId, network: 'custom', netuid: 1, mode: 'commit', uids: [1], weights: [65535], versionKey: 0n, block: 7, submission: null }),
    }));
  const row = (id: number) => store.db.prepare('SELECT outcome, block, extrinsic_hash, block_hash FROM weight_submissions WHERE id = ?').get(id) as Row;
  const events = (commitId: number) => (store.db.prepare('SELECT event FROM weight_commit_events WHERE commit_id = ?').all(commitId) as Row[]).map((e) => e.event);

  it('says pending until settled, and keeps the snapshot block when the answer has none', () => {
    const { commit, submission } = pendingCommit('0x01');
    assert.deepEqual(row(submission), { outcome: 'pending', block: 7, extrinsic_hash: null, block_hash: null });
    const event: SettleEvent = { commitId: commit, event: 'commit_failed', block: 7, detail: 'no answer' };
    assert.equal(records.settleSubmission(submission, { ...included, outcome: 'rejected', blockNumber: null, blockHash: null }, event), true);
    assert.deepEqual(row(submission), { outcome: 'rejected', block: 7, extrinsic_hash: '0xabc', block_hash: null });
  });

  it('settles once, in one transaction with its commit event: a failure inside leaves it pending without the event', () => {
    const { commit, submission } = pendingCommit('0x02');
    const event: SettleEvent = { commitId: commit, event: 'committed', block: 42, detail: '0xabc' };
    store.db.exec("CREATE TRIGGER inject_event_failure BEFORE INSERT ON weight_commit_events BEGIN SELECT RAISE(ABORT, 'injected: the disk failed'); END;");
    assert.throws(() => records.settleSubmission(submission, included, event), /injected/);
    assert.deepEqual(row(submission), { outcome: 'pending', block: 7, extrinsic_hash: null, block_hash: null });
    assert.deepEqual(events(commit), []);
    store.db.exec('DROP TRIGGER inject_event_failure');
    assert.equal(records.settleSubmission(submission, included, event), true);
    assert.equal(records.settleSubmission(submission, { ...included, outcome: 'failed' }, event), false); // a repeat changes nothing
    assert.deepEqual(row(submission), { outcome: 'accepted', block: 42, extrinsic_hash: '0xabc', block_hash: '0xdef' });
    assert.deepEqual(events(commit), ['committed']);
  });

  it('refuses any other change: a settled row, or what a pending row submitted', () => {
    const { submission } = pendingCommit('0x03');
    assert.throws(() => store.db.prepare("UPDATE weight_submissions SET weights = '[1]' WHERE id = ?").run(submission), /append-only/);
    assert.throws(() => store.db.prepare("UPDATE weight_submissions SET outcome = 'pending', detail = 'x' WHERE id = ?").run(submission), /append-only/);
    records.settleSubmission(submission, included, null);
    assert.throws(() => store.db.prepare("UPDATE weight_submissions SET outcome = 'failed' WHERE id = ?").run(submission), /append-only/);
    assert.throws(() => store.db.prepare('DELETE FROM weight_submissions WHERE id = ?').run(submission), /append-only/);
  });

  it('marks the rows a stopped run left pending unknown at the next start, by mode, and leaves other subnets alone', () => {
    const setWeights = (netuid: number) =>
      records.recordSubmission({ roundId, network: 'custom', netuid, mode: 'set_weights', uids: [1], weights: [65535], versionKey: 0n, block: 7, submission: null });
    const mine = setWeights(1);
    const otherSubnet = setWeights(2);
    const { submission: commit } = pendingCommit('0x04');
    const detail = (id: number) => store.db.prepare('SELECT outcome, detail FROM weight_submissions WHERE id = ?').get(id) as Row;
    const before = (store.db.prepare("SELECT COUNT(*) AS n FROM weight_submissions WHERE outcome = 'pending' AND netuid = 1").get() as { n: number }).n;
    assert.equal(records.settleStalePending('custom', 1), before);
    assert.deepEqual(detail(mine), { outcome: 'unknown', detail: STALE_PENDING_DETAIL.set_weights });
    assert.deepEqual(detail(commit), { outcome: 'unknown', detail: STALE_PENDING_DETAIL.commit });
    assert.equal(detail(otherSubnet).outcome, 'pending');
    assert.equal(records.settleStalePending('custom', 1), 0, 'a second start changes nothing');
  });
});
