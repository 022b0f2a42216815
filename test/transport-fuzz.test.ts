/**
 * Property-based fuzzing of the transport's parsers and verifiers, in process and over real HTTP
 * on 127.0.0.1: random headers, bodies, encodings and sizes never crash either side and always end
 * in a coded result; forged, replayed, stale, empty-signature and misaddressed requests are refused
 * in both schemes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createNonceClock, signAxonRequest, verifyAxonRequest } from '../core/transport/axon.js';
import { createMinerClient, QUERY_STATUSES, type MinerClient } from '../core/transport/client.js';
import { signRequest, verifyRequest } from '../core/transport/epistula.js';
import { cryptoReady, devHotkey, hotkeyFromSecret } from '../core/transport/keys.js';
import { startMinerServer, type MinerServer } from '../core/transport/miner-server.js';
import { openNonceStore, type NonceStore } from '../core/transport/nonce-store.js';
import { REFUSAL_REASONS, refusalError } from '../core/transport/refusal.js';
import type { Json } from '../core/plugin-api.js';

const validator = hotkeyFromSecret('//Alice');
const stranger = devHotkey('validator', 7);
const miner = devHotkey('miner', 3);
const PATH = '/proctor/v1/text';
const synapse = { name: 'ProctorQuery', hashFields: ['task_id', 'prompt'] };
const MAX_BODY = 2048;
const clock = createNonceClock();
const encoder = new TextEncoder();

const EPISTULA_NAMES = ['Epistula-Version', 'Epistula-Timestamp', 'Epistula-Uuid', 'Epistula-Signed-By', 'Epistula-Signed-For', 'Epistula-Request-Signature'];
const AXON_NAMES = ['bt_header_dendrite_nonce', 'bt_header_dendrite_uuid', 'bt_header_dendrite_hotkey', 'bt_header_dendrite_signature', 'bt_header_axon_hotkey', 'computed_body_hash', 'timeout'];
const headerName = fc.oneof(fc.constantFrom(...EPISTULA_NAMES, ...AXON_NAMES).chain((n) => fc.constantFrom(n, n.toLowerCase(), n.toUpperCase())), fc.string({ maxLength: 12 }));
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '0x', '2', String(Date.now()), `${Date.now()}000000`, validator.address, miner.address, `0x${'00'.repeat(64)}`, 'a'.repeat(64), '12.0'),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.anything(),
);
const anyBody = fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.jsonValue({ maxDepth: 3 }).map((v) => encoder.encode(JSON.stringify(v) ?? 'null')));

let server: MinerServer;
let store: NonceStore;
let dir: string;

before(async () => {
  await cryptoReady();
  dir = mkdtempSync(join(tmpdir(), 'proctor-fuzz-'));
  store = openNonceStore(join(dir, 'nonces.sqlite'));
  server = await startMinerServer({
    hotkey: miner,
    nonceStore: store,
    maxBodyBytes: MAX_BODY,
    maxHeaderBytes: 4096,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    routes: { [PATH]: () => ({ answer: 'ok' }) },
    synapses: { [synapse.name]: { hashFields: synapse.hashFields, handler: () => ({ answer: 'ok' }) } },
  });
});
after(async () => {
  await server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('verifiers on random input', () => {
  it('never throw, never accept, and always give a reason from the catalogue (both schemes)', () => {
    fc.assert(
      fc.property(fc.dictionary(headerName, headerValue, { maxKeys: 12 }), anyBody, (headers, body) => {
        for (const [scheme, result] of [
          ['epistula', verifyRequest(headers, body, { self: miner.address })],
          ['axon', verifyAxonRequest(headers, body, { self: miner.address, synapse })],
        ] as const) {
          assert.equal(result.ok, false);
          if (result.ok) continue;
          assert.ok(REFUSAL_REASONS.includes(result.reason), result.reason);
          assert.equal(refusalError(scheme, result).code, 'PROCTOR_ERR_TRANSPORT_REFUSED');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('accept a valid axon request with one header replaced only when the value is unchanged', () => {
    const body = { task_id: 't', prompt: 'p' };
    const headers: Record<string, unknown> = signAxonRequest({ body, synapse, signer: validator, axon: { hotkey: miner.address, ip: '127.0.0.1', port: 1 }, nonce: clock(), uuid: 's', timeoutMs: 5000 });
    const raw = encoder.encode(JSON.stringify(body));
    fc.assert(
      fc.property(fc.constantFrom(...AXON_NAMES.filter((n) => n !== 'timeout')), headerValue, (name, value) => {
        const result = verifyAxonRequest({ ...headers, [name]: value }, raw, { self: miner.address, synapse });
        if (result.ok) assert.equal(typeof value === 'string' ? value.trim() : value, headers[name]);
        else assert.ok(REFUSAL_REASONS.includes(result.reason));
      }),
      { numRuns: 300 },
    );
  });
});

/** Writes `bytes` on a fresh connection and returns every status code the server sent back before closing. */
function exchange(port: number, bytes: Uint8Array): Promise<{ statuses: number[]; text: string }> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.setTimeout(4000, () => socket.destroy());
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])), text }));
  });
}

