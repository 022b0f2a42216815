/**
 * The second half of a replay (`replay.ts`): from recomputed evaluator values and penalties to
 * response scores, miner round scores, moving averages, weight inputs and u16 weights, each
 * compared with its stored rows. The arithmetic is the engine's own (`combineResponse`, as `runRound` calls it,
 * `combinePluginScores`, `updateMovingAverages`, `confidentScores`, `weightsFromAverages`).
 */
import type { Task } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { combineResponse } from '../engine/round.js';
import { combinePluginScores, equalShares, type PluginShares, type PluginTally } from '../engine/plugin-shares.js';
import { updateMovingAverages, weightsFromAverages } from '../engine/weights.js';
import { confidentScores, DEFAULT_CONFIDENCE, type ConfidenceParams } from '../engine/confidence.js';
import { defaultChainParams } from '../local/local-chain.js';
import type { Comparer } from './compare.js';
import { onMetagraph, storedChainRoundInputs, type ChainRoundInputs } from '../engine/chain-inputs.js';
import { replayChainWeights } from './replay-chain.js';
import type { EvaluatorValues } from './replay-compare.js';
import {
  localSubnetSize,
  previousMovingAverages,
  recentScoresBefore,
  runInfo,
  storedMinerScores,
  storedMovingAverages,
  storedPluginScores,
  storedResponseScores,
  storedSubmission,
  storedWeightInputs,
  type Db,
  type StoredResponse,
  type StoredRoundInfo,
} from './history.js';

