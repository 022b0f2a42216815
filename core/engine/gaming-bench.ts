/**
 * `validator bench gaming`: does gaming pay? The local subnet runs with honest reference miners of
 * several skill levels and one red-team miner per strategy (`core/local/red-team`) for N epochs of
 * Yuma, through the real round loop (`runLocalValidator`) on a fresh database. Then the same stored
 * responses are scored by the naive scorer (`naive-scorer.ts`) and the run is replayed under it:
 * per round a moving average (same α) and the SDK's weight processing (`weights.ts`), set on a
 * second local chain with the same neurons, whose simulated validators score with the naive scores
 * and the same noise, and Yuma every epoch — a full Yuma rerun, not a share of weights. (Proctor's
 * side also applies its uncertainty-aware weighting; the naive side, like a template, does not.)
 *
 * Per strategy: the mean incentive of its uids in the last epoch ÷ the honest miners' mean
 * incentive, under Proctor and under the naive scorer, and the findings that name its uids. For a
 * cluster of k uids running one model (sybils), the figure is what running the extra uids gains:
 * (the cluster's total − one honest miner of the model's skill) ÷ (k − 1), relative to the honest
 * mean — about 0 when the cluster is paid as one miner (the rule), about 1 when paid per uid.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { proctorError } from '../errors.js';
import { auditQuery } from '../store/audit.js';
import { defaultChainParams } from '../local/local-chain.js';
import { startLocalSubnet } from '../local/local-subnet.js';
import { loadStrategy, type RedTeamEntry } from '../local/red-team/registry.js';
import type { EpochOutput } from '../consensus/state.js';
import { createNaiveScorer, loadNaiveEmbedder, type NaiveItem } from './naive-scorer.js';
import { combinePluginScores, type PluginShares, type PluginTally } from './plugin-shares.js';
import { runLocalValidator, type RunSummary } from './runner.js';
import { updateMovingAverages, weightsFromAverages, type MinerScore } from './weights.js';

export interface GamingBenchOptions {
  plugins: LoadedPlugin[];
  epochs: number;
  seed: string;
  /** Honest reference miners (skills spread from 0.25 to 0.95). */
  minersCount: number;
  simulatedValidators: number;
  strategies: RedTeamEntry[];
  /** A new database file to keep; a temporary one (deleted afterwards) when null. */
  db: string | null;
  poolSize: number | undefined;
  evaluatorTimeoutMs: number;
  emaAlpha: number;
  shares: PluginShares;
  log: (line: string) => void;
}

export interface StrategyOutcome {
  summary: string;
  defence: string;
  uids: number[];
  /** Mean last-epoch incentive of its uids, under each scorer. */
  incentive: { proctor: number; naive: number };
  /**
   * What the operator earns: the summed incentive of all its uids ÷ the honest mean. Equal to the
   * ratio for one uid; for a sybil cluster of k, k × the per-uid ratio — "paid as one miner" means
   * about the one-miner ratio here.
   */
  totalRatio: { proctor: number; naive: number };
  /** Mean incentive of its uids ÷ the honest mean (the headline figure of a one-uid strategy). */
  perUidRatio: { proctor: number; naive: number };
  /**
   * A cluster only: what one honest miner of the cluster model's skill earns ÷ the honest mean
   * (interpolated between the honest miners on either side of that skill).
   */
  oneMinerRatio?: { proctor: number; naive: number };
  /** Mean round score of its uids, under each scorer. */
  meanScore: { proctor: number; naive: number };
  /** Findings naming any of its uids, in all and by detector. */
  findings: number;
  findingsByDetector: Record<string, number>;
}

export interface GamingBenchResult {
  proctor: Record<string, number>;
  naive: Record<string, number>;
  details: {
    epochs: number;
    rounds: number;
    plugins: string[];
    seed: string;
    db: string | null;
    naiveMethod: string;
    honest: { meanIncentive: { proctor: number; naive: number }; miners: { uid: number; skill: number; incentive: { proctor: number; naive: number }; meanScore: { proctor: number; naive: number } }[] };
    strategies: Record<string, StrategyOutcome>;
  };
}

