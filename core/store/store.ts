/**
 * The validator's history in one SQLite file (WAL). Only the main thread writes. A round is opened
 * (its seed hash committed before any miner is queried) and completed in ONE transaction that
 * writes everything it produced and reveals the seed; a crash in between leaves an `open` round,
 * which the next start marks `abandoned`. So a restart never finds a half-written round, and round
 * numbers are never reused.
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { proctorError } from '../errors.js';
import type { Json } from '../plugin-api.js';
import { migrations, SCHEMA_VERSION } from './schema.js';
import type { DetectorMemoryRow, RoundRecord, RunInfo } from './records.js';
import { detectorMemoryBefore, pruneDetectorMemory } from './detector-memory.js';

export interface Store {
  readonly path: string;
  readonly db: Db;
  /** Marks rounds a crash left open as abandoned; returns their numbers. */
  abandonOpenRounds(): number[];
  startRun(info: RunInfo): number;
  /** The next unused round number (1 on a new database). */
  nextRoundNumber(): number;
  /** Opens a round with the hash of its secret seed; committed at once. */
  openRound(runId: number, number: number, block: number, seedHash: string): number;
  /** Writes the whole round and reveals its seed, in one transaction. */
  completeRound(record: RoundRecord): void;
  /** The latest moving average per hotkey (a hotkey never seen starts at 0). */
  latestMovingAverages(): Map<string, number>;
  /** Each hotkey's round scores and task counts over the last `rounds` completed rounds, oldest first. */
  recentMinerScores(rounds: number): Map<string, { score: number; tasks: number }[]>;
  /** The local subnet's chain state after the last completed round, if any. */
  latestChainSnapshot(): Json | null;
  /** The last completed round and the detectors' memory stored with it (no rows before v7); null on a new database. */
  latestDetectorMemory(): { round: number; rows: DetectorMemoryRow[] } | null;
  close(): void;
}

function migrate(db: Db, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  const current = row.version ?? 0;
  if (current > SCHEMA_VERSION) throw proctorError('PROCTOR_ERR_STORE_SCHEMA', { path, found: current, supported: SCHEMA_VERSION });
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(m.version, m.description, new Date().toISOString());
    })();
  }
}

export function openStore(path: string): Store {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw proctorError('PROCTOR_ERR_STORE_OPEN', { path, detail: (err as Error).message }, err);
  }
  try {
    migrate(db, path);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('PROCTOR_ERR_')) throw err;
    throw proctorError('PROCTOR_ERR_STORE_OPEN', { path, detail: (err as Error).message }, err);
  }
  return createStore(db, path);
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

