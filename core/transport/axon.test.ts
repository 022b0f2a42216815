import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { signatureVerify } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { EMPTY_BODY_HASH, axonBodyHash, axonMessage, axonResponseMessage, createNonceClock, signAxonRequest, verifyAxonRequest, type SynapseSpec } from './axon.js';
import { axonResponseHeaders, synapseAnswer, synapseResponseBody } from './axon-response.js';
import { cryptoReady, hotkeyFromSecret, verifySignature } from './keys.js';
import type { Json } from '../plugin-api.js';

const alice = hotkeyFromSecret('//Alice');
const bob = hotkeyFromSecret('//Bob');
const sha3 = (text: string) => createHash('sha3-256').update(text, 'utf8').digest('hex');
const encoder = new TextEncoder();

/**
 * The interoperability vector, worked by hand from chain.md §7 (and checked with Python's hashlib):
 * a synapse with four required hash fields, one typed float, signed by //Alice for //Bob.
 */
const VECTOR = {
  synapse: { name: 'ProctorQuery', hashFields: ['task_id', 'prompt', 'payload', 'temperature'], floatFields: ['temperature'] } satisfies SynapseSpec,
  bodyText: `{"task_id":"12-text-0","prompt":"What's 17 + 25?","payload":{"numbers":[17,25],"hint":null,"exact":true},"temperature":1,"answer":null}`,
  /** Python's str() of each hash field after json.loads and pydantic (temperature is a float field). */
  pythonStr: ['12-text-0', "What's 17 + 25?", "{'numbers': [17, 25], 'hint': None, 'exact': True}", '1.0'],
  fieldHashes: [
    'd49203271f3e2b56d052c0c5c0cec25a3d015f5545ef9d6755e32e13b06f380d',
    '213dc40ca1e3e4d5635830b2d32be634afea02a2c4a39fe8ca72de6da01d7f7d',
    '354e80243c486700e993e9be260e1a9c17802888471f8e730a8cf4ea0f30e52e',
    '07099e0ea0e7912f273216a9cd97b3bb1d5f21c453c7581799645fd6130bdaad',
  ],
  bodyHash: 'f1d0b93ffe39f7e180fc396288432a1e06b2f384d7bcd60777fc6ae3ac44c7c3',
  nonce: '1750000000000000000',
  uuid: 'b7e0d4a2-4c5e-11f0-9a3c-0242ac120002',
  message:
    '1750000000000000000.5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty.b7e0d4a2-4c5e-11f0-9a3c-0242ac120002.f1d0b93ffe39f7e180fc396288432a1e06b2f384d7bcd60777fc6ae3ac44c7c3',
  signature: '0x0c7dd5fc1e7783d9aadcdb2de93fc70985f7a3a2dff123f25f74fef510880d3ec2899fe43505a5ee1b0319f4abe2093c3129bfd28ac90b21d87277f6ddc8e08c',
};
const NOW = 1_750_000_000_000;

function vectorHeaders(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ProctorQuery',
    timeout: '12.0',
    bt_header_axon_hotkey: bob.address,
    bt_header_dendrite_nonce: VECTOR.nonce,
    bt_header_dendrite_uuid: VECTOR.uuid,
    bt_header_dendrite_hotkey: alice.address,
    bt_header_dendrite_signature: VECTOR.signature,
    computed_body_hash: VECTOR.bodyHash,
    ...overrides,
  };
}

function verifyVector(headers: Record<string, unknown>, bodyText = VECTOR.bodyText, now = NOW, self = bob.address) {
  return verifyAxonRequest(headers, encoder.encode(bodyText), { self, now, synapse: VECTOR.synapse });
}

function reason(result: ReturnType<typeof verifyAxonRequest>): string {
  return result.ok ? 'accepted' : result.reason;
}

before(() => cryptoReady());

describe('axon scheme: the interoperability vector, by hand', () => {
  it('hashes each field as sha3_256 of its Python str(), then the concatenated hex digests', () => {
    assert.deepEqual(VECTOR.pythonStr.map(sha3), VECTOR.fieldHashes);
    assert.equal(sha3(VECTOR.fieldHashes.join('')), VECTOR.bodyHash);
    assert.deepEqual(axonBodyHash(JSON.parse(VECTOR.bodyText) as Json, VECTOR.synapse), { ok: true, hash: VECTOR.bodyHash });
  });

  it('signs exactly "{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}"', () => {
    assert.equal(axonMessage(VECTOR.nonce, alice.address, bob.address, VECTOR.uuid, VECTOR.bodyHash), VECTOR.message);
    // An independent verifier (@polkadot/util-crypto, as a JS dendrite would use) accepts the fixed signature.
    assert.equal(signatureVerify(VECTOR.message, VECTOR.signature, alice.address).isValid, true);
  });

  it('accepts the vector as //Bob at the nonce time, and names //Alice as the signer', () => {
    const result = verifyVector(vectorHeaders());
    assert.equal(reason(result), 'accepted');
    assert.ok(result.ok);
    assert.equal(result.signedBy, alice.address);
    assert.equal(result.nonce, 1_750_000_000_000_000_000n);
  });

  it('hashes a synapse with no required fields as sha3_256("")', () => {
    assert.equal(sha3(''), EMPTY_BODY_HASH);
    assert.deepEqual(axonBodyHash({ anything: [1, 2] }, { name: 'Empty', hashFields: [] }), { ok: true, hash: EMPTY_BODY_HASH });
  });

  it('hashes the SDK Dummy synapse (dummy_input = 5) as sha3(sha3_hex("5"))', () => {
    const expected = '4fae6364bdbf7a0def40e782ea7656d4bc96dd42a6eaf71d62b977d74e733ecf';
    assert.equal(sha3(sha3('5')), expected);
    assert.deepEqual(axonBodyHash({ dummy_input: 5, dummy_output: null }, { name: 'Dummy', hashFields: ['dummy_input'] }), { ok: true, hash: expected });
  });
});

