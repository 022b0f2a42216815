/**
 * Uncertainty-aware weights: a score is an estimate, and weights should not pretend otherwise.
 *
 * 1. **Interval.** Per miner, a bootstrap confidence interval of its mean round score over the
 *    last `window` rounds (`resamples` resamples, percentiles at (1 ± level) / 2), drawn from a
 *    generator seeded by the round and the hotkey (mulberry32 from the first four bytes, little
 *    endian, of sha256(`<round seed>:bootstrap:<hotkey>`)), so the same history gives the same
 *    interval everywhere.
 * 2. **Evidence.** A miner with fewer than `minTasks` scored tasks in the window gets that share of
 *    its weight (`tasks / minTasks`): a new hotkey cannot win big on a lucky first round.
 * 3. **Ties by noise.** Miners sorted by their moving average form tiers: a miner joins the tier of
 *    the best miner above it while its interval overlaps that leader's; everyone in a tier gets the
 *    tier's mean moving average. Miners whose intervals overlap the leader's are not ranked apart by
 *    noise; a clearly better miner still earns more.
 *
 * The result replaces each moving average as the input of the SDK's weight processing.
 */
import { createHash } from 'node:crypto';
import type { MovingAverage } from './weights.js';

export interface ConfidenceParams {
  /** Rounds of history the interval is computed over. */
  window: number;
  /** Bootstrap resamples. */
  resamples: number;
  /** Two-sided confidence level of the interval, in (0, 1). */
  level: number;
  /** Scored tasks in the window for full weight; fewer get proportionally less. 0 turns it off. */
  minTasks: number;
}

export const DEFAULT_CONFIDENCE: Readonly<ConfidenceParams> = Object.freeze({ window: 20, resamples: 400, level: 0.9, minTasks: 24 });

/** One round of one miner: its round score and the tasks it was scored on. */
export interface RoundScore {
  score: number;
  tasks: number;
}

export interface ConfidentScore {
  uid: number;
  hotkey: string;
  /** The moving average, as before. */
  average: number;
  interval: { low: number; high: number; rounds: number };
  tasks: number;
  /** min(1, tasks / minTasks). */
  evidence: number;
  /** Rank of the tier (0 = best) and the tier's mean moving average. */
  tier: number;
  tierAverage: number;
  /** tierAverage × evidence: what the weights are computed from. */
  value: number;
}

/** A bootstrap interval of the mean of `scores` (`seed` is any string); a single score is its own (degenerate) interval. */
export function bootstrapInterval(scores: readonly number[], params: Pick<ConfidenceParams, 'resamples' | 'level'>, seed: string): { low: number; high: number } {
  if (scores.length === 0) return { low: 0, high: 0 };
  if (scores.length === 1) return { low: scores[0], high: scores[0] };
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  // mulberry32: small, fast and plenty for resampling indices.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const means = new Float64Array(params.resamples);
  for (let b = 0; b < params.resamples; b++) {
    let sum = 0;
    for (let k = 0; k < scores.length; k++) sum += scores[Math.floor(next() * scores.length)];
    means[b] = sum / scores.length;
  }
  means.sort();
  const tail = (1 - params.level) / 2;
  const at = (q: number) => means[Math.min(means.length - 1, Math.max(0, Math.round(q * (means.length - 1))))];
  return { low: at(tail), high: at(1 - tail) };
}

/**
 * The weights' inputs from the moving averages and each hotkey's recent round scores (oldest
 * first, the current round included). `seed` is the round's seed (hex).
 *
 * @example
 * ```ts
 * const inputs = confidentScores(averages, history, DEFAULT_CONFIDENCE, roundSeed);
 * weightsFromAverages(inputs.map((c) => ({ ...c, value: c.value, alpha })), params);
 * ```
 */
export function confidentScores(averages: readonly MovingAverage[], history: ReadonlyMap<string, readonly RoundScore[]>, params: ConfidenceParams, seed: string): ConfidentScore[] {
  const rows = averages.map((a) => {
    const recent = (history.get(a.hotkey) ?? []).slice(-params.window);
    const tasks = recent.reduce((acc, r) => acc + r.tasks, 0);
    const interval = { ...bootstrapInterval(recent.map((r) => r.score), params, `${seed}:bootstrap:${a.hotkey}`), rounds: recent.length };
    return { uid: a.uid, hotkey: a.hotkey, average: a.value, interval, tasks, evidence: params.minTasks > 0 ? Math.min(1, tasks / params.minTasks) : 1 };
  });
  const order = [...rows.keys()].sort((i, j) => rows[j].average - rows[i].average || rows[i].uid - rows[j].uid);
  const tierOf = new Map<number, number>();
  const tiers: number[][] = [];
  for (const i of order) {
    const tier = tiers[tiers.length - 1];
    const leader = tier === undefined ? undefined : rows[tier[0]];
    if (leader !== undefined && rows[i].interval.high >= leader.interval.low) tier.push(i);
    else tiers.push([i]);
    tierOf.set(i, tiers.length - 1);
  }
  const tierAverage = tiers.map((members) => members.reduce((acc, i) => acc + rows[i].average, 0) / members.length);
  return rows.map((r, i) => {
    const tier = tierOf.get(i)!;
    return { ...r, tier, tierAverage: tierAverage[tier], value: Math.max(0, tierAverage[tier]) * r.evidence };
  });
}
