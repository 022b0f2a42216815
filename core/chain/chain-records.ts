/**
 * What a validator on a real chain writes besides the round's scores (schema v3, v8): every weight
 * submission (or why it was skipped) and hash commits with their salts and an event log, so a
 * restarted validator finds what it still has to reveal. A round's submission rows and its commit
 * are written in the transaction that completes the round (`atomically`); a row sent after that
 * says `pending` until `settleSubmission` writes its outcome, once, in one transaction. Commit
 * events are the commit's own log, written as the chain answers. Nothing else ever changes a row.
 */
import type { Database } from 'better-sqlite3';
import type { ProctorError } from '../errors.js';
import type { Submission, SubmissionOutcome } from './submit.js';

export interface NewCommit {
  roundId: number | null;
  network: string;
  genesisHash: string;
  netuid: number;
  hotkey: string;
  commitHash: string;
  uids: number[];
  weights: number[];
  salt: number[];
  versionKey: bigint;
}

export interface PendingCommit extends NewCommit {
  id: number;
  createdAt: string;
  /** Whether a `committed` event was recorded (the commit was seen in a block or in storage). */
  confirmed: boolean;
}

export type CommitEvent = 'committed' | 'commit_failed' | 'revealed' | 'reveal_failed' | 'expired' | 'vanished';

export interface SubmissionRecord {
  roundId: number;
  network: string;
  netuid: number;
  mode: 'set_weights' | 'commit' | 'reveal';
  uids: readonly number[];
  weights: readonly number[];
  versionKey: bigint;
  /** The snapshot's block; the inclusion block replaces it when there is one. */
  block: number;
  /**
   * What came of it; null when the validator decided not to submit (`skip` says why) or has not
   * sent it yet (no `skip`: the row says `pending` until `settleSubmission`).
   */
  submission: Submission | null;
  skip?: { reason: string; error: ProctorError | null };
}

/** A commit event to write in the transaction that settles the commit's submission. */
export interface SettleEvent {
  commitId: number;
  event: CommitEvent;
  block: number | null;
  detail: string | null;
}

export interface ChainRecords {
  recordCommit(commit: NewCommit): number;
  commitEvent(commitId: number, event: CommitEvent, block: number | null, detail: string | null): void;
  pendingCommits(genesisHash: string, netuid: number, hotkey: string): PendingCommit[];
  /** Inserts a submission row; returns its id. */
  recordSubmission(record: SubmissionRecord): number;
  /**
   * Writes the outcome of a `pending` submission and `event` in one transaction; false (and
   * nothing written) when the row is not pending, so a repeated call changes nothing.
   */
  settleSubmission(submissionId: number, submission: Submission, event: SettleEvent | null): boolean;
  /**
   * At start-up: rows of `network`/`netuid` still `pending` were sent (or about to be) by a run that
   * stopped before the chain answered; they become `unknown` with a detail saying so (for a commit,
   * what became of it is in its `weight_commit_events`, which the next reveal pass writes). Returns
   * how many.
   */
  settleStalePending(network: string, netuid: number): number;
  /** Runs `write` in one transaction (a savepoint inside an open one): all of its rows or none. */
  atomically<T>(write: () => T): T;
}

/** The detail of a row whose run stopped between sending and the chain's answer, by mode. */
export const STALE_PENDING_DETAIL = {
  set_weights: 'the validator stopped before the chain answered: whether these weights were set is not known',
  commit: 'the validator stopped before the chain answered: what became of the commit is in weight_commit_events',
} as const;

/** How a submission outcome reads in `weight_submissions.outcome`. */
const OUTCOME: Record<SubmissionOutcome, string> = { included: 'accepted', failed: 'failed', rejected: 'rejected', unknown: 'unknown' };

const chainName = (e: ProctorError | null | undefined): string | null => ((e?.data as { name?: string } | undefined)?.name ?? null);

/**
 * The chain records of an open store's database.
 *
 * @example
 * ```ts
 * const records = chainRecords(store.db);
 * const id = records.recordCommit({ ...commit, salt });  // before submitting: a crash cannot lose the salt
 * ```
 */
