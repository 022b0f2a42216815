/**
 * `kill -9` of a run at random moments, then a restart on the same database: no half-written
 * round, no duplicate round, and the run continues from where the last completed round left it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditQuery } from '../core/store/audit.js';
import { runCli, startCli } from './cli.js';

const MINERS = 3;
const TASKS = 8;
const args = (db: string, rounds: number) => ['run', '--plugins', 'text', '--rounds', String(rounds), '--miners-count', String(MINERS), '--validators', '1', '--seed', 'crash', '--db', db];

/** Waits until the child has printed `count` round lines (or a time limit), then a random extra delay. */
function waitForRounds(child: ReturnType<typeof startCli>['child'], count: number, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setTimeout(resolve, limitMs);
    child.stderr!.on('data', (d: Buffer) => {
      seen += (d.toString().match(/^round \d+/gm) ?? []).length;
      if (seen >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe('kill -9 and restart on the same database', () => {
  let dir: string;
  let db: string;
  const kills: { code: number | null; signal: string | null }[] = [];
  let final: Awaited<ReturnType<typeof runCli>>;
  let roundsBeforeFinal = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-crash-'));
    db = join(dir, 'proctor.db');
    // Kill at a different moment each time: while starting up, mid-round, right after a round.
    const delays = [0, 37, 150, 260, 90];
    for (const [k, extra] of delays.entries()) {
      const run = startCli(args(db, 1000));
      if (k > 0) await waitForRounds(run.child, 1 + (k % 3), 15_000);
      await new Promise((r) => setTimeout(r, extra + Math.floor(Math.random() * 120)));
      run.child.kill('SIGKILL');
      const result = await run.done;
      kills.push({ code: result.code, signal: result.signal });
    }
    roundsBeforeFinal = Number(auditQuery(db, 'SELECT COALESCE(MAX(number), 0) FROM rounds').rows[0][0]);
    final = await runCli(args(db, 2));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('was really killed each time, at least some of them after rounds had completed', () => {
    assert.equal(kills.length, 5);
    for (const k of kills) assert.equal(k.signal, 'SIGKILL');
    assert.ok(roundsBeforeFinal >= 3, `only ${roundsBeforeFinal} round(s) were opened before the final run`);
  });

  it('finishes the restarted run and continues the round numbers and the chain', () => {
    assert.equal(final.code, 0, final.stderr);
    const numbers = auditQuery(db, "SELECT number FROM rounds WHERE status = 'complete' ORDER BY number DESC LIMIT 2").rows.map((r) => r[0]);
    assert.deepEqual(numbers, [roundsBeforeFinal + 2, roundsBeforeFinal + 1]);
    // The chain state carries over only from a round that completed before the last kill (under load, a kill may land in every round).
    const [[completedBefore]] = auditQuery(db, "SELECT COUNT(*) FROM rounds WHERE status = 'complete' AND number <= ?", [roundsBeforeFinal]).rows as number[][];
    if (completedBefore > 0) assert.match(final.stderr, /continuing from block \d+/);
    else assert.doesNotMatch(final.stderr, /continuing from block/);
  });

  it('leaves every round either complete with all its rows, or abandoned with none', () => {
    const rounds = auditQuery(db, 'SELECT id, number, status FROM rounds ORDER BY number').rows as [number, number, string][];
    assert.ok(rounds.length >= 2);
    for (const [id, number, status] of rounds) {
      const [[tasks, responses, scored, miners, weights, snapshots]] = auditQuery(
        db,
        `SELECT (SELECT COUNT(*) FROM tasks WHERE round_id = @id),
                (SELECT COUNT(*) FROM responses r JOIN tasks t ON t.id = r.task_id WHERE t.round_id = @id),
                (SELECT COUNT(*) FROM response_scores s JOIN responses r ON r.id = s.response_id JOIN tasks t ON t.id = r.task_id WHERE t.round_id = @id),
                (SELECT COUNT(*) FROM miner_round_scores WHERE round_id = @id),
                (SELECT COUNT(*) FROM weight_submissions WHERE round_id = @id),
                (SELECT COUNT(*) FROM local_chain_snapshots WHERE round_id = @id)`,
        [{ id }],
      ).rows as number[][];
      // A replay probe goes only to hotkeys never sent its original: none of this run's miners.
      const [[replays]] = auditQuery(db, "SELECT COUNT(*) FROM tasks WHERE round_id = ? AND json_extract(meta, '$.probe.kind') = 'replay'", [id]).rows as number[][];
      if (status === 'complete') {
        const sent = (TASKS - replays) * MINERS;
        assert.deepEqual([tasks, responses, scored, miners, weights, snapshots], [TASKS, sent, sent, MINERS, 1, 1], `round ${number}`);
      } else {
        assert.equal(status, 'abandoned', `round ${number} left ${status}`);
        assert.deepEqual([tasks, responses, scored, miners, weights, snapshots], [0, 0, 0, 0, 0, 0], `abandoned round ${number}`);
      }
    }
  });

  it('never numbers two rounds alike and never leaves one open', () => {
    const [[total, distinct, open]] = auditQuery(db, "SELECT COUNT(*), COUNT(DISTINCT number), SUM(status = 'open') FROM rounds").rows as number[][];
    assert.equal(total, distinct);
    assert.equal(open, 0);
  });

  it('keeps one moving average per hotkey and round, continuing across the restarts', () => {
    const [[rows, expected]] = auditQuery(
      db,
      "SELECT (SELECT COUNT(*) FROM moving_averages), (SELECT COUNT(*) * ? FROM rounds WHERE status = 'complete')",
      [MINERS],
    ).rows as number[][];
    assert.equal(rows, expected);
  });
});
