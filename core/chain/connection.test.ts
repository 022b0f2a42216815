/** Connecting with backoff: a node that is down at start, one that never comes up, and one that drops mid-run. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metadataSkip } from '../../test/chain-types.js';
import { FakeSubtensor } from '../../test/chain-node.js';
import { InProcessProvider } from '../../test/chain-provider.js';
import { defaultSubnet, subtensorTypes } from '../../test/chain-fixture.js';
import { cryptoReady, devHotkey } from '../transport/keys.js';
import { backoffDelay, defaultBackoff, openConnection, withReconnect } from './connection.js';
import { connectSubtensor } from './subtensor.js';

const skip = metadataSkip();

describe('backoffDelay', () => {
  it('doubles from 1 s up to 30 s, with ±25 % jitter', () => {
    const mid = [1, 2, 3, 4, 5, 6, 7, 12].map((k) => backoffDelay(k, defaultBackoff, () => 0.5));
    assert.deepEqual(mid, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(backoffDelay(3, defaultBackoff, () => 0), 3000);
    assert.equal(backoffDelay(3, defaultBackoff, () => 1), 5000);
  });
});

describe('reconnecting', { skip }, () => {
  const node = () => {
    const v = devHotkey('validator', 0);
    const n = new FakeSubtensor({ types: subtensorTypes(), subnets: [defaultSubnet(v, [devHotkey('miner', 1)])] });
    n.advance(1);
    return n;
  };

  it('keeps trying a node that is down at start, waiting longer each time, and connects when it is up', async () => {
    await cryptoReady();
    const fake = node();
    fake.online = false;
    const provider = new InProcessProvider(fake);
    const connection = await openConnection({
      endpoint: 'in-process://down',
      provider,
      schedule: (fn) => {
        if (provider.connectAttempts === 3) fake.online = true;
        setImmediate(fn);
      },
    });
    assert.equal(provider.connectAttempts, 4);
    assert.equal(connection.retryDelays.length, 3);
    connection.retryDelays.forEach((ms, k) => assert.ok(ms >= 750 * 2 ** k && ms <= 1250 * 2 ** k, `retry ${k + 1} waited ${ms} ms`));
    assert.equal((await connection.api.rpc.system.chain()).toString(), 'Bittensor (Proctor test node)');
    await connection.close();
  });

  it('gives up at start-up after the set number of attempts with PROCTOR_ERR_CHAIN_CONNECT', async () => {
    const fake = node();
    fake.online = false;
    const provider = new InProcessProvider(fake);
    await assert.rejects(
      openConnection({ endpoint: 'ws://127.0.0.1:1', provider, backoff: { startupAttempts: 3 }, schedule: (fn) => setImmediate(fn) }),
      (e: { code?: string; message: string }) => e.code === 'PROCTOR_ERR_CHAIN_CONNECT' && /ws:\/\/127\.0\.0\.1:1 after 3 attempt/.test(e.message),
    );
    assert.equal(provider.connectAttempts, 3);
  });

  it('after a drop mid-run, waits for the reconnect and the read succeeds', async () => {
    const fake = node();
    const provider = new InProcessProvider(fake);
    const lines: string[] = [];
    const chain = await connectSubtensor({ endpoint: 'in-process://flaky', provider, log: (l) => lines.push(l), schedule: (fn) => setTimeout(fn, 20) });
    const v = devHotkey('validator', 0);
    assert.equal((await chain.snapshot(1, v.address)).uid, 0);
    provider.drop();
    fake.advance(2);
    const after = await chain.snapshot(1, v.address);
    assert.equal(after.block, fake.best.number);
    assert.ok(lines.some((l) => /reconnected to in-process:\/\/flaky/.test(l)), lines.join('\n'));
    await chain.close();
  });

  it('does not retry a request the node answered with an error: it is PROCTOR_ERR_CHAIN_RPC', async () => {
    const provider = new InProcessProvider(node());
    const connection = await openConnection({ endpoint: 'in-process://x', provider });
    await assert.rejects(
      withReconnect(connection, 'state_call', () => connection.api.rpc.state.call('Nope_nothing', '0x')),
      (e: { code?: string; message: string }) => e.code === 'PROCTOR_ERR_CHAIN_RPC' && /Exported method Nope_nothing is not found/.test(e.message),
    );
    await connection.close();
  });
});
