/**
 * The reference miners as a validator meets them: a plugin configured for the legacy axon scheme
 * runs a real round on the local subnet (`validator run`, real HTTP on 127.0.0.1), and the local
 * subnet's miners still refuse, after a restart on the same nonce file, a request they answered
 * before it — in both schemes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { startLocalSubnet, type LocalSubnet } from '../core/local/local-subnet.js';
import type { Json } from '../core/plugin-api.js';
import { loadPlugin, type LoadedPlugin } from '../core/plugin-loader.js';
import { auditQuery } from '../core/store/audit.js';
import { createNonceClock, signAxonRequest } from '../core/transport/axon.js';
import { signRequest } from '../core/transport/epistula.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import { nonceDbBeside } from '../core/transport/nonce-store.js';
import { runCli } from './cli.js';
import { repoRoot } from './paths.js';

const fixture = join(repoRoot, 'dist', 'test', 'fixtures', 'plugins', 'axon-sums.js');

let dir: string;
before(async () => {
  await cryptoReady();
  dir = mkdtempSync(join(tmpdir(), 'proctor-reference-miners-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a plugin with protocol.scheme "axon" on the local subnet', () => {
  it('is queried at its synapse path with bt_header_* signatures, every answer accepted and scored', async () => {
    const db = join(dir, 'axon.db');
    // Four reference miners and one red-team miner (constant), all serving the synapse.
    const result = await runCli(['run', '--plugins', fixture, '--rounds', '1', '--miners-count', '4', '--red-team', 'constant', '--validators', '0', '--pool-size', '1', '--db', db, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const rows = auditQuery(db, 'SELECT resp.status, resp.http_status, resp.body, t.task_key FROM responses resp JOIN tasks t ON t.id = resp.task_id').rows as [string, number, string, string][];
    assert.equal(rows.length, 20);
    let sums = 0;
    for (const [status, httpStatus, body, taskKey] of rows) {
      assert.deepEqual([status, httpStatus], ['ok', 200], body);
      // A TS axon answers with the request's synapse, the answer merged in: an Epistula route would
      // answer { answer } alone (and none is served for this plugin: it would be a 404).
      const synapse = JSON.parse(body) as { task_id: string; answer: string; payload: { a: number; b: number } };
      assert.equal(synapse.task_id, taskKey);
      if (/^\d+$/.test(synapse.answer)) sums++;
    }
    // The reference miners answer with numbers; the red team's constant sentence is not one.
    assert.equal(sums, 16);
    const [[scored, right]] = auditQuery(db, 'SELECT COUNT(final), SUM(final = 1) FROM v_response_outcomes').rows as number[][];
    assert.equal(scored, 20);
    assert.ok(right > 0, 'the reference miners answer mostly right');
    assert.ok(existsSync(nonceDbBeside(db)), 'the miners keep their nonces beside the run database');
  });
});

describe('local subnet miners across a restart', () => {
  let sums: LoadedPlugin;
  let plugins: LoadedPlugin[];
  const clock = createNonceClock();
  const validator = devHotkey('validator', 0);
  let pool = new Agent();
  after(() => pool.close());

  before(async () => {
    sums = await loadPlugin(fixture);
    // The same plugin signed with Epistula, served by the same miners at /proctor/v1/sums.
    const { scheme: _scheme, synapse: _synapse, ...protocol } = sums.definition.protocol;
    plugins = [sums, { ...sums, definition: { ...sums.definition, name: 'sums', protocol } }];
  });

  const body = { task_id: '1-sums-0', kind: 'arithmetic', prompt: 'What is 2 + 3?', payload: { a: 2, b: 3 }, deadline_ms: 5000 };
  const text = JSON.stringify(body);

  /** Both requests, signed once; the axon one with a 60 s timeout so its nonce stays fresh across restarts. */
  function signBoth(miner: string) {
    return {
      axon: signAxonRequest({ body, synapse: { name: 'ProctorSums', hashFields: ['task_id', 'kind', 'prompt', 'payload', 'deadline_ms'] }, signer: validator, axon: { hotkey: miner, ip: '127.0.0.1', port: 1 }, nonce: clock(), uuid: 'restart', timeoutMs: 60_000 }),
      epistula: signRequest(text, validator, miner),
    };
  }

  async function send(subnet: LocalSubnet, signed: ReturnType<typeof signBoth>): Promise<{ axon: [number, Json]; epistula: [number, Json] }> {
    const url = subnet.miners[0].url;
    const post = async (path: string, headers: Record<string, string>): Promise<[number, Json]> => {
      const response = await fetch(`${url}${path}`, { method: 'POST', body: text, headers: { ...headers, 'Content-Type': 'application/json' }, dispatcher: pool });
      return [response.status, (await response.json()) as Json];
    };
    return { axon: await post('/ProctorSums', signed.axon), epistula: await post('/proctor/v1/sums', signed.epistula) };
  }

  async function restart(subnet: LocalSubnet, nonceDb: string | undefined): Promise<LocalSubnet> {
    await subnet.close();
    // A kept-alive socket to the old server is closed under us.
    await pool.close();
    pool = new Agent();
    return startLocalSubnet({ plugins, minersCount: 1, simulatedValidators: 0, externalMiners: [], seed: 'restart', nonceDb });
  }

  it('refuse a request answered before the restart as replayed, in both schemes, when they persist nonces', async () => {
    const nonceDb = join(dir, 'restart.nonces.db');
    let subnet = await startLocalSubnet({ plugins, minersCount: 1, simulatedValidators: 0, externalMiners: [], seed: 'restart', nonceDb });
    try {
      const signed = signBoth(subnet.miners[0].hotkey);
      const first = await send(subnet, signed);
      assert.equal(first.axon[0], 200, JSON.stringify(first.axon[1]));
      assert.equal(first.epistula[0], 200, JSON.stringify(first.epistula[1]));
      subnet = await restart(subnet, nonceDb);
      const replayed = await send(subnet, signed);
      assert.deepEqual(replayed.axon, [401, { error: 'replayed', message: 'replayed' }]);
      assert.deepEqual(replayed.epistula, [401, { error: 'replayed' }]);
      // A later, freshly signed request is answered as before.
      const fresh = await send(subnet, signBoth(subnet.miners[0].hotkey));
      assert.deepEqual([fresh.axon[0], fresh.epistula[0]], [200, 200]);
    } finally {
      await subnet.close();
    }
  });

  it('answer the same replay again after a restart without a nonce file (the control: memory forgets)', async () => {
    let subnet = await startLocalSubnet({ plugins, minersCount: 1, simulatedValidators: 0, externalMiners: [], seed: 'restart' });
    try {
      const signed = signBoth(subnet.miners[0].hotkey);
      assert.deepEqual([(await send(subnet, signed)).axon[0]], [200]);
      subnet = await restart(subnet, undefined);
      const replayed = await send(subnet, signed);
      assert.deepEqual([replayed.axon[0], replayed.epistula[0]], [200, 200]);
    } finally {
      await subnet.close();
    }
  });
});
