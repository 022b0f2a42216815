/**
 * `validator run` on the local subnet: rounds until the requested rounds or epochs are done, each
 * round opened with its seed hash, run, and completed in one transaction with its weights,
 * consensus preview and (every tempo) the epoch's incentive. Restarting on the same database
 * continues where the last completed round left off.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Json } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { openStore } from '../store/store.js';
import { createEvaluatorPool, type EvaluatorPool } from '../pool/pool.js';
import { createMinerClient, type MinerClient } from '../transport/client.js';
import { cryptoReady } from '../transport/keys.js';
import { nonceDbBeside } from '../transport/nonce-store.js';
import { startLocalSubnet, type ExternalMiner, type LocalMiner, type LocalSubnet } from '../local/local-subnet.js';
import type { RedTeamEntry } from '../local/red-team/registry.js';
import type { EpochOutput } from '../consensus/state.js';
import { ENGINE_VERSION } from '../version.js';
import { runRound } from './round.js';
import { createTaskLedger } from './task-guard.js';
import { createDetectorMemoryKeeper } from './detector-memory.js';
import { loadDetectors } from '../plugin-loader.js';
import type { PluginShares } from './plugin-shares.js';
import { confidentScores, DEFAULT_CONFIDENCE, type ConfidenceParams } from './confidence.js';
import { updateMovingAverages, weightsFromAverages } from './weights.js';
import type { RunMetrics } from '../metrics/metrics.js';
import { evaluatorLogger, type LogFields } from '../log/logger.js';

export interface RunOptions {
  plugins: LoadedPlugin[];
  db: string;
  rounds: number;
  seed: string | null;
  minersCount: number;
  simulatedValidators: number;
  externalMiners: ExternalMiner[];
  /** Adversarial miners added to the local subnet after the reference miners (`core/local/red-team`). */
  redTeam?: RedTeamEntry[];
  poolSize: number | undefined;
  evaluatorTimeoutMs: number;
  emaAlpha: number;
  /** Each plugin's share of a miner's round score; equal when omitted. */
  shares?: PluginShares;
  /** How uncertainty shapes the weights (`confidence.ts`); the defaults when omitted. */
  confidence?: ConfidenceParams;
  /** Progress and diagnostics (stderr); `fields` are structured (`core/log/logger.ts`), never secret. */
  log: (line: string, fields?: LogFields) => void;
  /** Prometheus series to update after each round (`core/metrics/metrics.ts`). */
  metrics?: RunMetrics;
  /** Completed rounds that keep their detector memory rows (`RoundRecord.keepDetectorMemory`); 0 or absent: all. */
  keepDetectorMemory?: number;
}

export interface MinerSummary {
  uid: number;
  hotkey: string;
  skill: number | null;
  /** The red-team strategy the miner plays, null for reference and external miners. */
  strategy: string | null;
  meanScore: number;
  weight: number;
  incentive: number;
}

