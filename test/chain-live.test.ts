/**
 * The opt-in real-runtime tier (`npm run test:chain`). It needs a subtensor node it may sudo on:
 *
 *   PROCTOR_CHAIN_ENDPOINT=ws://127.0.0.1:9944   a dev node (docker localnet, or chopsticks from a raw spec)
 *   PROCTOR_CHAIN_SPEC=/path/raw-spec.json         chopsticks in-process, if @acala-network/chopsticks is installed
 *
 * Optional: PROCTOR_CHAIN_SUDO (default //Alice, also the coldkey that pays), PROCTOR_CHAIN_NETUID
 * (use this subnet instead of creating one), PROCTOR_CHAIN_ROUNDS (default 14).
 * Without an endpoint or a spec it says so and passes. It reads every call's shape and every error
 * name from the node's metadata, so it runs on older runtimes too. Docs: docs/chain.md.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_PHRASE } from '@polkadot/keyring';
import { WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Json, PublicTask } from '../core/plugin-api.js';
import { loadPlugin } from '../core/plugin-loader.js';
import { auditQuery } from '../core/store/audit.js';
import { axonAddress } from '../core/chain/axon.js';
import { submit } from '../core/chain/submit.js';
import { connectSubtensor, type SubtensorClient } from '../core/chain/subtensor.js';
import { cryptoReady, hotkeyFromSecret, type Hotkey } from '../core/transport/keys.js';
import { startMinerServer, type MinerServer } from '../core/transport/miner-server.js';
import { randomFrom } from '../core/local/local-subnet.js';
import { runCli } from './cli.js';

const ENDPOINT = process.env.PROCTOR_CHAIN_ENDPOINT?.trim() || null;
const SPEC = process.env.PROCTOR_CHAIN_SPEC?.trim() || null;
const skip = ENDPOINT === null && SPEC === null
  ? 'the real-runtime tier needs PROCTOR_CHAIN_ENDPOINT=ws://… (a dev node you may sudo on) or PROCTOR_CHAIN_SPEC=<raw chain spec JSON>; see docs/chain.md. Nothing to do.'
  : false;
if (skip) process.stdout.write(`test:chain: ${skip}\n`);

type AnyTx = (...args: unknown[]) => SubmittableExtrinsic<'promise'>;

/** A call built from the node's metadata: arguments are looked up by their names there. */
function call(client: SubtensorClient, pallet: string, name: string, named: Record<string, unknown>): SubmittableExtrinsic<'promise'> | null {
  const fn = (client.api.tx as unknown as Record<string, Record<string, (AnyTx & { meta: { args: { name: { toString(): string } }[] } }) | undefined> | undefined>)[pallet]?.[name];
  if (!fn) return null;
  // Metadata says `weights_set_rate_limit`, @polkadot/api says `weightsSetRateLimit`: compare without case or underscores.
  const norm = (x: string) => x.replace(/_/g, '').toLowerCase();
  const byName = new Map(Object.entries(named).map(([k, v]) => [norm(k), v]));
  const args = fn.meta.args.map((a) => {
    const key = norm(a.name.toString());
    if (!byName.has(key)) throw new Error(`${pallet}.${name} on this runtime takes "${a.name.toString()}", which the tier does not know how to fill`);
    return byName.get(key);
  });
  return fn(...args);
}

