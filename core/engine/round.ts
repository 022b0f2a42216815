/**
 * One round, as data flows: tasks from the round's secret seed → signed queries to every miner →
 * evaluators in the worker pool → detectors across miners → the plugin's combine rule → one score
 * per miner. Every response is recorded and scored, failures included: a miner that does not
 * answer, answers late, or answers nonsense gets 0 for that task, never a skip.
 */
import { createHash } from 'node:crypto';
import type { DetectorDefinition, Json, Task } from '../plugin-api.js';
import { appliesTo, requestBody, type LoadedPlugin } from '../plugin-loader.js';
import type { EvaluationJob, EvaluationResult } from '../pool/evaluation.js';
import type { FindingRow, ResponseRow, ResponseScoreRow, ResponseStatus, RoundRecord, ScoreRow, TaskRow } from '../store/records.js';
import { minerRoute, type MinerTarget, type QueryLimits, type QueryResult } from '../transport/client.js';
import { runDetectors } from './detect.js';
import { combinePluginScores, equalShares, type PluginShares, type PluginTally } from './plugin-shares.js';
import { guardTasks, reissueSeed, replayAudience, taskInputHash, type Reissue, type TaskHistory, type TaskLedger } from './task-guard.js';

/** What the round needs from the transport: one signed query, never throwing for a miner's faults. */
export interface MinerQuerier {
  query(target: MinerTarget, path: string, body: Json, limits: QueryLimits): Promise<QueryResult>;
}

export interface RoundMiner {
  uid: number;
  hotkey: string;
  url: string;
}

export interface RoundDeps {
  plugins: readonly LoadedPlugin[];
  querier: MinerQuerier;
  evaluate: (jobs: EvaluationJob[]) => Promise<EvaluationResult[]>;
  detectors: ReadonlyMap<string, DetectorDefinition>;
  log: (message: string) => void;
  /** Each plugin's share of a miner's round score (`plugin-shares.ts`); equal when omitted. */
  shares?: PluginShares;
  /** The detectors' memory, kept by the caller between the rounds of a run. */
  detectorMemory?: Map<string, Map<string, Json>>;
  /** Who was sent an earlier task (`TaskLedger`): a replay probe goes only to the others; to nobody without it. */
  sentTo?: TaskLedger['sentTo'];
}

export interface RoundOutcome {
  tasks: TaskRow[];
  responses: ResponseRow[];
  scores: ScoreRow[];
  responseScores: ResponseScoreRow[];
  findings: FindingRow[];
  minerScores: RoundRecord['minerScores'];
  /** Each evaluation's time in its worker (metrics only, not stored: a fact about the machine). */
  evaluationTimes: { plugin: string; evaluator: string; ms: number }[];
  stats: { byStatus: Record<string, number>; evaluations: number; evaluationMs: number; queryMs: number };
}

/** The seed a plugin's generator gets: derived from the round seed, so one revealed seed regenerates every plugin's tasks. */
export function pluginSeed(roundSeed: string, plugin: string): string {
  return createHash('sha256').update(`${roundSeed}:${plugin}`).digest('hex');
}

export function optionsHash(options: Json): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

/**
 * The tasks of a round, regenerated from its seed by every plugin: a pure function of the plugins,
 * the seed, the round and its history — the earlier rounds' seeds a generator draws probes from,
 * and the inputs issued before, which the input guard never issues again (`task-guard.ts`).
 */
export function roundTasks(plugins: readonly LoadedPlugin[], roundSeed: string, round: number, history: TaskHistory = {}): { plugin: LoadedPlugin; tasks: Task[]; reissues: Reissue[] }[] {
  return plugins.map((plugin) => {
    const def = plugin.definition;
    const seed = pluginSeed(roundSeed, def.name);
    const previous = (history.previous ?? []).map((p) => ({ round: p.round, seed: pluginSeed(p.seed, def.name) }));
    const generate = (s: string) => def.tasks.generate({ seed: s, count: def.tasks.perRound, round, previous });
    const guarded = guardTasks(def.name, generate(seed), history.issued ?? (() => false), (index, attempt) => generate(reissueSeed(seed, index, attempt))[index]);
    return { plugin, ...guarded };
  });
}

