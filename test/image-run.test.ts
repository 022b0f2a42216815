/**
 * `validator run --plugins text,image`: both plugins on the local subnet in the same rounds, their
 * scores combined by plugin share, and the image answers scored by all three image evaluators.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
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
    const rows = auditQuery(db, "SELECT t.plugin, r.status, COUNT(*) FROM responses r JOIN tasks t ON t.id = r.task_id GROUP BY t.plugin, r.status ORDER BY t.plugin").rows;
    assert.deepEqual(rows, [['image', 'ok', 2 * 4 * 6], ['text', 'ok', 2 * 4 * 8]]);
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
