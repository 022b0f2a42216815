/**
 * The SQLite schema, as ordered migrations. History is append-only: triggers refuse UPDATE and
 * DELETE on every history table, except the one transition a round makes from `open` to
 * `complete` (its seed revealed) or `abandoned` (a crash interrupted it), and (v8) the one a
 * weight submission makes from `pending` to the chain's answer.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const HISTORY_TABLES = [
  'runs',
  'tasks',
  'responses',
  'scores',
  'response_scores',
  'findings',
  'miner_round_scores',
  'moving_averages',
  'weight_submissions',
  'consensus_previews',
  'epochs',
  'epoch_results',
  'local_chain_snapshots',
];

const appendOnly = HISTORY_TABLES.map(
  (table) => `
CREATE TRIGGER ${table}_append_only_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'history is append-only: ${table} rows cannot change'); END;
CREATE TRIGGER ${table}_append_only_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, 'history is append-only: ${table} rows cannot be deleted'); END;`,
).join('\n');

const v1 = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  network TEXT NOT NULL,
  netuid INTEGER,
  validator_hotkey TEXT NOT NULL,
  plugins TEXT NOT NULL,            -- JSON [{"name", "version"}]
  config TEXT NOT NULL              -- JSON of the run's options (no secrets)
);

CREATE TABLE rounds (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  number INTEGER NOT NULL UNIQUE,
  block INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'complete', 'abandoned')),
  seed_hash TEXT NOT NULL,          -- sha256 of the seed, stored before any miner is queried
  seed TEXT,                        -- revealed when the round completes
  started_at TEXT NOT NULL,
  finished_at TEXT
);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  task_key TEXT NOT NULL,
  plugin TEXT NOT NULL,
  plugin_version TEXT NOT NULL,
  dataset_version TEXT NOT NULL,
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL,
  prompt TEXT NOT NULL,
  payload TEXT NOT NULL,            -- JSON, public
  answer TEXT NOT NULL,             -- JSON, hidden from miners
  meta TEXT NOT NULL,               -- JSON
  UNIQUE (round_id, task_key)
);

CREATE TABLE responses (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  uid INTEGER NOT NULL,
  hotkey TEXT NOT NULL,
  status TEXT NOT NULL,             -- ok | timeout | too_large | invalid_json | invalid_response | http_error | unreachable | refused_address
  http_status INTEGER,
  latency_ms REAL NOT NULL,
  received_at_ms REAL,              -- since the round started
  body_hash TEXT,                   -- sha256 of the bytes received
  body TEXT,                        -- the body as received, capped
  error TEXT,
  UNIQUE (task_id, uid)
);

CREATE TABLE scores (
  id INTEGER PRIMARY KEY,
  response_id INTEGER NOT NULL REFERENCES responses(id),
  evaluator TEXT NOT NULL,
  evaluator_version TEXT NOT NULL,
  options_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
  value REAL,
  error_code TEXT,
  details TEXT NOT NULL,            -- JSON
  UNIQUE (response_id, evaluator)
);

CREATE TABLE response_scores (
  response_id INTEGER PRIMARY KEY REFERENCES responses(id),
  combined REAL NOT NULL,           -- the plugin's combine rule over the evaluators, in [0, 1]
  penalty REAL NOT NULL,            -- product of the findings' factors, in [0, 1]
  final REAL NOT NULL               -- combined × penalty
);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  task_id INTEGER REFERENCES tasks(id),
  detector TEXT NOT NULL,
  detector_version TEXT NOT NULL,
  uids TEXT NOT NULL,               -- JSON
  evidence TEXT NOT NULL,           -- JSON
  penalty REAL NOT NULL CHECK (penalty >= 0 AND penalty <= 1)
);

CREATE TABLE miner_round_scores (
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  uid INTEGER NOT NULL,
  hotkey TEXT NOT NULL,
  tasks INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (round_id, uid)
);

CREATE TABLE moving_averages (
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  hotkey TEXT NOT NULL,
  uid INTEGER NOT NULL,
  value REAL NOT NULL,
  alpha REAL NOT NULL,
  PRIMARY KEY (round_id, hotkey)
);

CREATE TABLE weight_submissions (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  network TEXT NOT NULL,
  mode TEXT NOT NULL,               -- set_weights | commit | reveal
  uids TEXT NOT NULL,               -- JSON
  weights TEXT NOT NULL,            -- JSON u16 values as submitted
  version_key INTEGER NOT NULL,
  block INTEGER NOT NULL,
  extrinsic_hash TEXT,
  outcome TEXT NOT NULL,            -- accepted | rejected | skipped
  detail TEXT
);

CREATE TABLE consensus_previews (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  validator_uid INTEGER NOT NULL,
  numerics TEXT NOT NULL,
  validator_trust REAL NOT NULL,
  dividends REAL NOT NULL,
  incentive TEXT NOT NULL           -- JSON per uid
);

CREATE TABLE epochs (
  id INTEGER PRIMARY KEY,
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  block INTEGER NOT NULL,
  numerics TEXT NOT NULL
);

CREATE TABLE epoch_results (
  epoch_id INTEGER NOT NULL REFERENCES epochs(id),
  uid INTEGER NOT NULL,
  hotkey TEXT NOT NULL,
  stake REAL NOT NULL,
  consensus REAL NOT NULL,
  incentive REAL NOT NULL,
  dividends REAL NOT NULL,
  validator_trust REAL NOT NULL,
  emission INTEGER NOT NULL,
  PRIMARY KEY (epoch_id, uid)
);

CREATE TABLE local_chain_snapshots (
  round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
  state TEXT NOT NULL               -- JSON: the local subnet's chain state after the round
);

CREATE INDEX responses_by_uid ON responses(uid);
CREATE INDEX scores_by_status ON scores(status);
CREATE INDEX tasks_by_round ON tasks(round_id);

CREATE TRIGGER rounds_settle_once BEFORE UPDATE ON rounds
WHEN OLD.status <> 'open' OR NEW.id <> OLD.id OR NEW.number <> OLD.number OR NEW.run_id <> OLD.run_id
  OR NEW.seed_hash <> OLD.seed_hash OR NEW.block <> OLD.block OR NEW.started_at <> OLD.started_at
BEGIN SELECT RAISE(ABORT, 'history is append-only: a round changes only from open to complete or abandoned'); END;
CREATE TRIGGER rounds_no_delete BEFORE DELETE ON rounds
BEGIN SELECT RAISE(ABORT, 'history is append-only: rounds cannot be deleted'); END;
${appendOnly}

-- Views for the common audit questions (docs/audit.md).
CREATE VIEW v_round_scores AS
  SELECT r.number AS round, m.uid, m.hotkey, m.score, m.answered, m.tasks
  FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id;

CREATE VIEW v_latest_moving_averages AS
  SELECT ma.hotkey, ma.uid, ma.value, r.number AS round
  FROM moving_averages ma JOIN rounds r ON r.id = ma.round_id
  WHERE r.number = (SELECT MAX(r2.number) FROM moving_averages m2 JOIN rounds r2 ON r2.id = m2.round_id WHERE m2.hotkey = ma.hotkey);

CREATE VIEW v_weight_entries AS
  SELECT r.number AS round, w.id AS submission_id, w.mode, w.outcome,
         CAST(u.value AS INTEGER) AS uid, CAST(v.value AS INTEGER) AS weight_u16
  FROM weight_submissions w JOIN rounds r ON r.id = w.round_id
  JOIN json_each(w.uids) u JOIN json_each(w.weights) v ON v.key = u.key;

CREATE VIEW v_evaluation_errors AS
  SELECT r.number AS round, t.task_key, resp.uid, s.evaluator, s.evaluator_version, s.error_code, s.details
  FROM scores s JOIN responses resp ON resp.id = s.response_id
  JOIN tasks t ON t.id = resp.task_id JOIN rounds r ON r.id = t.round_id
  WHERE s.status = 'error';

CREATE VIEW v_response_outcomes AS
  SELECT r.number AS round, t.task_key, t.kind, resp.uid, resp.hotkey, resp.status, resp.latency_ms,
         rs.combined, rs.penalty, rs.final
  FROM responses resp JOIN tasks t ON t.id = resp.task_id JOIN rounds r ON r.id = t.round_id
  LEFT JOIN response_scores rs ON rs.response_id = resp.id;

CREATE VIEW v_latest_incentive AS
  SELECT e.block, er.uid, er.hotkey, er.stake, er.incentive, er.dividends, er.emission, er.validator_trust
  FROM epoch_results er JOIN epochs e ON e.id = er.epoch_id
  WHERE e.id = (SELECT MAX(id) FROM epochs);
`;

/** v2: each miner's score per plugin and the share it carried (`--plugin-shares`). */
const v2 = `
CREATE TABLE miner_plugin_scores (
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  uid INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  tasks INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  score REAL NOT NULL,              -- mean final score over the plugin's tasks
  share REAL NOT NULL,              -- its weight in miner_round_scores.score
  PRIMARY KEY (round_id, uid, plugin)
);
CREATE TRIGGER miner_plugin_scores_append_only_update BEFORE UPDATE ON miner_plugin_scores
BEGIN SELECT RAISE(ABORT, 'history is append-only: miner_plugin_scores rows cannot change'); END;
CREATE TRIGGER miner_plugin_scores_append_only_delete BEFORE DELETE ON miner_plugin_scores
BEGIN SELECT RAISE(ABORT, 'history is append-only: miner_plugin_scores rows cannot be deleted'); END;

CREATE VIEW v_plugin_scores AS
  SELECT r.number AS round, p.uid, p.plugin, p.score, p.share, p.share * p.score AS contribution, p.answered, p.tasks
  FROM miner_plugin_scores p JOIN rounds r ON r.id = p.round_id;
`;

