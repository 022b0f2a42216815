/**
 * The detectors' step of a round: each detector a plugin names sees every valid response to each
 * of that plugin's tasks (`inspect`), and/or the whole round at once (`inspectRound`: answers that
 * coincide across tasks, with memory kept between the rounds of a run) — called once per round with
 * the tasks of every plugin that names it, so that evidence from one plugin counts on the others. Each finding becomes a row
 * and multiplies the named uids' scores for its task by its penalty, clamped to [0, 1]: penalties
 * only ever lower a score. A detector that throws is logged and finds nothing; the round goes on.
 */
import type { DetectorDefinition, Finding, Json, ResponseView, Task, TaskResponses } from '../plugin-api.js';
import type { FindingRow } from '../store/records.js';

/** One valid response as the round holds it. */
export interface DetectableResponse {
  plugin: string;
  task: Task;
  view: ResponseView;
}

export interface DetectOptions {
  round: number;
  /** Detector names per plugin, in the order the plugin lists them. */
  detectorsByPlugin: ReadonlyMap<string, readonly string[]>;
  detectors: ReadonlyMap<string, DetectorDefinition>;
  /** Each detector's memory for the run, by name; created on first use. */
  memory: Map<string, Map<string, Json>>;
  log: (message: string) => void;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Findings as rows, and the penalty factor of each (task, uid) that got one. */
export async function runDetectors(tasks: readonly { plugin: string; task: Task }[], responses: readonly DetectableResponse[], options: DetectOptions): Promise<{ findings: FindingRow[]; penalty: (taskId: string, uid: number) => number }> {
  const findings: FindingRow[] = [];
  const factors = new Map<string, number>();
  const record = (detector: DetectorDefinition, taskId: string, f: Finding) => {
    const penalty = clamp01(f.penalty);
    const uids = [...new Set(f.uids.filter((u) => Number.isInteger(u)))];
    findings.push({ taskKey: taskId, detector: detector.name, detectorVersion: detector.version, uids, evidence: f.evidence, penalty });
    for (const uid of uids) factors.set(`${taskId}\u0000${uid}`, (factors.get(`${taskId}\u0000${uid}`) ?? 1) * penalty);
  };
  const memoryOf = (name: string): Map<string, Json> => {
    let memory = options.memory.get(name);
    if (!memory) options.memory.set(name, (memory = new Map()));
    return memory;
  };
  const byTask = new Map<string, ResponseView[]>();
  for (const r of responses) byTask.set(r.task.id, [...(byTask.get(r.task.id) ?? []), r.view]);

  // Per task first; then each round-level detector once, over every plugin that lists it: a hotkey
  // pair that relays images is the same pair on text, and the evidence must be in before either is judged.
  const roundLevel = new Map<string, { tasks: TaskResponses[]; known: Set<string>; plugins: string[] }>();
  for (const [plugin, names] of options.detectorsByPlugin) {
    const own: TaskResponses[] = tasks.filter((t) => t.plugin === plugin).map(({ task }) => ({ task, responses: byTask.get(task.id) ?? [] }));
    for (const name of names) {
      const detector = options.detectors.get(name);
      if (!detector) continue;
      const ctx = { round: options.round, log: options.log, memory: memoryOf(name) };
      for (const { task, responses: views } of own) {
        if (!detector.inspect) break;
        try {
          for (const f of await detector.inspect(ctx, task, views)) record(detector, task.id, f);
        } catch (err) {
          options.log(`detector ${detector.name} failed on ${task.id}: ${(err as Error).message}`);
        }
      }
      if (!detector.inspectRound) continue;
      const entry = roundLevel.get(name) ?? { tasks: [], known: new Set<string>(), plugins: [] };
      entry.tasks.push(...own);
      for (const t of own) entry.known.add(t.task.id);
      entry.plugins.push(plugin);
      roundLevel.set(name, entry);
    }
  }
  for (const [name, { tasks: all, known, plugins }] of roundLevel) {
    const detector = options.detectors.get(name)!;
    try {
      for (const f of await detector.inspectRound!({ round: options.round, log: options.log, memory: memoryOf(name) }, all)) {
        if (known.has(f.taskId)) record(detector, f.taskId, f);
        else options.log(`detector ${detector.name} named task ${f.taskId}, which is not one of ${plugins.join(', ')}'s this round; finding dropped`);
      }
    } catch (err) {
      options.log(`detector ${detector.name} failed on round ${options.round}: ${(err as Error).message}`);
    }
  }
  return { findings, penalty: (taskId, uid) => factors.get(`${taskId}\u0000${uid}`) ?? 1 };
}
