/**
 * What goes on the wire, checked against bytes computed by hand from the spec (call indices read
 * from the real spec-424 metadata, arguments SCALE-encoded here without @polkadot/types), the
 * signature checked with sr25519 over the payload a node rebuilds, and the commit hash against
 * a preimage assembled byte by byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex, blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import type { Extrinsic } from '@polkadot/types/interfaces';
import { metadataSkip } from '../../test/chain-types.js';
import { startFakeChain, type FakeChain } from '../../test/chain-fixture.js';
import { commitHash, commitPreimage } from './commit-reveal.js';
import { hotkeySigner } from './submit.js';
import { devHotkey } from '../transport/keys.js';

const skip = metadataSkip();

// SCALE by hand: little-endian integers, single-byte compact lengths (< 64 entries).
const u16 = (x: number) => new Uint8Array([x & 255, x >> 8]);
const u64 = (x: bigint) => Uint8Array.from({ length: 8 }, (_, i) => Number((x >> BigInt(8 * i)) & 255n));
const vecU16 = (xs: number[]) => u8aConcat(new Uint8Array([xs.length << 2]), ...xs.map(u16));

describe('extrinsics on the wire (spec 424 metadata, in-process node)', { skip }, () => {
  let f: FakeChain;
  before(async () => {
    f = await startFakeChain({ subnet: { commitReveal: false } });
  });
  after(() => f?.close());

  it('set_weights is [pallet, call] from metadata + u16 netuid, Vec<u16>, Vec<u16>, u64: the spec example byte for byte', async () => {
    const [pallet, call] = f.node.types.callIndex('SubtensorModule', 'set_weights');
    assert.deepEqual([pallet, call], [7, 0]);
    await f.chain.setWeights(f.validator, { netuid: 1, uids: [0, 3, 7], values: [65535, 20000, 1], versionKey: 123n });
    const sent = f.node.received.at(-1)!;
    const expected = u8aConcat(new Uint8Array([pallet, call]), u16(1), vecU16([0, 3, 7]), vecU16([65535, 20000, 1]), u64(123n));
    assert.equal(sent.callHex, u8aToHex(expected));
    assert.equal(sent.callHex, '0x070001000c0000030007000cffff204e01007b00000000000000'); // spec §1, verified encoding
    // A signed v4 extrinsic with a mortal era is 132 bytes for this call (spec §1).
    assert.equal(hexToU8a(sent.hex).length, 132);
  });

  it('commit_weights is [7, 96] + u16 netuid + the 32-byte hash; reveal_weights [7, 97] + netuid, uids, values, salt, u64 key', async () => {
    const commit = f.node.types.callIndex('SubtensorModule', 'commit_weights');
    const reveal = f.node.types.callIndex('SubtensorModule', 'reveal_weights');
    assert.deepEqual([commit, reveal], [[7, 96], [7, 97]]);
    const hash = blake2AsHex('proctor', 256);
    await f.chain.commitWeights(f.validator, 1, hash);
    assert.equal(f.node.received.at(-1)!.callHex, u8aToHex(u8aConcat(new Uint8Array(commit), u16(1), hexToU8a(hash))));
    await f.chain.revealWeights(f.validator, { netuid: 1, uids: [1, 2], values: [65535, 300], salt: [9, 8, 7], versionKey: 5n });
    const expected = u8aConcat(new Uint8Array(reveal), u16(1), vecU16([1, 2]), vecU16([65535, 300]), vecU16([9, 8, 7]), u64(5n));
    assert.equal(f.node.received.at(-1)!.callHex, u8aToHex(expected));
  });

  it('signs the payload a node rebuilds: sr25519 verifies against the hotkey, and fails on one changed byte', async () => {
    await f.chain.setWeights(f.validator, { netuid: 1, uids: [1], values: [1], versionKey: 0n }).catch(() => null);
    const sent = f.node.received.at(-1)!;
    const ext = f.node.registry.createType('Extrinsic', sent.hex) as Extrinsic;
    assert.equal(ext.signer.toString(), f.validator.address);
    const era = ext.era.asMortalEra;
    const birthHash = (await f.chain.api.rpc.chain.getBlockHash(era.birth(f.node.best.number))).toHex();
    const v = f.chain.api.runtimeVersion;
    const payload = f.node.registry.createType(
      'ExtrinsicPayload',
      { method: ext.method.toHex(), era: ext.era, nonce: ext.nonce, tip: ext.tip, mode: 0, specVersion: v.specVersion, transactionVersion: v.transactionVersion, genesisHash: f.chain.genesisHash, blockHash: birthHash, metadataHash: null },
      { version: 4 },
    );
    const bytes = payload.toU8a({ method: true });
    const signature = ext.signature.toU8a();
    assert.equal(signatureVerify(bytes, signature, f.validator.address).isValid, true);
    const tampered = bytes.slice();
    tampered[3] ^= 1;
    assert.equal(signatureVerify(tampered, signature, f.validator.address).isValid, false);
  });

  it('hashes payloads longer than 256 bytes before signing, as substrate does, and the node accepts the signature', async () => {
    const uids = Array.from({ length: 100 }, (_, i) => i);
    const s = await f.chain.revealWeights(f.validator, { netuid: 1, uids, values: uids, salt: [1], versionKey: 0n });
    // Refused for its content (nothing was committed), which the node checks after the signature.
    assert.equal(s.outcome, 'rejected');
    assert.equal((s.error?.data as { name: string }).name, 'CommitNotFound');
    const ext = f.node.registry.createType('Extrinsic', f.node.received.at(-1)!.hex) as Extrinsic;
    assert.ok(ext.method.toU8a().length > 256);
  });

  it('a signature by another key is refused by the node as BadProof (the node really verifies)', async () => {
    const other = devHotkey('miner', 99);
    const forger = hotkeySigner(f.chain.api, other);
    const error = await new Promise<Error>((resolve) => {
      f.chain.api.tx.subtensorModule
        .setWeights(1, [1], [1], 0)
        .signAndSend(f.validator.address, { nonce: -1, signer: { signPayload: (p) => forger.signPayload!({ ...p, address: other.address }) } })
        .then(() => resolve(new Error('accepted')), resolve);
    });
    assert.match(error.message, /^1010: Invalid Transaction: Transaction has a bad signature$/);
  });
});

describe('commit hash', { skip }, () => {
  it('is blake2b-256 of (AccountId32, u16 netuid, Vec<u16> uids, Vec<u16> values, Vec<u16> salt, u64 key), assembled by hand', () => {
    const hotkey = devHotkey('validator', 0);
    const p = { hotkey: hotkey.address, netuidIndex: 1, uids: [0, 3, 7], values: [65535, 20000, 1], salt: [1, 2, 3, 4, 5, 6, 7, 8], versionKey: 123n };
    const byHand = u8aConcat(hotkey.publicKey, u16(1), vecU16(p.uids), vecU16(p.values), vecU16(p.salt), u64(123n));
    assert.equal(byHand.length, 73); // spec §1.2: 3 uids and 8 salt entries
    assert.deepEqual(commitPreimage(p), byHand);
    assert.equal(commitHash(p), u8aToHex(blake2AsU8a(byHand, 256)));
    assert.equal(commitHash({ ...p, hotkey: hotkey.publicKey }), commitHash(p));
    assert.notEqual(commitHash({ ...p, salt: [1, 2, 3, 4, 5, 6, 7, 9] }), commitHash(p));
  });
});
