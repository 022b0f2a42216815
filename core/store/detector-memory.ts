/**
 * Reading `detector_memory` (schema v7): the memory each detector left after a round. A restart
 * and `validator audit replay` both start round N from the rows of the last completed round
 * before N, so both read them here, with the same query. Retention (schema v9) deletes the rows of
 * older rounds, recording each such round in `detector_memory_pruned`.
 */
import type { Database } from 'better-sqlite3';
import type { DetectorMemoryRow } from './records.js';

/** True when the file has the table (an audit may open a history written before it, read-only). */
function hasTable(db: Database, name = 'detector_memory'): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * The memory rows stored with one round (by row id), sorted by detector; empty before v7.
 *
 * @example
 * ```ts
 * const rows = detectorMemoryOf(db, roundId); // [{ detector: 'sybil-cluster', version: '1.1.0', memoryJson: '[["pairs",{…}]]', … }]
 * ```
 */
export function detectorMemoryOf(db: Database, roundId: number): DetectorMemoryRow[] {
  if (!hasTable(db)) return [];
  return db
    .prepare('SELECT detector, version, memory_json AS memoryJson, bytes, status, error_code AS errorCode FROM detector_memory WHERE round_id = ? ORDER BY detector')
    .all(roundId) as DetectorMemoryRow[];
}

/**
 * Whether run `runId` stored detector memory with any of its rounds (schema v7 and later).
 *
 * @example
 * ```ts
 * runStoredDetectorMemory(db, 2); // true: a round of run 2 without rows lost them
 * ```
 */
export function runStoredDetectorMemory(db: Database, runId: number): boolean {
  if (!hasTable(db)) return false;
  if (db.prepare('SELECT 1 FROM detector_memory d JOIN rounds r ON r.id = d.round_id WHERE r.run_id = ? LIMIT 1').get(runId) !== undefined) return true;
  // Retention may have deleted all of them: the run stored them all the same.
  return hasTable(db, 'detector_memory_pruned') && db.prepare('SELECT 1 FROM detector_memory_pruned p JOIN rounds r ON r.id = p.round_id WHERE r.run_id = ? LIMIT 1').get(runId) !== undefined;
}

/**
 * The last completed round numbered below `number` (`Infinity`: the last of all) and the memory
 * rows stored with it; null when no round before it completed. Abandoned rounds stored nothing
 * and are passed over.
 *
 * @example
 * ```ts
 * const before = detectorMemoryBefore(db, 7); // { round: 5, roundId: 5, rows: [...] } when round 6 was abandoned
 * ```
 */
export function detectorMemoryBefore(db: Database, number: number): { round: number; roundId: number; runId: number; rows: DetectorMemoryRow[] } | null {
  const bound = Number.isFinite(number) ? number : Number.MAX_SAFE_INTEGER;
  const row = db.prepare("SELECT id, number, run_id AS runId FROM rounds WHERE status = 'complete' AND number < ? ORDER BY number DESC LIMIT 1").get(bound) as
    | { id: number; number: number; runId: number }
    | undefined;
  return row ? { round: row.number, roundId: row.id, runId: row.runId, rows: detectorMemoryOf(db, row.id) } : null;
}

/**
 * Round numbers from this one on go in blocks of this many (32–63, 64–95, …), and in each block the
 * lowest-numbered round with memory rows keeps them whatever the retention. These checkpoints serve
 * `validator audit replay`, which rebuilds a pruned memory by feeding the rounds since the latest
 * rows kept before it (or from empty memory, before the first) to the detectors
 * (`detectorMemoryChain`): without them, the rounds to feed grow with the age of the round replayed
 * (about half a second each at 256 miners); with them they are at most 31, or up to 62 when rounds
 * at the start of a block were abandoned. The lowest with rows, not the
 * multiple of 32 itself, so that a crash in that round does not lose the block's checkpoint. They
 * cost about 1/32 of keeping every round's memory, and, unlike the latest rounds, they add up.
 */
export const DETECTOR_MEMORY_CHECKPOINT_EVERY = 32;

