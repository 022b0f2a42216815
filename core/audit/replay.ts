/**
 * `validator audit replay --round N`: recomputes a stored round from what the database holds and
 * lists every stored number that the recomputation does not reproduce.
 *
 * 1. The seed: sha256(seed) must equal the hash committed before any miner was queried.
 * 2. The tasks, regenerated from the seed with the history the round had (`auditTaskHistory`).
 * 3. Each stored body, hashed again and parsed through the plugin's response schema.
 * 4. Every evaluator on every valid response, in the worker pool, as the round ran them.
 * 5. Every detector, starting from the memory stored with the last completed round before N
 *    (`detector_memory`), as the engine did, in the same process or after a restart; then the
 *    memory the detectors leave is compared with the rows stored with N. Rows that retention
 *    deleted (`detector_memory_pruned`) are rebuilt from the latest kept ones before N by replaying
 *    the rounds in between, and N's own, if pruned, are noted as not stored rather than compared. A history from before
 *    those rows has none: the rounds of the run before N are fed to the detectors first, in order,
 *    from the stored tasks and responses, and the report names the detectors whose memory was not
 *    empty (stateful) and the rounds replayed for them.
 * 6. Response scores, miner round and plugin scores (the run's stored plugin shares), moving
 *    averages (from the stored averages before N), weight inputs (from the stored round scores
 *    before N) and the u16 weights (the local subnet's size and limits; on a real chain the
 *    metagraph's, stored with the round), and on a real chain the consensus preview.
 *
 * Each step recomputes from the recomputed step before it, so one altered row is reported where
 * it is, not again in everything computed from it.
 */
import { createHash } from 'node:crypto';
import type { DetectorDefinition, Json, Task } from '../plugin-api.js';
import { appliesTo, loadDetectors, loadPlugins, type LoadedPlugin } from '../plugin-loader.js';
import { proctorError } from '../errors.js';
import { createEvaluatorPool } from '../pool/pool.js';
import type { EvaluationJob, EvaluationRunner } from '../pool/evaluation.js';
import { optionsHash, roundTasks } from '../engine/round.js';
import { auditTaskHistory } from '../engine/task-guard.js';
import { runDetectors, type DetectableResponse } from '../engine/detect.js';
import { detectorMemoryRows, restoreDetectorMemory, type DetectorMemory } from '../engine/detector-memory.js';
import { detectorMemoryBefore, detectorMemoryChain, detectorMemoryOf, detectorMemoryPruned, runStoredDetectorMemory } from '../store/detector-memory.js';
import { synapseAnswer } from '../transport/axon-response.js';
import { createComparer, DEFAULT_TOLERANCE, type Difference } from './compare.js';
import { openHistory, roundInfo, runInfo, runRounds, storedResponses, storedTasks, type Db, type StoredResponse, type StoredRoundInfo } from './history.js';
import { replayTail } from './replay-weights.js';
import { compareDetectorMemory, compareEvaluations, compareFindings, compareTasks } from './replay-compare.js';

export interface ReplayOptions {
  db: string;
  round: number;
  /** `--plugins` specs to load instead of the run's (a plugin given as a path); default: the run's names. */
  plugins?: string[];
  tolerance?: number;
  poolSize?: number;
  evaluatorTimeoutMs?: number;
  /** Scores with this runner (kept open) instead of a pool of its own: replaying many rounds loads each model once. */
  evaluator?: EvaluationRunner;
  log?: (line: string) => void;
}

