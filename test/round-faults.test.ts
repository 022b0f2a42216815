/**
 * Fault injection into a real round: evaluators that throw, hang or kill their worker, and miners
 * that send 50 MB, invalid JSON, refuse our signature or drip bytes. Each fault becomes a recorded
 * row for that (task, response); the round completes and everyone else is scored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { auditQuery } from '../core/store/audit.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import { startMinerServer } from '../core/transport/miner-server.js';
import { runCli } from './cli.js';
import { repoRoot } from './paths.js';

describe('a round with misbehaving evaluators', () => {
  let dir: string;
  let db: string;
  let result: Awaited<ReturnType<typeof runCli>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-faults-'));
    db = join(dir, 'proctor.db');
    const plugin = join(repoRoot, 'dist', 'test', 'fixtures', 'plugins', 'faulty.js');
    result = await runCli(['run', '--plugins', plugin, '--rounds', '1', '--miners-count', '2', '--validators', '1', '--evaluator-timeout', '400', '--db', db, '--json']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('completes the round', () => {
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(auditQuery(db, 'SELECT status FROM rounds').rows, [['complete']]);
  });

  it('records a throw, a hang and a killed worker as errors of those samples only', () => {
    const rows = auditQuery(db, "SELECT evaluator, error_code, COUNT(*) FROM scores WHERE status = 'error' GROUP BY evaluator, error_code ORDER BY evaluator").rows;
    assert.deepEqual(rows, [
      ['exits', 'PROCTOR_ERR_EVALUATOR_WORKER_EXIT', 2],
      ['hangs', 'PROCTOR_ERR_EVALUATOR_TIMEOUT', 2],
      ['throws', 'PROCTOR_ERR_EVALUATOR_FAILED', 2],
    ]);
    const ok = auditQuery(db, "SELECT COUNT(*) FROM scores WHERE status = 'ok' AND value = 1").rows[0][0];
    assert.equal(ok, 4 * 2 * 3 - 6);
  });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('a round with misbehaving miners', () => {
  let dir: string;
  let db: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  const servers: { close(): unknown }[] = [];
  const hotkeys: Record<string, string> = {};

  before(async () => {
    await cryptoReady();
    dir = mkdtempSync(join(tmpdir(), 'proctor-miners-'));
    db = join(dir, 'proctor.db');
    const huge = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent >= 50) res.end();
        else res.once('drain', pump);
      };
      res.on('error', () => {});
      pump();
    });
    const invalid = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"answer": "4",');
    });
    const drip = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });
    // A real miner that verifies signatures, listed under another hotkey: our signature is for the
    // wrong recipient, and it refuses.
    const refusing = await startMinerServer({ hotkey: devHotkey('miner', 900), routes: { '/proctor/v1/text': () => ({ answer: '0' }) } });
    servers.push(huge.server, invalid.server, drip.server, refusing);
    hotkeys.huge = devHotkey('miner', 901).address;
    hotkeys.invalid = devHotkey('miner', 902).address;
    hotkeys.drip = devHotkey('miner', 903).address;
    hotkeys.refusing = devHotkey('miner', 904).address;
    const miners = join(dir, 'miners.json');
    writeFileSync(
      miners,
      JSON.stringify([
        { hotkey: hotkeys.huge, url: huge.url },
        { hotkey: hotkeys.invalid, url: invalid.url },
        { hotkey: hotkeys.drip, url: drip.url },
        { hotkey: hotkeys.refusing, url: refusing.url },
      ]),
    );
    result = await runCli(['run', '--plugins', 'text', '--rounds', '1', '--miners-count', '2', '--validators', '1', '--miners', miners, '--db', db, '--json']);
  });
  after(async () => {
    for (const s of servers) (s as Server).closeAllConnections?.();
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes the round and scores the reference miners', () => {
    assert.equal(result.code, 0, result.stderr);
    const ok = auditQuery(db, "SELECT COUNT(*) FROM responses WHERE status = 'ok'").rows[0][0];
    assert.equal(ok, 2 * 8);
  });

  it('records each fault as a failed response within the deadline, scored 0', () => {
    const rows = auditQuery(
      db,
      'SELECT hotkey, status, MAX(latency_ms), MAX(rs.final), COUNT(*) FROM responses r JOIN response_scores rs ON rs.response_id = r.id GROUP BY hotkey, status',
    ).rows as [string, string, number, number, number][];
    const byHotkey = new Map(rows.map((r) => [r[0], r]));
    const expect = (who: string, status: string) => {
      const row = byHotkey.get(hotkeys[who]);
      assert.ok(row, `no responses of ${who}`);
      assert.equal(row[1], status, `${who}`);
      assert.equal(row[4], 8, `${who}: one row per task`);
      assert.equal(row[3], 0, `${who}: scored 0`);
      assert.ok(row[2] <= 5000 + 1000, `${who}: latency ${row[2]} ms past the 5 s deadline`);
    };
    expect('huge', 'too_large');
    expect('invalid', 'invalid_json');
    expect('drip', 'timeout');
    expect('refusing', 'http_error');
  });

  it('keeps no more of a 50 MB answer than the response cap', () => {
    const size = auditQuery(db, "SELECT MAX(LENGTH(body)) FROM responses WHERE status = 'too_large'").rows[0][0] as number | null;
    assert.ok((size ?? 0) <= 65536);
  });
});
