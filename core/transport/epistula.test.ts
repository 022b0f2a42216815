import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signRequest, verifyRequest } from './epistula.js';
import { cryptoReady, devHotkey, hotkeyFromSecret, verifySignature } from './keys.js';

const alice = hotkeyFromSecret('//Alice');
const bob = hotkeyFromSecret('//Bob');
const body = '{"task_id":"1-text-0","prompt":"2+2?"}';
const NOW = 1_750_000_000_000;

function without(headers: Record<string, string>, name: string): Record<string, string> {
  const copy = { ...headers };
  delete copy[name];
  return copy;
}

function refusal(headers: Record<string, unknown>, requestBody: string | Uint8Array = body, now = NOW) {
  const result = verifyRequest(headers, requestBody, { self: bob.address, now });
  assert.equal(result.ok, false);
  return result.ok ? null : result.reason;
}

before(() => cryptoReady());

describe('Epistula v2 signing', () => {
  it('signs "{sha256(body)}.{uuid}.{timestamp}.{signed_for}" with the signer\'s sr25519 key', () => {
    const headers = signRequest(body, alice, bob.address, NOW);
    assert.equal(headers['Epistula-Version'], '2');
    assert.equal(headers['Epistula-Timestamp'], String(NOW));
    assert.match(headers['Epistula-Uuid'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(headers['Epistula-Signed-By'], alice.address);
    assert.equal(headers['Epistula-Signed-For'], bob.address);
    const sha = createHash('sha256').update(body).digest('hex');
    const message = `${sha}.${headers['Epistula-Uuid']}.${NOW}.${bob.address}`;
    const signature = Buffer.from(headers['Epistula-Request-Signature'].slice(2), 'hex');
    assert.ok(headers['Epistula-Request-Signature'].startsWith('0x'));
    assert.equal(verifySignature(new TextEncoder().encode(message), signature, alice.address), true);
  });

  it('verifies a signed request and names its signer, whether the body is a string or bytes', () => {
    const headers = signRequest(body, alice, bob.address, NOW);
    assert.deepEqual(verifyRequest(headers, body, { self: bob.address, now: NOW + 7999 }), { ok: true, signedBy: alice.address });
    assert.deepEqual(verifyRequest(headers, new TextEncoder().encode(body), { self: bob.address, now: NOW }), { ok: true, signedBy: alice.address });
  });

  it('reads header names case-insensitively', () => {
    const headers = signRequest(body, alice, bob.address, NOW);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(verifyRequest(lower, body, { self: bob.address, now: NOW }).ok, true);
    assert.equal(verifyRequest(upper, body, { self: bob.address, now: NOW }).ok, true);
  });
});

describe('Epistula v2 refusals', () => {
  const headers = signRequest(body, alice, bob.address, NOW);

  it('refuses a request missing any one of the six headers as missing_header', () => {
    for (const name of Object.keys(headers)) assert.equal(refusal(without(headers, name)), 'missing_header', name);
  });

  it('refuses an empty signature ("" or "0x") as bad_signature', () => {
    assert.equal(refusal({ ...headers, 'Epistula-Request-Signature': '' }), 'bad_signature');
    assert.equal(refusal({ ...headers, 'Epistula-Request-Signature': '0x' }), 'bad_signature');
  });

  it('refuses a signature by another key, or over another body, as bad_signature', () => {
    const forged = signRequest(body, bob, bob.address, NOW)['Epistula-Request-Signature'];
    assert.equal(refusal({ ...headers, 'Epistula-Request-Signature': forged }), 'bad_signature');
    assert.equal(refusal(headers, `${body} `), 'bad_signature');
    // Claiming to be someone else with one's own valid signature.
    assert.equal(refusal({ ...headers, 'Epistula-Signed-By': devHotkey('validator', 0).address }), 'bad_signature');
  });

  it('refuses a request 9 s old, or 9 s in the future, as stale, and accepts one 8 s old', () => {
    assert.equal(refusal(headers, body, NOW + 9000), 'stale');
    assert.equal(refusal(headers, body, NOW - 9000), 'stale');
    assert.equal(verifyRequest(headers, body, { self: bob.address, now: NOW + 8000 }).ok, true);
    assert.equal(verifyRequest(headers, body, { self: bob.address, now: NOW + 9000, maxSkewMs: 10_000 }).ok, true);
  });

  it('refuses a request signed for another hotkey as wrong_recipient', () => {
    const result = verifyRequest(headers, body, { self: alice.address, now: NOW });
    assert.equal(result.ok ? null : result.reason, 'wrong_recipient');
  });

  it('refuses a version other than 2 as bad_version', () => {
    assert.equal(refusal({ ...headers, 'Epistula-Version': '1' }), 'bad_version');
  });

  it('refuses unparseable timestamps, uuids, signers, signatures and repeated headers as malformed', () => {
    assert.equal(refusal({ ...headers, 'Epistula-Timestamp': '1.75e12' }), 'malformed');
    assert.equal(refusal({ ...headers, 'Epistula-Uuid': 'not-a-uuid' }), 'malformed');
    assert.equal(refusal({ ...headers, 'Epistula-Signed-By': '0xd43593c7' }), 'malformed');
    assert.equal(refusal({ ...headers, 'Epistula-Request-Signature': '0x1234' }), 'malformed');
    assert.equal(refusal({ ...headers, 'epistula-version': '2' }), 'malformed');
    assert.equal(refusal({ ...headers, 'Epistula-Uuid': [headers['Epistula-Uuid'], headers['Epistula-Uuid']] }), 'malformed');
  });
});

describe('Epistula v2 properties', () => {
  const names = Object.keys(signRequest(body, alice, bob.address, NOW));
  const headerName = fc.oneof(
    fc.constantFrom(...names).chain((name) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase())),
    fc.string(),
  );
  const headerValue = fc.oneof(
    fc.string(),
    fc.constantFrom('2', '', '0x', String(NOW), alice.address, bob.address, `0x${'00'.repeat(64)}`),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.anything(),
  );

  it('never throws on random header maps and bodies, and never accepts them', () => {
    fc.assert(
      fc.property(fc.dictionary(headerName, headerValue, { maxKeys: 10 }), fc.oneof(fc.string(), fc.uint8Array()), (headers, randomBody) => {
        const result = verifyRequest(headers, randomBody, { self: bob.address, now: NOW });
        assert.equal(result.ok, false);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on a valid request with one header replaced by a random value', () => {
    const headers = signRequest(body, alice, bob.address, NOW);
    fc.assert(
      fc.property(fc.constantFrom(...names), headerValue, (name, value) => {
        const result = verifyRequest({ ...headers, [name]: value }, body, { self: bob.address, now: NOW });
        if (result.ok) assert.equal(value, headers[name]);
      }),
      { numRuns: 200 },
    );
  });

  it('verifies every validly signed request, for any body and clock within the window', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.integer({ min: -8000, max: 8000 }), (bytes, skew) => {
        const headers = signRequest(bytes, alice, bob.address, NOW);
        assert.deepEqual(verifyRequest(headers, bytes, { self: bob.address, now: NOW + skew }), { ok: true, signedBy: alice.address });
      }),
      { numRuns: 200 },
    );
  });

  it('fails verification when any byte of the body or of the signature is flipped', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (bytes, at, mask, inSignature) => {
          const headers = signRequest(bytes, alice, bob.address, NOW);
          let tamperedBody = bytes;
          const tamperedHeaders = { ...headers };
          if (inSignature) {
            const signature = Buffer.from(headers['Epistula-Request-Signature'].slice(2), 'hex');
            signature[at % 64] ^= mask;
            tamperedHeaders['Epistula-Request-Signature'] = `0x${signature.toString('hex')}`;
          } else {
            tamperedBody = bytes.slice();
            tamperedBody[at % bytes.length] ^= mask;
          }
          const result = verifyRequest(tamperedHeaders, tamperedBody, { self: bob.address, now: NOW });
          assert.equal(result.ok ? null : result.reason, 'bad_signature');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('docs/protocol.md', () => {
  it('has a worked example that verifies: //Alice signing for //Bob', async () => {
    const doc = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const example = /<!-- worked-example:start -->([\s\S]*?)<!-- worked-example:end -->/.exec(doc)?.[1];
    assert.ok(example, 'the worked example block is missing');
    const field = (name: string) => {
      const match = new RegExp(`^${name}: (.*)$`, 'm').exec(example);
      assert.ok(match, `${name} is missing from the worked example`);
      return match[1].trim();
    };
    const exampleBody = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(example)?.[1] ?? 'null') as unknown;
    const bodyText = /Body \(exact bytes\): `([^`]*)`/.exec(example)?.[1];
    assert.ok(bodyText !== undefined && exampleBody !== null);
    assert.deepEqual(JSON.parse(bodyText), exampleBody);
    const sha = createHash('sha256').update(bodyText).digest('hex');
    assert.equal(/sha256\(body\) = ([0-9a-f]{64})/.exec(example)?.[1], sha);
    const headers = {
      'Epistula-Version': field('Epistula-Version'),
      'Epistula-Timestamp': field('Epistula-Timestamp'),
      'Epistula-Uuid': field('Epistula-Uuid'),
      'Epistula-Signed-By': field('Epistula-Signed-By'),
      'Epistula-Signed-For': field('Epistula-Signed-For'),
      'Epistula-Request-Signature': field('Epistula-Request-Signature'),
    };
    assert.equal(headers['Epistula-Signed-By'], alice.address);
    const message = `${sha}.${headers['Epistula-Uuid']}.${headers['Epistula-Timestamp']}.${headers['Epistula-Signed-For']}`;
    assert.ok(example.includes(message), 'the signed message string is missing or differs');
    const result = verifyRequest(headers, bodyText, { self: bob.address, now: Number(headers['Epistula-Timestamp']) });
    assert.deepEqual(result, { ok: true, signedBy: alice.address });
  });
});