export function chainRecords(db: Database): ChainRecords {
  const insertCommit = db.prepare(
    `INSERT INTO weight_commits (round_id, network, genesis_hash, netuid, hotkey, commit_hash, uids, weights, salt, version_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare('INSERT INTO weight_commit_events (commit_id, event, block, detail, at) VALUES (?, ?, ?, ?, ?)');
  const selectPending = db.prepare(
    `SELECT p.*, EXISTS (SELECT 1 FROM weight_commit_events e WHERE e.commit_id = p.id AND e.event = 'committed') AS confirmed
     FROM v_pending_commits p WHERE p.genesis_hash = ? AND p.netuid = ? AND p.hotkey = ? ORDER BY p.id`,
  );
  const insertSubmission = db.prepare(
    `INSERT INTO weight_submissions (round_id, network, mode, uids, weights, version_key, block, extrinsic_hash, outcome, detail, netuid, block_hash, error_code, chain_error)
     VALUES (@roundId, @network, @mode, @uids, @weights, @versionKey, @block, @extrinsicHash, @outcome, @detail, @netuid, @blockHash, @errorCode, @chainError)`,
  );
  const settleStale = db.prepare(
    `UPDATE weight_submissions SET outcome = 'unknown', detail = CASE mode WHEN 'commit' THEN @commit ELSE @setWeights END
     WHERE outcome = 'pending' AND network = @network AND netuid = @netuid`,
  );
  const updatePending = db.prepare(
    `UPDATE weight_submissions SET outcome = @outcome, block = COALESCE(@block, block), extrinsic_hash = @extrinsicHash, block_hash = @blockHash, detail = @detail, error_code = @errorCode, chain_error = @chainError
     WHERE id = @id AND outcome = 'pending'`,
  );
  /** The outcome columns of a row, from a submission (or from the decision not to send one). */
  const outcomeColumns = (s: Submission | null, block: number | null, skip: SubmissionRecord['skip']) => {
    const error = s ? s.error : (skip?.error ?? null);
    return {
      block: s?.blockNumber ?? block,
      extrinsicHash: s?.extrinsicHash ?? null,
      outcome: s ? OUTCOME[s.outcome] : skip ? 'skipped' : 'pending',
      detail: s ? (s.error?.message ?? null) : (skip?.reason ?? null),
      blockHash: s?.blockHash ?? null,
      errorCode: error?.code ?? null,
      chainError: chainName(error),
    };
  };
  const settle = db.transaction((id: number, s: Submission, event: SettleEvent | null): boolean => {
    // No inclusion block: the row keeps the snapshot's.
    if (updatePending.run({ id, ...outcomeColumns(s, null, undefined) }).changes !== 1) return false;
    if (event) insertEvent.run(event.commitId, event.event, event.block, event.detail, new Date().toISOString());
    return true;
  });

  return {
    recordCommit(c) {
      const now = new Date().toISOString();
      const row = [c.roundId, c.network, c.genesisHash, c.netuid, c.hotkey, c.commitHash, JSON.stringify(c.uids), JSON.stringify(c.weights), JSON.stringify(c.salt), c.versionKey.toString(), now];
      return Number(insertCommit.run(...row).lastInsertRowid);
    },
    commitEvent(commitId, event, block, detail) {
      insertEvent.run(commitId, event, block, detail, new Date().toISOString());
    },
    pendingCommits(genesisHash, netuid, hotkey) {
      const rows = selectPending.all(genesisHash, netuid, hotkey) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: Number(r.id),
        roundId: r.round_id === null ? null : Number(r.round_id),
        network: String(r.network),
        genesisHash: String(r.genesis_hash),
        netuid: Number(r.netuid),
        hotkey: String(r.hotkey),
        commitHash: String(r.commit_hash),
        uids: JSON.parse(String(r.uids)) as number[],
        weights: JSON.parse(String(r.weights)) as number[],
        salt: JSON.parse(String(r.salt)) as number[],
        versionKey: BigInt(String(r.version_key)),
        createdAt: String(r.created_at),
        confirmed: Number(r.confirmed) === 1,
      }));
    },
    recordSubmission(r) {
      const row = {
        roundId: r.roundId,
        network: r.network,
        netuid: r.netuid,
        mode: r.mode,
        uids: JSON.stringify(r.uids),
        weights: JSON.stringify(r.weights),
        // A u64 key above SQLite's i64 range would not bind; keys in use are small.
        versionKey: r.versionKey <= 0x7fffffffffffffffn ? r.versionKey : -1n,
        ...outcomeColumns(r.submission, r.block, r.skip),
      };
      return Number(insertSubmission.run(row).lastInsertRowid);
    },
    settleSubmission(id, submission, event) {
      return settle(id, submission, event);
    },
    settleStalePending(network, netuid) {
      return settleStale.run({ network, netuid, commit: STALE_PENDING_DETAIL.commit, setWeights: STALE_PENDING_DETAIL.set_weights }).changes;
    },
    atomically(write) {
      return db.transaction(write)();
    },
  };
}
