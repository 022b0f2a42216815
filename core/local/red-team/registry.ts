/**
 * The red team's strategies by name (an explicit, sorted map of lazy imports), and the parser of
 * `--red-team copycat,padder,sybil-cluster:3` lists and `--miners` entries `{"strategy": "…"}`.
 */
import { proctorError } from '../../errors.js';
import { nearestName } from '../../registry.js';
import type { RedTeamStrategy } from './strategy.js';

type StrategyModule = { default: RedTeamStrategy };

/** Built-in strategies by name → a lazy import. */
export const builtinStrategies: Readonly<Record<string, () => Promise<StrategyModule>>> = Object.freeze({
  cache: () => import('./strategies/cache.js'),
  constant: () => import('./strategies/constant.js'),
  copycat: () => import('./strategies/copycat.js'),
  'degraded-echo': () => import('./strategies/degraded-echo.js'),
  'keyword-stuffer': () => import('./strategies/keyword-stuffer.js'),
  padder: () => import('./strategies/padder.js'),
  'paraphrase-cache': () => import('./strategies/paraphrase-cache.js'),
  'random-text': () => import('./strategies/random-text.js'),
  'reference-mimic': () => import('./strategies/reference-mimic.js'),
  'slow-relay': () => import('./strategies/slow-relay.js'),
  'sybil-cluster': () => import('./strategies/sybil-cluster.js'),
});

/** Every built-in strategy's name, sorted. */
export const STRATEGY_NAMES: readonly string[] = Object.freeze(Object.keys(builtinStrategies).sort());

/** One entry of a red-team list: a strategy and its n (cluster size, or number of miners); null = the strategy's default. */
export interface RedTeamEntry {
  strategy: string;
  count: number | null;
}

/** Largest n of one entry: a red team is a handful of miners, not a flood of servers. */
export const MAX_ENTRY_COUNT = 64;

/**
 * One `name` or `name:n`. Throws `PROCTOR_ERR_RED_TEAM_UNKNOWN` (with "did you mean") for an unknown
 * name and `PROCTOR_ERR_RUN_OPTIONS` for a bad n.
 *
 * @example
 * ```ts
 * parseRedTeamEntry('sybil-cluster:5'); // { strategy: 'sybil-cluster', count: 5 }
 * ```
 */
export function parseRedTeamEntry(text: string, option = '--red-team'): RedTeamEntry {
  const [name, n, ...rest] = text.trim().split(':');
  if (!Object.hasOwn(builtinStrategies, name)) {
    throw proctorError('PROCTOR_ERR_RED_TEAM_UNKNOWN', { name, suggestion: nearestName(name, STRATEGY_NAMES), known: [...STRATEGY_NAMES] });
  }
  if (n === undefined) return { strategy: name, count: null };
  const count = Number(n);
  if (rest.length > 0 || !/^\d+$/.test(n) || count < 1 || count > MAX_ENTRY_COUNT) {
    throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option, problem: `"${text}": n in name:n must be an integer from 1 to ${MAX_ENTRY_COUNT}` });
  }
  return { strategy: name, count };
}

/**
 * A comma-separated list (`copycat,padder,sybil-cluster:3`); `all` names every strategy once.
 *
 * @example
 * ```ts
 * parseRedTeamList('copycat, padder'); // [{ strategy: 'copycat', count: null }, { strategy: 'padder', count: null }]
 * ```
 */
export function parseRedTeamList(list: string, option = '--red-team'): RedTeamEntry[] {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option, problem: `names no strategy (known: ${STRATEGY_NAMES.join(', ')})` });
  if (items.length === 1 && items[0] === 'all') return STRATEGY_NAMES.map((strategy) => ({ strategy, count: null }));
  return items.map((item) => parseRedTeamEntry(item, option));
}

/** The strategy `name` (a known name: parse first). */
export async function loadStrategy(name: string): Promise<RedTeamStrategy> {
  const load = builtinStrategies[name];
  if (load === undefined) throw proctorError('PROCTOR_ERR_RED_TEAM_UNKNOWN', { name, suggestion: nearestName(name, STRATEGY_NAMES), known: [...STRATEGY_NAMES] });
  return (await load()).default;
}
