/**
 * The chain commands as a user runs them, against the fake node over a real WebSocket on
 * 127.0.0.1 with reference miners serving on 127.0.0.2: `validator chain metagraph`,
 * `validator chain serve-axon`, and `validator run --network … --netuid …` for several epochs with
 * commit-reveal off and on, through a dropped connection and a version key the subnet refuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_PHRASE } from '@polkadot/keyring';
import { auditQuery } from '../core/store/audit.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import type { MinerServer } from '../core/transport/miner-server.js';
import { metadataSkip } from './chain-types.js';
import { FakeSubtensor } from './chain-node.js';
import { serveOverWebSocket, type WebSocketNode } from './chain-provider.js';
import { startTextMiners, subtensorTypes } from './chain-fixture.js';
import { runCli, startCli } from './cli.js';

const skip = metadataSkip();
const VALIDATOR_SECRET = `${DEV_PHRASE}//Proctor//validator//0`;

describe('chain commands against a node on ws://127.0.0.1', { skip }, () => {
  let node: FakeSubtensor;
  let ws: WebSocketNode;
  let miners: MinerServer[] = [];
  let dir: string;
  const validator = devHotkey('validator', 0);
  const minerKeys = [1, 2, 3].map((i) => devHotkey('miner', i));
  const env = () => ({ PROCTOR_HOTKEY_SECRET: VALIDATOR_SECRET, BT_SUBTENSOR_CHAIN_ENDPOINT: '' });

  before(async () => {
    await cryptoReady();
    dir = mkdtempSync(join(tmpdir(), 'proctor-chain-cli-'));
    miners = await startTextMiners(minerKeys, [0.2, 0.55, 0.95], 'chain-cli');
    const neurons = (withAxons: boolean) => [
      { hotkey: validator.address, alphaStake: 1_000_000_000_000n, permit: true },
      ...minerKeys.map((m, i) => ({ hotkey: m.address, alphaStake: 1_000_000_000n, axon: withAxons ? { host: '127.0.0.2', port: Number(new URL(miners[i].url).port) } : null })),
    ];
    node = new FakeSubtensor({
      types: subtensorTypes(),
      subnets: [
        { netuid: 1, tempo: 6, weightsRateLimit: 3, commitReveal: false, versionKey: 7n, neurons: neurons(true) },
        { netuid: 2, tempo: 6, weightsRateLimit: 1, commitReveal: true, revealPeriod: 1, neurons: neurons(false) },
      ],
    });
    node.advance(3);
    node.autoBlocks(250);
    ws = await serveOverWebSocket(node);
  });

  after(async () => {
    node?.stop();
    await ws?.close();
    await Promise.all(miners.map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('chain metagraph --json prints the subnet at one block, u64s as strings', async () => {
    const r = await runCli(['chain', 'metagraph', '--netuid', '1', '--network', ws.url, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { netuid: number; runtime: string; hyperparameters: { tempo: number; weightsVersionKey: string }; neurons: { hotkey: string; alphaStake: string; axon: { url: string | null } }[] };
    assert.deepEqual([m.netuid, m.runtime, m.hyperparameters.tempo, m.hyperparameters.weightsVersionKey], [1, 'node-subtensor/424', 6, '7']);
    assert.deepEqual(m.neurons.map((n) => n.hotkey), [validator.address, ...minerKeys.map((k) => k.address)]);
    assert.equal(m.neurons[0].alphaStake, '1000000000000');
    assert.deepEqual(m.neurons.slice(1).map((n) => n.axon.url), miners.map((s) => s.url));
  });

  it('chain metagraph prints a table; an unknown subnet is PROCTOR_ERR_CHAIN_SUBNET_MISSING', async () => {
    const r = await runCli(['chain', 'metagraph', '--netuid', '1', '--network', ws.url], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Subnet 1 "proctor-1" on custom at block \d+ \(runtime node-subtensor\/424\): 4 uids, tempo 6/);
    assert.match(r.stdout, /uid\s+hotkey\s+coldkey\s+stake α/);
    const missing = await runCli(['chain', 'metagraph', '--netuid', '5', '--network', ws.url], { env: env() });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\[PROCTOR_ERR_CHAIN_SUBNET_MISSING\] subnet 5 does not exist/);
  });

  it('chain serve-axon announces a miner on 127.0.0.2 (and refuses 127.0.0.1 before sending anything)', async () => {
    const port = Number(new URL(miners[0].url).port);
    const secret = { ...env(), PROCTOR_HOTKEY_SECRET: `${DEV_PHRASE}//Proctor//miner//1` };
    const r = await runCli(['chain', 'serve-axon', '--netuid', '2', '--ip', '127.0.0.2', '--port', String(port), '--network', ws.url], { env: secret });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { outcome: string }).outcome, 'included');
    assert.equal(node.subnet(2).neurons[1].axon?.port, port);
    const refused = await runCli(['chain', 'serve-axon', '--netuid', '2', '--ip', '127.0.0.1', '--port', '80', '--network', ws.url], { env: secret });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /\[PROCTOR_ERR_CHAIN_AXON\] cannot serve this axon: the chain refuses 127\.0\.0\.1/);
  });

  it('validator run sets weights for several epochs, survives a dropped connection, and the chain pays incentive', async () => {
    const db = join(dir, 'run.db');
    const { child, done } = startCli(['run', '--network', ws.url, '--netuid', '1', '--rounds', '6', '--pool-size', '1', '--db', db, '--json'], { env: env() });
    let dropped = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (!dropped && /round 2 at block/.test(d.toString())) {
        dropped = true;
        ws.dropConnections();
      }
    });
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(dropped, 'the connection was dropped mid-run');
    assert.match(r.stderr, /validating subnet 1 "proctor-1" on custom .* as uid 0, hotkey \S+ from \$PROCTOR_HOTKEY_SECRET/);
    assert.match(r.stderr, /reconnected to ws:\/\/127\.0\.0\.1/);
    const summary = JSON.parse(r.stdout) as { epochs: number; rounds: number[]; actions: { mode: string; outcome: string }[]; miners: { uid: number; incentive: number }[] };
    assert.equal(summary.rounds.length, 6);
    assert.ok(summary.epochs >= 2, `${summary.epochs} epochs`);
    assert.ok(summary.actions.some((a) => a.mode === 'set_weights' && a.outcome === 'accepted'));
    // Every round stored a consensus preview before it submitted, and every submission its outcome.
    const [[rounds, previews]] = auditQuery(db, "SELECT (SELECT COUNT(*) FROM rounds WHERE status = 'complete'), (SELECT COUNT(*) FROM consensus_previews)").rows as number[][];
    assert.equal(previews, rounds);
    const accepted = auditQuery(db, "SELECT uids, weights, block FROM weight_submissions WHERE outcome = 'accepted' ORDER BY id DESC LIMIT 1").rows[0] as [string, string, number];
    const onChain = node.subnet(1).weights.get(0)!;
    assert.deepEqual(onChain.map(([u]) => u), JSON.parse(accepted[0]) as number[]);
    // The chain's own epoch results were stored, and the best miner earns the most.
    const paid = auditQuery(db, 'SELECT uid, incentive FROM v_latest_incentive ORDER BY uid').rows as [number, number][];
    assert.equal(paid.length, 4);
    assert.ok(paid[3][1] > paid[1][1], `incentive ${JSON.stringify(paid)}`);
  });

  it('validator run commits and reveals on a commit-reveal subnet', async () => {
    const db = join(dir, 'cr.db');
    const port = (i: number) => Number(new URL(miners[i].url).port);
    for (let i = 0; i < 3; i++) node.subnet(2).neurons[i + 1].axon = { block: 1n, version: 1, ip: 0x7f000002n, port: port(i), ipType: 4, protocol: 4 };
    const r = await runCli(['run', '--network', ws.url, '--netuid', '2', '--rounds', '8', '--pool-size', '1', '--db', db, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /commit-reveal on \(reveal after 1 epoch\(s\)\)/);
    const events = auditQuery(db, 'SELECT event FROM weight_commit_events').rows.map((x) => x[0]);
    assert.ok(events.includes('committed') && events.includes('revealed'), `commit events ${events.join(', ')}`);
    const modes = auditQuery(db, "SELECT DISTINCT mode FROM weight_submissions WHERE outcome = 'accepted' ORDER BY mode").rows.map((x) => x[0]);
    assert.deepEqual(modes, ['commit', 'reveal']);
    assert.ok((node.subnet(2).weights.get(0) ?? []).length > 0, 'revealed weights are on chain');
  });

  it('keeps running rounds when the subnet refuses its version key, storing why each submission was skipped', async () => {
    const db = join(dir, 'key.db');
    const r = await runCli(['run', '--network', ws.url, '--netuid', '1', '--rounds', '2', '--version-key', '3', '--pool-size', '1', '--db', db], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const rows = auditQuery(db, 'SELECT outcome, error_code FROM weight_submissions').rows;
    assert.deepEqual(rows, [['skipped', 'PROCTOR_ERR_CHAIN_VERSION_KEY'], ['skipped', 'PROCTOR_ERR_CHAIN_VERSION_KEY']]);
  });

  it('retries a node that does not answer, waiting longer each time, then gives up with PROCTOR_ERR_CHAIN_CONNECT', async () => {
    const r = await runCli(['chain', 'metagraph', '--netuid', '1', '--network', 'ws://127.0.0.1:1'], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    const waits = [...r.stderr.matchAll(/retry (\d) in ([\d.]+) s/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.deepEqual(waits.map(([k]) => k), [1, 2, 3]);
    waits.forEach(([k, seconds]) => assert.ok(seconds >= 0.75 * 2 ** (k - 1) && seconds <= 1.25 * 2 ** (k - 1), `retry ${k} after ${seconds} s`));
    assert.match(r.stderr, /\[PROCTOR_ERR_CHAIN_CONNECT\] cannot connect to ws:\/\/127\.0\.0\.1:1 after 4 attempt\(s\): connect ECONNREFUSED/);
  });

  it('refuses at start-up a hotkey that is not registered, and --network without --netuid', async () => {
    const stranger = await runCli(['run', '--network', ws.url, '--netuid', '1', '--rounds', '1', '--db', join(dir, 'x.db')], { env: { ...env(), PROCTOR_HOTKEY_SECRET: '//Stranger' } });
    assert.equal(stranger.code, 2);
    assert.match(stranger.stderr, /\[PROCTOR_ERR_CHAIN_NOT_REGISTERED\] hotkey \S+ is not registered on subnet 1/);
    const noNetuid = await runCli(['run', '--network', ws.url, '--rounds', '1', '--db', join(dir, 'y.db')], { env: env() });
    assert.equal(noNetuid.code, 2);
    assert.match(noNetuid.stderr, /\[PROCTOR_ERR_RUN_OPTIONS\] --netuid is required with --network/);
  });
});
