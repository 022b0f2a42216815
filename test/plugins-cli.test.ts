/**
 * A subnet author's path: scaffold a plugin, run its own test, check it, and run the local subnet
 * with it loaded from its folder; plus the loader's refusals, each with its code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { runCli } from './cli.js';

describe('validator plugins', () => {
  let dir: string;
  let folder: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-plugins-'));
    folder = join(dir, 'my-subnet');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the built-in plugins and evaluators', async () => {
    const { code, stdout } = await runCli(['plugins', 'list', '--json']);
    assert.equal(code, 0);
    const list = JSON.parse(stdout) as { plugins: { name: string }[]; evaluators: string[] };
    assert.ok(list.plugins.some((p) => p.name === 'text'));
    assert.ok(list.evaluators.includes('ground-truth'));
  });

  it('scaffolds a plugin whose own test passes as generated', async () => {
    const { code, stdout, stderr } = await runCli(['plugins', 'new', 'my-subnet', '--dir', dir]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /created .*my-subnet/);
    // Run as a user would: not as a child of this test runner (which would change its reporter).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const test = spawnSync(process.execPath, ['--test', '--test-reporter=tap'], { cwd: folder, encoding: 'utf8', env });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /# pass 4/);
  });

  it('refuses to scaffold over an existing folder', async () => {
    const { code, stderr } = await runCli(['plugins', 'new', 'my-subnet', '--dir', dir]);
    assert.equal(code, 2);
    assert.match(stderr, /^\[PROCTOR_ERR_PLUGIN_EXISTS\]/);
  });

  it('checks the scaffolded plugin', async () => {
    const { code, stdout, stderr } = await runCli(['plugins', 'check', folder]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /tasks: 8 per round, deterministic for a seed/);
    assert.match(stdout, /mean combined score 1\.000/);
  });

  it('runs the local subnet with the plugin loaded from its folder', async () => {
    const db = join(dir, 'run.db');
    const { code, stderr } = await runCli(['run', '--plugins', folder, '--rounds', '2', '--miners-count', '4', '--validators', '1', '--db', db, '--json']);
    assert.equal(code, 0, stderr);
    const rows = auditQuery(db, "SELECT s.evaluator, s.evaluator_version, COUNT(*) FROM scores s GROUP BY 1, 2").rows;
    assert.deepEqual(rows, [['my-subnet-exact', '1.0.0', 2 * 8 * 4]]);
  });

  it('suggests the nearest name for an unknown plugin', async () => {
    const { code, stderr } = await runCli(['run', '--plugins', 'txt', '--rounds', '1', '--db', join(dir, 'x.db')]);
    assert.equal(code, 2);
    assert.match(stderr, /^\[PROCTOR_ERR_PLUGIN_NOT_FOUND\] no plugin "txt": did you mean "text"\?/);
  });

  it('refuses a plugin for another engine, with unknown evaluators, or with bad weights', async () => {
    const plugin = join(folder, 'plugin.js');
    const original = readFileSync(plugin, 'utf8');
    const cases: [string, string, RegExp][] = [
      [original.replace(/engine: '[^']+'/, "engine: '^9.0.0'"), 'PROCTOR_ERR_PLUGIN_ENGINE_RANGE', /needs engine \^9\.0\.0/],
      [original.replace("{ weight: 1, module: './evaluator.js' }", '{ weight: 1 }'), 'PROCTOR_ERR_PLUGIN_EVALUATOR_UNKNOWN', /my-subnet-exact/],
      [original.replace("{ weight: 1, module: './evaluator.js' }", "{ weight: -1, module: './evaluator.js' }"), 'PROCTOR_ERR_PLUGIN_WEIGHTS', /each must be a finite number ≥ 0/],
      [original.replace('perRound: 8', 'perRound: 0'), 'PROCTOR_ERR_PLUGIN_INVALID', /tasks\.perRound/],
    ];
    try {
      for (const [source, code, message] of cases) {
        writeFileSync(plugin, source);
        const result = await runCli(['plugins', 'check', folder]);
        assert.equal(result.code, 2, `${code}: ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`^\\[${code}\\]`));
        assert.match(result.stderr, message);
      }
    } finally {
      writeFileSync(plugin, original);
    }
  });
});

describe('validator audit sql', () => {
  it('refuses a write with a coded error, exit 2 and nothing on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-audit-'));
    try {
      const db = join(dir, 'p.db');
      assert.equal((await runCli(['run', '--rounds', '1', '--miners-count', '2', '--validators', '0', '--db', db])).code, 0);
      const before = readFileSync(db);
      const refused = await runCli(['audit', 'sql', 'DELETE FROM scores', '--db', db]);
      assert.equal(refused.code, 2);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /^\[PROCTOR_ERR_AUDIT_WRITE_REFUSED\]/);
      assert.ok(readFileSync(db).equals(before), 'the file changed');
      const answered = await runCli(['audit', 'sql', 'SELECT COUNT(*) AS n FROM responses', '--db', db, '--json']);
      assert.deepEqual(JSON.parse(answered.stdout), [{ n: 16 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