describe('axon scheme: signing', () => {
  const synapse: SynapseSpec = { name: 'Dummy', hashFields: ['dummy_input'] };
  const axon = { hotkey: bob.address, ip: '127.0.0.1', port: 8091 };

  it('sends the headers a Python dendrite sends, with Python str() forms for timeout and sizes', () => {
    const headers = signAxonRequest({ body: { dummy_input: 5, dummy_output: null, text: 'x' }, synapse, signer: alice, axon, nonce: 1n, uuid: 'u-1', timeoutMs: 12_000 });
    assert.equal(headers.name, 'Dummy');
    assert.equal(headers.timeout, '12.0');
    assert.equal(headers.bt_header_axon_port, '8091');
    assert.equal(headers.bt_header_dendrite_version, '10002000');
    assert.equal(headers.bt_header_dendrite_nonce, '1');
    assert.equal(headers.bt_header_input_obj_dummy_input, Buffer.from('0').toString('base64'));
    assert.equal(headers.bt_header_input_obj_text, Buffer.from('""').toString('base64'));
    assert.equal(headers.computed_body_hash, '4fae6364bdbf7a0def40e782ea7656d4bc96dd42a6eaf71d62b977d74e733ecf');
    assert.match(headers.bt_header_dendrite_signature, /^0x[0-9a-f]{128}$/);
    assert.equal(signAxonRequest({ body: { dummy_input: 1 }, synapse, signer: alice, axon, nonce: 1n, uuid: 'u', timeoutMs: 1500 }).timeout, '1.5');
  });

  it('refuses to sign a body that lacks a hash field, with a coded error', () => {
    assert.throws(() => signAxonRequest({ body: { other: 1 }, synapse, signer: alice, axon, nonce: 1n, uuid: 'u', timeoutMs: 1000 }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
  });

  it('round-trips: every signed body verifies at the receiver, for any JSON in the hash field', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: -7000, max: 8000 }), (value, skewMs) => {
        const body = JSON.parse(JSON.stringify({ dummy_input: value, pad: 1 })) as { [key: string]: Json };
        const nonce = BigInt(NOW) * 1_000_000n;
        const headers = signAxonRequest({ body, synapse, signer: alice, axon, nonce, uuid: 'session-1', timeoutMs: 12_000 });
        const result = verifyAxonRequest(headers, encoder.encode(JSON.stringify(body)), { self: bob.address, now: NOW + skewMs, synapse });
        assert.equal(reason(result), 'accepted');
      }),
      { numRuns: 150 },
    );
  });

  it('gives nonces that strictly increase, even within one nanosecond tick', () => {
    const clock = createNonceClock();
    let last = 0n;
    for (let i = 0; i < 10_000; i++) {
      const next = clock();
      assert.ok(next > last);
      last = next;
    }
    const wall = BigInt(Date.now()) * 1_000_000n;
    assert.ok(last > wall - 1_000_000_000n && last < wall + 1_000_000_000n, 'the clock is time_ns');
  });
});

