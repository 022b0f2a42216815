/**
 * `validator run --network …`: the round loop against a real subnet. Each round reads the subnet
 * at one block, reveals commits that are due, queries every serving miner with the round's tasks
 * (`runRound`, as on the local subnet), updates the moving averages, turns them into u16 weights
 * with the subnet's own limits, stores the consensus preview on the real metagraph, then submits
 * (set_weights, or a hash commit when commit-reveal is on). A chain error never ends the loop:
 * it is stored with the round, logged, and the next round tries again.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ProviderInterface } from '@polkadot/rpc-provider/types';
import type { Json } from '../plugin-api.js';
import { loadDetectors, type LoadedPlugin } from '../plugin-loader.js';
import { openStore } from '../store/store.js';
import { createEvaluatorPool } from '../pool/pool.js';
import { createMinerClient } from '../transport/client.js';
import { cryptoReady, type Hotkey } from '../transport/keys.js';
import { proctorError } from '../errors.js';
import { ENGINE_VERSION } from '../version.js';
import { chainRecords } from '../chain/chain-records.js';
import { backoffDelay } from '../chain/connection.js';
import type { ChainTarget } from '../chain/network.js';
import { connectSubtensor, type SubnetSnapshot, type SubtensorClient } from '../chain/subtensor.js';
import { createWeightSetter, type WeightAction } from '../chain/weight-setter.js';
import type { PluginShares } from './plugin-shares.js';
import type { RoundRecord } from '../store/records.js';
import { runRound } from './round.js';
import { createTaskLedger } from './task-guard.js';
import { createDetectorMemoryKeeper } from './detector-memory.js';
import { chainEpochInput, chainRoundInputs, onMetagraph, previewFromInput } from './chain-inputs.js';
import { updateMovingAverages, weightsFromAverages } from './weights.js';
import { confidentScores, DEFAULT_CONFIDENCE, type ConfidenceParams } from './confidence.js';
import type { RunMetrics } from '../metrics/metrics.js';
import { evaluatorLogger, type LogFields } from '../log/logger.js';

export interface ChainRunOptions {
  plugins: LoadedPlugin[];
  db: string;
  target: ChainTarget;
  netuid: number;
  hotkey: Hotkey;
  /** Where the hotkey came from (a path or an environment variable's name), for the log. */
  hotkeySource: string;
  /** Stop after this many rounds; null = no limit. */
  rounds: number | null;
  /** Stop after this many epochs seen on chain; null = no limit. */
  epochs: number | null;
  seed: string | null;
  poolSize: number | undefined;
  evaluatorTimeoutMs: number;
  emaAlpha: number;
  shares?: PluginShares;
  /** How uncertainty shapes the weights (`confidence.ts`); the defaults when omitted. */
  confidence?: ConfidenceParams;
  /** The weights version key to send; null = the subnet's `WeightsVersionKey`. */
  versionKey: bigint | null;
  /** Whether miners on loopback or private addresses may be queried (a local node). */
  allowPrivateMiners: boolean;
  /** Stops the loop after the round in flight. */
  signal?: AbortSignal;
  /** Tests: an in-process provider instead of a WebSocket. */
  provider?: ProviderInterface;
  /** How often to poll for a new block between rounds. */
  blockPollMs?: number;
  submitTimeoutMs?: number;
  /** Progress and diagnostics (stderr); `fields` are structured (`core/log/logger.ts`), never secret. */
  log: (line: string, fields?: LogFields) => void;
  /** Prometheus series to update after each round and submission (`core/metrics/metrics.ts`). */
  metrics?: RunMetrics;
  /** Completed rounds that keep their detector memory rows (`RoundRecord.keepDetectorMemory`); 0 or absent: all. */
  keepDetectorMemory?: number;
}

