import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlugin } from '../plugin-loader.js';
import { nonceDbBeside } from '../transport/nonce-store.js';
import { runLocalValidator } from './runner.js';

describe('runLocalValidator', () => {
  it('closes the local subnet (its nonce store) and the store when the evaluator pool cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-runner-'));
    const db = join(dir, 'proctor.db');
    try {
      const plugin = await loadPlugin('text');
      await assert.rejects(
        runLocalValidator({ plugins: [plugin], db, rounds: 1, seed: 'runner', minersCount: 1, simulatedValidators: 0, externalMiners: [], poolSize: 0, evaluatorTimeoutMs: 10_000, emaAlpha: 0.1, log: () => {} }),
        (err: { code?: string }) => err.code === 'PROCTOR_ERR_RUN_OPTIONS',
      );
      // The nonce store was opened (the subnet started) and then closed: SQLite removes the WAL file on the last close.
      assert.ok(existsSync(nonceDbBeside(db)));
      assert.equal(existsSync(`${nonceDbBeside(db)}-wal`), false, 'the nonce store is still open');
      assert.equal(existsSync(`${db}-wal`), false, 'the run store is still open');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
