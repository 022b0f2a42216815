import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNetwork } from './network.js';

describe('resolveNetwork', () => {
  it('maps the SDK\'s names to their endpoints', () => {
    assert.deepEqual(resolveNetwork('finney', {}), { network: 'finney', endpoint: 'wss://entrypoint-finney.opentensor.ai:443' });
    assert.deepEqual(resolveNetwork('test', {}), { network: 'test', endpoint: 'wss://test.finney.opentensor.ai:443' });
    assert.deepEqual(resolveNetwork('local', {}), { network: 'local', endpoint: 'ws://127.0.0.1:9944' });
  });

  it('takes a ws:// or wss:// URL as it is, and recognises a known endpoint given as a URL', () => {
    assert.deepEqual(resolveNetwork('ws://10.0.0.5:9944', {}), { network: 'custom', endpoint: 'ws://10.0.0.5:9944' });
    assert.equal(resolveNetwork('wss://test.finney.opentensor.ai:443', {}).network, 'test');
  });

  it('uses BT_SUBTENSOR_CHAIN_ENDPOINT only when no --network is given', () => {
    const env = { BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://127.0.0.1:9945' };
    assert.equal(resolveNetwork(undefined, env).endpoint, 'ws://127.0.0.1:9945');
    assert.equal(resolveNetwork('finney', env).network, 'finney');
    assert.equal(resolveNetwork(undefined, {}, 'finney').network, 'finney');
  });

  it('refuses anything else with PROCTOR_ERR_CHAIN_NETWORK', () => {
    for (const bad of ['mainnet', 'http://127.0.0.1:9944', 'ws//x']) {
      assert.throws(() => resolveNetwork(bad, {}), (e: { code?: string }) => e.code === 'PROCTOR_ERR_CHAIN_NETWORK', bad);
    }
    assert.throws(() => resolveNetwork(undefined, { BT_SUBTENSOR_CHAIN_ENDPOINT: 'https://x' }), /BT_SUBTENSOR_CHAIN_ENDPOINT must use ws/);
    assert.throws(() => resolveNetwork(undefined, {}), /no network given/);
  });
});