// Real chains: where each submission landed and why it failed (the chain's error name), and the
// salts of hash commits, so that a restarted validator still reveals what it committed. A commit's
// life is a list of events, so its row never changes.
const v3 = `
ALTER TABLE weight_submissions ADD COLUMN netuid INTEGER;
ALTER TABLE weight_submissions ADD COLUMN block_hash TEXT;
ALTER TABLE weight_submissions ADD COLUMN error_code TEXT;          -- PROCTOR_ERR_CHAIN_* when not accepted
ALTER TABLE weight_submissions ADD COLUMN chain_error TEXT;         -- the chain's name: SettingWeightsTooFast, RateLimitExceeded, ...

CREATE TABLE weight_commits (
  id INTEGER PRIMARY KEY,
  round_id INTEGER REFERENCES rounds(id),
  network TEXT NOT NULL,
  genesis_hash TEXT NOT NULL,       -- keeps finney, testnet and local nodes apart in one file
  netuid INTEGER NOT NULL,
  hotkey TEXT NOT NULL,
  commit_hash TEXT NOT NULL,
  uids TEXT NOT NULL,               -- JSON, as committed
  weights TEXT NOT NULL,            -- JSON u16
  salt TEXT NOT NULL,               -- JSON u16; secret until revealed
  version_key TEXT NOT NULL,        -- u64 as decimal text
  created_at TEXT NOT NULL,
  UNIQUE (genesis_hash, netuid, hotkey, commit_hash)
);

CREATE TABLE weight_commit_events (
  id INTEGER PRIMARY KEY,
  commit_id INTEGER NOT NULL REFERENCES weight_commits(id),
  event TEXT NOT NULL CHECK (event IN ('committed', 'commit_failed', 'revealed', 'reveal_failed', 'expired', 'vanished')),
  block INTEGER,
  detail TEXT,
  at TEXT NOT NULL
);
CREATE INDEX weight_commit_events_by_commit ON weight_commit_events(commit_id);

CREATE TRIGGER weight_commits_append_only_update BEFORE UPDATE ON weight_commits
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_commits rows cannot change'); END;
CREATE TRIGGER weight_commits_append_only_delete BEFORE DELETE ON weight_commits
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_commits rows cannot be deleted'); END;
CREATE TRIGGER weight_commit_events_append_only_update BEFORE UPDATE ON weight_commit_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_commit_events rows cannot change'); END;
CREATE TRIGGER weight_commit_events_append_only_delete BEFORE DELETE ON weight_commit_events
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_commit_events rows cannot be deleted'); END;

-- Commits not yet settled: no reveal, no expiry, no failed commit.
CREATE VIEW v_pending_commits AS
  SELECT c.* FROM weight_commits c
  WHERE NOT EXISTS (SELECT 1 FROM weight_commit_events e WHERE e.commit_id = c.id
                    AND e.event IN ('commit_failed', 'revealed', 'expired', 'vanished'));

CREATE VIEW v_chain_submissions AS
  SELECT r.number AS round, w.id AS submission_id, w.network, w.netuid, w.mode, w.outcome, w.block, w.block_hash,
         w.extrinsic_hash, w.chain_error, w.error_code, w.detail
  FROM weight_submissions w JOIN rounds r ON r.id = w.round_id
  WHERE w.netuid IS NOT NULL;
`;

