import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { createNonceClock, signAxonRequest } from './axon.js';
import { signRequest } from './epistula.js';
import { openNonceStore, type NonceStore } from './nonce-store.js';
import { cryptoReady, devHotkey, hotkeyFromSecret } from './keys.js';
import { startMinerServer, type MinerServer } from './miner-server.js';
import type { Json } from '../plugin-api.js';

const validator = hotkeyFromSecret('//Alice');
const stranger = devHotkey('validator', 9);
const miner = devHotkey('miner', 0);
const PATH = '/proctor/v1/text';

let server: MinerServer;
const seen: { body: Json; signedBy: string }[] = [];

before(async () => {
  await cryptoReady();
  server = await startMinerServer({
    hotkey: miner,
    maxBodyBytes: 1024,
    requestTimeoutMs: 400,
    allowedValidators: (ss58) => ss58 !== stranger.address,
    routes: {
      [PATH]: (body, ctx) => {
        seen.push({ body, signedBy: ctx.signedBy });
        return { answer: 'four' };
      },
      '/boom': () => {
        throw new Error('secret internals at /home/miner/solver.ts:42');
      },
      '/undefined': () => undefined as unknown as Json,
    },
  });
});
after(() => server.close());

async function post(path: string, body: string, headers: Record<string, string>, method = 'POST') {
  const response = await fetch(`${server.url}${path}`, { method, body: method === 'GET' ? undefined : body, headers });
  return { status: response.status, type: response.headers.get('content-type'), json: (await response.json()) as Record<string, Json> };
}

function signed(body: string, options: { signer?: typeof validator; for?: string; now?: number } = {}): Record<string, string> {
  return { ...signRequest(body, options.signer ?? validator, options.for ?? miner.address, options.now), 'Content-Type': 'application/json' };
}

describe('miner server: accepted requests', () => {
  it('round-trips a signed request, and the handler sees the body and signedBy', async () => {
    const body = JSON.stringify({ task_id: '1-text-0', prompt: '2+2?' });
    const { status, type, json } = await post(PATH, body, signed(body));
    assert.equal(status, 200);
    assert.equal(type, 'application/json');
    assert.deepEqual(json, { answer: 'four' });
    assert.deepEqual(seen.at(-1), { body: { task_id: '1-text-0', prompt: '2+2?' }, signedBy: validator.address });
  });
});

describe('miner server: refusals', () => {
  const body = '{"task_id":"1-text-0"}';

  it('refuses a bad signature with 401 bad_signature', async () => {
    const headers = signed(body);
    headers['Epistula-Request-Signature'] = signed('{"other":1}')['Epistula-Request-Signature'];
    assert.deepEqual(await post(PATH, body, headers), { status: 401, type: 'application/json', json: { error: 'bad_signature' } });
  });

  it('refuses an empty signature with 401 bad_signature', async () => {
    for (const empty of ['', '0x']) {
      const headers = { ...signed(body), 'Epistula-Request-Signature': empty };
      assert.deepEqual((await post(PATH, body, headers)).json, { error: 'bad_signature' });
    }
  });

  it('refuses a request missing an Epistula header with 401 missing_header', async () => {
    const headers = signed(body);
    delete headers['Epistula-Uuid'];
    assert.deepEqual(await post(PATH, body, headers), { status: 401, type: 'application/json', json: { error: 'missing_header' } });
  });

  it('refuses a request signed 9 s ago with 401 stale', async () => {
    const { status, json } = await post(PATH, body, signed(body, { now: Date.now() - 9000 }));
    assert.deepEqual({ status, json }, { status: 401, json: { error: 'stale' } });
  });

  it('refuses a request signed for another miner with 401 wrong_recipient', async () => {
    const { status, json } = await post(PATH, body, signed(body, { for: devHotkey('miner', 1).address }));
    assert.deepEqual({ status, json }, { status: 401, json: { error: 'wrong_recipient' } });
  });

  it('answers a signed request once, and refuses its replay with 401 replayed', async () => {
    const headers = signed(body);
    assert.equal((await post(PATH, body, headers)).status, 200);
    assert.deepEqual((await post(PATH, body, headers)).json, { error: 'replayed' });
  });

  it('refuses a validly signed request from a validator that is not allowed with 403', async () => {
    const { status, json } = await post(PATH, body, signed(body, { signer: stranger }));
    assert.deepEqual({ status, json }, { status: 403, json: { error: 'validator_not_allowed' } });
  });

  it('refuses a signed body that is not JSON with 400 invalid_json', async () => {
    const text = '{"task_id": ';
    assert.deepEqual((await post(PATH, text, signed(text))).status, 400);
    assert.deepEqual((await post(PATH, text, signed(text))).json, { error: 'invalid_json' });
  });

  it('answers 500 without the message or stack when the handler throws or returns nothing JSON', async () => {
    const { status, json } = await post('/boom', body, signed(body));
    assert.deepEqual({ status, json }, { status: 500, json: { error: 'internal' } });
    assert.equal((await post('/undefined', body, signed(body))).status, 500);
  });

  it('answers 405 to anything but POST, and 404 to unknown paths, including prototype names', async () => {
    assert.equal((await post(PATH, '', {}, 'GET')).status, 405);
    assert.equal((await post(PATH, body, signed(body), 'PUT')).status, 405);
    for (const path of ['/nope', '/__proto__', '/constructor', '/proctor/v1/TEXT']) {
      assert.equal((await post(path, body, signed(body))).status, 404, path);
    }
  });

  it('refuses a declared Content-Length over the cap with 413 before reading or calling the handler', async () => {
    const calls = seen.length;
    const big = JSON.stringify({ pad: 'x'.repeat(2000) });
    assert.deepEqual((await post(PATH, big, signed(big))).json, { error: 'too_large' });
    assert.equal(seen.length, calls);
  });

  it('refuses a streamed (chunked) body over the cap with 413 and stops reading it', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(200_000) });
    let offset = 0;
    const { status, sentWhenAnswered } = await new Promise<{ status: number; sentWhenAnswered: number }>((resolve, reject) => {
      const req = httpRequest(`${server.url}${PATH}`, { method: 'POST', headers: { ...signed(big), 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentWhenAnswered: offset });
        req.destroy();
      });
      req.on('error', reject);
      // Write slowly in small chunks; the server answers once 1 KiB is passed, long before the end.
      const pump = () => {
        if (offset >= big.length || req.destroyed) return req.end();
        req.write(big.slice(offset, offset + 512), () => setTimeout(pump, 1));
        offset += 512;
      };
      pump();
    });
    assert.equal(status, 413);
    assert.ok(sentWhenAnswered < big.length / 4, `the server waited for ${sentWhenAnswered} bytes`);
  });

  it('cuts off a sender that never finishes its headers, at the request timeout', async () => {
    const started = Date.now();
    const { received } = await new Promise<{ received: string }>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\n`));
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve({ received }));
      socket.on('error', () => undefined);
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `the slow sender was held for ${elapsed} ms`);
    assert.match(received, /^HTTP\/1\.1 408/);
  });

  it('cuts off a sender that drips its body, at the request timeout', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(100) });
    const headers = signed(body);
    const calls = seen.length;
    const started = Date.now();
    let received = '';
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${head}\r\n`);
        let offset = 0;
        const timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          socket.write(body[offset++]);
        }, 100);
        socket.on('close', () => {
          clearInterval(timer);
          resolve();
        });
      });
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => (received += chunk.toString()));
    });
    assert.ok(Date.now() - started < 2000);
    assert.match(received, /^HTTP\/1\.1 408/);
    assert.equal(seen.length, calls);
  });
});

