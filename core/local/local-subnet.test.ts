import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalSubnet } from './local-subnet.js';

describe('local subnet: simulated validators', () => {
  it('add noise to what a miner earns, never to a zero: a penalised or silent miner gets no weight from them', async () => {
    const externalMiners = ['zero', 'good', 'fair'].map((name, k) => ({ hotkey: `5${name}`.padEnd(48, String(k)), url: 'http://127.0.0.1:9' }));
    const subnet = await startLocalSubnet({ plugins: [], minersCount: 0, simulatedValidators: 3, externalMiners, seed: 'noise' });
    try {
      const [zero, good, fair] = subnet.miners;
      for (let round = 0; round < 20; round++) {
        subnet.simulateValidators([{ uid: zero.uid, hotkey: zero.hotkey, score: 0 }, { uid: good.uid, hotkey: good.hotkey, score: 0.8 }, { uid: fair.uid, hotkey: fair.hotkey, score: 0.4 }]);
      }
      const state = subnet.chain.epochState();
      for (const v of [1, 2, 3]) {
        const { uids, values } = state.weights[v];
        const row = new Map(uids.map((u, k) => [u, values[k]]));
        assert.equal(row.get(zero.uid) ?? 0, 0, `validator ${v} pays the zero`);
        assert.ok((row.get(good.uid) ?? 0) > (row.get(fair.uid) ?? 0), `validator ${v} ranks good above fair`);
      }
    } finally {
      await subnet.close();
    }
  });
});
