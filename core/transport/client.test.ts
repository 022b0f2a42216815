import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { isPublicAddress } from './address.js';
import { verifyAxonRequest } from './axon.js';
import { createMinerClient, minerRoute, type MinerClient } from './client.js';
import { verifyRequest } from './epistula.js';
import { cryptoReady, devHotkey, hotkeyFromSecret } from './keys.js';
import { startMinerServer } from './miner-server.js';

const validator = hotkeyFromSecret('//Alice');
const miner = devHotkey('miner', 0);
const PATH = '/proctor/v1/text';
const limits = { timeoutMs: 5000, maxResponseBytes: 65_536 };

/** A plain HTTP server on 127.0.0.1 that misbehaves as `handler` says. */
async function testServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let client: MinerClient;
before(async () => {
  await cryptoReady();
  client = createMinerClient({ signer: validator, allowPrivate: true });
});
after(() => client.close());

describe('miner client: answers', () => {
  it('sends a signed JSON POST that a miner server accepts, and records the parsed answer and body hash', async () => {
    const miners = await startMinerServer({ hotkey: miner, routes: { [PATH]: (body, ctx) => ({ echo: body, by: ctx.signedBy }) } });
    try {
      const before = Date.now();
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, { task_id: 't', n: 1 }, limits);
      assert.equal(result.status, 'ok');
      assert.equal(result.httpStatus, 200);
      assert.deepEqual(result.json, { echo: { task_id: 't', n: 1 }, by: validator.address });
      assert.equal(result.bodyHash, createHash('sha256').update(result.bodyText ?? '').digest('hex'));
      assert.equal(result.error, null);
      assert.ok(result.startedAtMs >= before && result.latencyMs >= 0);
    } finally {
      await miners.close();
    }
  });

  it('sends Content-Type application/json and Epistula headers addressed to the target hotkey', async () => {
    let verdict: unknown;
    let type: string | undefined;
    const miners = await testServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        type = req.headers['content-type'];
        verdict = verifyRequest(req.headers, Buffer.concat(chunks), { self: miner.address });
        res.end('{}');
      });
    });
    try {
      assert.equal((await client.query({ hotkey: miner.address, url: `${miners.url}/` }, PATH, [1, 'two'], limits)).status, 'ok');
      assert.equal(type, 'application/json');
      assert.deepEqual(verdict, { ok: true, signedBy: validator.address });
    } finally {
      await miners.close();
    }
  });

  it('reuses kept-alive connections instead of opening one per query', async () => {
    let connections = 0;
    const miners = await testServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{"ok":true}'));
    });
    miners.server.on('connection', () => (connections += 1));
    try {
      for (let i = 0; i < 10; i += 1) assert.equal((await client.query({ hotkey: miner.address, url: miners.url }, PATH, i, limits)).status, 'ok');
      // undici may open a second socket when the next query starts in the same tick the first one ends.
      assert.ok(connections <= 2, `${connections} connections for 10 queries`);
    } finally {
      await miners.close();
    }
  });
});