const REFUSAL_STATUSES = new Set([100, 400, 401, 403, 404, 405, 408, 413, 431]);

/** Statuses seen across a property's runs: a fuzzer that never reached the verifier would prove little. */
const seen = new Map<number, number>();

function assertRefusal(statuses: number[], text: string): void {
  for (const status of statuses) seen.set(status, (seen.get(status) ?? 0) + 1);
  for (const status of statuses) assert.ok(REFUSAL_STATUSES.has(status), `status ${status}\n${text.slice(0, 300)}`);
  for (const match of text.matchAll(/\{"error":"([a-z_]+)"/g)) assert.ok((REFUSAL_REASONS as readonly string[]).includes(match[1]), match[1]);
}

async function serverStillAnswers(): Promise<void> {
  const body = '{"task_id":"alive"}';
  const response = await fetch(`${server.url}${PATH}`, { method: 'POST', body, headers: { ...signRequest(body, validator, miner.address), 'Content-Type': 'application/json' } });
  assert.equal(response.status, 200);
}

describe('miner server over HTTP on random input', () => {
  it('answers random bytes with a refusal status or silence, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 400 }).map((s) => encoder.encode(`POST ${PATH} HTTP/1.1\r\n${s}`))), async (bytes) => {
        const { statuses, text } = await exchange(server.port, bytes);
        assertRefusal(statuses, text);
      }),
      { numRuns: 60 },
    );
    await serverStillAnswers();
  });

  it('refuses well-framed requests with random methods, paths, headers, encodings and body sizes', async () => {
    const safeValue = fc.oneof(fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ')), fc.constantFrom('', '0x', '2', validator.address, miner.address, String(Date.now()), `${Date.now()}000000`));
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'OPTIONS'),
      path: fc.constantFrom(PATH, PATH, `/${synapse.name}`, `/${synapse.name}`, '/', '/__proto__', '/ProctorQuery?x=1', '/proctor/v1/text/../text'),
      headers: fc.dictionary(headerName.map((n) => n.replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]/g, '') || 'x'), safeValue, { maxKeys: 10 }),
      encoding: fc.constantFrom('length', 'chunked', 'none', 'gzip'),
      body: fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 3 }).map((n) => new Uint8Array(n).fill(0x7b))),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers, encoding, body }) => {
        const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
        let payload = Buffer.from(body);
        if (encoding === 'length' || encoding === 'gzip') lines.push(`Content-Length: ${payload.length}`);
        if (encoding === 'gzip') lines.push('Content-Encoding: gzip');
        if (encoding === 'chunked') {
          lines.push('Transfer-Encoding: chunked');
          payload = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
        }
        const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
        const { statuses, text } = await exchange(server.port, Buffer.concat([head, payload]));
        assertRefusal(statuses, text);
      }),
      { numRuns: 80 },
    );
    for (const status of [400, 401, 404, 405, 413]) assert.ok(seen.has(status), `no request drew a ${status}`);
    await serverStillAnswers();
  });
});