export const NAIVE_METHOD =
  'full Yuma rerun: naive scores of the stored responses → moving average (same alpha) → SDK process_weights and u16 → a second local chain with the same neurons, simulated validators on the naive scores with the same noise → Yuma every epoch';

/** Linear interpolation of the honest miners' incentive at `skill` (clamped to the ends). */
function incentiveAtSkill(points: readonly { skill: number; incentive: number }[], skill: number): number {
  const sorted = [...points].sort((a, b) => a.skill - b.skill);
  if (sorted.length === 0) return 0;
  if (skill <= sorted[0].skill) return sorted[0].incentive;
  for (let k = 1; k < sorted.length; k++) {
    const [lo, hi] = [sorted[k - 1], sorted[k]];
    if (skill <= hi.skill) return hi.skill === lo.skill ? hi.incentive : lo.incentive + ((skill - lo.skill) / (hi.skill - lo.skill)) * (hi.incentive - lo.incentive);
  }
  return sorted[sorted.length - 1].incentive;
}

const mean = (xs: readonly number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const ratio = (x: number, honest: number): number => (honest > 0 ? x / honest : 0);
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const parse = (text: unknown): Json => JSON.parse(String(text)) as Json;

/** Naive round scores per round number, for every miner of the run. */
async function naiveRoundScores(db: string, summary: RunSummary, plugins: readonly LoadedPlugin[], shares: PluginShares): Promise<Map<number, MinerScore[]>> {
  const scorer = createNaiveScorer(await loadNaiveEmbedder());
  const schemas = new Map(plugins.map((p) => [p.definition.name, p.definition.protocol.response]));
  const out = new Map<number, MinerScore[]>();
  for (const round of summary.rounds) {
    const rows = auditQuery(
      db,
      `SELECT t.plugin, t.kind, t.answer, t.meta, r.id, r.uid, r.status, r.body FROM responses r JOIN tasks t ON t.id = r.task_id JOIN rounds d ON d.id = t.round_id WHERE d.number = ? ORDER BY r.id`,
      [round],
    ).rows;
    const stored = new Map<number, Record<string, number>>();
    for (const [id, evaluator, value] of auditQuery(db, `SELECT s.response_id, s.evaluator, s.value FROM scores s JOIN responses r ON r.id = s.response_id JOIN tasks t ON t.id = r.task_id JOIN rounds d ON d.id = t.round_id WHERE d.number = ? AND s.status = 'ok'`, [round]).rows) {
      stored.set(Number(id), { ...(stored.get(Number(id)) ?? {}), [String(evaluator)]: Number(value) });
    }
    const items: NaiveItem[] = rows.map(([plugin, kind, answer, meta, id, , status, body]) => {
      let response: Json | null = null;
      if (status === 'ok' && typeof body === 'string') {
        const check = schemas.get(String(plugin))?.safeParse(JSON.parse(body));
        response = check?.success ? (check.data as Json) : null;
      }
      return { task: { kind: String(kind), answer: parse(answer), meta: parse(meta) }, response, stored: stored.get(Number(id)) ?? {} };
    });
    const values = await scorer.scoreAll(items);
    const tallies = new Map<number, Map<string, PluginTally>>();
    for (const m of summary.miners) tallies.set(m.uid, new Map(plugins.map((p) => [p.definition.name, { plugin: p.definition.name, tasks: 0, answered: 0, total: 0 }])));
    rows.forEach(([plugin, , , , , uid], k) => {
      const tally = tallies.get(Number(uid))?.get(String(plugin));
      if (tally === undefined) return;
      tally.tasks += 1;
      tally.total += values[k];
      if (items[k].response !== null) tally.answered += 1;
    });
    out.set(round, summary.miners.map((m) => ({ uid: m.uid, hotkey: m.hotkey, score: combinePluginScores([...tallies.get(m.uid)!.values()], shares).score })));
  }
  return out;
}

/** Replays the run's rounds on a fresh local chain with naive scores; the last epoch's incentive per uid. */
async function naiveIncentive(summary: RunSummary, scores: Map<number, MinerScore[]>, options: GamingBenchOptions): Promise<number[]> {
  const subnet = await startLocalSubnet({
    plugins: [],
    minersCount: 0,
    simulatedValidators: options.simulatedValidators,
    // The run's miners in uid order: the replay's uids are the run's.
    externalMiners: summary.miners.map((m) => ({ hotkey: m.hotkey, url: 'http://127.0.0.1:9' })),
    seed: options.seed,
  });
  try {
    const n = subnet.chain.neurons.length;
    let previous = new Map<string, number>();
    let last: EpochOutput | null = null;
    let weights = { uids: [] as number[], values: [] as number[] };
    for (const round of summary.rounds) {
      const roundScores = scores.get(round) ?? [];
      const averages = updateMovingAverages(previous, roundScores, options.emaAlpha);
      previous = new Map(averages.map((a) => [a.hotkey, a.value]));
      weights = weightsFromAverages(averages, { n, minAllowedWeights: subnet.chain.params.minAllowedWeights, maxWeightLimit: subnet.chain.params.maxWeightLimit });
      subnet.chain.setWeights(subnet.validatorUid, weights.uids, weights.values);
      subnet.simulateValidators(roundScores);
      last = subnet.chain.advance()?.output ?? last;
    }
    return [...(last ?? subnet.chain.preview({ uid: subnet.validatorUid, ...weights })).incentive];
  } finally {
    await subnet.close();
  }
}

/**
 * Runs the bench (see the module comment).
 *
 * @example
 * ```ts
 * const result = await runGamingBench({ plugins, epochs: 3, seed: 'bench', minersCount: 8, simulatedValidators: 3, strategies: [{ strategy: 'copycat', count: null }], db: null, poolSize: undefined, evaluatorTimeoutMs: 30000, emaAlpha: 0.1, shares, log });
 * result.proctor.copycat; // e.g. 0.02
 * ```
 */
export async function runGamingBench(options: GamingBenchOptions): Promise<GamingBenchResult> {
  if (options.db !== null && existsSync(options.db) && statSync(options.db).size > 0) {
    throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--db', problem: `must name a new file: ${options.db} exists, and the bench compares runs of a fresh subnet` });
  }
  const dir = options.db === null ? mkdtempSync(join(tmpdir(), 'proctor-bench-gaming-')) : null;
  const db = options.db ?? join(dir!, 'bench.db');
  try {
    const rounds = options.epochs * Math.ceil(defaultChainParams.tempo / defaultChainParams.blocksPerRound);
    const summary = await runLocalValidator({
      plugins: options.plugins, db, rounds, seed: options.seed, minersCount: options.minersCount, simulatedValidators: options.simulatedValidators,
      externalMiners: [], redTeam: options.strategies, poolSize: options.poolSize, evaluatorTimeoutMs: options.evaluatorTimeoutMs,
      emaAlpha: options.emaAlpha, shares: options.shares, log: options.log,
    });
    options.log('bench gaming: scoring the stored responses with the naive scorer and replaying Yuma');
    const naiveScores = await naiveRoundScores(db, summary, options.plugins, options.shares);
    const naive = await naiveIncentive(summary, naiveScores, options);
    const naiveMean = (uid: number) => mean(summary.rounds.map((r) => naiveScores.get(r)?.find((s) => s.uid === uid)?.score ?? 0));

    const honest = summary.miners.filter((m) => m.strategy === null && m.skill !== null);
    const honestMean = { proctor: mean(honest.map((m) => m.incentive)), naive: mean(honest.map((m) => naive[m.uid] ?? 0)) };
    const findings = auditQuery(db, 'SELECT f.detector, f.uids FROM findings f JOIN rounds r ON r.id = f.round_id WHERE r.run_id = ?', [summary.runId]).rows.map(([detector, uids]) => ({ detector: String(detector), uids: new Set((parse(uids) as number[]) ?? []) }));

    const result: GamingBenchResult = {
      proctor: {},
      naive: {},
      details: {
        epochs: summary.epochs, rounds: summary.rounds.length, plugins: options.plugins.map((p) => p.definition.name), seed: options.seed, db: options.db, naiveMethod: NAIVE_METHOD,
        honest: {
          meanIncentive: { proctor: round6(honestMean.proctor), naive: round6(honestMean.naive) },
          miners: honest.map((m) => ({ uid: m.uid, skill: m.skill!, incentive: { proctor: round6(m.incentive), naive: round6(naive[m.uid] ?? 0) }, meanScore: { proctor: round6(m.meanScore), naive: round6(naiveMean(m.uid)) } })),
        },
        strategies: {},
      },
    };
    for (const name of [...new Set(options.strategies.map((e) => e.strategy))]) {
      const strategy = await loadStrategy(name);
      const own = summary.miners.filter((m) => m.strategy === name);
      const uids = own.map((m) => m.uid);
      const against = findings.filter((f) => uids.some((u) => f.uids.has(u)));
      const byDetector: Record<string, number> = {};
      for (const f of against) byDetector[f.detector] = (byDetector[f.detector] ?? 0) + 1;
      const incentive = { proctor: mean(own.map((m) => m.incentive)), naive: mean(uids.map((u) => naive[u] ?? 0)) };
      const perUid = { proctor: ratio(incentive.proctor, honestMean.proctor), naive: ratio(incentive.naive, honestMean.naive) };
      const total = { proctor: uids.length * perUid.proctor, naive: uids.length * perUid.naive };
      // A cluster's gain is what its extra uids add to one uid running the same model honestly:
      // (total − one such miner) ÷ (k − 1). Paid as one miner, that is about 0; paid per uid, about 1.
      const cluster = strategy.cluster === true && strategy.modelSkill !== undefined && uids.length > 1;
      const oneMiner = cluster
        ? {
            proctor: ratio(incentiveAtSkill(honest.map((m) => ({ skill: m.skill!, incentive: m.incentive })), strategy.modelSkill!), honestMean.proctor),
            naive: ratio(incentiveAtSkill(honest.map((m) => ({ skill: m.skill!, incentive: naive[m.uid] ?? 0 })), strategy.modelSkill!), honestMean.naive),
          }
        : null;
      // Floored at 0: a cluster paid less than one miner gains nothing (its figures stay in the details).
      const gain = (k: 'proctor' | 'naive') => (oneMiner === null ? perUid[k] : Math.max(0, (total[k] - oneMiner[k]) / (uids.length - 1)));
      result.proctor[name] = round6(gain('proctor'));
      result.naive[name] = round6(gain('naive'));
      result.details.strategies[name] = {
        summary: strategy.summary, defence: strategy.defence, uids,
        incentive: { proctor: round6(incentive.proctor), naive: round6(incentive.naive) },
        totalRatio: { proctor: round6(total.proctor), naive: round6(total.naive) },
        perUidRatio: { proctor: round6(perUid.proctor), naive: round6(perUid.naive) },
        ...(oneMiner === null ? {} : { oneMinerRatio: { proctor: round6(oneMiner.proctor), naive: round6(oneMiner.naive) } }),
        meanScore: { proctor: round6(mean(own.map((m) => m.meanScore))), naive: round6(mean(uids.map(naiveMean))) },
        findings: against.length, findingsByDetector: byDetector,
      };
    }
    return result;
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}
