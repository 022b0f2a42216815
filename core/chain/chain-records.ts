/**
 * What a validator on a real chain writes besides the round itself (schema v3): every weight
 * submission as soon as its outcome is known (or why it was skipped), the consensus preview
 * before the submission it belongs to, and hash commits with their salts and an event log, so a
 * restarted validator finds what it still has to reveal. Rows are inserted, never changed.
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
  /** Null when the validator decided not to submit; `skip` says why. */
  submission: Submission | null;
  skip?: { reason: string; error: ProctorError | null };
}

export interface PreviewRecord {
  roundId: number;
  validatorUid: number;
  numerics: string;
  validatorTrust: number;
  dividends: number;
  incentive: number[];
}

export interface ChainRecords {
  recordCommit(commit: NewCommit): number;
  commitEvent(commitId: number, event: CommitEvent, block: number | null, detail: string | null): void;
  pendingCommits(genesisHash: string, netuid: number, hotkey: string): PendingCommit[];
  recordSubmission(record: SubmissionRecord): void;
  recordPreview(preview: PreviewRecord): void;
}

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
  const insertPreview = db.prepare('INSERT INTO consensus_previews (round_id, validator_uid, numerics, validator_trust, dividends, incentive) VALUES (?, ?, ?, ?, ?, ?)');

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
      const s = r.submission;
      const error = s ? s.error : (r.skip?.error ?? null);
      insertSubmission.run({
        roundId: r.roundId,
        network: r.network,
        netuid: r.netuid,
        mode: r.mode,
        uids: JSON.stringify(r.uids),
        weights: JSON.stringify(r.weights),
        // A u64 key above SQLite's i64 range would not bind; keys in use are small.
        versionKey: r.versionKey <= 0x7fffffffffffffffn ? r.versionKey : -1n,
        block: s?.blockNumber ?? r.block,
        extrinsicHash: s?.extrinsicHash ?? null,
        outcome: s ? OUTCOME[s.outcome] : 'skipped',
        detail: s ? (s.error?.message ?? null) : (r.skip?.reason ?? null),
        blockHash: s?.blockHash ?? null,
        errorCode: error?.code ?? null,
        chainError: chainName(error),
      });
    },
    recordPreview(p) {
      insertPreview.run(p.roundId, p.validatorUid, p.numerics, p.validatorTrust, p.dividends, JSON.stringify(p.incentive));
    },
  };
}