describe('miner server: the legacy axon scheme', () => {
  const synapse = { name: 'ProctorQuery', hashFields: ['task_id', 'prompt'] } as const;
  const clock = createNonceClock();
  let axonServer: MinerServer;
  let dir: string;
  let store: NonceStore;
  const answered: Json[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-miner-'));
    store = openNonceStore(join(dir, 'nonces.sqlite'));
    axonServer = await startAxonServer(store);
  });
  after(async () => {
    await pool.close();
    await axonServer.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startAxonServer(nonceStore: NonceStore, port = 0) {
    return startMinerServer({
      hotkey: miner,
      port,
      nonceStore,
      routes: { [PATH]: () => ({ answer: 'epistula' }) },
      synapses: { [synapse.name]: { hashFields: synapse.hashFields, handler: (body) => (answered.push(body), { answer: 'four' }) } },
    });
  }

  function axonHeaders(body: { [key: string]: Json }, options: { uuid?: string; nonce?: bigint; for?: string; signer?: typeof validator } = {}) {
    return {
      ...signAxonRequest({ body, synapse, signer: options.signer ?? validator, axon: { hotkey: options.for ?? miner.address, ip: '127.0.0.1', port: axonServer.port }, nonce: options.nonce ?? clock(), uuid: options.uuid ?? 'session-a', timeoutMs: 5000 }),
      'Content-Type': 'application/json',
    };
  }

  // A fresh pool after each restart: a kept-alive socket to the old process is closed under us.
  let pool = new Agent();
  async function postAxon(body: { [key: string]: Json }, headers: Record<string, string>, server = axonServer) {
    const response = await undiciFetch(`${server.url}/${synapse.name}`, { method: 'POST', body: JSON.stringify(body), headers, dispatcher: pool });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, Json> };
  }

  it('answers a signed axon request with the synapse, the answer merged in, and axon status 200', async () => {
    const body = { task_id: 't1', prompt: '2+2?', answer: null };
    const { status, headers, json } = await postAxon(body, axonHeaders(body));
    assert.equal(status, 200);
    assert.deepEqual(json, { task_id: 't1', prompt: '2+2?', answer: 'four' });
    assert.equal(headers.get('bt_header_axon_status_code'), '200');
    assert.equal(headers.get('bt_header_axon_hotkey'), miner.address);
    assert.deepEqual(answered.at(-1), body);
  });

  it('refuses a nonce that is not above the last one of its session as replayed, but not another session\'s', async () => {
    const body = { task_id: 't2', prompt: 'p' };
    const nonce = clock();
    assert.equal((await postAxon(body, axonHeaders(body, { nonce, uuid: 'session-b' }))).status, 200);
    const again = await postAxon(body, axonHeaders(body, { nonce, uuid: 'session-b' }));
    assert.deepEqual({ status: again.status, error: again.json.error }, { status: 401, error: 'replayed' });
    assert.equal(again.headers.get('bt_header_axon_status_code'), '401');
    const older = await postAxon(body, axonHeaders(body, { nonce: nonce - 1n, uuid: 'session-b' }));
    assert.equal(older.json.error, 'replayed');
    assert.equal((await postAxon(body, axonHeaders(body, { nonce: nonce - 1n, uuid: 'session-c' }))).status, 200);
  });

  it('refuses empty, forged, stale and misaddressed axon requests, and a body that does not match its hash', async () => {
    const body = { task_id: 't3', prompt: 'p' };
    const cases: [string, Record<string, string>, { [key: string]: Json }][] = [
      ['bad_signature', { ...axonHeaders(body), bt_header_dendrite_signature: '' }, body],
      ['bad_signature', { ...axonHeaders(body), bt_header_dendrite_hotkey: stranger.address }, body],
      ['stale', axonHeaders(body, { nonce: clock() - 20_000_000_000n }), body],
      ['wrong_recipient', axonHeaders(body, { for: devHotkey('miner', 1).address }), body],
      ['body_hash_mismatch', axonHeaders(body), { ...body, prompt: 'other' }],
    ];
    for (const [reason, headers, sent] of cases) {
      const { status, json } = await postAxon(sent, headers);
      assert.equal(json.error, reason, reason);
      assert.equal(status, reason === 'body_hash_mismatch' ? 400 : 401, reason);
    }
  });

  it('still refuses a replay after the server restarts on the same nonce store, for both schemes', async () => {
    const body = { task_id: 't4', prompt: 'p' };
    const axonSigned = axonHeaders(body, { uuid: 'session-restart' });
    const epistulaBody = '{"task_id":"t4"}';
    const epistulaSigned = { ...signRequest(epistulaBody, validator, miner.address), 'Content-Type': 'application/json' };
    assert.equal((await postAxon(body, axonSigned)).status, 200);
    assert.equal((await undiciFetch(`${axonServer.url}${PATH}`, { method: 'POST', body: epistulaBody, headers: epistulaSigned, dispatcher: pool })).status, 200);

    const port = axonServer.port;
    await axonServer.close();
    store.close();
    store = openNonceStore(join(dir, 'nonces.sqlite'));
    axonServer = await startAxonServer(store, port);
    await pool.close();
    pool = new Agent();

    const replayed = await postAxon(body, axonSigned);
    assert.deepEqual({ status: replayed.status, error: replayed.json.error }, { status: 401, error: 'replayed' });
    const epistulaReplay = await undiciFetch(`${axonServer.url}${PATH}`, { method: 'POST', body: epistulaBody, headers: epistulaSigned, dispatcher: pool });
    assert.deepEqual({ status: epistulaReplay.status, json: await epistulaReplay.json() }, { status: 401, json: { error: 'replayed' } });
    // The session goes on with a later nonce.
    assert.equal((await postAxon(body, axonHeaders(body, { uuid: 'session-restart' }))).status, 200);
  });

  it('refuses the same request replayed to another miner as wrong_recipient', async () => {
    const other = await startMinerServer({ hotkey: devHotkey('miner', 1), synapses: { [synapse.name]: { hashFields: synapse.hashFields, handler: () => ({}) } } });
    try {
      const body = { task_id: 't5', prompt: 'p' };
      const headers = axonHeaders(body);
      assert.equal((await postAxon(body, headers)).status, 200);
      assert.equal((await postAxon(body, headers, other)).json.error, 'wrong_recipient');
    } finally {
      await other.close();
    }
  });

  it('refuses a synapse spec with bad field names, with a coded error', async () => {
    await assert.rejects(startMinerServer({ hotkey: miner, synapses: { 'bad name': { hashFields: [], handler: () => ({}) } } }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
    await assert.rejects(startMinerServer({ hotkey: miner, synapses: { Ok: { hashFields: ['a b'], handler: () => ({}) } } }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
    await assert.rejects(startMinerServer({ hotkey: miner, maxBodyBytes: 0, routes: {} }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
  });
});

describe('miner server: slow headers', () => {
  it('cuts off a sender slow with its headers at headersTimeoutMs, before the whole-request timeout', async () => {
    const slow = await startMinerServer({ hotkey: miner, headersTimeoutMs: 300, requestTimeoutMs: 5000, routes: { [PATH]: () => ({}) } });
    try {
      const started = Date.now();
      const received = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect(slow.port, '127.0.0.1', () => socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\n`));
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', () => undefined);
      });
      assert.match(received, /^HTTP\/1\.1 408/);
      assert.ok(Date.now() - started < 4000, 'cut at the headers timeout, not the request timeout');
    } finally {
      await slow.close();
    }
  });
});