/** Recomputes and compares everything after the detectors; returns how many miners the round scored. */
export function replayTail(
  cmp: Comparer,
  db: Db,
  info: StoredRoundInfo,
  plugins: readonly LoadedPlugin[],
  tasks: ReadonlyMap<string, { plugin: LoadedPlugin; task: Task }>,
  responses: readonly StoredResponse[],
  valid: ReadonlySet<number>,
  values: EvaluatorValues,
  penaltyOf: (taskId: string, uid: number) => number,
  notes: string[],
): number {
  const n = info.number;
  const run = runInfo(db, info.runId);
  const storedFinal = storedResponseScores(db, info.id);

  // Response scores and the per-plugin tallies they feed.
  const storedMiners = storedMinerScores(db, info.id);
  const miners = new Map(storedMiners.map((m) => [m.uid, m.hotkey]));
  for (const r of responses) if (!miners.has(r.uid)) miners.set(r.uid, r.hotkey);
  const tallies = new Map<number, Map<string, PluginTally>>();
  for (const uid of miners.keys()) tallies.set(uid, new Map(plugins.map((p) => [p.definition.name, { plugin: p.definition.name, tasks: 0, answered: 0, total: 0 }])));
  for (const r of responses) {
    const owner = tasks.get(r.taskKey);
    if (!owner) continue;
    const ok = valid.has(r.id);
    const combined = ok ? combineResponse(owner.plugin, owner.task, values.get(r.id) ?? {}) : 0;
    const penalty = ok ? penaltyOf(r.taskKey, r.uid) : 1;
    const final = combined * penalty;
    const row = `round ${n}, task ${r.taskKey}, uid ${r.uid}`;
    const s = storedFinal.get(r.id);
    if (!s) cmp.missing('response_scores', row, 'recomputed', { combined, penalty, final });
    else {
      cmp.cell('response_scores', row, 'combined', s.combined, combined);
      cmp.cell('response_scores', row, 'penalty', s.penalty, penalty);
      cmp.cell('response_scores', row, 'final', s.final, final);
    }
    const tally = tallies.get(r.uid)!.get(owner.plugin.definition.name)!;
    tally.tasks += 1;
    tally.total += final;
    if (ok) tally.answered += 1;
  }

  // Miner round scores with the run's stored plugin shares.
  const shares = (run.config.shares ?? equalShares(plugins.map((p) => p.definition.name))) as PluginShares;
  const storedPlugins = new Map(storedPluginScores(db, info.id).map((p) => [`${p.uid} ${p.plugin}`, p]));
  const storedByUid = new Map(storedMiners.map((m) => [m.uid, m]));
  const minerScores = [...miners].map(([uid, hotkey]) => {
    const perPlugin = [...tallies.get(uid)!.values()];
    const { score, byPlugin } = combinePluginScores(perPlugin, shares);
    const m = { uid, hotkey, tasks: perPlugin.reduce((a, t) => a + t.tasks, 0), answered: perPlugin.reduce((a, t) => a + t.answered, 0), score };
    const row = `round ${n}, uid ${uid}`;
    const s = storedByUid.get(uid);
    if (!s) cmp.missing('miner_round_scores', row, 'recomputed', m);
    else for (const col of ['hotkey', 'tasks', 'answered', 'score'] as const) cmp.cell('miner_round_scores', row, col, s[col], m[col]);
    for (const p of byPlugin) {
      const sp = storedPlugins.get(`${uid} ${p.plugin}`);
      if (!sp) cmp.missing('miner_plugin_scores', `${row}, plugin ${p.plugin}`, 'recomputed', { ...p });
      else for (const col of ['tasks', 'answered', 'score', 'share'] as const) cmp.cell('miner_plugin_scores', `${row}, plugin ${p.plugin}`, col, sp[col], p[col]);
    }
    return m;
  });

  // Moving averages from the stored averages before this round.
  const storedAverages = storedMovingAverages(db, info.id);
  const alpha = typeof run.config.emaAlpha === 'number' ? run.config.emaAlpha : storedAverages[0]?.alpha;
  if (alpha === undefined) {
    notes.push('moving averages: the run stored no emaAlpha and no average; not recomputed');
    return minerScores.length;
  }
  const averages = updateMovingAverages(previousMovingAverages(db, n), minerScores, alpha);
  // On a chain, only hotkeys that held their uid at the block are weighed (`onMetagraph`, as the chain loop does).
  const chainInputs = run.network === 'local' ? null : readChainInputs(cmp, db, info);
  const eligible = chainInputs === null || chainInputs === 'invalid' ? averages : onMetagraph(averages, chainInputs.hotkeys);
  const storedAvg = new Map(storedAverages.map((a) => [a.hotkey, a]));
  for (const a of averages) {
    const s = storedAvg.get(a.hotkey);
    const row = `round ${n}, hotkey ${a.hotkey}`;
    if (!s) cmp.missing('moving_averages', row, 'recomputed', a.value);
    else for (const col of ['uid', 'value', 'alpha'] as const) cmp.cell('moving_averages', row, col, s[col], a[col]);
  }

  // Weight inputs, from the stored round scores before this round and the recomputed ones.
  const storedInputs = storedWeightInputs(db, info.id);
  let weightValues = eligible.map((a) => ({ uid: a.uid, hotkey: a.hotkey, value: a.value, alpha }));
  if (run.config.confidence !== undefined || storedInputs.length > 0) {
    const params = { ...DEFAULT_CONFIDENCE, ...((run.config.confidence ?? {}) as Partial<ConfidenceParams>) };
    const history = recentScoresBefore(db, n, params.window - 1);
    for (const m of minerScores) history.set(m.hotkey, [...(history.get(m.hotkey) ?? []), { score: m.score, tasks: m.tasks }]);
    const inputs = confidentScores(eligible, history, params, info.seed!);
    const byUid = new Map(storedInputs.map((w) => [w.uid, w]));
    for (const w of inputs) {
      const s = byUid.get(w.uid);
      const row = `round ${n}, uid ${w.uid}`;
      const mine = { hotkey: w.hotkey, average: w.average, ciLow: w.interval.low, ciHigh: w.interval.high, rounds: w.interval.rounds, tasks: w.tasks, evidence: w.evidence, tier: w.tier, tierAverage: w.tierAverage, value: w.value };
      if (!s) cmp.missing('weight_inputs', row, 'recomputed', mine);
      else for (const [col, key] of [['hotkey', 'hotkey'], ['average', 'average'], ['ci_low', 'ciLow'], ['ci_high', 'ciHigh'], ['rounds', 'rounds'], ['tasks', 'tasks'], ['evidence', 'evidence'], ['tier', 'tier'], ['tier_average', 'tierAverage'], ['value', 'value']] as const) cmp.cell('weight_inputs', row, col, s[key], mine[key]);
    }
    weightValues = inputs.map((w) => ({ uid: w.uid, hotkey: w.hotkey, value: w.value, alpha }));
  }

  // The u16 weights: on the local subnet its size and limits are known; on a real chain they are the metagraph's at the block, stored with the round.
  if (run.network !== 'local') {
    if (chainInputs === 'invalid') {
      notes.push('weights and consensus preview: the chain inputs stored with the round do not parse (see the difference); not recomputed');
    } else if (chainInputs !== null) {
      notes.push("epochs: what the chain paid is stored as read from the chain, not recomputed");
      notes.push('chain inputs: the metagraph, weight limits and Yuma input are taken as stored (chain_round_inputs, read from the chain at the block), checked against the input schema, not read from the chain again');
      replayChainWeights(cmp, db, info, chainInputs, weightValues, notes);
    } else notes.push(`weights and consensus preview: this ${run.network} round stored no chain inputs (chain_round_inputs, schema v6; earlier rounds lack them); not recomputed (see v_chain_submissions)`);
    return minerScores.length;
  }
  notes.push('consensus preview and epochs: not recomputed here (Yuma on the stored chain state is `validator consensus epoch`)');
  const submission = storedSubmission(db, info.id);
  const size = localSubnetSize(db, info.id);
  if (size === null) {
    notes.push('weights: the round stored no local subnet state (its size); not recomputed');
  } else if (submission === null) {
    notes.push('weights: the round stored no weight submission');
  } else {
    const weights = weightsFromAverages(weightValues, { n: size, minAllowedWeights: defaultChainParams.minAllowedWeights, maxWeightLimit: defaultChainParams.maxWeightLimit });
    cmp.cell('weight_submissions', `round ${n}, submission ${submission.id}`, 'uids', submission.uids, weights.uids);
    cmp.cell('weight_submissions', `round ${n}, submission ${submission.id}`, 'weights', submission.weights, weights.values);
  }
  return minerScores.length;
}

/** The round's stored chain inputs; a row that does not parse is a difference (an altered file), not a crash. */
function readChainInputs(cmp: Comparer, db: Db, info: StoredRoundInfo): ChainRoundInputs | null | 'invalid' {
  try {
    return storedChainRoundInputs(db, info.id);
  } catch (err) {
    if ((err as { code?: string }).code !== 'PROCTOR_ERR_CONSENSUS_INPUT_INVALID') throw err;
    cmp.missing('chain_round_inputs', `round ${info.number}`, 'stored', (err as Error).message);
    return 'invalid';
  }
}