/** v4: what each weight was computed from (`core/engine/confidence.ts`). */
const v4 = `
CREATE TABLE weight_inputs (
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  uid INTEGER NOT NULL,
  hotkey TEXT NOT NULL,
  average REAL NOT NULL,            -- the moving average
  ci_low REAL NOT NULL,             -- bootstrap interval of the mean round score over the window
  ci_high REAL NOT NULL,
  rounds INTEGER NOT NULL,          -- rounds in the window
  tasks INTEGER NOT NULL,           -- scored tasks in the window
  evidence REAL NOT NULL,           -- min(1, tasks / min_tasks)
  tier INTEGER NOT NULL,            -- 0 = best; miners of one tier are not ranked apart
  tier_average REAL NOT NULL,
  value REAL NOT NULL,              -- tier_average × evidence: the input of process_weights
  PRIMARY KEY (round_id, uid)
);
CREATE TRIGGER weight_inputs_append_only_update BEFORE UPDATE ON weight_inputs
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_inputs rows cannot change'); END;
CREATE TRIGGER weight_inputs_append_only_delete BEFORE DELETE ON weight_inputs
BEGIN SELECT RAISE(ABORT, 'history is append-only: weight_inputs rows cannot be deleted'); END;

CREATE VIEW v_weight_inputs AS
  SELECT r.number AS round, w.uid, w.hotkey, w.average, w.ci_low, w.ci_high, w.rounds, w.tasks, w.evidence, w.tier, w.tier_average, w.value
  FROM weight_inputs w JOIN rounds r ON r.id = w.round_id;
`;

