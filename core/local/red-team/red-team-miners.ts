/**
 * The red team on the local subnet: each entry of `--red-team` (or `{"strategy": …}` of `--miners`)
 * becomes one or more real signed-HTTP miner servers on 127.0.0.1, with dev hotkeys of their own
 * (`//Proctor//miner//<100000 + j>`, never a reference miner's), answering through its strategy.
 * A sybil cluster's members share one memory; every other miner has its own.
 */
import type { LoadedPlugin } from '../../plugin-loader.js';
import { devHotkey } from '../../transport/keys.js';
import { startMinerServer } from '../../transport/miner-server.js';
import type { NonceStore } from '../../transport/nonce-store.js';
import { pluginMinerOptions } from '../../transport/plugin-routes.js';
import type { AnswerBoard } from './answer-board.js';
import { loadStrategy, type RedTeamEntry } from './registry.js';
import type { StrategyContext } from './strategy.js';

/** Red-team hotkeys start here among the dev miner keys, far above any reference miner's index. */
export const RED_TEAM_KEY_OFFSET = 100_000;

export interface RedTeamMiner {
  uid: number;
  hotkey: string;
  url: string;
  strategy: string;
  /** Index within its entry (a sybil cluster's member number). */
  member: number;
}

export interface RedTeamOptions {
  entries: readonly RedTeamEntry[];
  plugins: readonly LoadedPlugin[];
  firstUid: number;
  board: AnswerBoard;
  sourceUid: number | null;
  seed: string;
  /** Makes each miner's own generator from a label (the local subnet's `randomFrom`). */
  randomFrom: (label: string) => () => number;
  maxBodyBytes: number;
  /** Where the servers keep the nonces they have seen (the subnet's store: persisted with its database). */
  nonceStore?: NonceStore;
}

/**
 * Starts the red team's servers; on failure, closes those already started and rethrows.
 *
 * @example
 * ```ts
 * const team = await startRedTeamMiners({ entries: [{ strategy: 'copycat', count: null }], plugins, firstUid: 20, board, sourceUid: 7, seed: 'demo', randomFrom, maxBodyBytes: 65536 });
 * team.miners[0]; // { uid: 20, hotkey: '5…', url: 'http://127.0.0.1:…', strategy: 'copycat', member: 0 }
 * ```
 */
export async function startRedTeamMiners(options: RedTeamOptions): Promise<{ miners: RedTeamMiner[]; servers: { close(): Promise<void> }[] }> {
  const miners: RedTeamMiner[] = [];
  const servers: { close(): Promise<void> }[] = [];
  try {
    for (const entry of options.entries) {
      const strategy = await loadStrategy(entry.strategy);
      await strategy.prepare?.();
      const count = entry.count ?? strategy.defaultCount ?? 1;
      const clusterMemory = new Map<string, unknown>();
      for (let member = 0; member < count; member++) {
        const j = miners.length;
        const hotkey = devHotkey('miner', RED_TEAM_KEY_OFFSET + j);
        const random = options.randomFrom(`${options.seed}:red-team:${j}:${entry.strategy}`);
        const memory = strategy.cluster ? clusterMemory : new Map<string, unknown>();
        const byName = new Map(options.plugins.map((p) => [p.definition.name, p]));
        // Each plugin in its own scheme (Epistula path or axon synapse), as the reference miners serve it.
        const served = pluginMinerOptions(options.plugins.map((p) => p.definition), async (definition, task, body) => {
          const arrivedAt = Date.now();
          const plugin = byName.get(definition.name)!;
          const deadline = typeof body.deadline_ms === 'number' && body.deadline_ms > 0 ? body.deadline_ms : plugin.definition.protocol.timeoutMs;
          const ctx: StrategyContext = {
            plugin, task, deadlineMs: deadline, arrivedAt, random, memory, board: options.board,
            sourceUid: options.sourceUid, member, members: count, seed: options.seed,
          };
          return strategy.answer(ctx);
        });
        const server = await startMinerServer({ hotkey, ...served, maxBodyBytes: Math.max(options.maxBodyBytes, served.maxBodyBytes), nonceStore: options.nonceStore });
        servers.push(server);
        miners.push({ uid: options.firstUid + j, hotkey: hotkey.address, url: server.url, strategy: entry.strategy, member });
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return { miners, servers };
}