interface Pending {
  plugin: LoadedPlugin;
  task: Task;
  miner: RoundMiner;
  row: ResponseRow;
  parsed: Json | undefined;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/**
 * An evaluator's value mapped onto [0, 1] with higher better, as the combine rule takes it.
 *
 * @example
 * ```ts
 * unitValue({ output: { range: [0, 10], higherIsBetter: false } }, 2.5); // 0.75
 * ```
 */
export function unitValue(evaluator: { output: { range: readonly [number, number]; higherIsBetter: boolean } }, value: number): number {
  const [lo, hi] = evaluator.output.range;
  const unit = hi > lo ? (value - lo) / (hi - lo) : 0;
  return clamp01(evaluator.output.higherIsBetter ? unit : 1 - unit);
}

/**
 * One response's combined score: the plugin's combine rule (or the weighted mean) over the
 * evaluators that apply to the task's kind, their weights renormalised; a missing or failed
 * evaluation (null) counts 0 in the mean. The round and `validator audit replay` both call this,
 * so a replay recomputes exactly what the round did.
 *
 * @example
 * ```ts
 * combineResponse(plugin, task, { 'ground-truth': 1, 'embedding-similarity': null }); // e.g. 0.5
 * ```
 */
export function combineResponse(plugin: LoadedPlugin, task: Pick<Task, 'kind'>, byEvaluator: Record<string, number | null>): number {
  const applying = plugin.evaluators.filter((e) => appliesTo(e, task.kind));
  const total = applying.reduce((acc, e) => acc + e.weight, 0);
  const weights = Object.fromEntries(applying.map((e) => [e.name, total > 0 ? e.weight / total : 0]));
  const rule = plugin.definition.combine;
  return clamp01(rule ? rule(byEvaluator, weights) : applying.reduce((acc, e) => acc + weights[e.name] * (byEvaluator[e.name] ?? 0), 0));
}

/** Runs the round and returns every row it produced (the caller stores them in one transaction). */
export async function runRound(deps: RoundDeps, round: number, roundSeed: string, miners: readonly RoundMiner[], history: TaskHistory = {}): Promise<RoundOutcome> {
  const startedAt = Date.now();
  const generated = roundTasks(deps.plugins, roundSeed, round, history);
  const tasks: TaskRow[] = [];
  for (const { plugin, tasks: list, reissues } of generated) {
    for (const r of reissues) deps.log(`input guard: ${r.taskId} repeated an issued input (${r.collided.slice(0, 12)}…); ${r.outcome} after ${r.attempts} redraw(s)`);
    list.forEach((task, idx) => {
      tasks.push({
        key: task.id,
        plugin: plugin.definition.name,
        pluginVersion: plugin.definition.version,
        datasetVersion: plugin.definition.tasks.version,
        idx,
        kind: task.kind,
        prompt: task.prompt,
        payload: task.payload,
        answer: task.answer,
        meta: task.meta,
        inputHash: taskInputHash(plugin.definition.name, task),
      });
    });
  }

  // Query every miner with every task; the transport bounds concurrency and time.
  const pending: Promise<Pending>[] = [];
  for (const { plugin, tasks: list } of generated) {
    const protocol = plugin.definition.protocol;
    // The plugin's signing scheme (Epistula by default, or the legacy axon synapse) and its limits.
    const route = minerRoute(plugin.definition);
    for (const task of list) {
      const body: Json = requestBody(task, protocol.timeoutMs);
      // A replay probe goes only to hotkeys that were never sent the original.
      const audience = replayAudience(task, deps.sentTo);
      for (const miner of miners) {
        if (audience !== null && !audience(miner.hotkey)) continue;
        pending.push(
          deps.querier
            .query(miner, route.path, body, route.limits)
            .then((result) => {
              let status: ResponseStatus = result.status;
              let parsed: Json | undefined;
              let error = result.error;
              if (status === 'ok') {
                const check = protocol.response.safeParse(result.json);
                if (check.success) parsed = check.data as Json;
                else {
                  status = 'invalid_response';
                  error = check.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ').slice(0, 500);
                }
              }
              const row: ResponseRow = {
                taskKey: task.id,
                uid: miner.uid,
                hotkey: miner.hotkey,
                status,
                httpStatus: result.httpStatus,
                latencyMs: result.latencyMs,
                receivedAtMs: result.status === 'ok' || result.status === 'invalid_json' || result.status === 'http_error' ? result.startedAtMs + result.latencyMs - startedAt : null,
                bodyHash: result.bodyHash,
                body: result.bodyText,
                error,
              };
              return { plugin, task, miner, row, parsed };
            }),
        );
      }
    }
  }
  const answered = await Promise.all(pending);
  const queryMs = Date.now() - startedAt;

  // Evaluate every valid response with every evaluator of its plugin.
  const jobs: EvaluationJob[] = [];
  const jobOwner: { p: Pending; evaluator: LoadedPlugin['evaluators'][number] }[] = [];
  for (const p of answered) {
    if (p.parsed === undefined) continue;
    for (const evaluator of p.plugin.evaluators) {
      if (!appliesTo(evaluator, p.task.kind)) continue;
      jobs.push({
        id: jobs.length,
        evaluator: { name: evaluator.name, version: evaluator.version, module: evaluator.module, options: evaluator.options },
        sample: { task: p.task, response: p.parsed },
      });
      jobOwner.push({ p, evaluator });
    }
  }
  const evaluationStarted = Date.now();
  const results = jobs.length > 0 ? await deps.evaluate(jobs) : [];
  const evaluationMs = Date.now() - evaluationStarted;

  const scores: ScoreRow[] = [];
  const evaluationTimes: RoundOutcome['evaluationTimes'] = [];
  const values = new Map<Pending, Record<string, number | null>>();
  results.forEach((result, k) => {
    const { p, evaluator } = jobOwner[k];
    if (result.ms !== undefined) evaluationTimes.push({ plugin: p.plugin.definition.name, evaluator: evaluator.name, ms: result.ms });
    const base = { taskKey: p.task.id, uid: p.miner.uid, evaluator: evaluator.name, evaluatorVersion: evaluator.version, optionsHash: optionsHash(evaluator.options) };
    const byEvaluator = values.get(p) ?? {};
    if (result.status === 'ok') {
      byEvaluator[evaluator.name] = unitValue(evaluator, result.value);
      scores.push({ ...base, status: 'ok', value: result.value, errorCode: null, details: result.details });
    } else {
      byEvaluator[evaluator.name] = null;
      scores.push({ ...base, status: 'error', value: null, errorCode: result.code, details: { message: result.message } });
    }
    values.set(p, byEvaluator);
  });

  // Detectors see every valid response to a task (and, if they ask, the whole round) at once.
  const detectable = answered.filter((p) => p.parsed !== undefined).map((p) => ({
    plugin: p.plugin.definition.name,
    task: p.task,
    view: { uid: p.miner.uid, hotkey: p.miner.hotkey, receivedAtMs: p.row.receivedAtMs ?? 0, latencyMs: p.row.latencyMs, response: p.parsed as Json },
  }));
  const { findings, penalty: penaltyOf } = await runDetectors(
    generated.flatMap(({ plugin, tasks: list }) => list.map((task) => ({ plugin: plugin.definition.name, task }))),
    detectable,
    {
      round,
      detectorsByPlugin: new Map(deps.plugins.map((p) => [p.definition.name, p.definition.detectors ?? []])),
      detectors: deps.detectors,
      memory: deps.detectorMemory ?? new Map(),
      log: deps.log,
    },
  );

  // Combine: each response's evaluator values → one score, then the penalties multiply it.
  const responseScores: ResponseScoreRow[] = answered.map((p) => {
    const combined = p.parsed !== undefined ? combineResponse(p.plugin, p.task, values.get(p) ?? {}) : 0;
    const penalty = p.parsed !== undefined ? penaltyOf(p.task.id, p.miner.uid) : 1;
    return { taskKey: p.task.id, uid: p.miner.uid, combined, penalty, final: combined * penalty };
  });

  // Per miner and plugin: the mean final score over the plugin's tasks; the plugins' shares combine them.
  const shares = deps.shares ?? equalShares(deps.plugins.map((p) => p.definition.name));
  const tallies = new Map<number, Map<string, PluginTally>>();
  for (const m of miners) tallies.set(m.uid, new Map(deps.plugins.map((p) => [p.definition.name, { plugin: p.definition.name, tasks: 0, answered: 0, total: 0 }])));
  answered.forEach((p, k) => {
    const tally = tallies.get(p.miner.uid)!.get(p.plugin.definition.name)!;
    tally.tasks += 1;
    tally.total += responseScores[k].final;
    if (p.parsed !== undefined) tally.answered += 1;
  });
  const minerScores = miners.map((m) => {
    const perPlugin = [...tallies.get(m.uid)!.values()];
    const { score, byPlugin } = combinePluginScores(perPlugin, shares);
    const sumOf = (key: 'tasks' | 'answered') => perPlugin.reduce((acc, t) => acc + t[key], 0);
    return { uid: m.uid, hotkey: m.hotkey, tasks: sumOf('tasks'), answered: sumOf('answered'), score, byPlugin };
  });

  const byStatus: Record<string, number> = {};
  for (const p of answered) byStatus[p.row.status] = (byStatus[p.row.status] ?? 0) + 1;
  return {
    tasks,
    responses: answered.map((p) => p.row),
    scores,
    responseScores,
    findings,
    minerScores,
    evaluationTimes,
    stats: { byStatus, evaluations: jobs.length, evaluationMs, queryMs },
  };
}
