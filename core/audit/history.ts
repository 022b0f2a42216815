/**
 * A validator's history, read-only, in the shapes replay and explain need: one round's stored rows,
 * and the state the round was computed from (the previous moving averages, the recent round scores).
 * Every query mirrors what the engine read when the round ran (`core/store/store.ts`).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { proctorError } from '../errors.js';
import type { Json, Task } from '../plugin-api.js';
import { parseColumn } from './compare.js';
import type { FindingRow } from '../store/records.js';

export type Db = Database.Database;

/**
 * Opens a history file read-only (`query_only`), so nothing an audit does can change it.
 *
 * @example
 * ```ts
 * const db = openHistory('proctor.db');
 * try { storedRound(db, 3); } finally { db.close(); }
 * ```
 */
export function openHistory(path: string): Db {
  if (!existsSync(path)) throw proctorError('PROCTOR_ERR_AUDIT_NO_DB', { path });
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    return db;
  } catch (err) {
    throw proctorError('PROCTOR_ERR_STORE_OPEN', { path, detail: (err as Error).message }, err);
  }
}

export interface StoredRun {
  id: number;
  network: string;
  netuid: number | null;
  plugins: { name: string; version: string }[];
  config: { [key: string]: Json };
}

export interface StoredRoundInfo {
  id: number;
  runId: number;
  number: number;
  block: number;
  status: string;
  seedHash: string;
  seed: string | null;
}

export interface StoredTask extends Task {
  rowId: number;
  plugin: string;
  pluginVersion: string;
  datasetVersion: string;
  idx: number;
  inputHash: string | null;
}

export interface StoredResponse {
  id: number;
  taskKey: string;
  uid: number;
  hotkey: string;
  status: string;
  latencyMs: number;
  receivedAtMs: number | null;
  bodyHash: string | null;
  body: string | null;
}

export interface StoredScore {
  responseId: number;
  evaluator: string;
  evaluatorVersion: string;
  optionsHash: string;
  status: string;
  value: number | null;
  errorCode: string | null;
  details: Json;
}

/** A finding as stored, with its row id. */
export interface StoredFinding extends FindingRow {
  id: number;
}

export function roundInfo(db: Db, number: number): StoredRoundInfo | null {
  const row = db.prepare('SELECT id, run_id AS runId, number, block, status, seed_hash AS seedHash, seed FROM rounds WHERE number = ?').get(number) as StoredRoundInfo | undefined;
  return row ?? null;
}

export function runInfo(db: Db, id: number): StoredRun {
  const row = db.prepare('SELECT id, network, netuid, plugins, config FROM runs WHERE id = ?').get(id) as { id: number; network: string; netuid: number | null; plugins: string; config: string };
  return { ...row, plugins: JSON.parse(row.plugins) as StoredRun['plugins'], config: (parseColumn(row.config) ?? {}) as StoredRun['config'] };
}

/** The completed rounds of a run up to and including `number`, in order. */
export function runRounds(db: Db, runId: number, upTo: number): StoredRoundInfo[] {
  return db
    .prepare("SELECT id, run_id AS runId, number, block, status, seed_hash AS seedHash, seed FROM rounds WHERE run_id = ? AND number <= ? AND status = 'complete' ORDER BY number")
    .all(runId, upTo) as StoredRoundInfo[];
}

export function storedTasks(db: Db, roundId: number): StoredTask[] {
  const rows = db
    .prepare('SELECT id, task_key, plugin, plugin_version, dataset_version, idx, kind, prompt, payload, answer, meta, input_hash FROM tasks WHERE round_id = ? ORDER BY id')
    .all(roundId) as { id: number; task_key: string; plugin: string; plugin_version: string; dataset_version: string; idx: number; kind: string; prompt: string; payload: string; answer: string; meta: string; input_hash: string | null }[];
  return rows.map((r) => ({
    rowId: r.id,
    id: r.task_key,
    plugin: r.plugin,
    pluginVersion: r.plugin_version,
    datasetVersion: r.dataset_version,
    idx: r.idx,
    kind: r.kind,
    prompt: r.prompt,
    payload: parseColumn(r.payload),
    answer: parseColumn(r.answer),
    meta: (parseColumn(r.meta) ?? {}) as Task['meta'],
    inputHash: r.input_hash,
  }));
}

