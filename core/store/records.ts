/** The rows one round writes, as the engine hands them to the store (see `schema.ts`). */
import type { Json } from '../plugin-api.js';
import type { ConfidentScore } from '../engine/confidence.js';

export interface RunInfo {
  engineVersion: string;
  network: string;
  netuid: number | null;
  validatorHotkey: string;
  plugins: { name: string; version: string }[];
  /** The run's options, without secrets. */
  config: Json;
}

export interface TaskRow {
  key: string;
  plugin: string;
  pluginVersion: string;
  datasetVersion: string;
  idx: number;
  kind: string;
  prompt: string;
  payload: Json;
  answer: Json;
  meta: Json;
  /** `taskInputHash` (`core/engine/task-guard.ts`); stored as `input_hash`. */
  inputHash?: string | null;
}

export type ResponseStatus =
  | 'ok'
  | 'timeout'
  | 'too_large'
  | 'invalid_json'
  | 'invalid_response'
  | 'http_error'
  | 'unreachable'
  | 'refused_address';

export interface ResponseRow {
  taskKey: string;
  uid: number;
  hotkey: string;
  status: ResponseStatus;
  httpStatus: number | null;
  latencyMs: number;
  receivedAtMs: number | null;
  bodyHash: string | null;
  body: string | null;
  error: string | null;
}

export interface ScoreRow {
  taskKey: string;
  uid: number;
  evaluator: string;
  evaluatorVersion: string;
  optionsHash: string;
  status: 'ok' | 'error';
  value: number | null;
  errorCode: string | null;
  details: Json;
}

export interface ResponseScoreRow {
  taskKey: string;
  uid: number;
  combined: number;
  penalty: number;
  final: number;
}

export interface FindingRow {
  taskKey: string | null;
  detector: string;
  detectorVersion: string;
  uids: number[];
  evidence: Json;
  penalty: number;
}

/** A detector's memory after a round (`detector_memory`; `core/engine/detector-memory.ts` makes and reads them). */
export interface DetectorMemoryRow {
  detector: string;
  version: string;
  /** JSON `[[key, value], ...]` in the memory's order; `'[]'` when dropped. */
  memoryJson: string;
  /** UTF-8 size of the memory as serialised, before any drop (0 when it could not be serialised). */
  bytes: number;
  status: 'kept' | 'dropped';
  errorCode: string | null;
}

export interface WeightSubmissionRow {
  network: string;
  mode: 'set_weights' | 'commit' | 'reveal';
  uids: number[];
  weights: number[];
  versionKey: number;
  block: number;
  extrinsicHash: string | null;
  outcome: 'accepted' | 'rejected' | 'skipped';
  detail: string | null;
}

export interface EpochResultRow {
  uid: number;
  hotkey: string;
  stake: number;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  emission: number;
}

/** What a chain round computed its weights and preview from (`core/engine/chain-inputs.ts` builds it). */
export interface ChainRoundInputsRow {
  block: number;
  validatorUid: number | null;
  hotkeys: string[];
  minAllowedWeights: number;
  maxWeightsLimit: number;
  /** The Yuma input as JSON-able data; null when no preview was made. */
  epochInput: object | null;
}

export interface RoundRecord {
  roundId: number;
  seed: string;
  finishedAt: string;
  tasks: TaskRow[];
  responses: ResponseRow[];
  scores: ScoreRow[];
  responseScores: ResponseScoreRow[];
  findings: FindingRow[];
  /** Every detector's memory after the round, stored in the same transaction; none when omitted. */
  detectorMemory?: DetectorMemoryRow[];
  /**
   * Retention (`--keep-detector-memory`): after this round is stored, only the latest this-many
   * completed rounds keep their `detector_memory` rows; older ones are deleted in the same
   * transaction and recorded in `detector_memory_pruned`. Absent or 0: every row is kept.
   */
  keepDetectorMemory?: number;
  /**
   * A chain round's weight and preview inputs (`chain_round_inputs`), stored in the same
   * transaction so that an abandoned round leaves none behind; none when omitted (local runs).
   */
  chainInputs?: ChainRoundInputsRow;
  minerScores: {
    uid: number;
    hotkey: string;
    tasks: number;
    answered: number;
    score: number;
    /** The score on each plugin's tasks and the share it carries in `score` (`miner_plugin_scores`). */
    byPlugin: { plugin: string; tasks: number; answered: number; score: number; share: number }[];
  }[];
  movingAverages: { hotkey: string; uid: number; value: number; alpha: number }[];
  /** What each weight was computed from (`confidence.ts`); empty when the caller sets weights without it. */
  weightInputs?: ConfidentScore[];
  weightSubmission: WeightSubmissionRow | null;
  consensusPreview: { validatorUid: number; numerics: string; validatorTrust: number; dividends: number; incentive: number[] } | null;
  epoch: { block: number; numerics: string; results: EpochResultRow[] } | null;
  chainSnapshot: Json | null;
}