describe('miner client: misbehaving miners', () => {
  it('records a 50 MB streamed body as too_large well within the timeout, without buffering it', async () => {
    let written = 0;
    const miners = await testServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked: no Content-Length to refuse up front
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (written < 50 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    try {
      const started = Date.now();
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, limits);
      const elapsed = Date.now() - started;
      assert.equal(result.status, 'too_large');
      assert.equal(result.httpStatus, 200);
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      assert.ok(result.bodyText !== null && result.bodyText.length <= limits.maxResponseBytes);
      assert.equal(result.bodyHash, null);
      assert.equal(result.json, undefined);
      // Give the server a moment to notice the reset: it never got to push most of the 50 MB.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(written < 16 * 1024 * 1024, `the server pushed ${written} bytes`);
    } finally {
      await miners.close();
    }
  });

  it('records a declared Content-Length over the cap as too_large without reading the body', async () => {
    const miners = await testServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': String(50 * 1024 * 1024) });
      res.write('{"answer":"');
      res.on('error', () => undefined);
    });
    try {
      const started = Date.now();
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, limits);
      assert.equal(result.status, 'too_large');
      assert.equal(result.bodyText, null);
      assert.ok(Date.now() - started < 1000);
    } finally {
      await miners.close();
    }
  });

  it('records a miner that drips one byte every 200 ms as timeout at the deadline', async () => {
    const miners = await testServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
      res.on('error', () => undefined);
    });
    try {
      const deadline = 700;
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, { ...limits, timeoutMs: deadline });
      assert.equal(result.status, 'timeout');
      assert.equal(result.httpStatus, 200);
      assert.ok(result.latencyMs >= deadline - 5 && result.latencyMs <= deadline + 250, `latency ${result.latencyMs} ms`);
      assert.ok((result.bodyText ?? '').length >= 2);
    } finally {
      await miners.close();
    }
  });

  it('records a miner that never sends headers as timeout at the deadline', async () => {
    const miners = await testServer((req) => req.resume());
    try {
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, { ...limits, timeoutMs: 300 });
      assert.equal(result.status, 'timeout');
      assert.equal(result.httpStatus, null);
      assert.ok(result.latencyMs <= 550, `latency ${result.latencyMs} ms`);
    } finally {
      await miners.close();
    }
  });

  it('records a body that is not JSON (or not UTF-8) as invalid_json, keeping the text and its hash', async () => {
    const bodies = [Buffer.from('{"answer": "four"'), Buffer.from([0x22, 0xff, 0x22])];
    let next = 0;
    const miners = await testServer((req, res) => {
      req.resume();
      res.end(bodies[next++]);
    });
    try {
      for (const body of bodies) {
        const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, limits);
        assert.equal(result.status, 'invalid_json');
        assert.equal(result.json, undefined);
        assert.equal(result.bodyHash, createHash('sha256').update(body).digest('hex'));
        assert.ok(result.error);
      }
    } finally {
      await miners.close();
    }
  });

  it('records HTTP 500 as http_error with the status', async () => {
    const miners = await testServer((req, res) => {
      req.resume();
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"internal"}');
    });
    try {
      const result = await client.query({ hotkey: miner.address, url: miners.url }, PATH, {}, limits);
      assert.equal(result.status, 'http_error');
      assert.equal(result.httpStatus, 500);
      assert.equal(result.bodyText, '{"error":"internal"}');
      assert.equal(result.json, undefined);
    } finally {
      await miners.close();
    }
  });

  it('records a closed port as unreachable', async () => {
    const miners = await testServer(() => undefined);
    const url = miners.url;
    await miners.close();
    const result = await client.query({ hotkey: miner.address, url }, PATH, {}, limits);
    assert.equal(result.status, 'unreachable');
    assert.match(result.error ?? '', /ECONNREFUSED/);
  });
});

describe('miner client: addresses', () => {
  it('refuses a private 10.x address with allowPrivate false before any connection is attempted', async () => {
    const events: string[] = [];
    const channels = ['undici:request:create', 'undici:client:beforeConnect', 'net.client.socket'];
    const listeners = channels.map((name) => {
      const listener = () => events.push(name);
      subscribe(name, listener);
      return [name, listener] as const;
    });
    const strict = createMinerClient({ signer: validator, allowPrivate: false });
    try {
      for (const url of ['http://10.0.0.7:8091', 'http://169.254.169.254', 'http://[fd00::1]:8091', 'http://127.0.0.1:1', 'http://[::ffff:192.168.0.1]', 'http://0x7f000001']) {
        const result = await strict.query({ hotkey: miner.address, url }, PATH, {}, limits);
        assert.equal(result.status, 'refused_address', url);
        assert.equal(result.httpStatus, null);
      }
      assert.deepEqual(events, []);
    } finally {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
      await strict.close();
    }
  });

  it('refuses a host name that resolves to loopback with allowPrivate false', async () => {
    const miners = await testServer((req, res) => res.end('{}'));
    let requests = 0;
    miners.server.on('request', () => (requests += 1));
    const strict = createMinerClient({ signer: validator, allowPrivate: false });
    try {
      const port = new URL(miners.url).port;
      const result = await strict.query({ hotkey: miner.address, url: `http://localhost:${port}` }, PATH, {}, limits);
      assert.equal(result.status, 'refused_address');
      assert.equal(requests, 0);
    } finally {
      await strict.close();
      await miners.close();
    }
  });

  it('refuses schemes other than http and https even when private addresses are allowed', async () => {
    for (const url of ['ftp://127.0.0.1/', 'file:///etc/passwd', 'not a url', 'http://user:pw@127.0.0.1:1']) {
      assert.equal((await client.query({ hotkey: miner.address, url }, PATH, {}, limits)).status, 'refused_address', url);
    }
  });

  it('classifies public and non-public IP literals', () => {
    for (const ip of ['1.1.1.1', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPublicAddress(ip), true, ip);
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', '::1', 'fc00::1', 'fdff::1', 'fe80::1', '::ffff:10.0.0.1', '0.0.0.0', 'localhost']) {
      assert.equal(isPublicAddress(ip), false, ip);
    }
    assert.equal(isPublicAddress('172.32.0.1'), true);
  });
});

