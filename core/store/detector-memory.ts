/**
 * Reading `detector_memory` (schema v7): the memory each detector left after a round. A restart
 * and `validator audit replay` both start round N from the rows of the last completed round
 * before N, so both read them here, with the same query.
 */
import type { Database } from 'better-sqlite3';
import type { DetectorMemoryRow } from './records.js';

/** True when the file has the v7 table (an audit may open a history written before it, read-only). */
function hasTable(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'detector_memory'").get() !== undefined;
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
  return db.prepare('SELECT 1 FROM detector_memory d JOIN rounds r ON r.id = d.round_id WHERE r.run_id = ? LIMIT 1').get(runId) !== undefined;
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