describe('axon scheme: refusals', () => {
  it('refuses an empty signature ("" or "0x") as bad_signature', () => {
    for (const empty of ['', '0x', ' ']) assert.equal(reason(verifyVector(vectorHeaders({ bt_header_dendrite_signature: empty }))), 'bad_signature', JSON.stringify(empty));
  });

  it('refuses a request for another axon as wrong_recipient, however it was signed', () => {
    assert.equal(reason(verifyVector(vectorHeaders({ bt_header_axon_hotkey: alice.address }), VECTOR.bodyText, NOW, alice.address)), 'bad_signature');
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText, NOW, alice.address)), 'wrong_recipient');
  });

  it('refuses a forged signer, a changed body and a flipped signature', () => {
    assert.equal(reason(verifyVector(vectorHeaders({ bt_header_dendrite_hotkey: bob.address }))), 'bad_signature');
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText.replace('17 + 25', '17 + 26'))), 'body_hash_mismatch');
    const flipped = `${VECTOR.signature.slice(0, -1)}${VECTOR.signature.endsWith('c') ? 'd' : 'c'}`;
    assert.equal(reason(verifyVector(vectorHeaders({ bt_header_dendrite_signature: flipped }))), 'bad_signature');
    // A body that still hashes the same (a field outside the hash) passes: the scheme signs only the hash fields.
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText.replace('"answer":null', '"answer":"42"'))), 'accepted');
  });

  it('refuses a nonce older than 4 s + timeout as stale, and accepts one just inside', () => {
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText, NOW + 16_001)), 'stale');
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText, NOW + 15_999)), 'accepted');
    assert.equal(reason(verifyVector(vectorHeaders({ timeout: '1.0' }), VECTOR.bodyText, NOW + 5_001)), 'stale');
    // A sender cannot widen the window with a huge timeout: it is capped at 60 s.
    assert.equal(reason(verifyVector(vectorHeaders({ timeout: '999999.0' }), VECTOR.bodyText, NOW + 64_001)), 'stale');
  });

  it('refuses a nonce more than 8 s in the future as stale', () => {
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText, NOW - 8_001)), 'stale');
    assert.equal(reason(verifyVector(vectorHeaders(), VECTOR.bodyText, NOW - 7_999)), 'accepted');
  });

  it('refuses missing headers as missing_header and malformed values as malformed', () => {
    for (const name of ['bt_header_dendrite_nonce', 'bt_header_dendrite_uuid', 'bt_header_dendrite_hotkey', 'bt_header_dendrite_signature', 'bt_header_axon_hotkey', 'computed_body_hash']) {
      const headers = vectorHeaders();
      delete headers[name];
      assert.equal(reason(verifyVector(headers)), 'missing_header', name);
    }
    for (const [name, value] of [
      ['bt_header_dendrite_nonce', '1.75e18'], ['bt_header_dendrite_nonce', '99999999999999999999'], ['bt_header_dendrite_uuid', 'a.b'],
      ['bt_header_dendrite_hotkey', '0xd435'], ['bt_header_dendrite_signature', '0x1234'], ['computed_body_hash', VECTOR.bodyHash.toUpperCase()],
      ['timeout', 'inf'], ['timeout', ['12.0', '1.0']],
    ] as const) {
      assert.equal(reason(verifyVector(vectorHeaders({ [name]: value }))), 'malformed', `${name}=${String(value)}`);
    }
  });

  it('refuses a body that is not a JSON object, or lacks a hash field', () => {
    assert.equal(reason(verifyVector(vectorHeaders(), '{"task_id": ')), 'invalid_json');
    assert.equal(reason(verifyVector(vectorHeaders(), '[1, 2]')), 'malformed');
    assert.equal(reason(verifyVector(vectorHeaders(), '{"task_id":"12-text-0"}')), 'malformed');
  });
});

describe('axon scheme: responses', () => {
  it('signs "{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}" and reports status 200', () => {
    const headers = axonResponseHeaders({ synapse: VECTOR.synapse, axon: bob, dendriteHotkey: alice.address, dendriteNonce: '1', dendriteUuid: 'u', status: 200, message: 'Success', processTimeS: 0.01 });
    assert.equal(headers.bt_header_axon_status_code, '200');
    const message = axonResponseMessage(headers.bt_header_axon_nonce, alice.address, bob.address, headers.bt_header_axon_uuid);
    assert.equal(verifySignature(encoder.encode(message), Buffer.from(headers.bt_header_axon_signature.slice(2), 'hex'), bob.address), true);
  });

  it('returns the synapse with the answer merged in, and the validator picks the answer back out', () => {
    const request = { task_id: 't', prompt: 'p', answer: null };
    const reply = synapseResponseBody(request, { answer: '42' });
    assert.deepEqual(reply, { task_id: 't', prompt: 'p', answer: '42' });
    const fromPython = { ...(reply as object), name: 'ProctorQuery', timeout: 12, axon: { status_code: 200 }, dendrite: {}, computed_body_hash: 'x', total_size: 0, header_size: 0 };
    assert.deepEqual(synapseAnswer(request, fromPython as Json), { answer: '42' });
    assert.equal(synapseAnswer(request, 'plain'), 'plain');
  });
});

describe('docs/protocol.md', () => {
  it('has an axon worked example whose strings match the vector and verify', async () => {
    const doc = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const example = /<!-- axon-example:start -->([\s\S]*?)<!-- axon-example:end -->/.exec(doc)?.[1];
    assert.ok(example, 'the axon worked example block is missing');
    for (const text of [VECTOR.bodyText, VECTOR.bodyHash, VECTOR.message, VECTOR.signature, ...VECTOR.pythonStr, ...VECTOR.fieldHashes]) {
      assert.ok(example.includes(text), `the example does not show ${text}`);
    }
  });
});
