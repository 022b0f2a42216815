/**
 * `validator audit report`: one self-contained HTML file (inline CSS, inline SVG charts, no
 * script, no external URL), so it opens offline, mails as one attachment and prints. The charts
 * are Vega-Lite rendered to SVG when the report is built (`charts.ts`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { proctorError } from '../../errors.js';
import { openHistory, type Db } from '../history.js';
import { findingsSpec, incentiveSpec, renderSvg, scoreHistorySpec, scoreVsIncentiveSpec, weightsSpec, type Chart } from './charts.js';
import { renderHtml, type Summary } from './html.js';

type Row = Record<string, string | number | null>;

const miner = (uid: number): string => String(uid).padStart(3, ' ');

function scoreRows(db: Db): Row[] {
  return (db.prepare('SELECT round, uid, score FROM v_round_scores ORDER BY round, uid').all() as { round: number; uid: number; score: number }[]).map((r) => ({ ...r, miner: miner(r.uid) }));
}

function weightRows(db: Db): Row[] {
  const rows = db.prepare('SELECT round, submission_id AS id, uid, weight_u16 AS w FROM v_weight_entries ORDER BY round, uid').all() as { round: number; id: number; uid: number; w: number }[];
  const totals = new Map<number, number>();
  for (const r of rows) totals.set(r.id, (totals.get(r.id) ?? 0) + r.w);
  return rows.map((r) => ({ round: r.round, uid: r.uid, miner: miner(r.uid), share: (totals.get(r.id) ?? 0) > 0 ? r.w / totals.get(r.id)! : 0 }));
}

/** Incentive per epoch for the uids this validator scored (validators earn dividends, not incentive). */
function incentiveRows(db: Db): Row[] {
  return (
    db
      .prepare(
        `SELECT r.number AS round, er.uid, er.incentive FROM epoch_results er JOIN epochs e ON e.id = er.epoch_id JOIN rounds r ON r.id = e.round_id
         WHERE er.uid IN (SELECT DISTINCT uid FROM miner_round_scores) ORDER BY r.number, er.uid`,
      )
      .all() as { round: number; uid: number; incentive: number }[]
  ).map((r) => ({ ...r, miner: miner(r.uid) }));
}

function findingRows(db: Db): Row[] {
  const rows = db.prepare('SELECT r.number AS round, f.detector, COUNT(*) AS findings FROM findings f JOIN rounds r ON r.id = f.round_id GROUP BY r.number, f.detector ORDER BY r.number, f.detector').all() as Row[];
  // An empty bar chart would be an empty frame: say so in it.
  return rows.length > 0 ? rows : [{ round: 0, detector: 'none raised', findings: 0 }];
}

function scoreVsIncentiveRows(db: Db): Row[] {
  return db
    .prepare(
      `SELECT m.uid, AVG(m.score) AS meanScore, COALESCE(li.incentive, 0) AS incentive,
              CASE WHEN EXISTS (SELECT 1 FROM findings f, json_each(f.uids) j WHERE j.value = m.uid) THEN 'has findings' ELSE 'no findings' END AS kind
       FROM miner_round_scores m LEFT JOIN v_latest_incentive li ON li.uid = m.uid AND li.hotkey = m.hotkey GROUP BY m.uid ORDER BY m.uid`,
    )
    .all() as Row[];
}

/** A run's `plugins` JSON (`[{"name": "text", "version": "2.1.0"}, …]`) as `text 2.1.0, …`; anything else as stored. */
export function pluginList(json: string): string {
  try {
    const plugins: unknown = JSON.parse(json);
    const named = (p: unknown): p is { name: string; version?: unknown } => typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string';
    if (!Array.isArray(plugins) || !plugins.every(named)) return json;
    return plugins.map((p) => (typeof p.version === 'string' ? `${p.name} ${p.version}` : p.name)).join(', ');
  } catch {
    return json;
  }
}