/** v5: each task's input hash (`core/engine/task-guard.ts`), so the input guard and an auditor see every input ever issued. */
const v5 = `
ALTER TABLE tasks ADD COLUMN input_hash TEXT;   -- sha256 of [plugin, kind, prompt, payload]; NULL on rows from before v5
CREATE INDEX tasks_by_input_hash ON tasks(input_hash);

-- Every input issued more than once: only replay probes should appear (sent to other hotkeys).
CREATE VIEW v_repeated_inputs AS
  SELECT t.input_hash, r.number AS round, t.task_key, t.plugin, t.kind, json_extract(t.meta, '$.probe.kind') AS probe
  FROM tasks t JOIN rounds r ON r.id = t.round_id
  WHERE t.input_hash IN (SELECT input_hash FROM tasks WHERE input_hash IS NOT NULL GROUP BY input_hash HAVING COUNT(*) > 1);
`;

/**
 * v6: what a real chain's round computed its u16 weights and consensus preview from (the metagraph
 * and hyperparameters at the block), so that `validator audit replay` can recompute both.
 */
const v6 = `
CREATE TABLE chain_round_inputs (
  round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
  block INTEGER NOT NULL,           -- the snapshot the weights were computed at
  validator_uid INTEGER,            -- this validator's uid at that block (null: not registered)
  hotkeys TEXT NOT NULL,            -- JSON: the hotkey of each uid at that block
  min_allowed_weights INTEGER NOT NULL,
  max_weights_limit INTEGER NOT NULL,
  epoch_input TEXT                  -- JSON: the Yuma input at that block, this validator's row as it was (null without a preview)
);
CREATE TRIGGER chain_round_inputs_append_only_update BEFORE UPDATE ON chain_round_inputs
BEGIN SELECT RAISE(ABORT, 'history is append-only: chain_round_inputs rows cannot change'); END;
CREATE TRIGGER chain_round_inputs_append_only_delete BEFORE DELETE ON chain_round_inputs
BEGIN SELECT RAISE(ABORT, 'history is append-only: chain_round_inputs rows cannot be deleted'); END;
`;

/**
 * v7: each detector's memory after a round (`core/engine/detector-memory.ts`), written in the
 * transaction that completes the round, so a restart and `validator audit replay` start the next
 * round from exactly what the round left. A memory larger than the cap is dropped, not stored: the
 * row then says so (`status` 'dropped', its size and the error code) and the detector starts empty.
 */
const v7 = `
CREATE TABLE detector_memory (
  round_id INTEGER NOT NULL REFERENCES rounds(id),
  detector TEXT NOT NULL,
  version TEXT NOT NULL,            -- the detector's version that wrote it; another version starts empty
  memory_json TEXT NOT NULL,        -- JSON [[key, value], ...] in the memory's order; '[]' when dropped
  bytes INTEGER NOT NULL,           -- UTF-8 size of the memory as serialised, before any drop
  status TEXT NOT NULL CHECK (status IN ('kept', 'dropped')),
  error_code TEXT,                  -- PROCTOR_ERR_DETECTOR_MEMORY_* when dropped
  PRIMARY KEY (round_id, detector)
);
CREATE TRIGGER detector_memory_append_only_update BEFORE UPDATE ON detector_memory
BEGIN SELECT RAISE(ABORT, 'history is append-only: detector_memory rows cannot change'); END;
CREATE TRIGGER detector_memory_append_only_delete BEFORE DELETE ON detector_memory
BEGIN SELECT RAISE(ABORT, 'history is append-only: detector_memory rows cannot be deleted'); END;

CREATE VIEW v_detector_memory AS
  SELECT r.number AS round, d.detector, d.version, d.status, d.bytes, d.error_code, json_array_length(d.memory_json) AS entries, d.memory_json
  FROM detector_memory d JOIN rounds r ON r.id = d.round_id;
`;