/** The round's responses in the order the round produced them (plugin, task, miner). */
export function storedResponses(db: Db, roundId: number): StoredResponse[] {
  return db
    .prepare(
      `SELECT s.id, t.task_key AS taskKey, s.uid, s.hotkey, s.status, s.latency_ms AS latencyMs, s.received_at_ms AS receivedAtMs, s.body_hash AS bodyHash, s.body
       FROM responses s JOIN tasks t ON t.id = s.task_id WHERE t.round_id = ? ORDER BY s.id`,
    )
    .all(roundId) as StoredResponse[];
}

export function storedScores(db: Db, roundId: number): StoredScore[] {
  const rows = db
    .prepare(
      `SELECT sc.response_id AS responseId, sc.evaluator, sc.evaluator_version AS evaluatorVersion, sc.options_hash AS optionsHash, sc.status, sc.value, sc.error_code AS errorCode, sc.details
       FROM scores sc JOIN responses s ON s.id = sc.response_id JOIN tasks t ON t.id = s.task_id WHERE t.round_id = ? ORDER BY sc.id`,
    )
    .all(roundId) as (Omit<StoredScore, 'details'> & { details: string })[];
  return rows.map((r) => ({ ...r, details: parseColumn(r.details) }));
}

export function storedResponseScores(db: Db, roundId: number): Map<number, { combined: number; penalty: number; final: number }> {
  const rows = db
    .prepare('SELECT rs.response_id AS id, rs.combined, rs.penalty, rs.final FROM response_scores rs JOIN responses s ON s.id = rs.response_id JOIN tasks t ON t.id = s.task_id WHERE t.round_id = ?')
    .all(roundId) as { id: number; combined: number; penalty: number; final: number }[];
  return new Map(rows.map((r) => [r.id, r]));
}

export function storedFindings(db: Db, roundId: number): StoredFinding[] {
  const rows = db
    .prepare('SELECT f.id, t.task_key AS taskKey, f.detector, f.detector_version AS detectorVersion, f.uids, f.evidence, f.penalty FROM findings f LEFT JOIN tasks t ON t.id = f.task_id WHERE f.round_id = ? ORDER BY f.id')
    .all(roundId) as (Omit<StoredFinding, 'uids' | 'evidence'> & { uids: string; evidence: string })[];
  return rows.map((r) => ({ ...r, uids: JSON.parse(r.uids) as number[], evidence: parseColumn(r.evidence) }));
}

export function storedMinerScores(db: Db, roundId: number): { uid: number; hotkey: string; tasks: number; answered: number; score: number }[] {
  return db.prepare('SELECT uid, hotkey, tasks, answered, score FROM miner_round_scores WHERE round_id = ? ORDER BY uid').all(roundId) as never;
}

export function storedPluginScores(db: Db, roundId: number): { uid: number; plugin: string; tasks: number; answered: number; score: number; share: number }[] {
  return db.prepare('SELECT uid, plugin, tasks, answered, score, share FROM miner_plugin_scores WHERE round_id = ? ORDER BY uid, plugin').all(roundId) as never;
}

export function storedMovingAverages(db: Db, roundId: number): { hotkey: string; uid: number; value: number; alpha: number }[] {
  return db.prepare('SELECT hotkey, uid, value, alpha FROM moving_averages WHERE round_id = ? ORDER BY uid').all(roundId) as never;
}

export interface StoredWeightInput {
  uid: number;
  hotkey: string;
  average: number;
  ciLow: number;
  ciHigh: number;
  rounds: number;
  tasks: number;
  evidence: number;
  tier: number;
  tierAverage: number;
  value: number;
}

export function storedWeightInputs(db: Db, roundId: number): StoredWeightInput[] {
  return db
    .prepare('SELECT uid, hotkey, average, ci_low AS ciLow, ci_high AS ciHigh, rounds, tasks, evidence, tier, tier_average AS tierAverage, value FROM weight_inputs WHERE round_id = ? ORDER BY uid')
    .all(roundId) as StoredWeightInput[];
}