function summary(db: Db, path: string): Summary {
  const one = <T>(sql: string) => db.prepare(sql).get() as T;
  return {
    db: path,
    runs: (db.prepare('SELECT id, started_at AS startedAt, engine_version AS engine, network, plugins FROM runs ORDER BY id').all() as Summary['runs']).map((r) => ({ ...r, plugins: pluginList(r.plugins) })),
    rounds: one<{ complete: number; abandoned: number; first: number | null; last: number | null }>(
      "SELECT SUM(status = 'complete') AS complete, SUM(status = 'abandoned') AS abandoned, MIN(number) AS first, MAX(number) AS last FROM rounds",
    ),
    responses: db.prepare('SELECT status, COUNT(*) AS n FROM responses GROUP BY status ORDER BY n DESC').all() as Summary['responses'],
    evaluationErrors: one<{ n: number }>('SELECT COUNT(*) AS n FROM v_evaluation_errors').n,
    findings: db.prepare('SELECT detector, COUNT(*) AS n, ROUND(AVG(penalty), 4) AS meanPenalty FROM findings GROUP BY detector ORDER BY n DESC').all() as Summary['findings'],
    miners: db
      .prepare(
        `SELECT m.uid, m.hotkey, ROUND(AVG(m.score), 4) AS meanScore, ROUND(lm.value, 4) AS movingAverage, ROUND(li.incentive, 4) AS incentive
         FROM miner_round_scores m LEFT JOIN v_latest_moving_averages lm ON lm.hotkey = m.hotkey LEFT JOIN v_latest_incentive li ON li.uid = m.uid AND li.hotkey = m.hotkey
         GROUP BY m.uid, m.hotkey ORDER BY incentive DESC, meanScore DESC`,
      )
      .all() as Summary['miners'],
  };
}

/** The charts of a history, in report order. */
export async function buildCharts(db: Db): Promise<Chart[]> {
  const defs = [
    { id: 'score-history', title: 'Score history per miner', caption: 'Each miner\'s round score (mean final score over its tasks, plugins weighted by their shares).', spec: scoreHistorySpec(scoreRows(db)) },
    { id: 'weights', title: 'Weights over time', caption: 'The share of each submitted u16 weight row that each uid received, round by round.', spec: weightsSpec(weightRows(db)) },
    { id: 'incentive', title: 'Incentive over time', caption: 'The incentive Yuma Consensus paid each miner uid at each epoch.', spec: incentiveSpec(incentiveRows(db)) },
    { id: 'findings', title: 'Findings by detector', caption: 'How many findings each detector raised, stacked by round.', spec: findingsSpec(findingRows(db)) },
    { id: 'score-vs-incentive', title: 'Score vs incentive', caption: 'Mean round score against the incentive of the last epoch; a miner far below the trend is being paid less than it scores.', spec: scoreVsIncentiveSpec(scoreVsIncentiveRows(db)) },
  ];
  const charts: Chart[] = [];
  for (const d of defs) charts.push({ id: d.id, title: d.title, caption: d.caption, svg: await renderSvg(d.spec) });
  return charts;
}

/**
 * Writes `<out>/index.html` from the history at `db`.
 *
 * @example
 * ```ts
 * const { path, charts } = await writeReport({ db: 'proctor.db', out: 'report' });
 * ```
 */
export async function writeReport(options: { db: string; out: string; now?: Date }): Promise<{ path: string; charts: string[]; bytes: number }> {
  const db = openHistory(options.db);
  let html: string;
  let charts: Chart[];
  try {
    charts = await buildCharts(db);
    html = renderHtml(summary(db, options.db), charts, options.now ?? new Date());
  } finally {
    db.close();
  }
  const path = join(resolve(options.out), 'index.html');
  try {
    mkdirSync(resolve(options.out), { recursive: true });
    writeFileSync(path, html);
  } catch (err) {
    throw proctorError('PROCTOR_ERR_AUDIT_OUT', { path, detail: (err as Error).message }, err);
  }
  return { path, charts: charts.map((c) => c.id), bytes: Buffer.byteLength(html) };
}