/**
 * v8: a chain round's submission row is written with the round, before the extrinsic is sent, as
 * `pending`; the chain's answer replaces the outcome columns once (`core/chain/chain-records.ts`).
 * A row still `pending` was stored with its round but its answer never was (the validator stopped
 * while sending). Every other column, and every row already settled, stays append-only.
 */
const v8 = `
DROP TRIGGER weight_submissions_append_only_update;
CREATE TRIGGER weight_submissions_append_only_update BEFORE UPDATE ON weight_submissions
WHEN OLD.outcome <> 'pending' OR NEW.outcome = 'pending'
  OR NEW.id IS NOT OLD.id OR NEW.round_id IS NOT OLD.round_id OR NEW.network IS NOT OLD.network OR NEW.netuid IS NOT OLD.netuid
  OR NEW.mode IS NOT OLD.mode OR NEW.uids IS NOT OLD.uids OR NEW.weights IS NOT OLD.weights OR NEW.version_key IS NOT OLD.version_key
BEGIN SELECT RAISE(ABORT, 'history is append-only: a weight submission changes only once, from pending to its outcome'); END;
`;

/**
 * v9: detector memory retention (`validator run --keep-detector-memory`). Only the latest rounds'
 * memory is needed to continue; older rows serve audit replay, which can rebuild them. A row may
 * be deleted only once its round is recorded in `detector_memory_pruned` (append-only), written in
 * the same transaction as the deletion by the round that completed it; any other deletion still
 * aborts, and replay tells a pruned round from a lost row by that record.
 */
const v9 = `
CREATE TABLE detector_memory_pruned (
  round_id INTEGER PRIMARY KEY REFERENCES rounds(id),   -- the round whose memory rows were deleted
  pruned_by INTEGER NOT NULL REFERENCES rounds(id),     -- the round whose completing transaction deleted them
  keep INTEGER NOT NULL,            -- completed rounds that kept their rows at the time
  detectors INTEGER NOT NULL,       -- rows deleted
  bytes INTEGER NOT NULL            -- their memory, UTF-8 bytes as serialised
);
CREATE TRIGGER detector_memory_pruned_append_only_update BEFORE UPDATE ON detector_memory_pruned
BEGIN SELECT RAISE(ABORT, 'history is append-only: detector_memory_pruned rows cannot change'); END;
CREATE TRIGGER detector_memory_pruned_append_only_delete BEFORE DELETE ON detector_memory_pruned
BEGIN SELECT RAISE(ABORT, 'history is append-only: detector_memory_pruned rows cannot be deleted'); END;

DROP TRIGGER detector_memory_append_only_delete;
CREATE TRIGGER detector_memory_append_only_delete BEFORE DELETE ON detector_memory
WHEN NOT EXISTS (SELECT 1 FROM detector_memory_pruned p WHERE p.round_id = OLD.round_id)
BEGIN SELECT RAISE(ABORT, 'history is append-only: detector_memory rows are deleted only by retention, with their round in detector_memory_pruned'); END;

CREATE VIEW v_detector_memory_pruned AS
  SELECT r.number AS round, b.number AS pruned_by_round, p.keep, p.detectors, p.bytes
  FROM detector_memory_pruned p JOIN rounds r ON r.id = p.round_id JOIN rounds b ON b.id = p.pruned_by;
`;

export const migrations: readonly Migration[] = [
  { version: 1, description: 'round history, weights, local subnet epochs', sql: v1 },
  { version: 2, description: 'per-plugin miner scores and shares', sql: v2 },
  { version: 3, description: 'chain submissions (block hash, chain error) and hash commits with their salts', sql: v3 },
  { version: 4, description: 'the inputs of the weights: confidence intervals, evidence and tiers', sql: v4 },
  { version: 5, description: 'task input hashes for the input guard (v_repeated_inputs)', sql: v5 },
  { version: 6, description: "a chain round's weight and consensus-preview inputs (chain_round_inputs)", sql: v6 },
  { version: 7, description: "each detector's memory after a round (detector_memory)", sql: v7 },
  { version: 8, description: 'weight submissions stored with their round as pending, settled once by the chain answer', sql: v8 },
  { version: 9, description: 'detector memory retention: rows deleted only with their round in detector_memory_pruned', sql: v9 },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1].version;