export interface StoredSubmission {
  id: number;
  mode: string;
  uids: number[];
  weights: number[];
  outcome: string;
  network: string;
}

/** A round's weight submissions in the order made (on a chain: reveals of earlier commits, then this round's own). */
export function storedSubmissions(db: Db, roundId: number): StoredSubmission[] {
  const rows = db.prepare('SELECT id, mode, uids, weights, outcome, network FROM weight_submissions WHERE round_id = ? ORDER BY id').all(roundId) as (Omit<StoredSubmission, 'uids' | 'weights'> & { uids: string; weights: string })[];
  return rows.map((row) => ({ ...row, uids: JSON.parse(row.uids) as number[], weights: JSON.parse(row.weights) as number[] }));
}

export function storedSubmission(db: Db, roundId: number): StoredSubmission | null {
  return storedSubmissions(db, roundId)[0] ?? null;
}

/** A round's consensus preview, or null. */
export function storedPreview(db: Db, roundId: number): { id: number; validatorUid: number; numerics: string; validatorTrust: number; dividends: number; incentive: number[] } | null {
  const row = db.prepare('SELECT id, validator_uid, numerics, validator_trust, dividends, incentive FROM consensus_previews WHERE round_id = ? ORDER BY id LIMIT 1').get(roundId) as
    | { id: number; validator_uid: number; numerics: string; validator_trust: number; dividends: number; incentive: string }
    | undefined;
  return row ? { id: row.id, validatorUid: row.validator_uid, numerics: row.numerics, validatorTrust: row.validator_trust, dividends: row.dividends, incentive: JSON.parse(row.incentive) as number[] } : null;
}

/** Each hotkey's moving average as the engine read it before round `number`: its value at the latest earlier round. */
export function previousMovingAverages(db: Db, number: number): Map<string, number> {
  const rows = db
    .prepare(
      `SELECT ma.hotkey, ma.value FROM moving_averages ma JOIN rounds r ON r.id = ma.round_id
       WHERE r.number = (SELECT MAX(r2.number) FROM moving_averages m2 JOIN rounds r2 ON r2.id = m2.round_id WHERE m2.hotkey = ma.hotkey AND r2.number < ?)`,
    )
    .all(number) as { hotkey: string; value: number }[];
  return new Map(rows.map((r) => [r.hotkey, r.value]));
}

/** Each hotkey's round scores over the last `rounds` completed rounds before `number`, oldest first (`Store.recentMinerScores` then). */
export function recentScoresBefore(db: Db, number: number, rounds: number): Map<string, { score: number; tasks: number }[]> {
  const rows = db
    .prepare(
      `SELECT m.hotkey, m.score, m.tasks FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id
       WHERE r.id IN (SELECT id FROM rounds WHERE status = 'complete' AND number < ? ORDER BY number DESC LIMIT ?) ORDER BY r.number`,
    )
    .all(number, Math.max(0, Math.floor(rounds))) as { hotkey: string; score: number; tasks: number }[];
  const out = new Map<string, { score: number; tasks: number }[]>();
  for (const row of rows) out.set(row.hotkey, [...(out.get(row.hotkey) ?? []), { score: row.score, tasks: row.tasks }]);
  return out;
}

/** The local subnet's size after round `roundId` (`local_chain_snapshots`), or null on a real chain. */
export function localSubnetSize(db: Db, roundId: number): number | null {
  const row = db.prepare('SELECT state FROM local_chain_snapshots WHERE round_id = ?').get(roundId) as { state: string } | undefined;
  if (!row) return null;
  // `LocalSubnet.snapshot()`: { chain: { neurons, … }, … }; older files held the chain state alone.
  const state = parseColumn(row.state) as { neurons?: unknown[]; chain?: { neurons?: unknown[] } } | null;
  const neurons = state?.chain?.neurons ?? state?.neurons;
  return Array.isArray(neurons) ? neurons.length : null;
}
