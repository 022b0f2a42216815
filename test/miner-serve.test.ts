/**
 * A miner developer's loop: `validator miner serve` in one process, `validator run --miners` in
 * another, the served miner scored alongside the reference miners.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { runCli, startCli } from './cli.js';

describe('validator miner serve', () => {
  let dir: string;
  let served: ReturnType<typeof startCli>;
  let line: { hotkey: string; url: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-serve-'));
    served = startCli(['miner', 'serve', '--plugin', 'text', '--port', '0', '--hotkey', '//Bob', '--skill', '1']);
    line = await new Promise((resolve, reject) => {
      let out = '';
      served.child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const newline = out.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)) as { hotkey: string; url: string });
      });
      served.done.then((r) => reject(new Error(`miner serve exited: ${r.stderr}`)));
    });
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
    assert.equal(responses, 16);
    assert.equal(ok, 16);
    // Closed tasks have one right answer, which a miner of skill 1 always gives.
    const [[closed]] = auditQuery(db, "SELECT AVG(final) FROM v_response_outcomes WHERE hotkey = ? AND kind NOT IN ('continuation', 'summary')", [line.hotkey]).rows as number[][];
    assert.equal(closed, 1);
  });

  it('stops cleanly on SIGTERM', async () => {
    served.child.kill('SIGTERM');
    const result = await served.done;
    assert.equal(result.code, 0, result.stderr);
  });
});
