/**
 * The embedded local subnet `validator run` uses when no network is given: reference miners as
 * real signed-HTTP servers on 127.0.0.1 with their own sr25519 hotkeys and skill levels, a few
 * simulated validators that score the same miners with their own noise, external miners from
 * `--miners`, and the local chain state that runs Yuma every epoch.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { devHotkey, type Hotkey } from '../transport/keys.js';
import { startMinerServer } from '../transport/miner-server.js';
import { createMemoryNonceStore, openNonceStore } from '../transport/nonce-store.js';
import { pluginMinerOptions } from '../transport/plugin-routes.js';
import { defaultChainParams, LocalChain, type ChainParams, type Neuron } from './local-chain.js';
import { updateMovingAverages, weightsFromAverages, type MinerScore } from '../engine/weights.js';
import { createAnswerBoard } from './red-team/answer-board.js';
import type { RedTeamEntry } from './red-team/registry.js';
import { startRedTeamMiners } from './red-team/red-team-miners.js';

export interface ExternalMiner {
  hotkey: string;
  url: string;
}

export interface LocalSubnetOptions {
  plugins: readonly LoadedPlugin[];
  minersCount: number;
  simulatedValidators: number;
  externalMiners: readonly ExternalMiner[];
  /** Seeds the miners' skills and mistakes, and the simulated validators' noise. */
  seed: string;
  chain?: Partial<ChainParams>;
  /** Adversarial miners (`core/local/red-team`), after the reference miners and before the external ones. */
  redTeam?: readonly RedTeamEntry[];
  /**
   * The reference miners' nonce store, a SQLite file (`nonceDbBeside(db)` for a run), so a request
   * they answered before a restart is refused after it. Default: in memory.
   */
  nonceDb?: string;
}

export interface LocalMiner {
  uid: number;
  hotkey: string;
  url: string;
  /** Probability of a correct answer; null for an external or red-team miner. */
  skill: number | null;
  /** The red-team strategy this miner plays; absent for reference and external miners. */
  strategy?: string;
}

