/**
 * Metagraph decoding from SCALE the runtime's own types produce: answers built here with the
 * spec-424 registry, and a whole snapshot read through the in-process node (runtime API, storage
 * maps, hyperparameters, one block).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { metadataSkip } from '../../test/chain-types.js';
import { startFakeChain, subtensorTypes, type FakeChain } from '../../test/chain-fixture.js';
import { devHotkey } from '../transport/keys.js';
import { metagraphFromCodec, metagraphFromNeuronsLite } from './metagraph.js';
import { axonAddress } from './axon.js';

const skip = metadataSkip();

describe('metagraph decoding (real spec-424 types)', { skip }, () => {
  const types = subtensorTypes();
  const [a, b, c] = [devHotkey('validator', 7), devHotkey('miner', 7), devHotkey('miner', 8)];
  const v6 = axonAddress('2001:db8::5', 8092);
  const big = (1n << 60n) + 12345n; // beyond 2^53: must survive as bigint
  const answer = (overrides: Record<string, unknown> = {}) =>
    u8aToHex(
      types.registry
        .createType('Option<PalletSubtensorRpcInfoMetagraph>', {
          netuid: 42,
          name: [...new TextEncoder().encode('apex')],
          ownerHotkey: a.address,
          block: 123456,
          tempo: 360,
          numUids: 3,
          hotkeys: [a.address, b.address, c.address],
          coldkeys: [c.address, c.address, a.address],
          identities: [null, null, null],
          axons: [
            { block: 1, version: 1, ip: 0, port: 0, ipType: 0, protocol: 0, placeholder1: 0, placeholder2: 0 },
            { block: 2, version: 10002000, ip: 16909060, port: 8091, ipType: 4, protocol: 4, placeholder1: 0, placeholder2: 0 },
            { block: 3, version: 1, ip: v6.ip, port: 8092, ipType: 6, protocol: 4, placeholder1: 0, placeholder2: 0 },
          ],
          active: [true, true, false],
          validatorPermit: [true, false, false],
          pruningScore: [0, 0, 0],
          lastUpdate: [123400, 0, 99],
          emission: [5, 6, 7],
          dividends: [65535, 0, 0],
          incentives: [0, 40000, 25535],
          consensus: [0, 41000, 24535],
          trust: [0, 0, 0],
          rank: [0, 0, 0],
          blockAtRegistration: [10, 20, 30],
          alphaStake: [big, 1, 0],
          taoStake: [7, 0, 0],
          totalStake: [big + 1n, 1, 0],
          ...overrides,
        })
        .toU8a(),
    );

  it('decodes every per-uid vector, keeps u64 stakes exact, and turns axons into URLs', () => {
    const hex = answer();
    assert.equal(hex.slice(0, 4), '0x01'); // Some(...)
    // From bytes, as the API decodes a state_call answer (a hex string would be read as the inner value).
    const m = metagraphFromCodec(types.registry.createType('Option<PalletSubtensorRpcInfoMetagraph>', hexToU8a(hex)).unwrap());
    assert.deepEqual([m.netuid, m.name, m.block, m.ownerHotkey, m.neurons.length, m.source], [42, 'apex', 123456, a.address, 3, 'get_metagraph']);
    const [x, y, z] = m.neurons;
    assert.deepEqual([x.hotkey, x.coldkey, x.validatorPermit, x.lastUpdate, x.alphaStake, x.taoStake, x.totalStake, x.dividends], [a.address, c.address, true, 123400, big, 7n, big + 1n, 65535]);
    assert.equal(x.axon.url, null); // ip 0: not serving
    assert.deepEqual([y.axon.url, y.axon.version, y.incentive, y.consensus, y.blockAtRegistration, y.emission], ['http://1.2.3.4:8091', 10002000, 40000, 41000, 20, 6n]);
    assert.deepEqual([z.axon.url, z.active, z.uid], ['http://[2001:db8::5]:8092', false, 2]);
  });

  it('refuses a metagraph whose vectors disagree with its uid count', () => {
    const bad = types.registry.createType('Option<PalletSubtensorRpcInfoMetagraph>', hexToU8a(answer({ incentives: [1, 2] }))).unwrap();
    assert.throws(() => metagraphFromCodec(bad), (e: { code?: string; message: string }) => e.code === 'PROCTOR_ERR_CHAIN_DECODE' && /incentives has 2 entries for 3 uids/.test(e.message));
  });

  it('decodes get_neurons_lite (older runtimes), summing each neuron\'s stake', () => {
    const axon = { block: 1, version: 1, ip: 16909060, port: 8091, ipType: 4, protocol: 4, placeholder1: 0, placeholder2: 0 };
    const lite = types.registry.createType('Vec<PalletSubtensorRpcInfoNeuronInfoNeuronInfoLite>', [
      { hotkey: b.address, coldkey: c.address, uid: 1, netuid: 3, active: true, axonInfo: axon, stake: [[c.address, 5], [a.address, 6]], incentive: 9, lastUpdate: 77 },
      { hotkey: a.address, coldkey: c.address, uid: 0, netuid: 3, active: true, axonInfo: { ...axon, ip: 0 }, stake: [], validatorPermit: true },
    ]);
    const m = metagraphFromNeuronsLite(3, 500, types.registry.createType('Vec<PalletSubtensorRpcInfoNeuronInfoNeuronInfoLite>', lite.toHex()));
    assert.deepEqual(m.neurons.map((n) => [n.uid, n.hotkey, n.alphaStake, n.incentive, n.lastUpdate, n.validatorPermit, n.axon.url]), [
      [0, a.address, 0n, 0, 0, true, null],
      [1, b.address, 11n, 9, 77, false, 'http://1.2.3.4:8091'],
    ]);
  });
});

describe('a snapshot through the node (runtime API + storage at one block)', { skip }, () => {
  let f: FakeChain;
  before(async () => {
    f = await startFakeChain({ subnet: { tempo: 4, weightsRateLimit: 2, commitReveal: false, versionKey: 3n } });
  });
  after(() => f?.close());

  it('reads the metagraph, hyperparameters and this hotkey\'s uid as the node holds them', async () => {
    const s = await f.chain.snapshot(1, f.validator.address);
    assert.equal(s.block, f.node.best.number);
    assert.equal(s.uid, 0);
    assert.deepEqual([s.metagraph.netuid, s.metagraph.name], [1, 'proctor-1']);
    assert.deepEqual(s.metagraph.neurons.map((n) => n.hotkey), [f.validator.address, ...f.miners.map((m) => m.address)]);
    assert.deepEqual(s.metagraph.neurons.map((n) => n.axon.url), [null, 'http://127.0.0.2:9000', 'http://127.0.0.2:9001', 'http://127.0.0.2:9002']);
    assert.equal(s.metagraph.neurons[0].alphaStake, 1_000_000_000_000n);
    const h = s.hyperparameters;
    assert.deepEqual([h.tempo, h.weightsRateLimit, h.commitRevealEnabled, h.weightsVersionKey, h.revealPeriodEpochs, h.ownerHotkey, h.missing], [4, 2, false, 3n, 1n, f.validator.address, []]);
    assert.equal(s.revealClock, 'epoch');
    assert.equal((await f.chain.snapshot(1, f.miners[2].address)).uid, 3);
    assert.equal((await f.chain.snapshot(1, devHotkey('miner', 50).address)).uid, null);
  });

  it('reads weights from storage after set_weights, and the epoch\'s incentive after the chain runs it', async () => {
    const s = await f.chain.setWeights(f.validator, { netuid: 1, uids: [1, 2, 3], values: [30000, 15000, 0], versionKey: 3n });
    assert.equal(s.outcome, 'included');
    const before = await f.chain.snapshot(1, f.validator.address);
    assert.deepEqual(before.weights[0], { uids: [1, 2, 3], values: [65535, 32768, 0] }); // stored max-upscaled
    assert.equal(before.metagraph.neurons[0].lastUpdate, s.blockNumber);
    const epoch = before.hyperparameters.epochIndex!;
    f.node.advance(5);
    const later = await f.chain.snapshot(1, f.validator.address);
    assert.equal(later.hyperparameters.epochIndex, epoch + 1n);
    const incentive = later.metagraph.neurons.map((n) => n.incentive);
    assert.ok(incentive[1] > incentive[2] && incentive[3] === 0, `incentive ${incentive}`);
    assert.ok(later.validatorTrust[0] > 0);
  });

  it('says so when the subnet does not exist', async () => {
    await assert.rejects(f.chain.snapshot(9, null), (e: { code?: string }) => e.code === 'PROCTOR_ERR_CHAIN_SUBNET_MISSING');
  });
});
