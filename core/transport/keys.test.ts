import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { cryptoReady, devHotkey, hotkeyFromSecret, isValidAddress, verifySignature } from './keys.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const encoder = new TextEncoder();

before(() => cryptoReady());

describe('hotkeys', () => {
  it('derives the well-known dev addresses from //Alice and //Bob', () => {
    assert.equal(hotkeyFromSecret('//Alice').address, ALICE);
    assert.equal(hotkeyFromSecret('//Bob').address, BOB);
  });

  it('accepts the dev phrase with a derivation path, a BIP39 mnemonic and a 0x 32-byte hex seed', () => {
    assert.equal(hotkeyFromSecret('bottom drive obey lake curtain smoke basket hold race lonely fit walk//Alice').address, ALICE);
    const fromMnemonic = hotkeyFromSecret('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');
    assert.ok(isValidAddress(fromMnemonic.address));
    const fromSeed = hotkeyFromSecret(`0x${'ab'.repeat(32)}`);
    assert.ok(isValidAddress(fromSeed.address));
    assert.notEqual(fromSeed.address, fromMnemonic.address);
    const wrapped = hotkeyFromSecret('  abandon abandon abandon abandon abandon abandon\n abandon abandon abandon abandon abandon about\n');
    assert.equal(wrapped.address, fromMnemonic.address);
    assert.equal(fromSeed.publicKey.length, 32);
  });

  it('gives the same dev key for a role and index every time, and different keys across roles and indices', () => {
    assert.equal(devHotkey('miner', 5).address, hotkeyFromSecret('//Proctor//miner//5').address);
    assert.equal(devHotkey('validator', 0).address, hotkeyFromSecret('//Proctor//validator//0').address);
    const addresses = new Set([0, 1, 2].flatMap((i) => [devHotkey('miner', i).address, devHotkey('validator', i).address]));
    assert.equal(addresses.size, 6);
  });

  it('refuses a dev key index that is not a non-negative integer', () => {
    for (const index of [-1, 1.5, Number.NaN]) {
      assert.throws(() => devHotkey('miner', index), { code: 'PROCTOR_ERR_KEY_INVALID' });
    }
  });

  it('refuses secrets that are none of the three forms with PROCTOR_ERR_KEY_INVALID, without echoing them', () => {
    const bad = [
      '',
      'hunter2',
      'correct horse battery staple',
      '0x1234',
      `0x${'zz'.repeat(32)}`,
      // 12 valid words, bad checksum.
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon',
      'notaword notaword notaword notaword notaword notaword notaword notaword notaword notaword notaword notaword',
    ];
    for (const secret of bad) {
      assert.throws(
        () => hotkeyFromSecret(secret),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'PROCTOR_ERR_KEY_INVALID');
          if (secret !== '') assert.ok(!error.message.includes(secret), `the message quotes the secret: ${error.message}`);
          assert.ok(!error.message.includes('hunter2'));
          return true;
        },
      );
    }
  });
});

describe('signatures', () => {
  it('verifies a signature only for its message and its signer', () => {
    const alice = hotkeyFromSecret('//Alice');
    const message = encoder.encode('proctor');
    const signature = alice.sign(message);
    assert.equal(signature.length, 64);
    assert.equal(verifySignature(message, signature, ALICE), true);
    assert.equal(verifySignature(encoder.encode('proctoR'), signature, ALICE), false);
    assert.equal(verifySignature(message, signature, BOB), false);
  });

  it('returns false, never throws, on malformed signatures and addresses', () => {
    const message = encoder.encode('x');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.string(), (signature, address) => {
        assert.equal(verifySignature(message, signature, address), false);
        assert.equal(verifySignature(message, signature, ALICE), false);
      }),
      { numRuns: 200 },
    );
    const cast = verifySignature as (...args: unknown[]) => boolean;
    assert.equal(cast(null, new Uint8Array(64), ALICE), false);
    assert.equal(cast(message, 'not bytes', ALICE), false);
    assert.equal(cast(message, new Uint8Array(64), 42), false);
  });
});

describe('isValidAddress', () => {
  it('accepts canonical prefix-42 ss58 addresses', () => {
    assert.equal(isValidAddress(ALICE), true);
    assert.equal(isValidAddress(devHotkey('miner', 3).address), true);
  });

  it('rejects a wrong checksum, another network prefix, hex public keys and non-strings', () => {
    assert.equal(isValidAddress(`${ALICE.slice(0, -1)}Z`), false);
    assert.equal(isValidAddress('15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5'), false); // Alice on Polkadot (prefix 0)
    assert.equal(isValidAddress(`0x${'d4'.repeat(32)}`), false);
    assert.equal(isValidAddress(''), false);
    assert.equal(isValidAddress(42), false);
  });
});
