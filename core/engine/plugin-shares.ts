/**
 * How several plugins' scores become one score per miner, and so one weight vector: each plugin
 * gets a share of the round score, and a miner's score is Σ share_p · (its mean final score over
 * plugin p's tasks). Shares default to equal, so a plugin that draws more tasks per round does
 * not, by that alone, weigh more; `--plugin-shares text=0.7,image=0.3` sets them.
 */
import { proctorError } from '../errors.js';

/** Plugin name → share; the shares of the plugins in a run sum to 1. */
export type PluginShares = Readonly<Record<string, number>>;

/** Equal shares for the plugins of a run. */
export function equalShares(plugins: readonly string[]): PluginShares {
  return Object.fromEntries(plugins.map((name) => [name, 1 / plugins.length]));
}

/**
 * Parses `name=value,…` against the run's plugins: every plugin must be named once, values are
 * non-negative numbers with a positive sum, and the result is normalised to sum to 1.
 *
 * @example
 * ```ts
 * parsePluginShares('text=3,image=1', ['text', 'image']); // { text: 0.75, image: 0.25 }
 * ```
 */
export function parsePluginShares(spec: string, plugins: readonly string[]): PluginShares {
  const fail = (problem: string) => proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--plugin-shares', problem });
  const raw: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const match = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(part);
    if (!match) throw fail(`"${part}" is not name=value`);
    const [, name, text] = match;
    const value = Number(text);
    if (!plugins.includes(name)) throw fail(`"${name}" is not a plugin of this run (plugins: ${plugins.join(', ')})`);
    if (name in raw) throw fail(`"${name}" is given twice`);
    if (!Number.isFinite(value) || value < 0) throw fail(`the share of "${name}" must be a number ≥ 0, not "${text}"`);
    raw[name] = value;
  }
  const missing = plugins.filter((name) => !(name in raw));
  if (missing.length > 0) throw fail(`gives no share to ${missing.join(', ')}: name every plugin of the run`);
  const total = Object.values(raw).reduce((acc, v) => acc + v, 0);
  if (!(total > 0)) throw fail('the shares sum to 0');
  return Object.fromEntries(plugins.map((name) => [name, raw[name] / total]));
}

/** One miner's tally on one plugin's tasks. */
export interface PluginTally {
  plugin: string;
  tasks: number;
  answered: number;
  /** Σ of the final scores of its responses to this plugin's tasks. */
  total: number;
}

/** A miner's score on one plugin: the mean final score over that plugin's tasks, and the share it carries. */
export interface PluginScore {
  plugin: string;
  tasks: number;
  answered: number;
  score: number;
  share: number;
}

/**
 * Combines a miner's per-plugin tallies. A plugin with no tasks this round scores 0 under its
 * share (it was not skipped by the miner but by the round, which cannot happen with perRound ≥ 1).
 */
export function combinePluginScores(tallies: readonly PluginTally[], shares: PluginShares): { score: number; byPlugin: PluginScore[] } {
  const byPlugin = tallies.map((t) => ({ plugin: t.plugin, tasks: t.tasks, answered: t.answered, score: t.tasks > 0 ? t.total / t.tasks : 0, share: shares[t.plugin] ?? 0 }));
  const score = byPlugin.reduce((acc, p) => acc + p.share * p.score, 0);
  return { score: Math.min(1, Math.max(0, score)), byPlugin };
}
