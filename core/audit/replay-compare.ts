/** The first half of a replay's comparisons: tasks, evaluator scores, findings and detector memory (`replay.ts`). */
import { createHash } from 'node:crypto';
import type { Json, Task } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import type { EvaluationResult } from '../pool/evaluation.js';
import type { DetectorMemoryRow, FindingRow } from '../store/records.js';
import { taskInputHash, type Reissue } from '../engine/task-guard.js';
import { unitValue } from '../engine/round.js';
import type { Comparer } from './compare.js';
import { storedFindings, storedScores, type Db, type StoredResponse, type StoredRoundInfo, type StoredTask } from './history.js';

/** Regenerated tasks against stored ones, column by column; a task on one side only is a difference too. */
export function compareTasks(cmp: Comparer, round: number, regenerated: readonly { plugin: LoadedPlugin; tasks: Task[]; reissues?: Reissue[] }[], rows: readonly StoredTask[]): void {
  const byKey = new Map(rows.map((r) => [r.id, r]));
  const seen = new Set<string>();
  for (const { plugin, tasks } of regenerated) {
    const def = plugin.definition;
    tasks.forEach((generated, idx) => {
      const task = JSON.parse(JSON.stringify(generated)) as Task;
      const row = `round ${round}, task ${task.id}`;
      const s = byKey.get(task.id);
      if (!s) return cmp.missing('tasks', row, 'recomputed', { plugin: def.name, kind: task.kind, prompt: task.prompt });
      seen.add(task.id);
      cmp.cell('tasks', row, 'plugin', s.plugin, def.name);
      cmp.cell('tasks', row, 'plugin_version', s.pluginVersion, def.version);
      cmp.cell('tasks', row, 'dataset_version', s.datasetVersion, def.tasks.version);
      cmp.cell('tasks', row, 'idx', s.idx, idx);
      cmp.cell('tasks', row, 'kind', s.kind, task.kind);
      cmp.cell('tasks', row, 'prompt', s.prompt, task.prompt);
      cmp.cell('tasks', row, 'payload', s.payload, task.payload);
      cmp.cell('tasks', row, 'answer', s.answer, task.answer);
      cmp.cell('tasks', row, 'meta', s.meta, task.meta);
      // Rows from before schema v5 have no input hash: nothing to compare.
      if (s.inputHash !== null) cmp.cell('tasks', row, 'input_hash', s.inputHash, taskInputHash(def.name, task));
    });
  }
  for (const r of rows) if (!seen.has(r.id)) cmp.missing('tasks', `round ${round}, task ${r.id}`, 'stored', { plugin: r.plugin, kind: r.kind, prompt: r.prompt });
}

/** Normalised evaluator values per response id, as the combine rule takes them (null = an evaluation error). */
export type EvaluatorValues = Map<number, Record<string, number | null>>;

/**
 * Recomputed evaluations against the stored `scores` rows; returns the recomputed values,
 * normalised to [0, 1] with higher better, for the combine step.
 */
export function compareEvaluations(
  cmp: Comparer,
  db: Db,
  info: StoredRoundInfo,
  owners: readonly { response: StoredResponse; evaluator: LoadedPlugin['evaluators'][number] }[],
  results: readonly EvaluationResult[],
  hashOptions: (options: Json) => string,
): EvaluatorValues {
  const storedByKey = new Map(storedScores(db, info.id).map((s) => [`${s.responseId}\u0000${s.evaluator}`, s]));
  const values: EvaluatorValues = new Map();
  results.forEach((result, k) => {
    const { response, evaluator } = owners[k];
    const key = `${response.id}\u0000${evaluator.name}`;
    const row = `round ${info.number}, task ${response.taskKey}, uid ${response.uid}, evaluator ${evaluator.name}`;
    const byEvaluator = values.get(response.id) ?? {};
    values.set(response.id, byEvaluator);
    byEvaluator[evaluator.name] = result.status === 'ok' ? unitValue(evaluator, result.value) : null;
    const s = storedByKey.get(key);
    storedByKey.delete(key);
    if (!s) return cmp.missing('scores', row, 'recomputed', result.status === 'ok' ? result.value : result.code);
    cmp.cell('scores', row, 'evaluator_version', s.evaluatorVersion, evaluator.version);
    cmp.cell('scores', row, 'options_hash', s.optionsHash, hashOptions(evaluator.options));
    cmp.cell('scores', row, 'status', s.status, result.status);
    cmp.cell('scores', row, 'value', s.value, result.status === 'ok' ? result.value : null);
    cmp.cell('scores', row, 'error_code', s.errorCode, result.status === 'ok' ? null : result.code);
    if (result.status === 'ok') cmp.cell('scores', row, 'details', s.details, JSON.parse(JSON.stringify(result.details)) as Json);
  });
  for (const s of storedByKey.values()) cmp.missing('scores', `round ${info.number}, response ${s.responseId}, evaluator ${s.evaluator}`, 'stored', s.value);
  return values;
}

