/**
 * The weight setter against the in-process node with a real SQLite file: set_weights within the
 * chain's rules, and hash commits whose salts survive a restart and are revealed in the epoch the
 * chain accepts them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metadataSkip } from '../../test/chain-types.js';
import { FakeSubtensor } from '../../test/chain-node.js';
import { InProcessProvider } from '../../test/chain-provider.js';
import { defaultSubnet, startFakeChain, subtensorTypes, type FakeChain } from '../../test/chain-fixture.js';
import { openStore, type Store } from '../store/store.js';
import { cryptoReady, devHotkey } from '../transport/keys.js';
import { chainRecords } from './chain-records.js';
import { connectSubtensor, type SubtensorClient } from './subtensor.js';
import { createWeightSetter } from './weight-setter.js';

const skip = metadataSkip();
const weights = { uids: [1, 2, 3], values: [65535, 20000, 5000] };

function openRound(store: Store): number {
  const runId = store.startRun({ engineVersion: 'test', network: 'custom', netuid: 1, validatorHotkey: 'v', plugins: [], config: {} });
  return store.openRound(runId, store.nextRoundNumber(), 0, 'hash');
}

type Row = Record<string, unknown>;

describe('set_weights within the chain\'s rules', { skip }, () => {
  let f: FakeChain;
  let dir: string;
  let store: Store;
  before(async () => {
    f = await startFakeChain({ subnet: { commitReveal: false, weightsRateLimit: 3, versionKey: 10n } });
    dir = mkdtempSync(join(tmpdir(), 'proctor-setter-'));
    store = openStore(join(dir, 'v.db'));
  });
  after(async () => {
    store?.close();
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets weights, then skips while the rate limit holds (without sending anything), then sets again', async () => {
    const setter = createWeightSetter({ client: f.chain, hotkey: f.validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: null, log: () => {} });
    const round = openRound(store);
    const first = await setter.submit(await f.chain.snapshot(1, f.validator.address), weights, round);
    assert.equal(first.outcome, 'accepted', first.detail);
    const sent = f.node.received.length;
    const second = await setter.submit(await f.chain.snapshot(1, f.validator.address), weights, round);
    assert.equal(second.outcome, 'skipped');
    assert.match(second.detail, /rate limit: last update at block \d+, next allowed at block \d+/);
    assert.equal(f.node.received.length, sent);
    f.node.advance(3);
    assert.equal((await setter.submit(await f.chain.snapshot(1, f.validator.address), weights, round)).outcome, 'accepted');
    const rows = store.db.prepare('SELECT mode, outcome, version_key, extrinsic_hash, block, block_hash, chain_error FROM weight_submissions ORDER BY id').all() as Row[];
    assert.deepEqual(rows.map((r) => [r.mode, r.outcome, r.version_key]), [['set_weights', 'accepted', 10], ['set_weights', 'skipped', 10], ['set_weights', 'accepted', 10]]);
    assert.ok(String(rows[0].extrinsic_hash).startsWith('0x') && String(rows[0].block_hash).startsWith('0x') && Number(rows[0].block) > 0);
  });

  it('does not send a version key below the subnet\'s, and stores why', async () => {
    const setter = createWeightSetter({ client: f.chain, hotkey: f.validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: 9n, log: () => {} });
    f.node.advance(3);
    const action = await setter.submit(await f.chain.snapshot(1, f.validator.address), weights, openRound(store));
    assert.equal(action.outcome, 'skipped');
    const row = store.db.prepare('SELECT error_code, detail FROM weight_submissions ORDER BY id DESC LIMIT 1').get() as Row;
    assert.equal(row.error_code, 'PROCTOR_ERR_CHAIN_VERSION_KEY');
    assert.match(String(row.detail), /requires weights version key ≥ 10, this validator sends 9/);
  });

  it('stores the chain\'s name when the chain refuses what was sent', async () => {
    const setter = createWeightSetter({ client: f.chain, hotkey: f.validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: null, log: () => {} });
    f.node.advance(3);
    const action = await setter.submit(await f.chain.snapshot(1, f.validator.address), { uids: [1, 1], values: [1, 2] }, openRound(store));
    assert.equal(action.outcome, 'failed');
    const row = store.db.prepare('SELECT outcome, error_code, chain_error FROM v_chain_submissions ORDER BY submission_id DESC LIMIT 1').get() as Row;
    assert.deepEqual(row, { outcome: 'failed', error_code: 'PROCTOR_ERR_CHAIN_MODULE_ERROR', chain_error: 'DuplicateUids' });
  });

  it('settles the row as unknown, with why, when sending throws before the chain answers', async () => {
    const broken = Object.assign(Object.create(f.chain) as typeof f.chain, {
      setWeights: () => Promise.reject(new Error('the connection dropped while signing')),
    });
    const setter = createWeightSetter({ client: broken, hotkey: f.validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: null, log: () => {} });
    f.node.advance(3);
    await assert.rejects(setter.submit(await f.chain.snapshot(1, f.validator.address), weights, openRound(store)), /connection dropped/);
    const row = store.db.prepare('SELECT outcome, error_code, detail FROM weight_submissions ORDER BY id DESC LIMIT 1').get() as Row;
    assert.equal(row.outcome, 'unknown');
    assert.equal(row.error_code, 'PROCTOR_ERR_INTERNAL_UNEXPECTED');
    assert.match(String(row.detail), /set_weights failed before the chain answered: the connection dropped/);
  });
});

describe('commit-reveal across a restart', { skip }, () => {
  let node: FakeSubtensor;
  let dir: string;
  const validator = devHotkey('validator', 0);
  const connect = (): Promise<SubtensorClient> => connectSubtensor({ endpoint: 'in-process://cr', provider: new InProcessProvider(node) });
  const epochOf = async (c: SubtensorClient) => (await c.snapshot(1, validator.address)).hyperparameters.epochIndex!;
  const toEpoch = (epoch: bigint) => {
    while (node.subnet(1).epochIndex < epoch) node.advance(1);
    node.advance(1);
  };

  before(async () => {
    await cryptoReady();
    node = new FakeSubtensor({ types: subtensorTypes(), subnets: [defaultSubnet(validator, [1, 2, 3].map((i) => devHotkey('miner', i)), { commitReveal: true, tempo: 5, weightsRateLimit: 1, revealPeriod: 1 })] });
    node.advance(2);
    dir = mkdtempSync(join(tmpdir(), 'proctor-commits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('commits (salt stored first), refuses to commit twice in one epoch, and after a restart reveals in commit_epoch + 1', async () => {
    const db = join(dir, 'validator.db');
    // First process: commit.
    let store = openStore(db);
    let chain = await connect();
    let setter = createWeightSetter({ client: chain, hotkey: validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: null, log: () => {} });
    const round = openRound(store);
    toEpoch(node.subnet(1).epochIndex + 1n); // just past an epoch: the commit and the checks below stay in it
    const commitEpoch = await epochOf(chain);
    const commit = await setter.submit(await chain.snapshot(1, validator.address), weights, round);
    assert.equal(commit.mode, 'commit');
    assert.equal(commit.outcome, 'accepted', commit.detail);
    const stored = store.db.prepare('SELECT commit_hash, salt FROM weight_commits').get() as Row;
    const onChain = (await chain.snapshot(1, validator.address)).commits;
    assert.deepEqual(onChain.map((c) => [c.hash, c.fields[0]]), [[stored.commit_hash, commitEpoch]]); // the chain stored our hash
    assert.equal((JSON.parse(String(stored.salt)) as number[]).length, 8);
    assert.equal(setter.plan(await chain.snapshot(1, validator.address), weights, round).mode, 'commit', 'a plan says its mode before it is sent');
    const again = await setter.submit(await chain.snapshot(1, validator.address), weights, round);
    assert.equal(again.outcome, 'skipped');
    assert.match(again.detail, new RegExp(`already committed in epoch ${commitEpoch}; it is revealed in epoch ${commitEpoch + 1n}`));
    assert.deepEqual((await setter.revealDue(await chain.snapshot(1, validator.address), round)).actions, []); // too early: nothing sent
    await chain.close();
    store.close();

    // The chain moves on while the validator is down.
    toEpoch(commitEpoch + 1n);

    // Second process: the same SQLite file, a new connection, nothing else carried over.
    store = openStore(db);
    chain = await connect();
    setter = createWeightSetter({ client: chain, hotkey: validator, netuid: 1, network: 'custom', records: chainRecords(store.db), versionKey: null, log: () => {} });
    assert.equal(await epochOf(chain), commitEpoch + 1n);
    const reveals = await setter.revealDue(await chain.snapshot(1, validator.address), openRound(store));
    const [reveal] = reveals.actions;
    assert.equal(reveal?.mode, 'reveal');
    assert.equal(reveal.outcome, 'accepted', reveal.detail);
    const revealRows = () => store.db.prepare("SELECT outcome, extrinsic_hash FROM weight_submissions WHERE mode = 'reveal'").all() as Row[];
    assert.deepEqual(revealRows(), []); // its row waits for the round's transaction
    chainRecords(store.db).atomically(reveals.write);
    assert.deepEqual(revealRows().map((r) => r.outcome), ['accepted']);
    const after = await chain.snapshot(1, validator.address);
    assert.deepEqual(after.weights[0], { uids: [1, 2, 3], values: [65535, 20000, 5000] });
    assert.deepEqual(after.commits, []);
    const events = store.db.prepare('SELECT event FROM weight_commit_events ORDER BY id').all() as Row[];
    assert.deepEqual(events.map((e) => e.event), ['committed', 'revealed']);
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM v_pending_commits').get() as Row).n, 0);
    await chain.close();
    store.close();
  });

  it('recognises a reveal whose outcome was lost (the weights on chain are the commit\'s) instead of calling it vanished', async () => {
    const store = openStore(join(dir, 'lost.db'));
    const chain = await connect();
    const records = chainRecords(store.db);
    const setter = createWeightSetter({ client: chain, hotkey: validator, netuid: 1, network: 'custom', records, versionKey: null, log: () => {} });
    toEpoch(node.subnet(1).epochIndex + 1n);
    const other = { uids: [1, 3], values: [100, 65535] };
    assert.equal((await setter.submit(await chain.snapshot(1, validator.address), other, openRound(store))).outcome, 'accepted');
    toEpoch(node.subnet(1).epochIndex + 1n);
    // The reveal lands, but this process never learns it (as if the connection dropped before the answer).
    const [pending] = records.pendingCommits(chain.genesisHash, 1, validator.address);
    const landed = await chain.revealWeights(validator, { netuid: 1, uids: pending.uids, values: pending.weights, salt: pending.salt, versionKey: pending.versionKey });
    assert.equal(landed.outcome, 'included');
    assert.deepEqual((await setter.revealDue(await chain.snapshot(1, validator.address), openRound(store))).actions, []);
    const last = store.db.prepare('SELECT event, detail FROM weight_commit_events ORDER BY id DESC LIMIT 1').get() as Row;
    assert.equal(last.event, 'revealed');
    assert.match(String(last.detail), /weights on chain are this commit's/);
    await chain.close();
    store.close();
  });

  it('gives up a commit whose reveal epoch passed while the validator was down, without sending a doomed reveal', async () => {
    const db = join(dir, 'late.db');
    let store = openStore(db);
    let chain = await connect();
    const records = () => chainRecords(store.db);
    let setter = createWeightSetter({ client: chain, hotkey: validator, netuid: 1, network: 'custom', records: records(), versionKey: null, log: () => {} });
    toEpoch(node.subnet(1).epochIndex + 1n);
    const commitEpoch = await epochOf(chain);
    assert.equal((await setter.submit(await chain.snapshot(1, validator.address), weights, openRound(store))).outcome, 'accepted');
    await chain.close();
    store.close();
    toEpoch(commitEpoch + 2n);
    store = openStore(db);
    chain = await connect();
    setter = createWeightSetter({ client: chain, hotkey: validator, netuid: 1, network: 'custom', records: records(), versionKey: null, log: () => {} });
    const sent = node.received.length;
    assert.deepEqual((await setter.revealDue(await chain.snapshot(1, validator.address), openRound(store))).actions, []);
    assert.equal(node.received.length, sent);
    const events = store.db.prepare('SELECT event, detail FROM weight_commit_events ORDER BY id').all() as Row[];
    assert.deepEqual(events.map((e) => e.event), ['committed', 'expired']);
    await chain.close();
    store.close();
  });
});
