/**
 * `validator run --plugins text,image`: both plugins on the local subnet in the same rounds, their
 * scores combined by plugin share, and the image answers scored by all three image evaluators.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import { runCli } from './cli.js';

describe('validator run --plugins text,image', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-image-run-'));
    db = join(dir, 'proctor.db');
    const result = await runCli(['run', '--plugins', 'text,image', '--plugin-shares', 'text=1,image=3', '--rounds', '2', '--miners-count', '4', '--validators', '1', '--seed', 'images', '--db', db, '--json']);
    assert.equal(result.code, 0, result.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('asks every miner every task of both plugins and gets an answer in the schema', () => {
    const rows = auditQuery(db, "SELECT t.plugin, r.status, COUNT(*) FROM responses r JOIN tasks t ON t.id = r.task_id GROUP BY t.plugin, r.status ORDER BY t.plugin").rows as [string, string, number][];
    assert.deepEqual(rows.map((r) => r.slice(0, 2)), [['image', 'ok'], ['text', 'ok']]);
    assert.equal(rows[0][2], 2 * 4 * 6);
    // A text replay probe goes only to hotkeys never sent its original, which in a two-round run of the same miners may be none.
    const [[sent]] = auditQuery(db, "SELECT COUNT(*) FROM tasks WHERE plugin = 'text'").rows as number[][];
    assert.ok(rows[1][2] <= sent * 4 && rows[1][2] >= (sent - 2) * 4, `text responses ${rows[1][2]} for ${sent} tasks`);
  });

  it('scores image answers with the validity gate and the evaluator of their kind, without evaluation errors', () => {
    const rows = auditQuery(db, "SELECT s.evaluator, COUNT(*), SUM(s.status = 'error') FROM scores s JOIN responses r ON r.id = s.response_id JOIN tasks t ON t.id = r.task_id WHERE t.plugin = 'image' GROUP BY s.evaluator ORDER BY s.evaluator").rows;
    assert.deepEqual(rows, [['image-fidelity', 2 * 4 * 4, 0], ['image-validity', 2 * 4 * 6, 0], ['ocr-match', 2 * 4 * 2, 0]]);
  });

  it('combines the two plugins by the shares given, and stores each part', () => {
    const shares = auditQuery(db, 'SELECT DISTINCT plugin, share FROM miner_plugin_scores ORDER BY plugin').rows;
    assert.deepEqual(shares, [['image', 0.75], ['text', 0.25]]);
    const mismatches = auditQuery(
      db,
      `SELECT m.round_id, m.uid, m.score, SUM(p.share * p.score) AS parts FROM miner_round_scores m
       JOIN miner_plugin_scores p ON p.round_id = m.round_id AND p.uid = m.uid GROUP BY m.round_id, m.uid HAVING ABS(m.score - parts) > 1e-12`,
    ).rows;
    assert.deepEqual(mismatches, []);
  });

  it('pays no copy: honest reference miners never trip the near-duplicate detector', () => {
    assert.deepEqual(auditQuery(db, "SELECT COUNT(*) FROM findings WHERE detector = 'near-duplicate-image'").rows, [[0]]);
  });
});

function listen(respond: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(respond());
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('an image round with misbehaving miners', () => {
  let dir: string;
  let db: string;
  const servers: Server[] = [];
  const hotkeys: Record<string, string> = {};

  before(async () => {
    await cryptoReady();
    dir = mkdtempSync(join(tmpdir(), 'proctor-image-faults-'));
    db = join(dir, 'proctor.db');
    const blank = await sharp({ create: { width: 128, height: 128, channels: 3, background: '#808080' } }).png().toBuffer();
    const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123456' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 128, height: 128, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const photo = await sharp({ create: { width: 128, height: 128, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    const faults: Record<string, () => string> = {
      jpeg: () => JSON.stringify({ image: jpeg.toString('base64') }),
      text: () => JSON.stringify({ image: Buffer.from('a restored image, trust me').toString('base64') }),
      truncated: () => JSON.stringify({ image: photo.subarray(0, photo.length >> 1).toString('base64') }),
      blank: () => JSON.stringify({ image: blank.toString('base64') }),
      'wrong-size': () => JSON.stringify({ image: tiny.toString('base64') }),
      huge: () => JSON.stringify({ image: 'A'.repeat(7 * 1024 * 1024) }),
    };
    const entries = [];
    let k = 950;
    for (const [name, respond] of Object.entries(faults)) {
      const { server, url } = await listen(respond);
      servers.push(server);
      hotkeys[name] = devHotkey('miner', k++).address;
      entries.push({ hotkey: hotkeys[name], url });
    }
    const miners = join(dir, 'miners.json');
    writeFileSync(miners, JSON.stringify(entries));
    const result = await runCli(['run', '--plugins', 'image', '--rounds', '1', '--miners-count', '1', '--validators', '1', '--miners', miners, '--db', db, '--json']);
    assert.equal(result.code, 0, result.stderr);
  });
  after(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  const outcome = (who: string) =>
    auditQuery(
      db,
      `SELECT r.status, MAX(rs.final), GROUP_CONCAT(DISTINCT COALESCE(r.error, json_extract(s.details, '$.reason'))) FROM responses r
       JOIN response_scores rs ON rs.response_id = r.id LEFT JOIN scores s ON s.response_id = r.id AND s.evaluator = 'image-validity'
       WHERE r.hotkey = ? GROUP BY r.status`,
      [hotkeys[who]],
    ).rows as [string, number, string][];

  it('records a JPEG, bytes of no image format and a body over the cap as failed responses, scored 0', () => {
    for (const [who, status, reason] of [
      ['jpeg', 'invalid_response', /not a JPEG/],
      ['text', 'invalid_response', /no image format/],
      ['huge', 'too_large', /./],
    ] as const) {
      const rows = outcome(who);
      assert.equal(rows.length, 1, `${who}: ${JSON.stringify(rows)}`);
      assert.equal(rows[0][0], status, who);
      assert.equal(rows[0][1], 0, who);
      assert.match(rows[0][2], reason, who);
    }
  });

  it('scores a truncated file, a blank image and the wrong size 0, with the reason stored', () => {
    for (const [who, reason] of [
      ['truncated', /cannot be decoded/],
      ['blank', /blank|constant/i],
      ['wrong-size', /16×16|size|dimension/i],
    ] as const) {
      const rows = outcome(who);
      assert.equal(rows.length, 1, `${who}: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows[0].slice(0, 2), ['ok', 0], who);
      assert.match(rows[0][2], reason, who);
    }
  });

  it('still pays the honest reference miner', () => {
    const [[score]] = auditQuery(db, "SELECT MAX(score) FROM miner_round_scores WHERE hotkey NOT IN (SELECT value FROM json_each(?))", [JSON.stringify(Object.values(hotkeys))]).rows as number[][];
    assert.ok(score > 0, String(score));
  });
});
