/**
 * The miner's memory of accepted nonces: per key (recipient, scheme, sender, session) the last
 * nonce accepted, which the next one must exceed. Kept on disk (SQLite) so that a restarted miner
 * still refuses a replay of a request it answered before the restart; kept only as long as such a
 * nonce could pass the freshness window, so the store stays small however long the miner runs.
 */
import { basename, dirname, extname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { proctorError } from '../errors.js';

export interface NonceStore {
  /** The SQLite file, or null for a store in memory. */
  readonly path: string | null;
  /**
   * Accepts `nonce` for `key` when it is greater than every nonce accepted for `key` and not yet
   * forgotten; remembers it until `keepUntilMs`. The check and the write are one atomic step, even
   * across processes sharing the file.
   */
  claim(key: string, nonce: bigint, keepUntilMs: number, now?: number): boolean;
  /** Entries held after dropping the expired ones. */
  size(now?: number): number;
  close(): void;
}

/** Expired entries are dropped at most this often, so a claim stays one indexed write. */
const PRUNE_EVERY_MS = 1000;
/** Nonces are SQLite INTEGERs: signed 64-bit. Nothing fresh comes near the limit. */
const MAX_NONCE = 2n ** 63n - 1n;

function storable(nonce: bigint): boolean {
  return typeof nonce === 'bigint' && nonce >= 0n && nonce <= MAX_NONCE;
}

/**
 * A store in memory: nonces are forgotten when the process ends, so a replay within the freshness
 * window after a restart is accepted. Fine for tests and the local subnet; a miner on a real network
 * should use `openNonceStore(path)`.
 */
export function createMemoryNonceStore(): NonceStore {
  const entries = new Map<string, { nonce: bigint; keepUntilMs: number }>();
  let nextPrune = 0;
  const prune = (now: number) => {
    if (now < nextPrune) return;
    nextPrune = now + PRUNE_EVERY_MS;
    for (const [key, entry] of entries) if (entry.keepUntilMs < now) entries.delete(key);
  };
  return {
    path: null,
    claim(key, nonce, keepUntilMs, now = Date.now()) {
      if (!storable(nonce)) return false;
      prune(now);
      const last = entries.get(key);
      if (last !== undefined && nonce <= last.nonce) return false;
      entries.set(key, { nonce, keepUntilMs: Math.max(keepUntilMs, last?.keepUntilMs ?? 0) });
      return true;
    },
    size(now = Date.now()) {
      nextPrune = 0;
      prune(now);
      return entries.size;
    },
    close() {
      entries.clear();
    },
  };
}

const SCHEMA = 'CREATE TABLE IF NOT EXISTS proctor_nonces (key TEXT PRIMARY KEY, nonce INTEGER NOT NULL, keep_until INTEGER NOT NULL) WITHOUT ROWID';

/**
 * A store in a SQLite file, created if absent. Writes are in WAL mode with `synchronous = NORMAL`:
 * an accepted nonce survives the process being killed; only a power cut can lose the last few.
 *
 * @example
 * ```ts
 * const nonces = openNonceStore('miner-nonces.sqlite');
 * const server = await startMinerServer({ hotkey, routes, nonceStore: nonces });
 * ```
 * @throws PROCTOR_ERR_TRANSPORT_NONCE_STORE when the file cannot be opened or holds something else.
 */
export function openNonceStore(path: string): NonceStore {
  let db: Db;
  let upsert: Statement;
  let prune: Statement;
  let count: Statement;
  try {
    db = new Database(path);
  } catch (error) {
    throw proctorError('PROCTOR_ERR_TRANSPORT_NONCE_STORE', { path, detail: (error as Error).message }, error);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const columns = (db.pragma('table_info(proctor_nonces)') as { name: string }[]).map((c) => c.name).join(',');
    if (columns !== 'key,nonce,keep_until') throw new Error(`table proctor_nonces has columns ${columns}`);
    // The WHERE makes the upsert a no-op (0 changes) unless the nonce is new or greater.
    upsert = db.prepare(
      'INSERT INTO proctor_nonces (key, nonce, keep_until) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET nonce = excluded.nonce, keep_until = max(keep_until, excluded.keep_until) WHERE excluded.nonce > proctor_nonces.nonce',
    );
    prune = db.prepare('DELETE FROM proctor_nonces WHERE keep_until < ?');
    count = db.prepare('SELECT count(*) AS n FROM proctor_nonces').pluck();
  } catch (error) {
    db.close();
    throw proctorError('PROCTOR_ERR_TRANSPORT_NONCE_STORE', { path, detail: (error as Error).message }, error);
  }
  let nextPrune = 0;
  const pruneIfDue = (now: number) => {
    if (now < nextPrune) return;
    nextPrune = now + PRUNE_EVERY_MS;
    prune.run(now);
  };
  return {
    path,
    claim(key, nonce, keepUntilMs, now = Date.now()) {
      if (!storable(nonce)) return false;
      pruneIfDue(now);
      return upsert.run(key, nonce, Math.ceil(keepUntilMs)).changes === 1;
    },
    size(now = Date.now()) {
      nextPrune = 0;
      pruneIfDue(now);
      return Number(count.get());
    },
    close() {
      if (db.open) db.close();
    },
  };
}

/**
 * Where a run's miners keep their nonces: a file beside the run's database, named after it, so a
 * run restarted on the same database finds them (and `:memory:` stays in memory).
 *
 * @example
 * ```ts
 * nonceDbBeside('./proctor.db');     // 'proctor.nonces.db'
 * nonceDbBeside('/tmp/demo.sqlite'); // '/tmp/demo.nonces.db'
 * ```
 */
export function nonceDbBeside(db: string): string {
  if (db === ':memory:' || db === '') return ':memory:';
  return join(dirname(db), `${basename(db, extname(db))}.nonces.db`);
}