export interface ReplayReport {
  round: number;
  run: number;
  tolerance: number;
  seed: { hash: string; verified: boolean };
  checked: { tasks: number; responses: number; evaluations: number; findings: number; miners: number; cells: number };
  /** Detectors whose memory carried over between rounds, and the earlier rounds replayed to rebuild it. */
  stateful: { detector: string; roundsReplayed: number[] }[];
  /** What could not be recomputed, and why (never a silent skip). */
  notes: string[];
  maxDeviation: number;
  differences: Difference[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** JSON as it went into the database: undefined members dropped. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A task as the engine handed it to evaluators and detectors, without the store's columns. */
function plainTask(t: Task): Task {
  return { id: t.id, kind: t.kind, prompt: t.prompt, payload: t.payload, answer: t.answer, meta: t.meta };
}

/** The body the round parsed, through the plugin's schema; undefined when it is not a valid response. */
export function parseStoredBody(plugin: LoadedPlugin, task: Task, body: string | null): { parsed: Json | undefined; error: string | null } {
  if (body === null) return { parsed: undefined, error: 'no body stored' };
  let json: Json;
  try {
    json = JSON.parse(body) as Json;
  } catch (err) {
    return { parsed: undefined, error: `not JSON: ${(err as Error).message}` };
  }
  const protocol = plugin.definition.protocol;
  if (protocol.scheme === 'axon') json = synapseAnswer({ task_id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload, deadline_ms: protocol.timeoutMs }, json);
  const check = protocol.response.safeParse(json);
  return check.success ? { parsed: check.data as Json, error: null } : { parsed: undefined, error: check.error.issues.map((i) => i.message).join('; ') };
}

/** The detectable (valid) responses of a round, in the order the round produced them. */
function detectable(responses: readonly StoredResponse[], tasks: ReadonlyMap<string, { plugin: LoadedPlugin; task: Task }>): (DetectableResponse & { row: StoredResponse })[] {
  const out: (DetectableResponse & { row: StoredResponse })[] = [];
  for (const row of responses) {
    const owner = tasks.get(row.taskKey);
    if (!owner || (row.status !== 'ok' && row.status !== 'invalid_response')) continue;
    const { parsed } = parseStoredBody(owner.plugin, owner.task, row.body);
    if (parsed === undefined) continue;
    out.push({ row, plugin: owner.plugin.definition.name, task: owner.task, view: { uid: row.uid, hotkey: row.hotkey, receivedAtMs: row.receivedAtMs ?? 0, latencyMs: row.latencyMs, response: parsed } });
  }
  return out;
}

/** Feeds rounds to the detectors in order, from their stored tasks and responses; `throughJson` as the engine since v7 keeps it between rounds. */
async function feedRounds(
  db: Db,
  rounds: readonly StoredRoundInfo[],
  memory: DetectorMemory,
  detectors: Map<string, DetectorDefinition>,
  detectorsByPlugin: Map<string, readonly string[]>,
  pluginByName: ReadonlyMap<string, LoadedPlugin>,
  throughJson: boolean,
): Promise<DetectorMemory> {
  for (const r of rounds) {
    const owner = new Map<string, { plugin: LoadedPlugin; task: Task }>();
    const list = storedTasks(db, r.id).filter((t) => pluginByName.has(t.plugin));
    for (const t of list) owner.set(t.id, { plugin: pluginByName.get(t.plugin)!, task: plainTask(t) });
    await runDetectors(list.map((t) => ({ plugin: t.plugin, task: owner.get(t.id)!.task })), detectable(storedResponses(db, r.id), owner), { round: r.number, detectorsByPlugin, detectors, memory, log: () => {} });
    if (throughJson) memory = restoreDetectorMemory(detectorMemoryRows(memory, detectors, r.number, () => {}), detectors, r.number, () => {});
  }
  return memory;
}

/**
 * The memory round `info` started from, as the engine gave it: the rows stored with the last
 * completed round before it (`detector_memory`). When retention pruned those rows, the memory is
 * rebuilt: from the latest rows still kept before the round (or empty, where the memory chain
 * began), the rounds in between are fed to the detectors, through JSON after each as the engine
 * did, and a note says so. A history written before those rows existed has none; then the memory
 * was the process's own, so the run's earlier rounds are fed to the detectors first, in order,
 * from their stored tasks and responses (`stateful` names them).
 */
async function memoryBefore(
  db: Db,
  info: StoredRoundInfo,
  detectors: Map<string, DetectorDefinition>,
  detectorsByPlugin: Map<string, readonly string[]>,
  pluginByName: ReadonlyMap<string, LoadedPlugin>,
  notes: string[],
): Promise<{ memory: DetectorMemory; stateful: ReplayReport['stateful'] }> {
  const before = detectorMemoryBefore(db, info.number);
  if (before !== null && before.rows.length > 0) {
    const memory = restoreDetectorMemory(before.rows, detectors, before.round, (m) => notes.push(`detector memory: ${m}`));
    const loaded = [...memory].filter(([, m]) => m.size > 0).map(([name]) => name);
    if (loaded.length > 0) notes.push(`detector memory: started from the memory stored with round ${before.round} (${loaded.join(', ')})`);
    return { memory, stateful: [] };
  }
  const pruned = before !== null ? detectorMemoryPruned(db, before.roundId) : null;
  if (before !== null && pruned !== null) {
    const chain = detectorMemoryChain(db, info.number);
    const rounds = chain.rounds.map((n) => roundInfo(db, n)!);
    const start = chain.base ? restoreDetectorMemory(chain.base.rows, detectors, chain.base.round, (m) => notes.push(`detector memory: ${m}`)) : new Map();
    const memory = await feedRounds(db, rounds, start, detectors, detectorsByPlugin, pluginByName, true);
    const replayed = rounds.map((r) => r.number);
    notes.push(
      `detector memory: the memory stored with round ${before.round} was pruned by retention (round ${pruned.prunedBy} kept the latest ${pruned.keep}); ` +
        `rebuilt ${chain.base ? `from the memory stored with round ${chain.base.round}` : 'from empty memory'} by replaying round(s) ${replayed.join(', ') || '(none)'}`,
    );
    const stateful = [...memory].filter(([, m]) => m.size > 0).map(([detector]) => ({ detector, roundsReplayed: replayed }));
    return { memory, stateful };
  }
  const earlier = runRounds(db, info.runId, info.number - 1);
  // Exactly as an engine before v7 kept it: live, never through JSON.
  const memory = await feedRounds(db, earlier, new Map(), detectors, detectorsByPlugin, pluginByName, false);
  const stateful = [...memory].filter(([, m]) => m.size > 0).map(([detector]) => ({ detector, roundsReplayed: earlier.map((r) => r.number) }));
  return { memory, stateful };
}

async function loadRunPlugins(db: Db, info: StoredRoundInfo, options: ReplayOptions, notes: string[], cmp: ReturnType<typeof createComparer>): Promise<LoadedPlugin[]> {
  const run = runInfo(db, info.runId);
  const plugins = await loadPlugins(options.plugins ?? run.plugins.map((p) => p.name));
  const byName = new Map(plugins.map((p) => [p.definition.name, p]));
  for (const p of run.plugins) {
    const loaded = byName.get(p.name);
    if (!loaded) throw proctorError('PROCTOR_ERR_AUDIT_ROUND', { round: info.number, problem: `its run used plugin "${p.name}", which --plugins does not give` });
    // A different plugin version may generate or score differently: every difference it causes is listed, and so is this.
    cmp.cell('runs', `run ${run.id}, plugin ${p.name}`, 'version', p.version, loaded.definition.version);
  }
  if (options.plugins) notes.push(`plugins loaded from --plugins: ${plugins.map((p) => `${p.definition.name}@${p.definition.version} (${p.source})`).join(', ')}`);
  // The run's order: it decides task order, detector order and the plugins' shares.
  return run.plugins.map((p) => byName.get(p.name)!);
}

/**
 * Replays round `options.round` of the history in `options.db`.
 *
 * @example
 * ```ts
 * const report = await replayRound({ db: 'proctor.db', round: 3 });
 * if (report.differences.length > 0) process.exitCode = 1;
 * ```
 */
export async function replayRound(options: ReplayOptions): Promise<ReplayReport> {
  const log = options.log ?? (() => {});
  const db = openHistory(options.db);
  try {
    const info = roundInfo(db, options.round);
    if (info === null) throw proctorError('PROCTOR_ERR_AUDIT_ROUND', { round: options.round, problem: 'is not in this database' });
    if (info.status !== 'complete' || info.seed === null) throw proctorError('PROCTOR_ERR_AUDIT_ROUND', { round: options.round, problem: `is ${info.status}: only a completed round has its seed revealed and its rows stored` });
    const cmp = createComparer(options.tolerance ?? DEFAULT_TOLERANCE);
    const notes: string[] = [];
    const seedOk = cmp.cell('rounds', `round ${info.number}`, 'seed_hash', info.seedHash, sha256(info.seed));
    const plugins = await loadRunPlugins(db, info, options, notes, cmp);

    // 2. Tasks.
    const regenerated = roundTasks(plugins, info.seed, info.number, auditTaskHistory(db, info.number));
    const storedRows = storedTasks(db, info.id);
    compareTasks(cmp, info.number, regenerated, storedRows);
    const taskOwner = new Map<string, { plugin: LoadedPlugin; task: Task }>();
    const pluginByName = new Map(plugins.map((p) => [p.definition.name, p]));
    for (const t of storedRows) if (pluginByName.has(t.plugin)) taskOwner.set(t.id, { plugin: pluginByName.get(t.plugin)!, task: plainTask(t) });
    // Evaluators and detectors get the tasks as generated (they match the stored ones unless a difference says otherwise).
    for (const { plugin, tasks } of regenerated) for (const task of tasks) taskOwner.set(task.id, { plugin, task: stored(task) });

    // 3. Responses: body hash and schema.
    const responses = storedResponses(db, info.id);
    for (const r of responses) {
      if (r.body === null || r.bodyHash === null || (r.status !== 'ok' && r.status !== 'invalid_response')) continue;
      const row = `round ${info.number}, task ${r.taskKey}, uid ${r.uid}`;
      cmp.cell('responses', row, 'body_hash', r.bodyHash, sha256(r.body));
      const owner = taskOwner.get(r.taskKey);
      if (owner) cmp.cell('responses', row, 'status', r.status, parseStoredBody(owner.plugin, owner.task, r.body).parsed === undefined ? 'invalid_response' : 'ok');
    }
    const valid = detectable(responses, taskOwner);

    // 4. Evaluators, in the pool, as the round ran them.
    const jobs: EvaluationJob[] = [];
    const owners: { response: StoredResponse; evaluator: LoadedPlugin['evaluators'][number]; plugin: LoadedPlugin }[] = [];
    for (const v of valid) {
      const plugin = pluginByName.get(v.plugin)!;
      for (const evaluator of plugin.evaluators) {
        if (!appliesTo(evaluator, v.task.kind)) continue;
        jobs.push({ id: jobs.length, evaluator: { name: evaluator.name, version: evaluator.version, module: evaluator.module, options: evaluator.options }, sample: { task: v.task, response: v.view.response } });
        owners.push({ response: v.row, evaluator, plugin });
      }
    }
    log(`replay round ${info.number}: ${storedRows.length} tasks, ${responses.length} responses, ${jobs.length} evaluations`);
    const pool = options.evaluator ?? createEvaluatorPool({ size: options.poolSize, timeoutMs: options.evaluatorTimeoutMs ?? 30_000 });
    let results;
    try {
      results = jobs.length > 0 ? await pool.evaluate(jobs) : [];
    } finally {
      if (pool !== options.evaluator) await pool.close();
    }
    const evaluated = compareEvaluations(cmp, db, info, owners, results, optionsHash);

    // 5. Detectors, from the memory stored with the round before (or rebuilt from the run's earlier rounds).
    const detectors = await loadDetectors(plugins);
    const detectorsByPlugin = new Map(plugins.map((p) => [p.definition.name, p.definition.detectors ?? []]));
    const { memory, stateful } = await memoryBefore(db, info, detectors, detectorsByPlugin, pluginByName, notes);
    const roundTaskList = regenerated.flatMap(({ plugin, tasks }) => tasks.map((task) => ({ plugin: plugin.definition.name, task: stored(task) })));
    const detected = await runDetectors(roundTaskList, valid, { round: info.number, detectorsByPlugin, detectors, memory, log: (m) => notes.push(`detector: ${m}`) });
    const ownPruned = detectorMemoryPruned(db, info.id);
    // Retention deleted this round's rows (recorded, not lost): nothing to compare, and the report says so.
    if (ownPruned !== null) notes.push(`detector memory of round ${info.number}: not stored (pruned by retention: round ${ownPruned.prunedBy} kept the latest ${ownPruned.keep}); not compared`);
    else compareDetectorMemory(cmp, info.number, detectorMemoryOf(db, info.id), detectorMemoryRows(memory, detectors, info.number, () => {}), runStoredDetectorMemory(db, info.runId));
    compareFindings(cmp, db, info, detected.findings);

    // 6. Scores, averages, weight inputs, weights.
    const miners = replayTail(cmp, db, info, plugins, taskOwner, responses, new Set(valid.map((v) => v.row.id)), evaluated, detected.penalty, notes);
    return {
      round: info.number,
      run: info.runId,
      tolerance: cmp.tolerance,
      seed: { hash: info.seedHash, verified: seedOk },
      checked: { tasks: storedRows.length, responses: responses.length, evaluations: jobs.length, findings: detected.findings.length, miners, cells: cmp.cells },
      stateful,
      notes,
      maxDeviation: cmp.maxDeviation,
      differences: cmp.differences,
    };
  } finally {
    db.close();
  }
}