function createStore(db: Db, path: string): Store {
  const insert = {
    task: db.prepare(
      `INSERT INTO tasks (round_id, task_key, plugin, plugin_version, dataset_version, idx, kind, prompt, payload, answer, meta, input_hash)
       VALUES (@roundId, @key, @plugin, @pluginVersion, @datasetVersion, @idx, @kind, @prompt, @payload, @answer, @meta, @inputHash)`,
    ),
    response: db.prepare(
      `INSERT INTO responses (task_id, uid, hotkey, status, http_status, latency_ms, received_at_ms, body_hash, body, error)
       VALUES (@taskId, @uid, @hotkey, @status, @httpStatus, @latencyMs, @receivedAtMs, @bodyHash, @body, @error)`,
    ),
    score: db.prepare(
      `INSERT INTO scores (response_id, evaluator, evaluator_version, options_hash, status, value, error_code, details)
       VALUES (@responseId, @evaluator, @evaluatorVersion, @optionsHash, @status, @value, @errorCode, @details)`,
    ),
    responseScore: db.prepare('INSERT INTO response_scores (response_id, combined, penalty, final) VALUES (?, ?, ?, ?)'),
    finding: db.prepare(
      'INSERT INTO findings (round_id, task_id, detector, detector_version, uids, evidence, penalty) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    minerScore: db.prepare('INSERT INTO miner_round_scores (round_id, uid, hotkey, tasks, answered, score) VALUES (?, ?, ?, ?, ?, ?)'),
    pluginScore: db.prepare('INSERT INTO miner_plugin_scores (round_id, uid, plugin, tasks, answered, score, share) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    movingAverage: db.prepare('INSERT INTO moving_averages (round_id, hotkey, uid, value, alpha) VALUES (?, ?, ?, ?, ?)'),
    weightInput: db.prepare(
      'INSERT INTO weight_inputs (round_id, uid, hotkey, average, ci_low, ci_high, rounds, tasks, evidence, tier, tier_average, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    weights: db.prepare(
      `INSERT INTO weight_submissions (round_id, network, mode, uids, weights, version_key, block, extrinsic_hash, outcome, detail)
       VALUES (@roundId, @network, @mode, @uids, @weights, @versionKey, @block, @extrinsicHash, @outcome, @detail)`,
    ),
    preview: db.prepare(
      'INSERT INTO consensus_previews (round_id, validator_uid, numerics, validator_trust, dividends, incentive) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    epoch: db.prepare('INSERT INTO epochs (round_id, block, numerics) VALUES (?, ?, ?)'),
    epochResult: db.prepare(
      `INSERT INTO epoch_results (epoch_id, uid, hotkey, stake, consensus, incentive, dividends, validator_trust, emission)
       VALUES (@epochId, @uid, @hotkey, @stake, @consensus, @incentive, @dividends, @validatorTrust, @emission)`,
    ),
    snapshot: db.prepare('INSERT INTO local_chain_snapshots (round_id, state) VALUES (?, ?)'),
    chainInputs: db.prepare(
      'INSERT INTO chain_round_inputs (round_id, block, validator_uid, hotkeys, min_allowed_weights, max_weights_limit, epoch_input) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    detectorMemory: db.prepare(
      'INSERT INTO detector_memory (round_id, detector, version, memory_json, bytes, status, error_code) VALUES (@roundId, @detector, @version, @memoryJson, @bytes, @status, @errorCode)',
    ),
  };
  const settle = db.prepare("UPDATE rounds SET status = 'complete', seed = ?, finished_at = ? WHERE id = ? AND status = 'open'");

  const completeRound = db.transaction((r: RoundRecord) => {
    const taskIds = new Map<string, number>();
    for (const t of r.tasks) {
      const id = insert.task.run({ ...t, roundId: r.roundId, payload: json(t.payload), answer: json(t.answer), meta: json(t.meta), inputHash: t.inputHash ?? null }).lastInsertRowid;
      taskIds.set(t.key, Number(id));
    }
    const responseIds = new Map<string, number>();
    for (const resp of r.responses) {
      const taskId = taskIds.get(resp.taskKey);
      if (taskId === undefined) throw new Error(`response to unknown task ${resp.taskKey}`);
      const id = insert.response.run({ ...resp, taskId }).lastInsertRowid;
      responseIds.set(`${resp.taskKey}#${resp.uid}`, Number(id));
    }
    const responseId = (taskKey: string, uid: number): number => {
      const id = responseIds.get(`${taskKey}#${uid}`);
      if (id === undefined) throw new Error(`score for unknown response ${taskKey}#${uid}`);
      return id;
    };
    for (const s of r.scores) insert.score.run({ ...s, responseId: responseId(s.taskKey, s.uid), details: json(s.details) });
    for (const s of r.responseScores) insert.responseScore.run(responseId(s.taskKey, s.uid), s.combined, s.penalty, s.final);
    for (const f of r.findings) {
      const taskId = f.taskKey === null ? null : (taskIds.get(f.taskKey) ?? null);
      insert.finding.run(r.roundId, taskId, f.detector, f.detectorVersion, json(f.uids), json(f.evidence), f.penalty);
    }
    for (const m of r.minerScores) {
      insert.minerScore.run(r.roundId, m.uid, m.hotkey, m.tasks, m.answered, m.score);
      for (const p of m.byPlugin) insert.pluginScore.run(r.roundId, m.uid, p.plugin, p.tasks, p.answered, p.score, p.share);
    }
    for (const m of r.movingAverages) insert.movingAverage.run(r.roundId, m.hotkey, m.uid, m.value, m.alpha);
    for (const w of r.weightInputs ?? []) {
      insert.weightInput.run(r.roundId, w.uid, w.hotkey, w.average, w.interval.low, w.interval.high, w.interval.rounds, w.tasks, w.evidence, w.tier, w.tierAverage, w.value);
    }
    if (r.weightSubmission) {
      const w = r.weightSubmission;
      insert.weights.run({ ...w, roundId: r.roundId, uids: json(w.uids), weights: json(w.weights) });
    }
    if (r.consensusPreview) {
      const p = r.consensusPreview;
      insert.preview.run(r.roundId, p.validatorUid, p.numerics, p.validatorTrust, p.dividends, json(p.incentive));
    }
    if (r.epoch) {
      const epochId = Number(insert.epoch.run(r.roundId, r.epoch.block, r.epoch.numerics).lastInsertRowid);
      for (const e of r.epoch.results) insert.epochResult.run({ ...e, epochId });
    }
    if (r.chainSnapshot !== null) insert.snapshot.run(r.roundId, json(r.chainSnapshot));
    for (const m of r.detectorMemory ?? []) insert.detectorMemory.run({ ...m, roundId: r.roundId });
    if (r.chainInputs) {
      const c = r.chainInputs;
      insert.chainInputs.run(r.roundId, c.block, c.validatorUid, json(c.hotkeys), c.minAllowedWeights, c.maxWeightsLimit, c.epochInput === null ? null : JSON.stringify(c.epochInput));
    }
    const changed = settle.run(r.seed, r.finishedAt, r.roundId).changes;
    if (changed !== 1) throw new Error(`round ${r.roundId} is not open`);
    // After the round counts as complete, so it is among the rounds kept (the latest always is).
    if (r.keepDetectorMemory) pruneDetectorMemory(db, r.roundId, r.keepDetectorMemory);
  });

  return {
    path,
    db,
    abandonOpenRounds() {
      const open = db.prepare("SELECT number FROM rounds WHERE status = 'open' ORDER BY number").all() as { number: number }[];
      db.prepare("UPDATE rounds SET status = 'abandoned', finished_at = ? WHERE status = 'open'").run(new Date().toISOString());
      return open.map((r) => r.number);
    },
    startRun(info) {
      return Number(
        db
          .prepare('INSERT INTO runs (started_at, engine_version, network, netuid, validator_hotkey, plugins, config) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(new Date().toISOString(), info.engineVersion, info.network, info.netuid, info.validatorHotkey, json(info.plugins), json(info.config)).lastInsertRowid,
      );
    },
    nextRoundNumber() {
      const row = db.prepare('SELECT MAX(number) AS n FROM rounds').get() as { n: number | null };
      return (row.n ?? 0) + 1;
    },
    openRound(runId, number, block, seedHash) {
      return Number(
        db
          .prepare("INSERT INTO rounds (run_id, number, block, status, seed_hash, started_at) VALUES (?, ?, ?, 'open', ?, ?)")
          .run(runId, number, block, seedHash, new Date().toISOString()).lastInsertRowid,
      );
    },
    completeRound(record) {
      completeRound(record);
    },
    recentMinerScores(rounds) {
      const rows = db
        .prepare(
          `SELECT m.hotkey, m.score, m.tasks FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id
           WHERE r.id IN (SELECT id FROM rounds WHERE status = 'complete' ORDER BY number DESC LIMIT ?) ORDER BY r.number`,
        )
        .all(Math.max(0, Math.floor(rounds))) as { hotkey: string; score: number; tasks: number }[];
      const out = new Map<string, { score: number; tasks: number }[]>();
      for (const row of rows) out.set(row.hotkey, [...(out.get(row.hotkey) ?? []), { score: row.score, tasks: row.tasks }]);
      return out;
    },
    latestMovingAverages() {
      const rows = db.prepare('SELECT hotkey, value FROM v_latest_moving_averages').all() as { hotkey: string; value: number }[];
      return new Map(rows.map((r) => [r.hotkey, r.value]));
    },
    latestChainSnapshot() {
      const row = db
        .prepare('SELECT s.state FROM local_chain_snapshots s JOIN rounds r ON r.id = s.round_id ORDER BY r.number DESC LIMIT 1')
        .get() as { state: string } | undefined;
      return row ? (JSON.parse(row.state) as Json) : null;
    },
    latestDetectorMemory() {
      const last = detectorMemoryBefore(db, Infinity);
      return last && { round: last.round, rows: last.rows };
    },
    close() {
      db.close();
    },
  };
}