/** A small deterministic generator (sfc32) from a string, for miners' mistakes and validators' noise. */
export function randomFrom(label: string): () => number {
  const h = createHash('sha256').update(label).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** Skills spread from 0.25 to 0.95, dealt to miners in a seeded order (so uid order says nothing). */
function skills(count: number, seed: string): number[] {
  const random = randomFrom(`${seed}:skills`);
  const levels = Array.from({ length: count }, (_, i) => (count === 1 ? 0.9 : 0.25 + (0.7 * i) / (count - 1)));
  for (let i = levels.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [levels[i], levels[j]] = [levels[j], levels[i]];
  }
  return levels.map((s) => Math.round(s * 100) / 100);
}

export interface LocalSubnet {
  chain: LocalChain;
  validator: Hotkey;
  validatorUid: number;
  miners: LocalMiner[];
  /** Lets the simulated validators score this round and set their weights. */
  simulateValidators(scores: readonly MinerScore[]): void;
  snapshot(): Json;
  restore(snapshot: Json): boolean;
  close(): Promise<void>;
}

export async function startLocalSubnet(options: LocalSubnetOptions): Promise<LocalSubnet> {
  const validator = devHotkey('validator', 0);
  const simulated = Array.from({ length: options.simulatedValidators }, (_, i) => devHotkey('validator', i + 1));
  const levels = skills(options.minersCount, options.seed);
  const servers: { close(): Promise<void> }[] = [];
  const miners: LocalMiner[] = [];
  const firstMinerUid = 1 + simulated.length;
  // The red team's relays and caches watch the most skilled reference miner's answers.
  const sourceIndex = levels.length > 0 ? levels.indexOf(Math.max(...levels)) : -1;
  const board = createAnswerBoard(sourceIndex >= 0 ? [firstMinerUid + sourceIndex] : []);
  const maxBodyBytes = Math.max(65_536, ...options.plugins.map((p) => p.definition.protocol.maxRequestBytes ?? 0));
  // One store for all reference miners: its keys start with the miner's own hotkey.
  const nonceStore = options.nonceDb !== undefined ? openNonceStore(options.nonceDb) : createMemoryNonceStore();
  try {
    for (let i = 0; i < options.minersCount; i++) {
      const hotkey = devHotkey('miner', i);
      const skill = levels[i];
      const random = randomFrom(`${options.seed}:miner:${i}`);
      // Each plugin in its own scheme: an Epistula path, or its axon synapse.
      const served = pluginMinerOptions(options.plugins.map((p) => p.definition), async (plugin, task) => {
        const answer = await plugin.miner.answer(task, skill, random);
        board.post({ plugin: plugin.name, task, uid: firstMinerUid + i, answer, postedAt: Date.now() });
        return answer;
      });
      const server = await startMinerServer({ hotkey, ...served, maxBodyBytes, nonceStore });
      servers.push(server);
      miners.push({ uid: firstMinerUid + i, hotkey: hotkey.address, url: server.url, skill });
    }
    if ((options.redTeam ?? []).length > 0) {
      const team = await startRedTeamMiners({
        entries: options.redTeam ?? [], plugins: options.plugins, firstUid: firstMinerUid + options.minersCount, board,
        sourceUid: sourceIndex >= 0 ? firstMinerUid + sourceIndex : null, seed: options.seed, randomFrom, maxBodyBytes, nonceStore,
      });
      servers.push(...team.servers);
      miners.push(...team.miners.map((m) => ({ uid: m.uid, hotkey: m.hotkey, url: m.url, skill: null, strategy: m.strategy })));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    nonceStore.close();
    throw err;
  }
  const firstExternalUid = firstMinerUid + miners.length;
  options.externalMiners.forEach((m, k) => miners.push({ uid: firstExternalUid + k, hotkey: m.hotkey, url: m.url, skill: null }));

  // Stake: this validator the largest, the simulated ones decreasing; miners hold none.
  const neurons: Neuron[] = [
    { uid: 0, hotkey: validator.address, stake: 1000, role: 'validator', url: null },
    ...simulated.map((v, i) => ({ uid: i + 1, hotkey: v.address, stake: 800 - 150 * i, role: 'validator' as const, url: null })),
    ...miners.map((m) => ({ uid: m.uid, hotkey: m.hotkey, stake: 0, role: 'miner' as const, url: m.url })),
  ];
  const chain = new LocalChain(neurons, { ...defaultChainParams, ...options.chain });
  let averages: Record<string, Record<string, number>> = Object.fromEntries(simulated.map((v) => [v.address, {}]));
  const noise = randomFrom(`${options.seed}:simulated-validators`);

  return {
    chain,
    validator,
    validatorUid: 0,
    miners,
    simulateValidators(scores) {
      simulated.forEach((v, i) => {
        // Each sees the same answers with its own noise (≈ ±0.1 at a mid score), keeps its own moving
        // average. The noise scales with the score: validators disagree on how good an answer is,
        // never on a non-answer or a penalised copy, so a 0 stays 0 instead of earning a noise floor.
        const noisy = scores.map((s) => ({ ...s, score: Math.min(1, Math.max(0, s.score * (1 + (noise() + noise() + noise() - 1.5) * 0.4))) }));
        const next = updateMovingAverages(new Map(Object.entries(averages[v.address])), noisy, 0.1);
        averages[v.address] = Object.fromEntries(next.map((a) => [a.hotkey, a.value]));
        const { uids, values } = weightsFromAverages(next, { n: neurons.length, minAllowedWeights: chain.params.minAllowedWeights, maxWeightLimit: chain.params.maxWeightLimit });
        if (uids.length > 0) chain.setWeights(i + 1, uids, values);
      });
    },
    snapshot() {
      return { chain: chain.snapshot(), simulatedAverages: averages } as Json;
    },
    restore(snapshot) {
      const s = snapshot as { chain?: Json; simulatedAverages?: Record<string, Record<string, number>> };
      if (!s?.chain || !chain.restore(s.chain)) return false;
      averages = s.simulatedAverages ?? averages;
      return true;
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      nonceStore.close();
    },
  };
}