export interface ChainRunSummary {
  runId: number;
  db: string;
  network: string;
  endpoint: string;
  runtime: string;
  netuid: number;
  rounds: number[];
  abandoned: number[];
  /** Epochs the chain ran while this validator did. */
  epochs: number;
  block: number;
  validator: { uid: number | null; hotkey: string; validatorTrust: number | null; dividends: number | null };
  actions: (WeightAction & { round: number })[];
  miners: { uid: number; hotkey: string; meanScore: number; weight: number; incentive: number }[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A snapshot, retried with backoff while the chain is unreachable (never throws for a chain error). */
async function snapshotUntilOk(chain: SubtensorClient, o: ChainRunOptions): Promise<SubnetSnapshot | null> {
  for (let failures = 1; !o.signal?.aborted; failures++) {
    try {
      return await chain.snapshot(o.netuid, o.hotkey.address);
    } catch (err) {
      const ms = backoffDelay(failures);
      o.log(`chain: cannot read subnet ${o.netuid}: ${(err as Error).message}; again in ${(ms / 1000).toFixed(1)} s`);
      await sleep(ms, o.signal);
    }
  }
  return null;
}

async function nextBlock(chain: SubtensorClient, after: number, o: ChainRunOptions): Promise<void> {
  while (!o.signal?.aborted) {
    const best = await chain.bestBlock().catch(() => null);
    if (best !== null && best.number > after) return;
    await sleep(o.blockPollMs ?? 1000, o.signal);
  }
}

const epochMarker = (s: SubnetSnapshot): string => String(s.hyperparameters.epochIndex ?? s.hyperparameters.lastStepBlock);

/**
 * Validates subnet `netuid` until `rounds` or `epochs` are reached or `signal` aborts.
 *
 * @throws PROCTOR_ERR_CHAIN_CONNECT, PROCTOR_ERR_CHAIN_SUBNET_MISSING, PROCTOR_ERR_CHAIN_NOT_REGISTERED at start-up only.
 */
export async function runChainValidator(o: ChainRunOptions): Promise<ChainRunSummary> {
  await cryptoReady();
  const chain = await connectSubtensor({ endpoint: o.target.endpoint, provider: o.provider, log: o.log });
  let store: ReturnType<typeof openStore> | null = null;
  let pool: ReturnType<typeof createEvaluatorPool> | null = null;
  const miners = createMinerClient({ signer: o.hotkey, allowPrivate: o.allowPrivateMiners });
  try {
    let snapshot = await chain.snapshot(o.netuid, o.hotkey.address);
    if (snapshot.uid === null) throw proctorError('PROCTOR_ERR_CHAIN_NOT_REGISTERED', { hotkey: o.hotkey.address, netuid: o.netuid });
    const h = snapshot.hyperparameters;
    o.log(
      `validating subnet ${o.netuid} "${snapshot.metagraph.name}" on ${o.target.network} (${o.target.endpoint}, runtime ${chain.runtime}) as uid ${snapshot.uid}, ` +
        `hotkey ${o.hotkey.address} from ${o.hotkeySource}; ${snapshot.metagraph.neurons.length} uids, tempo ${h.tempo}, ` +
        `commit-reveal ${h.commitRevealEnabled ? `on (reveal after ${h.revealPeriodEpochs} epoch(s))` : 'off'}, rate limit ${h.weightsRateLimit} blocks`,
    );
    store = openStore(o.db);
    const abandoned = store.abandonOpenRounds();
    if (abandoned.length > 0) o.log(`marked round(s) ${abandoned.join(', ')} abandoned: a previous run stopped inside them`, { level: 'warn', rounds: abandoned });
    o.metrics?.roundsAbandoned(abandoned.length);
    const records = chainRecords(store.db);
    const stale = records.settleStalePending(o.target.network, o.netuid);
    if (stale > 0) o.log(`marked ${stale} pending weight submission(s) unknown: a previous run stopped before the chain answered`, { level: 'warn', submissions: stale });
    const runSeed = o.seed ?? randomBytes(16).toString('hex');
    const runId = store.startRun({
      engineVersion: ENGINE_VERSION,
      network: o.target.network,
      netuid: o.netuid,
      validatorHotkey: o.hotkey.address,
      plugins: o.plugins.map((p) => ({ name: p.definition.name, version: p.definition.version })),
      // The confidence parameters too: replay recomputes the weight inputs with them.
      config: { endpoint: o.target.endpoint, genesisHash: chain.genesisHash, runtime: chain.runtime, rounds: o.rounds, epochs: o.epochs, versionKey: o.versionKey?.toString() ?? null, emaAlpha: o.emaAlpha, seeded: o.seed !== null, shares: (o.shares ?? null) as Json, confidence: { ...(o.confidence ?? DEFAULT_CONFIDENCE) } } as Json,
    });
    const setter = createWeightSetter({ client: chain, hotkey: o.hotkey, netuid: o.netuid, network: o.target.network, records, versionKey: o.versionKey, log: o.log, submitTimeoutMs: o.submitTimeoutMs });
    pool = createEvaluatorPool({ size: o.poolSize, timeoutMs: o.evaluatorTimeoutMs, log: evaluatorLogger(o.log) });
    // The input guard's and the probes' history: every input issued before, earlier rounds' seeds.
    const ledger = createTaskLedger(store.db);
    const confidence = o.confidence ?? DEFAULT_CONFIDENCE;
    const detectors = await loadDetectors(o.plugins);
    const deps = { plugins: o.plugins, querier: miners, evaluate: pool.evaluate, detectors, log: o.log, shares: o.shares, sentTo: ledger.sentTo };
    // Detectors continue from the memory stored with the last completed round (a restart loses none of it).
    const detectorMemory = createDetectorMemoryKeeper(store.latestDetectorMemory(), detectors, o.log);

    const rounds: number[] = [];
    const actions: ChainRunSummary['actions'] = [];
    const scoreTotals = new Map<number, { total: number; count: number }>();
    let lastWeights = { uids: [] as number[], values: [] as number[] };
    let lastPreview: { validatorTrust: number; dividends: number } | null = null;
    let marker = epochMarker(snapshot);
    let epochs = 0;

    while (!o.signal?.aborted && (o.rounds === null || rounds.length < o.rounds) && (o.epochs === null || epochs < o.epochs)) {
      const fresh = await snapshotUntilOk(chain, o);
      if (fresh === null) break;
      snapshot = fresh;
      const epochNow = epochMarker(snapshot) !== marker;
      if (epochNow) {
        // Several epochs may pass during one round (a short tempo); the index says how many.
        const index = snapshot.hyperparameters.epochIndex;
        epochs += index !== null ? Math.max(1, Number(index - BigInt(marker))) : 1;
        marker = epochMarker(snapshot);
      }
      const number = store.nextRoundNumber();
      const seed = o.seed !== null ? sha256(`${runSeed}:round:${number}`) : randomBytes(32).toString('hex');
      const roundId = store.openRound(runId, number, snapshot.block, sha256(seed));
      const started = Date.now();
      const roundActions: WeightAction[] = [];
      // Reveals first: their window is an epoch, and the round may take a while.
      const reveals = await setter.revealDue(snapshot, roundId).catch((err: unknown) => ({ actions: [{ mode: 'reveal' as const, outcome: 'unknown' as const, detail: (err as Error).message }], write() {} }));
      roundActions.push(...reveals.actions);

      const serving = snapshot.metagraph.neurons.filter((x) => x.uid !== snapshot.uid && x.axon.url !== null);
      const memory = detectorMemory.forRound();
      const outcome = await runRound({ ...deps, detectorMemory: memory }, number, seed, serving.map((x) => ({ uid: x.uid, hotkey: x.hotkey, url: x.axon.url! })), ledger.historyFor(number));
      const averages = updateMovingAverages(store.latestMovingAverages(), outcome.minerScores, o.emaAlpha);
      snapshot = (await chain.snapshot(o.netuid, o.hotkey.address).catch(() => null)) ?? snapshot;
      const hp = snapshot.hyperparameters;
      // Weights and preview are computed from the inputs as stored (with the round, below), which `validator audit replay` reads back.
      const inputs = chainRoundInputs(snapshot);
      const history = store.recentMinerScores(confidence.window - 1);
      for (const m of outcome.minerScores) history.set(m.hotkey, [...(history.get(m.hotkey) ?? []), { score: m.score, tasks: m.tasks }]);
      const weightInputs = confidentScores(onMetagraph(averages, inputs.hotkeys), history, confidence, seed);
      const weights = weightsFromAverages(
        weightInputs.map((w) => ({ uid: w.uid, hotkey: w.hotkey, value: w.value, alpha: o.emaAlpha })),
        { n: inputs.hotkeys.length, minAllowedWeights: inputs.minAllowedWeights, maxWeightLimit: inputs.maxWeightsLimit },
      );
      let consensusPreview: RoundRecord['consensusPreview'] = null;
      if (snapshot.uid !== null) {
        try {
          // Built here: a snapshot it cannot convert costs the preview, not the run.
          const epochInput = chainEpochInput(snapshot)!; // registered (uid not null): never null
          inputs.epochInput = epochInput;
          const preview = previewFromInput(epochInput, { uid: snapshot.uid, ...weights });
          lastPreview = { validatorTrust: preview.validator_trust[snapshot.uid], dividends: preview.dividends[snapshot.uid] };
          consensusPreview = { validatorUid: snapshot.uid, numerics: 'float', ...lastPreview, incentive: preview.incentive };
        } catch (err) {
          o.log(`consensus preview failed: ${(err as Error).message}`);
        }
      }
      const planned = setter.plan(snapshot, weights, roundId);
      lastWeights = weights;

      const neurons = snapshot.metagraph.neurons;
      const memoryRows = detectorMemory.rowsAfter(memory, number);
      const roundStore = store; // narrowed, for the closure below
      // The preview, the reveals' and this round's submission rows (and a commit's salt) go in the
      // round's own transaction: a crash leaves the whole round or none of it.
      records.atomically(() => {
        reveals.write();
        planned.write();
        roundStore.completeRound({
          roundId,
          seed,
          finishedAt: new Date().toISOString(),
          ...outcome,
          detectorMemory: memoryRows,
          keepDetectorMemory: o.keepDetectorMemory,
          chainInputs: inputs,
          movingAverages: averages,
          weightInputs,
          weightSubmission: null,
          consensusPreview,
          // What the chain itself paid at the epoch that just ran (not a preview).
          epoch: epochNow
            ? {
                block: hp.lastStepBlock,
                numerics: 'chain',
                results: neurons.map((x) => ({
                  uid: x.uid,
                  hotkey: x.hotkey,
                  stake: Number(x.totalStake),
                  consensus: x.consensus / 65535,
                  incentive: x.incentive / 65535,
                  dividends: x.dividends / 65535,
                  validatorTrust: (snapshot.validatorTrust[x.uid] ?? 0) / 65535,
                  emission: Number(x.emission),
                })),
              }
            : null,
          chainSnapshot: null,
        });
      });
      // Sent once the round is stored; its row says 'pending' until the answer is settled.
      roundActions.push(await planned.send().catch((err: unknown) => ({ mode: planned.mode, outcome: 'unknown' as const, detail: (err as Error).message })));
      detectorMemory.commit(memoryRows, number);
      ledger.record(outcome.tasks.flatMap((t) => (t.inputHash ? [t.inputHash] : [])));
      o.metrics?.roundCompleted({ number, durationMs: Date.now() - started, ...outcome });
      for (const a of roundActions) o.metrics?.weightSubmission(a.mode, a.outcome);
      rounds.push(number);
      actions.push(...roundActions.map((a) => ({ ...a, round: number })));
      for (const s of outcome.minerScores) {
        const t = scoreTotals.get(s.uid) ?? { total: 0, count: 0 };
        scoreTotals.set(s.uid, { total: t.total + s.score, count: t.count + 1 });
      }
      const said = roundActions.map((a) => `${a.mode} ${a.outcome}${a.outcome === 'accepted' ? '' : `: ${a.detail}`}`).join('; ');
      const seconds = (Date.now() - started) / 1000;
      o.log(`round ${number} at block ${snapshot.block}: ${serving.length} serving miner(s), ${outcome.responses.length} responses, ${seconds.toFixed(2)} s; ${said}${epochNow ? `; epoch ${marker} ran` : ''}`, {
        round: number,
        block: snapshot.block,
        responses: outcome.responses.length,
        byStatus: outcome.stats.byStatus,
        evaluations: outcome.stats.evaluations,
        findings: outcome.findings.length,
        submissions: roundActions.map((a) => ({ mode: a.mode, outcome: a.outcome })),
        seconds,
      });
      await nextBlock(chain, snapshot.block, o);
    }

    const total = lastWeights.values.reduce((a, b) => a + b, 0);
    return {
      runId,
      db: o.db,
      network: o.target.network,
      endpoint: o.target.endpoint,
      runtime: chain.runtime,
      netuid: o.netuid,
      rounds,
      abandoned,
      epochs,
      block: snapshot.block,
      validator: { uid: snapshot.uid, hotkey: o.hotkey.address, validatorTrust: lastPreview?.validatorTrust ?? null, dividends: lastPreview?.dividends ?? null },
      actions,
      miners: snapshot.metagraph.neurons
        .filter((x) => x.uid !== snapshot.uid)
        .map((x) => {
          const k = lastWeights.uids.indexOf(x.uid);
          const t = scoreTotals.get(x.uid);
          return { uid: x.uid, hotkey: x.hotkey, meanScore: t ? t.total / t.count : 0, weight: k >= 0 && total > 0 ? lastWeights.values[k] / total : 0, incentive: x.incentive / 65535 };
        }),
    };
  } finally {
    await miners.close();
    await pool?.close();
    store?.close();
    await chain.close();
  }
}