describe('attacks over HTTP, both schemes', () => {
  const taskBody = fc.record({ task_id: fc.string({ maxLength: 20 }), prompt: fc.string({ maxLength: 200 }), n: fc.integer() });

  async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; error: Json }> {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { ...headers, 'Content-Type': 'application/json' } });
    const json = (await response.json()) as { error?: Json };
    return { status: response.status, error: json.error ?? null };
  }

  type Attack = 'forged' | 'replayed' | 'stale' | 'empty-signature' | 'wrong-recipient';
  const expected: Record<Attack, string> = { forged: 'bad_signature', replayed: 'replayed', stale: 'stale', 'empty-signature': 'bad_signature', 'wrong-recipient': 'wrong_recipient' };
  const attacks = fc.constantFrom<Attack>('forged', 'replayed', 'stale', 'empty-signature', 'wrong-recipient');
  // A stale request is at least 9 s off: a second more than the 8 s window, for the time it spends in transit.

  it('refuses every attack on Epistula requests', async () => {
    await fc.assert(
      fc.asyncProperty(taskBody, attacks, fc.integer({ min: 9_000, max: 10_000_000 }), fc.boolean(), async (fields, attack, offsetMs, future) => {
        const body = JSON.stringify(fields);
        const now = attack === 'stale' ? Date.now() + (future ? offsetMs : -offsetMs) : Date.now();
        let headers = signRequest(body, attack === 'forged' ? stranger : validator, attack === 'wrong-recipient' ? devHotkey('miner', 4).address : miner.address, now);
        if (attack === 'forged') headers = { ...headers, 'Epistula-Signed-By': validator.address };
        if (attack === 'empty-signature') headers = { ...headers, 'Epistula-Request-Signature': fc.sample(fc.constantFrom('', '0x'), 1)[0] };
        if (attack === 'replayed') assert.equal((await post(PATH, body, headers)).status, 200);
        assert.deepEqual(await post(PATH, body, headers), { status: 401, error: expected[attack] });
      }),
      { numRuns: 25 },
    );
  });

  it('refuses every attack on axon requests', async () => {
    await fc.assert(
      fc.asyncProperty(taskBody, attacks, fc.integer({ min: 9_000, max: 10_000_000 }), fc.boolean(), async (fields, attack, offsetMs, future) => {
        const body = fields as unknown as { [key: string]: Json };
        let nonce = clock();
        if (attack === 'stale') nonce = future ? nonce + BigInt(offsetMs) * 1_000_000n : nonce - BigInt(offsetMs + 60_000) * 1_000_000n;
        const recipient = attack === 'wrong-recipient' ? devHotkey('miner', 4).address : miner.address;
        let headers = signAxonRequest({ body, synapse, signer: attack === 'forged' ? stranger : validator, axon: { hotkey: recipient, ip: '127.0.0.1', port: server.port }, nonce, uuid: 'fuzz', timeoutMs: 5000 });
        if (attack === 'forged') headers = { ...headers, bt_header_dendrite_hotkey: validator.address };
        if (attack === 'empty-signature') headers = { ...headers, bt_header_dendrite_signature: '' };
        const text = JSON.stringify(body);
        if (attack === 'replayed') assert.equal((await post(`/${synapse.name}`, text, headers)).status, 200);
        assert.deepEqual(await post(`/${synapse.name}`, text, headers), { status: 401, error: expected[attack] });
      }),
      { numRuns: 25 },
    );
  });
});

describe('validator client against a hostile server', () => {
  let hostile: Server;
  let port: number;
  let next: Uint8Array = new Uint8Array();
  let client: MinerClient;

  before(async () => {
    hostile = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(next));
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    port = (hostile.address() as AddressInfo).port;
    client = createMinerClient({ signer: validator, allowPrivate: true, concurrency: 4 });
  });
  after(async () => {
    await client.close();
    await new Promise<void>((resolve) => hostile.close(() => resolve()));
  });

  const structured = fc
    .record({
      status: fc.integer({ min: 100, max: 599 }),
      headers: fc.array(fc.tuple(fc.constantFrom('Content-Type', 'Content-Length', 'Transfer-Encoding', 'X-Junk', 'Connection'), fc.string({ maxLength: 20 })), { maxLength: 4 }),
      body: fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? ''), fc.string({ maxLength: 600 })),
      length: fc.constantFrom('right', 'short', 'long', 'none'),
    })
    .map(({ status, headers, body, length }) => {
      const bytes = Buffer.from(body);
      const declared = length === 'right' ? bytes.length : length === 'short' ? Math.max(0, bytes.length - 3) : bytes.length + 50;
      const lines = [`HTTP/1.1 ${status} X`, ...headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`)];
      if (length !== 'none') lines.push(`Content-Length: ${declared}`);
      return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), bytes]);
    });

  it('ends every query in a known status, never a throw, and keeps ok answers whole, parsed and under the cap', async () => {
    const cap = 256;
    await fc.assert(
      fc.asyncProperty(fc.oneof(structured, fc.uint8Array({ maxLength: 800 })), async (response) => {
        next = response;
        const result = await client.query({ hotkey: miner.address, url: `http://127.0.0.1:${port}` }, PATH, { task_id: 't' }, { timeoutMs: 1500, maxResponseBytes: cap });
        assert.ok(QUERY_STATUSES.includes(result.status), result.status);
        assert.ok(result.bodyText === null || Buffer.byteLength(result.bodyText) <= cap * 3, 'kept text is bounded by the cap');
        if (result.status === 'ok') {
          assert.ok(result.httpStatus !== null && result.httpStatus >= 200 && result.httpStatus <= 299);
          assert.deepEqual(result.json, JSON.parse(result.bodyText as string));
          assert.ok(Buffer.byteLength(result.bodyText as string) <= cap);
        } else {
          assert.equal(result.json, undefined);
          assert.ok(result.error);
        }
      }),
      { numRuns: 120 },
    );
  });
});
