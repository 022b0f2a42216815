/**
 * Detectors' memory (`ctx.memory`) as durable, auditable rows: after each round every loaded
 * detector's memory is serialised and stored in the transaction that completes the round
 * (`detector_memory`), and the next round — in this process, after a restart, or in
 * `validator audit replay` — starts from those rows, parsed again. Going through JSON every round,
 * even without a restart, is what makes the three agree exactly: a value JSON cannot hold (NaN,
 * undefined, a shared object) behaves the same everywhere, and a round that is abandoned leaves the
 * memory where the last completed round left it.
 *
 * Memory grows with what miners send, so it is capped: a detector whose serialised memory is over
 * `DETECTOR_MEMORY_MAX_BYTES` has it dropped (the row says so, with the size and the code) and
 * starts the next round empty. Dropping all, rather than truncating, because a detector's memory is
 * one structure (sybil-cluster keeps a single `pairs` entry) that a cut could leave inconsistent.
 */
import { proctorError, type ErrorCode, type ErrorData } from '../errors.js';
import type { DetectorDefinition, Json } from '../plugin-api.js';
import type { DetectorMemoryRow } from '../store/records.js';

/** Each detector's memory for the run, by detector name (`DetectOptions.memory`). */
export type DetectorMemory = Map<string, Map<string, Json>>;

/**
 * The largest memory one detector may keep, as UTF-8 JSON: 32 MiB. Sybil-cluster's with 256 uids,
 * every pair seen and 12 rounds kept per pair, is about 7.2 MB; hotkeys that leave stay in it for
 * `forgetAfterRounds`, so the cap leaves room for churn.
 */
export const DETECTOR_MEMORY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Completed rounds whose memory rows `validator run` keeps by default (`--keep-detector-memory`):
 * only the latest is needed to continue, older ones serve `audit replay`, which can rebuild them
 * by replaying rounds. 32 rounds of sybil-cluster at 256 uids is about 230 MB; the checkpoints
 * kept besides them (`DETECTOR_MEMORY_CHECKPOINT_EVERY`) add one round's worth every 32 rounds.
 */
export const DETECTOR_MEMORY_KEEP_ROUNDS = 32;

function warning<C extends ErrorCode>(code: C, data: ErrorData<C>): string {
  return `[${code}] ${proctorError(code, data).message}`;
}

/**
 * One row per loaded detector (sorted by name) holding its memory after `round`; an absent memory
 * is stored as empty, an oversized or unserialisable one as dropped, with a warning logged.
 *
 * @example
 * ```ts
 * const rows = detectorMemoryRows(memory, detectors, 4, log);
 * store.completeRound({ ...record, detectorMemory: rows });
 * ```
 */
export function detectorMemoryRows(memory: DetectorMemory, detectors: ReadonlyMap<string, DetectorDefinition>, round: number, log: (message: string) => void, maxBytes = DETECTOR_MEMORY_MAX_BYTES): DetectorMemoryRow[] {
  return [...detectors.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((detector) => {
      const base = { detector: detector.name, version: detector.version };
      let text: string;
      try {
        text = JSON.stringify([...(memory.get(detector.name) ?? new Map<string, Json>())]);
      } catch (err) {
        log(warning('PROCTOR_ERR_DETECTOR_MEMORY_INVALID', { detector: detector.name, round, detail: (err as Error).message }));
        return { ...base, memoryJson: '[]', bytes: 0, status: 'dropped', errorCode: 'PROCTOR_ERR_DETECTOR_MEMORY_INVALID' };
      }
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes <= maxBytes) return { ...base, memoryJson: text, bytes, status: 'kept', errorCode: null };
      log(warning('PROCTOR_ERR_DETECTOR_MEMORY_TOO_LARGE', { detector: detector.name, round, bytes, limit: maxBytes }));
      return { ...base, memoryJson: '[]', bytes, status: 'dropped', errorCode: 'PROCTOR_ERR_DETECTOR_MEMORY_TOO_LARGE' };
    });
}

/** `[[key, value], ...]` with string keys, or null. */
function entriesOf(text: string): [string, Json][] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  return parsed.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string') ? (parsed as [string, Json][]) : null;
}

/**
 * The memory a round starts from, rebuilt from the rows stored with the round before it (`round`):
 * only for detectors loaded now and at the version that wrote the row (another version may read
 * its memory differently, so it starts empty, and says so); a malformed row starts empty too.
 *
 * @example
 * ```ts
 * const memory = restoreDetectorMemory(store.latestDetectorMemory(), detectors, 3, log);
 * await runRound({ ...deps, detectorMemory: memory }, 4, seed, miners);
 * ```
 */
export function restoreDetectorMemory(rows: readonly DetectorMemoryRow[], detectors: ReadonlyMap<string, DetectorDefinition>, round: number, log: (message: string) => void): DetectorMemory {
  const memory: DetectorMemory = new Map();
  for (const row of rows) {
    const detector = detectors.get(row.detector);
    if (!detector || row.status !== 'kept') continue;
    if (detector.version !== row.version) {
      log(`detector ${row.detector} ${detector.version} starts empty: the memory stored with round ${round} was written by version ${row.version}`);
      continue;
    }
    const entries = entriesOf(row.memoryJson);
    if (entries === null) log(warning('PROCTOR_ERR_DETECTOR_MEMORY_INVALID', { detector: row.detector, round, detail: 'the stored row is not JSON [[key, value], …]' }));
    else memory.set(row.detector, new Map(entries));
  }
  return memory;
}

/**
 * The run's memory between rounds: `forRound()` hands each round a fresh copy of what the last
 * completed round stored, `rowsAfter` serialises what the round left, and `commit` adopts those rows
 * once the store has written them — so a round that never completes changes nothing.
 *
 * @example
 * ```ts
 * const keeper = createDetectorMemoryKeeper(store.latestDetectorMemory(), detectors, log);
 * const memory = keeper.forRound();
 * const outcome = await runRound({ ...deps, detectorMemory: memory }, n, seed, miners);
 * const rows = keeper.rowsAfter(memory, n);
 * store.completeRound({ ...record, detectorMemory: rows });
 * keeper.commit(rows, n);
 * ```
 */
export function createDetectorMemoryKeeper(stored: { round: number; rows: readonly DetectorMemoryRow[] } | null, detectors: ReadonlyMap<string, DetectorDefinition>, log: (message: string) => void) {
  let committed = stored;
  if (committed && committed.rows.length > 0) {
    const kept = committed.rows.filter((r) => r.status === 'kept' && r.memoryJson !== '[]' && detectors.has(r.detector)).map((r) => r.detector);
    if (kept.length > 0) log(`detector memory: continuing from round ${committed.round} (${kept.join(', ')})`);
  }
  return {
    forRound: (): DetectorMemory => (committed ? restoreDetectorMemory(committed.rows, detectors, committed.round, log) : new Map()),
    rowsAfter: (memory: DetectorMemory, round: number): DetectorMemoryRow[] => detectorMemoryRows(memory, detectors, round, log),
    commit(rows: readonly DetectorMemoryRow[], round: number): void {
      committed = { round, rows };
    },
  };
}
