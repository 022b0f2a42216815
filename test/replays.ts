/** `audit replay` of stored rounds in a test, through a real one-worker evaluator pool. */
import { replayRound, type ReplayReport } from '../core/audit/replay.js';
import { createEvaluatorPool } from '../core/pool/pool.js';

/** Replays each of `rounds` of the history in `db`, in order; the reports by round number. */
export async function replayRounds(db: string, rounds: readonly number[]): Promise<Map<number, ReplayReport>> {
  const pool = createEvaluatorPool({ size: 1, timeoutMs: 60_000 });
  const reports = new Map<number, ReplayReport>();
  try {
    for (const round of rounds) reports.set(round, await replayRound({ db, round, evaluator: pool }));
  } finally {
    await pool.close();
  }
  return reports;
}
