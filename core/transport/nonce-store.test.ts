import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { createMemoryNonceStore, nonceDbBeside, openNonceStore, type NonceStore } from './nonce-store.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-nonces-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `nonces-${files++}.sqlite`);

const kinds: [string, () => NonceStore][] = [
  ['memory', createMemoryNonceStore],
  ['SQLite', () => openNonceStore(freshPath())],
];

for (const [kind, open] of kinds) {
  describe(`nonce store (${kind})`, () => {
    it('accepts a nonce only when it is above every nonce accepted for its key', () => {
      const claim = fc.record({ key: fc.constantFrom('a', 'b', 'c'), nonce: fc.bigInt({ min: 0n, max: 50n }) });
      fc.assert(
        fc.property(fc.array(claim, { maxLength: 60 }), (claims) => {
          const store = open();
          const highest = new Map<string, bigint>();
          try {
            for (const { key, nonce } of claims) {
              const expected = !highest.has(key) || nonce > (highest.get(key) as bigint);
              assert.equal(store.claim(key, nonce, 10_000, 0), expected);
              if (expected) highest.set(key, nonce);
            }
          } finally {
            store.close();
          }
        }),
        { numRuns: kind === 'memory' ? 200 : 40 },
      );
    });

    it('forgets entries once they expire, so it holds only the nonces of the window', () => {
      const store = open();
      try {
        for (let i = 0; i < 100; i++) assert.equal(store.claim(`k${i}`, 5n, 1000 + i, 0), true);
        assert.equal(store.size(0), 100);
        assert.equal(store.size(1050), 50);
        assert.equal(store.size(5000), 0);
        // A forgotten key starts afresh: the freshness window, not the store, stops an old nonce then.
        assert.equal(store.claim('k1', 1n, 9000, 5000), true);
      } finally {
        store.close();
      }
    });

    it('refuses nonces that do not fit a signed 64-bit integer', () => {
      const store = open();
      try {
        assert.equal(store.claim('k', -1n, 10, 0), false);
        assert.equal(store.claim('k', 2n ** 63n, 10, 0), false);
        assert.equal(store.claim('k', 2n ** 63n - 1n, 10, 0), true);
        assert.equal(store.claim('k', 2n ** 63n - 1n, 10, 0), false);
      } finally {
        store.close();
      }
    });
  });
}

describe('nonce store (SQLite) across restarts', () => {
  it('still refuses a claimed nonce after the store is closed and reopened', () => {
    const path = freshPath();
    const first = openNonceStore(path);
    assert.equal(first.claim('miner|axon|validator|session', 1_750_000_000_000_000_000n, Date.now() + 60_000), true);
    first.close();
    const second = openNonceStore(path);
    try {
      assert.equal(second.claim('miner|axon|validator|session', 1_750_000_000_000_000_000n, Date.now() + 60_000), false);
      assert.equal(second.claim('miner|axon|validator|session', 1_750_000_000_000_000_001n, Date.now() + 60_000), true);
    } finally {
      second.close();
    }
  });

  it('shares one order between two stores open on the same file', () => {
    const path = freshPath();
    const a = openNonceStore(path);
    const b = openNonceStore(path);
    try {
      assert.equal(a.claim('k', 10n, Date.now() + 60_000), true);
      assert.equal(b.claim('k', 10n, Date.now() + 60_000), false);
      assert.equal(b.claim('k', 11n, Date.now() + 60_000), true);
      assert.equal(a.claim('k', 11n, Date.now() + 60_000), false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('fails with PROCTOR_ERR_TRANSPORT_NONCE_STORE on a missing folder or a file that is not SQLite', () => {
    assert.throws(() => openNonceStore(join(dir, 'no-such-folder', 'n.sqlite')), { code: 'PROCTOR_ERR_TRANSPORT_NONCE_STORE' });
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not a database, just text that is long enough to have a header '.repeat(20));
    assert.throws(() => openNonceStore(junk), { code: 'PROCTOR_ERR_TRANSPORT_NONCE_STORE' });
  });
});

describe('nonceDbBeside', () => {
  it('names the file after the run database, in its folder, and keeps :memory: in memory', () => {
    assert.equal(nonceDbBeside('./proctor.db'), 'proctor.nonces.db');
    assert.equal(nonceDbBeside(join(dir, 'runs', 'demo.sqlite')), join(dir, 'runs', 'demo.nonces.db'));
    assert.equal(nonceDbBeside('history'), 'history.nonces.db');
    assert.equal(nonceDbBeside(':memory:'), ':memory:');
  });
});
