/**
 * A miner developer's loop: `validator miner serve` in one process, `validator run --miners` in
 * another, the served miner scored alongside the reference miners.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { createNonceClock, signAxonRequest } from '../core/transport/axon.js';
import { cryptoReady, hotkeyFromSecret } from '../core/transport/keys.js';
import { runCli, startCli } from './cli.js';
import { repoRoot } from './paths.js';

/** The `{"hotkey", "url"}` line `miner serve` prints once it listens. */
function firstLine(served: ReturnType<typeof startCli>): Promise<{ hotkey: string; url: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    served.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)) as { hotkey: string; url: string });
    });
    served.done.then((r) => reject(new Error(`miner serve exited: ${r.stderr}`)));
  });
}

describe('validator miner serve', () => {
  let dir: string;
  let served: ReturnType<typeof startCli>;
  let line: { hotkey: string; url: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-serve-'));
    served = startCli(['miner', 'serve', '--plugin', 'text', '--port', '0', '--hotkey', '//Bob', '--skill', '1'], { cwd: dir });
    line = await firstLine(served);
  });
  after(async () => {
    served.child.kill('SIGTERM');
    await served.done;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the {"hotkey", "url"} line a --miners file takes', () => {
    assert.equal(line.hotkey, '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
    assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('is queried, signed for its hotkey, and scored by a local run', async () => {
    const miners = join(dir, 'miners.json');
    writeFileSync(miners, JSON.stringify([line]));
    const db = join(dir, 'p.db');
    const result = await runCli(['run', '--rounds', '2', '--miners-count', '3', '--validators', '1', '--miners', miners, '--db', db, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [[responses, ok]] = auditQuery(db, 'SELECT COUNT(*), SUM(status = \'ok\') FROM v_response_outcomes WHERE hotkey = ?', [line.hotkey]).rows as number[][];
    // Every task of the two rounds, except replay probes: those go only to hotkeys never sent the
    // original, and this miner was sent every original (the run's seed is random, so their number varies).
    const [[tasks, replays]] = auditQuery(db, "SELECT COUNT(*), COALESCE(SUM(json_extract(meta, '$.probe.kind') = 'replay'), 0) FROM tasks").rows as number[][];
    assert.equal(tasks, 16);
    assert.equal(responses, tasks - replays);
    assert.equal(ok, responses);
    // Closed tasks have one right answer, which a miner of skill 1 always gives.
    const [[closed]] = auditQuery(db, "SELECT AVG(final) FROM v_response_outcomes WHERE hotkey = ? AND kind NOT IN ('continuation', 'summary')", [line.hotkey]).rows as number[][];
    assert.equal(closed, 1);
  });

  it('stops cleanly on SIGTERM, its nonces in ./proctor-miner-nonces.db of its working directory', async () => {
    served.child.kill('SIGTERM');
    const result = await served.done;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, 'proctor-miner-nonces.db')));
  });
});

describe('validator miner serve --nonce-db, restarted', () => {
  const fixture = join(repoRoot, 'dist', 'test', 'fixtures', 'plugins', 'axon-sums.js');
  const synapse = { name: 'ProctorSums', hashFields: ['task_id', 'kind', 'prompt', 'payload', 'deadline_ms'] };
  const body = { task_id: '1-axon-sums-0', kind: 'arithmetic', prompt: 'What is 2 + 3?', payload: { a: 2, b: 3 }, deadline_ms: 5000 };
  let dir: string;
  before(async () => {
    await cryptoReady();
    dir = mkdtempSync(join(tmpdir(), 'proctor-serve-nonces-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function serveOnce(args: string[], send: (url: string) => Promise<Response>): Promise<Response> {
    const served = startCli(['miner', 'serve', '--plugin', fixture, '--hotkey', '//Bob', '--skill', '1', ...args], { cwd: dir });
    try {
      return await send((await firstLine(served)).url);
    } finally {
      served.child.kill('SIGTERM');
      assert.equal((await served.done).code, 0);
    }
  }

  it('refuses, after a restart on the same file, a request it answered before (an axon plugin, real HTTP)', async () => {
    const clock = createNonceClock();
    const bob = hotkeyFromSecret('//Bob').address;
    // The axon window is now − 4 s − timeout: a 60 s timeout keeps the nonce fresh however slowly the CLI restarts.
    const headers = { ...signAxonRequest({ body, synapse, signer: hotkeyFromSecret('//Alice'), axon: { hotkey: bob, ip: '127.0.0.1', port: 1 }, nonce: clock(), uuid: 'cli-restart', timeoutMs: 60_000 }), 'Content-Type': 'application/json', Connection: 'close' };
    const post = (url: string) => fetch(`${url}/${synapse.name}`, { method: 'POST', body: JSON.stringify(body), headers });
    const nonceDb = join(dir, 'miner.nonces.db');
    const first = await serveOnce(['--nonce-db', nonceDb], post);
    assert.equal(first.status, 200);
    assert.equal(((await first.json()) as { answer: string }).answer, '5');
    const replayed = await serveOnce(['--nonce-db', nonceDb], post);
    assert.deepEqual({ status: replayed.status, json: await replayed.json() }, { status: 401, json: { error: 'replayed', message: 'replayed' } });
    // The control: a miner that forgets its nonces answers the same replay.
    const forgetful = await serveOnce(['--nonce-db', ':memory:'], post);
    assert.equal(forgetful.status, 200);
  });
});