describe('a real subtensor runtime', { skip }, () => {
  let client: SubtensorClient;
  let endpoint: string;
  let closeChopsticks: (() => Promise<void>) | null = null;
  let sudo: Hotkey;
  let validator: Hotkey;
  let minerKeys: Hotkey[];
  let miners: MinerServer[] = [];
  let netuid: number;
  let dir: string;
  let ticker: NodeJS.Timeout | null = null;
  let stopDev: (() => Promise<void>) | null = null;
  const log = (line: string) => process.stderr.write(`test:chain: ${line}\n`);

  /** Sends `tx` signed by `who` and waits for its block; a failure is logged and returned, not thrown. */
  async function send(who: Hotkey, tx: SubmittableExtrinsic<'promise'> | null, what: string) {
    if (tx === null) {
      log(`${what}: not in this runtime, skipped`);
      return null;
    }
    const s = await submit(client.api, tx, what, who, { timeoutMs: 120_000 });
    log(`${what}: ${s.outcome}${s.error ? ` (${s.error.message})` : ''}`);
    return s;
  }
  const sudoCall = (inner: SubmittableExtrinsic<'promise'> | null) => (inner === null ? null : call(client, 'sudo', 'sudo', { call: inner }));

  before(async () => {
    await cryptoReady();
    dir = mkdtempSync(join(tmpdir(), 'proctor-chain-live-'));
    endpoint = ENDPOINT ?? '';
    if (endpoint === '' && SPEC !== null) {
      const name = '@acala-network/chopsticks';
      const chopsticks = (await import(name).catch(() => null)) as null | { setupWithServer(config: Record<string, unknown>): Promise<{ listenPort: number; close(): Promise<void> }> };
      if (chopsticks === null) {
        throw new Error(`PROCTOR_CHAIN_SPEC needs chopsticks, which Proctor does not depend on. Either install it beside the project (npm i --no-save @acala-network/chopsticks@1.5.1) or run it yourself:\n  npx @acala-network/chopsticks@1.5.1 --genesis=${SPEC} --port=8000 --build-block-mode=Instant\nand set PROCTOR_CHAIN_ENDPOINT=ws://127.0.0.1:8000`);
      }
      const server = await chopsticks.setupWithServer({ genesis: JSON.parse(readFileSync(SPEC, 'utf8')) as unknown, port: 0, 'build-block-mode': 'Instant' });
      endpoint = `ws://127.0.0.1:${server.listenPort}`;
      closeChopsticks = () => server.close();
    }
    client = await connectSubtensor({ endpoint, log });
    log(`connected to ${endpoint}, runtime ${client.runtime}`);
    sudo = hotkeyFromSecret(process.env.PROCTOR_CHAIN_SUDO ?? '//Alice');
    validator = hotkeyFromSecret(`${DEV_PHRASE}//Proctor//live//validator`);
    minerKeys = [1, 2, 3].map((i) => hotkeyFromSecret(`${DEV_PHRASE}//Proctor//live//miner//${i}`));
    // Instant-seal nodes (chopsticks) only build blocks on demand: keep the chain moving.
    const rpcMethods = (await client.api.rpc.rpc.methods()).methods.map(String);
    if (rpcMethods.includes('dev_newBlock')) {
      const dev = new WsProvider(endpoint);
      await dev.isReady;
      ticker = setInterval(() => void dev.send('dev_newBlock', [{ count: 1 }]).catch(() => {}), 400);
      ticker.unref();
      stopDev = () => dev.disconnect();
    }

    // The subnet: an existing one, or a new one owned by the validator's hotkey (owners may set weights without stake).
    if (process.env.PROCTOR_CHAIN_NETUID) netuid = Number(process.env.PROCTOR_CHAIN_NETUID);
    else {
      await send(sudo, sudoCall(call(client, 'adminUtils', 'sudoSetNetworkRateLimit', { rate_limit: 0 })), 'sudo_set_network_rate_limit');
      const created = await send(sudo, call(client, 'subtensorModule', 'registerNetwork', { hotkey: validator.address, mechid: 1 }), 'register_network');
      assert.equal(created?.outcome, 'included', 'register_network must succeed (is PROCTOR_CHAIN_SUDO funded?)');
      // The new subnet is the one this hotkey owns (netuids of pruned subnets are reused, so no counting).
      const owners = await client.api.query.subtensorModule.subnetOwnerHotkey.entries();
      const mine = owners.find(([, owner]) => owner.toString() === validator.address);
      assert.ok(mine, 'the new subnet is owned by the validator hotkey');
      netuid = Number(mine[0].args[0].toString());
      log(`created subnet ${netuid}`);
    }
    const tune: [string, Record<string, unknown>][] = [
      ['sudoSetTempo', { netuid, tempo: 10 }],
      ['sudoSetWeightsSetRateLimit', { netuid, weights_set_rate_limit: 2 }],
      ['sudoSetMinAllowedWeights', { netuid, min_allowed_weights: 1 }],
      ['sudoSetNetworkRegistrationAllowed', { netuid, registration_allowed: true }],
      ['sudoSetTargetRegistrationsPerInterval', { netuid, target_registrations_per_interval: 64 }],
      ['sudoSetStartCallDelay', { delay: 0 }],
    ];
    for (const [name, args] of tune) await send(sudo, sudoCall(call(client, 'adminUtils', name, args)), name);
    await send(sudo, call(client, 'subtensorModule', 'startCall', { netuid }), 'start_call');

    const registered = new Set((await client.snapshot(netuid, null)).metagraph.neurons.map((x) => x.hotkey));
    for (const key of [validator, ...minerKeys]) {
      if (!registered.has(key.address)) await send(sudo, call(client, 'subtensorModule', 'burnedRegister', { netuid, hotkey: key.address }), `burned_register ${key.address}`);
    }
    await send(sudo, call(client, 'subtensorModule', 'addStake', { hotkey: validator.address, netuid, amount_staked: 100_000_000_000n, amount: 100_000_000_000n }), 'add_stake');

    const plugin = await loadPlugin('text');
    const skills = [0.2, 0.55, 0.95];
    miners = await Promise.all(
      minerKeys.map((hotkey, i) =>
        startMinerServer({
          hotkey,
          host: `127.0.0.${i + 2}`,
          routes: {
            '/proctor/v1/text': (body: Json) => {
              const b = body as { task_id?: unknown; kind?: unknown; prompt?: unknown; payload?: Json };
              const task: PublicTask = { id: String(b.task_id), kind: String(b.kind), prompt: String(b.prompt), payload: b.payload ?? null };
              return plugin.definition.miner.answer(task, skills[i], randomFrom(`live:${i}:${task.id}`));
            },
          },
        }),
      ),
    );
  });

  after(async () => {
    if (ticker) clearInterval(ticker);
    await stopDev?.();
    await Promise.all(miners.map((m) => m.close()));
    await client?.close();
    await closeChopsticks?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces the miners with serve_axon (127.0.0.1 is refused by the chain, so 127.0.0.2 and up)', async () => {
    for (const [i, m] of miners.entries()) {
      const url = new URL(m.url);
      const s = await client.serveAxon(minerKeys[i], netuid, { ...axonAddress(url.hostname, Number(url.port)), version: 1, protocol: 4 });
      assert.equal(s.outcome, 'included', s.error?.message);
    }
    const urls = (await client.snapshot(netuid, null)).metagraph.neurons.map((x) => x.axon.url);
    for (const m of miners) assert.ok(urls.includes(m.url), `${m.url} in ${urls.join(', ')}`);
  });

  it('maps this runtime\'s own error names (read from its metadata) onto coded errors', async () => {
    const snap = await client.snapshot(netuid, validator.address);
    const s = await client.setWeights(validator, { netuid, uids: [1, 1], values: [1, 2], versionKey: snap.hyperparameters.weightsVersionKey });
    assert.notEqual(s.outcome, 'included');
    const name = (s.error?.data as { name?: string } | undefined)?.name ?? '';
    const known = Object.keys((client.api.errors as unknown as Record<string, Record<string, unknown>>).subtensorModule ?? {});
    log(`duplicate uids → ${s.error?.code} ${name}`);
    assert.ok(s.error?.code === 'PROCTOR_ERR_CHAIN_TX_REJECTED' || known.includes(name), `${name} is one of this runtime's SubtensorModule errors`);
  });

  it('validator run sets (or commits and reveals) weights for several tempos, and the chain pays incentive', async () => {
    const db = join(dir, 'live.db');
    const rounds = process.env.PROCTOR_CHAIN_ROUNDS ?? '14';
    const r = await runCli(['run', '--network', endpoint, '--netuid', String(netuid), '--rounds', rounds, '--pool-size', '1', '--db', db, '--json'], {
      env: { PROCTOR_HOTKEY_SECRET: `${DEV_PHRASE}//Proctor//live//validator` },
    });
    log(r.stderr.split('\n').filter((l) => l.startsWith('round ') || l.startsWith('validating')).join('\n'));
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { epochs: number };
    assert.ok(summary.epochs >= 2, `only ${summary.epochs} epoch(s) passed: the chain must produce blocks during the run`);
    const accepted = auditQuery(db, "SELECT mode, COUNT(*) FROM weight_submissions WHERE outcome = 'accepted' GROUP BY mode").rows as [string, number][];
    log(`accepted submissions: ${JSON.stringify(accepted)}`);
    const modes = accepted.map(([m]) => m);
    assert.ok(modes.includes('set_weights') || (modes.includes('commit') && modes.includes('reveal')), 'weights were set, or committed and revealed');
    // Give the chain one more epoch to pay for the last weights, then read its incentive.
    const start = (await client.snapshot(netuid, validator.address)).hyperparameters;
    for (let k = 0; k < 120; k++) {
      const now = (await client.snapshot(netuid, validator.address)).hyperparameters;
      if (now.epochIndex !== start.epochIndex || now.lastStepBlock !== start.lastStepBlock) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const snap = await client.snapshot(netuid, validator.address);
    assert.ok((snap.weights[snap.uid!]?.uids.length ?? 0) > 0, 'the validator has a weights row on chain');
    const paid = minerKeys.map((k) => snap.metagraph.neurons.find((x) => x.hotkey === k.address)?.incentive ?? 0);
    log(`miners' incentive on chain (u16): ${paid.join(', ')}`);
    assert.ok(paid.some((x) => x > 0), 'some miner earns incentive on chain');
  });
});
