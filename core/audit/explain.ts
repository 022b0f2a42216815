/**
 * `validator audit explain --hotkey <ss58> | --uid <n> [--round N]`: one miner's chain of evidence in one
 * round, from what it was asked to what it was paid — every task with the hash of the answer it
 * sent, each evaluator's score, the findings and penalties, the round score per plugin and share,
 * the moving average before and after, the weight inputs (interval, tier), the u16 weight
 * submitted, the incentive the consensus preview predicted and the one the next epoch paid.
 */
import type { Json } from '../plugin-api.js';
import { proctorError } from '../errors.js';
import { parseColumn } from './compare.js';
import { openHistory, previousMovingAverages, roundInfo, storedSubmission, type Db } from './history.js';

export interface ExplainOptions {
  db: string;
  /** The miner: its hotkey, or its uid (the hotkey that held it in `round`, or in the latest round it was scored). */
  miner: { hotkey: string } | { uid: number };
  /** Default: the latest round the hotkey was scored in. */
  round?: number;
}

export interface TaskEvidence {
  task: string;
  plugin: string;
  kind: string;
  prompt: string;
  /** The hidden answer, revealed with the seed. */
  expected: Json;
  status: string;
  latencyMs: number;
  /** sha256 of the bytes the miner sent; null when nothing arrived. */
  bodyHash: string | null;
  answer: Json;
  scores: { evaluator: string; version: string; status: string; value: number | null; errorCode: string | null }[];
  findings: { detector: string; version: string; penalty: number; evidence: Json }[];
  combined: number | null;
  penalty: number | null;
  final: number | null;
}

export interface MinerEvidence {
  hotkey: string;
  uid: number;
  round: number;
  block: number;
  seedHash: string;
  tasks: TaskEvidence[];
  roundScore: { score: number; tasks: number; answered: number; byPlugin: { plugin: string; score: number; share: number; contribution: number; tasks: number; answered: number }[] };
  movingAverage: { before: number; after: number | null; alpha: number | null };
  weightInput: { average: number; ciLow: number; ciHigh: number; rounds: number; tasks: number; evidence: number; tier: number; tierAverage: number; value: number } | null;
  weight: { u16: number; share: number; mode: string; outcome: string } | null;
  /** The consensus preview's predicted incentive for this uid, and what the first epoch at or after the round paid. */
  incentive: { predicted: number | null; epoch: { block: number; round: number; incentive: number; emission: number } | null };
  /** The miner's round scores and moving averages up to this round. */
  history: { round: number; score: number; movingAverage: number | null }[];
}

function parseBody(body: string | null): Json {
  if (body === null) return null;
  const value = parseColumn(body);
  return typeof value === 'string' && value.length > 200 ? `${value.slice(0, 199)}…` : value;
}

function taskEvidence(db: Db, roundId: number, uid: number): TaskEvidence[] {
  const rows = db
    .prepare(
      `SELECT s.id, t.task_key, t.plugin, t.kind, t.prompt, t.answer, s.status, s.latency_ms, s.body_hash, s.body, rs.combined, rs.penalty, rs.final
       FROM responses s JOIN tasks t ON t.id = s.task_id LEFT JOIN response_scores rs ON rs.response_id = s.id
       WHERE t.round_id = ? AND s.uid = ? ORDER BY t.id`,
    )
    .all(roundId, uid) as { id: number; task_key: string; plugin: string; kind: string; prompt: string; answer: string; status: string; latency_ms: number; body_hash: string | null; body: string | null; combined: number | null; penalty: number | null; final: number | null }[];
  const scores = db.prepare('SELECT evaluator, evaluator_version AS version, status, value, error_code AS errorCode FROM scores WHERE response_id = ? ORDER BY evaluator');
  const findings = db.prepare(
    `SELECT f.detector, f.detector_version AS version, f.penalty, f.evidence FROM findings f JOIN tasks t ON t.id = f.task_id
     WHERE f.round_id = ? AND t.task_key = ? AND EXISTS (SELECT 1 FROM json_each(f.uids) WHERE value = ?) ORDER BY f.id`,
  );
  return rows.map((r) => ({
    task: r.task_key,
    plugin: r.plugin,
    kind: r.kind,
    prompt: r.prompt,
    expected: parseColumn(r.answer),
    status: r.status,
    latencyMs: r.latency_ms,
    bodyHash: r.body_hash,
    answer: parseBody(r.body),
    scores: scores.all(r.id) as TaskEvidence['scores'],
    findings: (findings.all(roundId, r.task_key, uid) as { detector: string; version: string; penalty: number; evidence: string }[]).map((f) => ({ ...f, evidence: parseColumn(f.evidence) })),
    combined: r.combined,
    penalty: r.penalty,
    final: r.final,
  }));
}