/** Recomputed findings against stored ones, matched by (task, detector, uids) in order. */
export function compareFindings(cmp: Comparer, db: Db, info: StoredRoundInfo, findings: readonly FindingRow[]): void {
  const keyOf = (f: { taskKey: string | null; detector: string; uids: number[] }) => `${f.taskKey ?? '-'} ${f.detector} [${[...f.uids].sort((a, b) => a - b).join(',')}]`;
  const stored = new Map<string, ReturnType<typeof storedFindings>>();
  for (const f of storedFindings(db, info.id)) stored.set(keyOf(f), [...(stored.get(keyOf(f)) ?? []), f]);
  for (const f of findings) {
    const key = keyOf(f);
    const row = `round ${info.number}, task ${f.taskKey ?? '-'}, detector ${f.detector}, uids [${f.uids.join(',')}]`;
    const s = stored.get(key)?.shift();
    if (!s) {
      cmp.missing('findings', row, 'recomputed', { penalty: f.penalty, evidence: f.evidence });
      continue;
    }
    cmp.cell('findings', row, 'detector_version', s.detectorVersion, f.detectorVersion);
    cmp.cell('findings', row, 'penalty', s.penalty, f.penalty);
    cmp.cell('findings', row, 'evidence', s.evidence, JSON.parse(JSON.stringify(f.evidence)) as Json);
  }
  for (const rest of stored.values()) {
    for (const s of rest) cmp.missing('findings', `round ${info.number}, finding ${s.id}, task ${s.taskKey ?? '-'}, detector ${s.detector}, uids [${s.uids.join(',')}]`, 'stored', { penalty: s.penalty, evidence: s.evidence });
  }
}

/**
 * The memory the detectors left after the replayed round against the rows stored with it
 * (`detector_memory`), one row per detector; the JSON is compared by its sha256, so a difference
 * stays one line however large the memory. A round stored before v7 has no rows: nothing to
 * compare. But when its run stored rows with other rounds (`runStoresMemory`), a round without
 * any lost them (deleted rows): each is a difference.
 *
 * @example
 * ```ts
 * compareDetectorMemory(cmp, 3, detectorMemoryOf(db, id), detectorMemoryRows(memory, detectors, 3, () => {}), runStoredDetectorMemory(db, runId));
 * ```
 */
export function compareDetectorMemory(cmp: Comparer, round: number, stored: readonly DetectorMemoryRow[], recomputed: readonly DetectorMemoryRow[], runStoresMemory = false): void {
  if (stored.length === 0 && !runStoresMemory) return;
  const byDetector = new Map(stored.map((s) => [s.detector, s]));
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  for (const r of recomputed) {
    const row = `round ${round}, detector ${r.detector}`;
    const s = byDetector.get(r.detector);
    byDetector.delete(r.detector);
    if (!s) {
      cmp.missing('detector_memory', row, 'recomputed', { version: r.version, status: r.status, bytes: r.bytes });
      continue;
    }
    cmp.cell('detector_memory', row, 'version', s.version, r.version);
    cmp.cell('detector_memory', row, 'status', s.status, r.status);
    cmp.cell('detector_memory', row, 'bytes', s.bytes, r.bytes);
    cmp.cell('detector_memory', row, 'error_code', s.errorCode, r.errorCode);
    cmp.cell('detector_memory', row, 'memory_json (sha256)', hash(s.memoryJson), hash(r.memoryJson));
  }
  for (const s of byDetector.values()) cmp.missing('detector_memory', `round ${round}, detector ${s.detector}`, 'stored', { version: s.version, status: s.status, bytes: s.bytes });
}