/**
 * Retention, inside the transaction that completes round `prunedBy`: every round not among the
 * latest `keep` completed rounds, and not its block's checkpoint ({@link DETECTOR_MEMORY_CHECKPOINT_EVERY}),
 * loses its memory rows, and is recorded in `detector_memory_pruned` first (the delete trigger lets
 * nothing else through). Returns the round ids pruned.
 *
 * @example
 * ```ts
 * db.transaction(() => { ...; pruneDetectorMemory(db, roundId, 32); })();
 * ```
 */
export function pruneDetectorMemory(db: Database, prunedBy: number, keep: number): number[] {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`detector memory retention must keep at least one round (got ${keep})`);
  const victims = db
    .prepare(
      `SELECT round_id AS roundId, COUNT(*) AS detectors, SUM(length(CAST(memory_json AS BLOB))) AS bytes FROM detector_memory
       WHERE round_id NOT IN (SELECT id FROM rounds WHERE status = 'complete' ORDER BY number DESC LIMIT ?)
         AND round_id NOT IN (
           SELECT id FROM rounds WHERE number IN (
             SELECT MIN(r.number) FROM rounds r
             WHERE r.number >= ? AND EXISTS (SELECT 1 FROM detector_memory d WHERE d.round_id = r.id) GROUP BY r.number / CAST(? AS INTEGER)))
       GROUP BY round_id ORDER BY round_id`,
    )
    .all(keep, DETECTOR_MEMORY_CHECKPOINT_EVERY, DETECTOR_MEMORY_CHECKPOINT_EVERY) as { roundId: number; detectors: number; bytes: number }[];
  const record = db.prepare('INSERT INTO detector_memory_pruned (round_id, pruned_by, keep, detectors, bytes) VALUES (?, ?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM detector_memory WHERE round_id = ?');
  for (const v of victims) {
    record.run(v.roundId, prunedBy, keep, v.detectors, v.bytes);
    remove.run(v.roundId);
  }
  return victims.map((v) => v.roundId);
}

/**
 * When retention deleted the memory rows of round id `roundId`: the round whose transaction did
 * and the rounds it kept; null when they were not pruned (and always before v9).
 *
 * @example
 * ```ts
 * detectorMemoryPruned(db, info.id); // { prunedBy: 6, keep: 2 }
 * ```
 */
export function detectorMemoryPruned(db: Database, roundId: number): { prunedBy: number; keep: number } | null {
  if (!hasTable(db, 'detector_memory_pruned')) return null;
  const row = db.prepare('SELECT b.number AS prunedBy, p.keep FROM detector_memory_pruned p JOIN rounds b ON b.id = p.pruned_by WHERE p.round_id = ?').get(roundId);
  return (row as { prunedBy: number; keep: number } | undefined) ?? null;
}

/**
 * The memory chain before round `number` when retention pruned the rows it would start from: the
 * latest completed round before `number` that still has rows (`base`, null when none does), and the
 * completed rounds after it and before `number` whose memory must be rebuilt by replaying them.
 * Without a base the chain starts empty at the first round that stored or pruned memory (a v7
 * engine on an older history starts empty there too).
 *
 * @example
 * ```ts
 * const { base, rounds } = detectorMemoryChain(db, 4); // base: round 3's rows; or null and rounds [1, 2, 3]
 * ```
 */
export function detectorMemoryChain(db: Database, number: number): { base: { round: number; rows: DetectorMemoryRow[] } | null; rounds: number[] } {
  const kept = db
    .prepare("SELECT r.id, r.number FROM rounds r WHERE r.status = 'complete' AND r.number < ? AND EXISTS (SELECT 1 FROM detector_memory d WHERE d.round_id = r.id) ORDER BY r.number DESC LIMIT 1")
    .get(number) as { id: number; number: number } | undefined;
  const from = kept
    ? kept.number + 1
    : ((db.prepare('SELECT MIN(r.number) AS n FROM rounds r JOIN detector_memory_pruned p ON p.round_id = r.id').get() as { n: number | null }).n ?? number);
  const rounds = db.prepare("SELECT number FROM rounds WHERE status = 'complete' AND number >= ? AND number < ? ORDER BY number").all(from, number) as { number: number }[];
  return { base: kept ? { round: kept.number, rows: detectorMemoryOf(db, kept.id) } : null, rounds: rounds.map((r) => r.number) };
}