describe('miner client: concurrency', () => {
  it('never has more queries in flight than its concurrency limit', async () => {
    let inFlight = 0;
    let most = 0;
    const miners = await testServer((req, res) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight -= 1;
        res.end('{}');
      }, 50);
    });
    const limited = createMinerClient({ signer: validator, allowPrivate: true, concurrency: 3 });
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => limited.query({ hotkey: miner.address, url: miners.url }, PATH, i, limits)));
      assert.ok(results.every((r) => r.status === 'ok'));
      assert.equal(most, 3);
    } finally {
      await limited.close();
      await miners.close();
    }
  });
});

describe('miner client: the legacy axon scheme', () => {
  const synapse = { name: 'ProctorQuery', hashFields: ['task_id', 'prompt'] };
  const axonLimits = { ...limits, scheme: 'axon' as const, synapse };

  it('sends a request the axon verifier accepts, to /{Synapse}, and returns only the answer fields', async () => {
    const miners = await startMinerServer({ hotkey: miner, synapses: { ProctorQuery: { hashFields: synapse.hashFields, handler: () => ({ answer: 'four' }) } } });
    try {
      const result = await client.query({ hotkey: miner.address, url: miners.url }, '/ProctorQuery', { task_id: 't', prompt: '2+2?', answer: null }, axonLimits);
      assert.equal(result.status, 'ok', result.error ?? '');
      assert.deepEqual(result.json, { answer: 'four' });
      assert.deepEqual(JSON.parse(result.bodyText ?? ''), { task_id: 't', prompt: '2+2?', answer: 'four' });
    } finally {
      await miners.close();
    }
  });

  it('keeps every session\'s nonces increasing at the miner under 48 concurrent queries to one miner', async () => {
    let calls = 0;
    const miners = await startMinerServer({
      hotkey: miner,
      synapses: { ProctorQuery: { hashFields: synapse.hashFields, handler: async () => (await new Promise((r) => setTimeout(r, 5 + (calls++ % 7))), { answer: 'ok' }) } },
    });
    const busy = createMinerClient({ signer: validator, allowPrivate: true, concurrency: 16 });
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 48 }, (_, i) => busy.query({ hotkey: miner.address, url: miners.url }, '/ProctorQuery', { task_id: `${round}-${i}`, prompt: 'p' }, axonLimits)),
        );
        assert.deepEqual([...new Set(results.map((r) => r.error ?? r.status))], ['ok']);
      }
    } finally {
      await busy.close();
      await miners.close();
    }
  });

  it('signs for the target hotkey, so a plain server can verify with verifyAxonRequest', async () => {
    let verdict: unknown;
    const miners = await testServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const result = verifyAxonRequest(req.headers, Buffer.concat(chunks), { self: miner.address, synapse });
        verdict = result.ok ? { ok: true, signedBy: result.signedBy, path: req.url } : result;
        res.end('{}');
      });
    });
    try {
      await client.query({ hotkey: miner.address, url: miners.url }, '/ProctorQuery', { task_id: 't', prompt: 'p' }, axonLimits);
      assert.deepEqual(verdict, { ok: true, signedBy: validator.address, path: '/ProctorQuery' });
    } finally {
      await miners.close();
    }
  });

  it('refuses an axon query without a valid synapse, or with a body that is not an object, with a coded error', async () => {
    const target = { hotkey: miner.address, url: 'http://127.0.0.1:1' };
    await assert.rejects(client.query(target, '/X', {}, { ...limits, scheme: 'axon' }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
    await assert.rejects(client.query(target, '/X', [1], axonLimits), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
    await assert.rejects(client.query(target, '/X', {}, { ...limits, scheme: 'carrier-pigeon' as 'axon' }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
  });
});

describe('minerRoute', () => {
  const protocol = { response: z.object({ answer: z.string() }), maxResponseBytes: 100, timeoutMs: 200 };

  it('routes Epistula plugins to /proctor/v1/<name> and axon plugins to /<Synapse>', () => {
    assert.deepEqual(minerRoute({ name: 'text', protocol }), { path: '/proctor/v1/text', limits: { timeoutMs: 200, maxResponseBytes: 100 } });
    assert.deepEqual(minerRoute({ name: 'text', protocol: { ...protocol, scheme: 'axon', synapse: { name: 'TextPrompting', hashFields: ['messages'] } } }), {
      path: '/TextPrompting',
      limits: { timeoutMs: 200, maxResponseBytes: 100, scheme: 'axon', synapse: { name: 'TextPrompting', hashFields: ['messages'], floatFields: undefined } },
    });
  });

  it('refuses axon without a synapse, or an unknown scheme, naming the option', () => {
    assert.throws(() => minerRoute({ name: 'text', protocol: { ...protocol, scheme: 'axon' } }), /plugins\.text\.protocol\.synapse is required/);
    assert.throws(() => minerRoute({ name: 'text', protocol: { ...protocol, scheme: 'smoke' as 'axon' } }), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS' });
  });
});