/** The hotkey scored under `uid` in round `round`, or in the latest round the uid was scored. */
function hotkeyOfUid(db: Db, uid: number, round: number | undefined): string {
  const row = db
    .prepare('SELECT m.hotkey FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id WHERE m.uid = ? AND (? IS NULL OR r.number = ?) ORDER BY r.number DESC LIMIT 1')
    .get(uid, round ?? null, round ?? null) as { hotkey: string } | undefined;
  if (!row) throw proctorError('PROCTOR_ERR_AUDIT_UID', { uid, problem: round === undefined ? 'has no round score in this database' : `was not scored in round ${round}` });
  return row.hotkey;
}

/**
 * Gathers the evidence for one miner in one round.
 *
 * @example
 * ```ts
 * const evidence = explainMiner({ db: 'proctor.db', miner: { hotkey: '5F…' }, round: 4 }); // or miner: { uid: 5 }
 * evidence.roundScore.byPlugin; // [{ plugin: 'text', score: 0.61, share: 0.5, contribution: 0.305, … }, …]
 * ```
 */
export function explainMiner(options: ExplainOptions): MinerEvidence {
  const db = openHistory(options.db);
  try {
    const hotkey = 'hotkey' in options.miner ? options.miner.hotkey : hotkeyOfUid(db, options.miner.uid, options.round);
    const latest = db.prepare('SELECT MAX(r.number) AS n FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id WHERE m.hotkey = ?').get(hotkey) as { n: number | null };
    if (latest.n === null) throw proctorError('PROCTOR_ERR_AUDIT_HOTKEY', { hotkey, problem: 'has no round score in this database' });
    const number = options.round ?? latest.n;
    const info = roundInfo(db, number);
    if (info === null) throw proctorError('PROCTOR_ERR_AUDIT_ROUND', { round: number, problem: 'is not in this database' });
    const score = db.prepare('SELECT uid, score, tasks, answered FROM miner_round_scores WHERE round_id = ? AND hotkey = ?').get(info.id, hotkey) as { uid: number; score: number; tasks: number; answered: number } | undefined;
    if (!score) throw proctorError('PROCTOR_ERR_AUDIT_HOTKEY', { hotkey, problem: `was not scored in round ${number} (its latest round is ${latest.n})` });
    const { uid } = score;

    const byPlugin = (db.prepare('SELECT plugin, score, share, tasks, answered FROM miner_plugin_scores WHERE round_id = ? AND uid = ? ORDER BY plugin').all(info.id, uid) as { plugin: string; score: number; share: number; tasks: number; answered: number }[]).map((p) => ({ ...p, contribution: p.score * p.share }));
    const after = db.prepare('SELECT value, alpha FROM moving_averages WHERE round_id = ? AND hotkey = ?').get(info.id, hotkey) as { value: number; alpha: number } | undefined;
    const weightInput = db
      .prepare('SELECT average, ci_low AS ciLow, ci_high AS ciHigh, rounds, tasks, evidence, tier, tier_average AS tierAverage, value FROM weight_inputs WHERE round_id = ? AND uid = ?')
      .get(info.id, uid) as MinerEvidence['weightInput'] | undefined;
    const submission = storedSubmission(db, info.id);
    const k = submission?.uids.indexOf(uid) ?? -1;
    const total = submission?.weights.reduce((a, b) => a + b, 0) ?? 0;
    const preview = db.prepare('SELECT incentive FROM consensus_previews WHERE round_id = ? ORDER BY id LIMIT 1').get(info.id) as { incentive: string } | undefined;
    const predicted = preview ? ((JSON.parse(preview.incentive) as number[])[uid] ?? null) : null;
    const epoch = db
      .prepare(
        `SELECT e.block, r.number AS round, er.incentive, er.emission FROM epochs e JOIN rounds r ON r.id = e.round_id JOIN epoch_results er ON er.epoch_id = e.id
         WHERE r.number >= ? AND er.uid = ? AND er.hotkey = ? ORDER BY r.number LIMIT 1`,
      )
      .get(number, uid, hotkey) as { block: number; round: number; incentive: number; emission: number } | undefined;
    const history = db
      .prepare(
        `SELECT r.number AS round, m.score, ma.value AS movingAverage FROM miner_round_scores m JOIN rounds r ON r.id = m.round_id
         LEFT JOIN moving_averages ma ON ma.round_id = m.round_id AND ma.hotkey = m.hotkey WHERE m.hotkey = ? AND r.number <= ? ORDER BY r.number`,
      )
      .all(hotkey, number) as MinerEvidence['history'];

    return {
      hotkey,
      uid,
      round: number,
      block: info.block,
      seedHash: info.seedHash,
      tasks: taskEvidence(db, info.id, uid),
      roundScore: { score: score.score, tasks: score.tasks, answered: score.answered, byPlugin },
      movingAverage: { before: previousMovingAverages(db, number).get(hotkey) ?? 0, after: after?.value ?? null, alpha: after?.alpha ?? null },
      weightInput: weightInput ?? null,
      weight: submission && k >= 0 ? { u16: submission.weights[k], share: total > 0 ? submission.weights[k] / total : 0, mode: submission.mode, outcome: submission.outcome } : null,
      incentive: { predicted, epoch: epoch ?? null },
      history,
    };
  } finally {
    db.close();
  }
}