export interface RunSummary {
  runId: number;
  db: string;
  rounds: number[];
  abandoned: number[];
  epochs: number;
  block: number;
  validator: { uid: number; hotkey: string; validatorTrust: number; dividends: number };
  miners: MinerSummary[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function runLocalValidator(options: RunOptions): Promise<RunSummary> {
  await cryptoReady();
  const store = openStore(options.db);
  // What is open so far, closed in reverse in `finally`: a throw while starting closes what had started.
  const open: { subnet?: LocalSubnet; pool?: EvaluatorPool; client?: MinerClient } = {};
  try {
    const abandoned = store.abandonOpenRounds();
    if (abandoned.length > 0) options.log(`marked round(s) ${abandoned.join(', ')} abandoned: a previous run stopped inside them`, { level: 'warn', rounds: abandoned });
    options.metrics?.roundsAbandoned(abandoned.length);
    const runSeed = options.seed ?? randomBytes(16).toString('hex');
    const subnet = (open.subnet = await startLocalSubnet({
      plugins: options.plugins,
      minersCount: options.minersCount,
      simulatedValidators: options.simulatedValidators,
      externalMiners: options.externalMiners,
      redTeam: options.redTeam,
      seed: options.seed ?? 'proctor-local',
      // The reference miners' nonces persist beside the run's database, as a real miner's would.
      nonceDb: nonceDbBeside(options.db),
    }));
    const pool = (open.pool = createEvaluatorPool({ size: options.poolSize, timeoutMs: options.evaluatorTimeoutMs, log: evaluatorLogger(options.log) }));
    const client = (open.client = createMinerClient({ signer: subnet.validator, allowPrivate: true }));
    const snapshot = store.latestChainSnapshot();
    if (snapshot !== null && subnet.restore(snapshot)) options.log(`continuing from block ${subnet.chain.block}`);
    const runId = store.startRun({
      engineVersion: ENGINE_VERSION,
      network: 'local',
      netuid: null,
      validatorHotkey: subnet.validator.address,
      plugins: options.plugins.map((p) => ({ name: p.definition.name, version: p.definition.version })),
      config: { rounds: options.rounds, shares: (options.shares ?? null) as Json, confidence: { ...(options.confidence ?? DEFAULT_CONFIDENCE) }, seeded: options.seed !== null, minersCount: options.minersCount, simulatedValidators: options.simulatedValidators, externalMiners: options.externalMiners.length, emaAlpha: options.emaAlpha } as Json,
    });
    const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    const detectors = await loadDetectors(options.plugins);
    // The input guard's and the probes' history: every input issued before, earlier rounds' seeds.
    const ledger = createTaskLedger(store.db);
    const deps = { plugins: options.plugins, querier: client, evaluate: pool.evaluate, detectors, log: options.log, shares: options.shares, sentTo: ledger.sentTo };
    // Detectors continue from the memory stored with the last completed round (a restart loses none of it).
    const detectorMemory = createDetectorMemoryKeeper(store.latestDetectorMemory(), detectors, options.log);
    const minersForRound = subnet.miners.map((m: LocalMiner) => ({ uid: m.uid, hotkey: m.hotkey, url: m.url }));
    const n = subnet.chain.neurons.length;
    const rounds: number[] = [];
    let epochs = 0;
    let lastEpoch: EpochOutput | null = null;
    let lastWeights = { uids: [] as number[], values: [] as number[] };
    const scoreTotals = new Map<number, { total: number; count: number }>();

    for (let r = 0; r < options.rounds; r++) {
      const number = store.nextRoundNumber();
      const seed = options.seed !== null ? sha256(`${runSeed}:round:${number}`) : randomBytes(32).toString('hex');
      const block = subnet.chain.block;
      const roundId = store.openRound(runId, number, block, sha256(seed));
      const started = Date.now();
      const memory = detectorMemory.forRound();
      const outcome = await runRound({ ...deps, detectorMemory: memory }, number, seed, minersForRound, ledger.historyFor(number));

      const averages = updateMovingAverages(store.latestMovingAverages(), outcome.minerScores, options.emaAlpha);
      const history = store.recentMinerScores(confidence.window - 1);
      for (const m of outcome.minerScores) history.set(m.hotkey, [...(history.get(m.hotkey) ?? []), { score: m.score, tasks: m.tasks }]);
      const weightInputs = confidentScores(averages, history, confidence, seed);
      const weights = weightsFromAverages(
        weightInputs.map((w) => ({ uid: w.uid, hotkey: w.hotkey, value: w.value, alpha: options.emaAlpha })),
        { n, minAllowedWeights: subnet.chain.params.minAllowedWeights, maxWeightLimit: subnet.chain.params.maxWeightLimit },
      );
      const preview = subnet.chain.preview({ uid: subnet.validatorUid, ...weights });
      subnet.chain.setWeights(subnet.validatorUid, weights.uids, weights.values);
      subnet.simulateValidators(outcome.minerScores);
      const epoch = subnet.chain.advance();
      if (epoch) {
        epochs += 1;
        lastEpoch = epoch.output;
      }
      lastWeights = weights;

      const memoryRows = detectorMemory.rowsAfter(memory, number);
      store.completeRound({
        roundId,
        seed,
        finishedAt: new Date().toISOString(),
        ...outcome,
        detectorMemory: memoryRows,
        keepDetectorMemory: options.keepDetectorMemory,
        movingAverages: averages,
        weightInputs,
        weightSubmission: { network: 'local', mode: 'set_weights', uids: weights.uids, weights: weights.values, versionKey: 0, block, extrinsicHash: null, outcome: 'accepted', detail: null },
        consensusPreview: {
          validatorUid: subnet.validatorUid,
          numerics: subnet.chain.params.numerics,
          validatorTrust: preview.validator_trust[subnet.validatorUid],
          dividends: preview.dividends[subnet.validatorUid],
          incentive: preview.incentive,
        },
        epoch: epoch
          ? {
              block: epoch.block,
              numerics: subnet.chain.params.numerics,
              results: subnet.chain.neurons.map((x) => ({
                uid: x.uid,
                hotkey: x.hotkey,
                stake: epoch.output.stake[x.uid],
                consensus: epoch.output.consensus[x.uid],
                incentive: epoch.output.incentive[x.uid],
                dividends: epoch.output.dividends[x.uid],
                validatorTrust: epoch.output.validator_trust[x.uid],
                emission: epoch.output.emission[x.uid],
              })),
            }
          : null,
        chainSnapshot: subnet.snapshot(),
      });
      detectorMemory.commit(memoryRows, number);
      ledger.record(outcome.tasks.flatMap((t) => (t.inputHash ? [t.inputHash] : [])));
      options.metrics?.roundCompleted({ number, durationMs: Date.now() - started, ...outcome });
      options.metrics?.weightSubmission('set_weights', 'accepted');
      rounds.push(number);
      for (const s of outcome.minerScores) {
        const t = scoreTotals.get(s.uid) ?? { total: 0, count: 0 };
        scoreTotals.set(s.uid, { total: t.total + s.score, count: t.count + 1 });
      }

      const seconds = (Date.now() - started) / 1000;
      const statuses = Object.entries(outcome.stats.byStatus).map(([k, v]) => `${k} ${v}`).join(', ');
      const rate = outcome.stats.evaluationMs > 0 ? Math.round((outcome.stats.evaluations / outcome.stats.evaluationMs) * 1000) : outcome.stats.evaluations;
      options.log(
        `round ${number} (${r + 1}/${options.rounds}) block ${subnet.chain.block}: ${outcome.responses.length} responses (${statuses}), ` +
          `${outcome.stats.evaluations} evaluations (${rate}/s), ${seconds.toFixed(2)} s${epoch ? `; epoch at block ${epoch.block}` : ''}`,
        { round: number, block: subnet.chain.block, responses: outcome.responses.length, byStatus: outcome.stats.byStatus, evaluations: outcome.stats.evaluations, findings: outcome.findings.length, seconds },
      );
    }

    const final = lastEpoch ?? subnet.chain.preview({ uid: subnet.validatorUid, ...lastWeights });
    const weightTotal = lastWeights.values.reduce((a, b) => a + b, 0);
    const miners: MinerSummary[] = subnet.miners.map((m) => {
      const k = lastWeights.uids.indexOf(m.uid);
      const totals = scoreTotals.get(m.uid);
      return {
        uid: m.uid,
        hotkey: m.hotkey,
        skill: m.skill,
        strategy: m.strategy ?? null,
        meanScore: totals ? totals.total / totals.count : 0,
        weight: k >= 0 && weightTotal > 0 ? lastWeights.values[k] / weightTotal : 0,
        incentive: final.incentive[m.uid],
      };
    });
    return {
      runId,
      db: options.db,
      rounds,
      abandoned,
      epochs,
      block: subnet.chain.block,
      validator: { uid: subnet.validatorUid, hotkey: subnet.validator.address, validatorTrust: final.validator_trust[subnet.validatorUid], dividends: final.dividends[subnet.validatorUid] },
      miners,
    };
  } finally {
    // Nested: one close that throws does not skip the rest (the subnet holds the SQLite nonce store).
    try {
      await open.client?.close();
    } finally {
      try {
        await open.pool?.close();
      } finally {
        try {
          await open.subnet?.close();
        } finally {
          store.close();
        }
      }
    }
  }
}
