/**
 * `validator plugins check <path>`: loads a plugin as `validator run` would and exercises it without
 * a network: its tasks are deterministic for a seed, its reference miner's answers pass its own
 * response schema, and its evaluators score them within their ranges.
 */
import { proctorError } from './errors.js';
import type { Json } from './plugin-api.js';
import { appliesTo, loadPlugin, type LoadedPlugin } from './plugin-loader.js';
import { createInlineEvaluator } from './pool/inline.js';
import type { EvaluationJob } from './pool/evaluation.js';
import { randomFrom } from './local/local-subnet.js';

export interface CheckReport {
  plugin: LoadedPlugin;
  lines: string[];
  meanScoreAtSkill1: number;
}

function fail(plugin: string, problem: string): never {
  throw proctorError('PROCTOR_ERR_PLUGIN_CHECK_FAILED', { plugin, problem });
}

export async function checkPlugin(spec: string, cwd = process.cwd()): Promise<CheckReport> {
  const plugin = await loadPlugin(spec, cwd);
  const def = plugin.definition;
  const lines = [`loaded ${def.name}@${def.version} from ${plugin.source} (engine ${def.engine}); evaluators ${plugin.evaluators.map((e) => `${e.name}@${e.version} ×${e.weight.toFixed(2)}`).join(', ')}`];
  const ctx = { seed: 'c0ffee'.repeat(10) + 'c0ff', count: def.tasks.perRound, round: 1 };
  const tasks = def.tasks.generate(ctx);
  if (tasks.length !== def.tasks.perRound) fail(def.name, `generate() gave ${tasks.length} tasks for count ${def.tasks.perRound}`);
  if (JSON.stringify(def.tasks.generate(ctx)) !== JSON.stringify(tasks)) fail(def.name, 'generate() gives different tasks for the same seed');
  if (JSON.stringify(def.tasks.generate({ ...ctx, seed: 'beef'.repeat(16) })) === JSON.stringify(tasks)) fail(def.name, 'generate() gives the same tasks for different seeds');
  if (new Set(tasks.map((t) => t.id)).size !== tasks.length) fail(def.name, 'task ids are not unique within a round');
  lines.push(`tasks: ${tasks.length} per round, deterministic for a seed, ids unique; kinds ${[...new Set(tasks.map((t) => t.kind))].join(', ')}`);

  const random = randomFrom('plugins-check');
  const jobs: EvaluationJob[] = [];
  for (const task of tasks) {
    const answer = await def.miner.answer({ id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload }, 1, random);
    const parsed = def.protocol.response.safeParse(answer);
    if (!parsed.success) fail(def.name, `the reference miner's answer to ${task.id} fails the response schema: ${JSON.stringify(answer).slice(0, 200)}`);
    if (Buffer.byteLength(JSON.stringify(answer)) > def.protocol.maxResponseBytes) fail(def.name, `the reference miner's answer to ${task.id} is over maxResponseBytes`);
    for (const e of plugin.evaluators) {
      if (!appliesTo(e, task.kind)) continue;
      jobs.push({ id: jobs.length, evaluator: { name: e.name, version: e.version, module: e.module, options: e.options }, sample: { task, response: parsed.data as Json } });
    }
  }
  const evaluator = createInlineEvaluator();
  const results = await evaluator.evaluate(jobs);
  // The combined score of each task, weights renormalised over the evaluators that apply to it.
  const perTask = new Map<string, { sum: number; weight: number }>();
  for (const r of results) {
    if (r.status === 'error') fail(def.name, `evaluator ${jobs[r.id].evaluator.name} failed on ${jobs[r.id].sample.task.id}: [${r.code}] ${r.message}`);
    const e = plugin.evaluators.find((x) => x.name === jobs[r.id].evaluator.name)!;
    const [lo, hi] = e.output.range;
    const entry = perTask.get(jobs[r.id].sample.task.id) ?? { sum: 0, weight: 0 };
    entry.sum += e.weight * (hi > lo ? (r.value - lo) / (hi - lo) : 0);
    entry.weight += e.weight;
    perTask.set(jobs[r.id].sample.task.id, entry);
  }
  let total = 0;
  for (const { sum, weight } of perTask.values()) total += weight > 0 ? sum / weight : 0;
  const mean = tasks.length > 0 ? total / tasks.length : 0;
  lines.push(`reference miner at skill 1: every answer passes the response schema; mean combined score ${mean.toFixed(3)}`);
  if (mean < 0.5) lines.push('warning: a perfect reference miner scores below 0.5; check the evaluators or the solver');
  return { plugin, lines, meanScoreAtSkill1: mean };
}
