import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signRequest } from './epistula.js';
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
