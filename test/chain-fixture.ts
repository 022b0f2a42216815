/**
 * A fake subtensor with one subnet, a validator and three serving miners, and a connected
 * client, for the chain tests. One metadata registry per process: parsing it takes a while.
 */
import type { FakeSubnetInit } from './chain-runtime.js';
import { FakeSubtensor } from './chain-node.js';
import { InProcessProvider } from './chain-provider.js';
import { SubtensorTypes } from './chain-types.js';
import { connectSubtensor, type SubtensorClient } from '../core/chain/subtensor.js';
import type { ChainRunOptions } from '../core/engine/chain-runner.js';
import { cryptoReady, devHotkey, type Hotkey } from '../core/transport/keys.js';
import type { Json, PublicTask } from '../core/plugin-api.js';
import { loadPlugin } from '../core/plugin-loader.js';
import { randomFrom } from '../core/local/local-subnet.js';
import { startMinerServer, type MinerServer } from '../core/transport/miner-server.js';

let shared: SubtensorTypes | null = null;
export function subtensorTypes(): SubtensorTypes {
  shared ??= new SubtensorTypes();
  return shared;
}

export interface FakeChain {
  node: FakeSubtensor;
  provider: InProcessProvider;
  chain: SubtensorClient;
  validator: Hotkey;
  miners: Hotkey[];
  close(): Promise<void>;
}

/** The default subnet: uid 0 is the validator (stake, permit, owner), uids 1–3 miners serving on 127.0.0.2. */
export function defaultSubnet(validator: Hotkey, miners: Hotkey[], overrides: Partial<FakeSubnetInit> = {}): FakeSubnetInit {
  return {
    netuid: 1,
    neurons: [
      { hotkey: validator.address, alphaStake: 1_000_000_000_000n, permit: true },
      ...miners.map((m, i) => ({ hotkey: m.address, alphaStake: 1_000_000_000n, axon: { host: '127.0.0.2', port: 9000 + i } })),
    ],
    ...overrides,
  };
}

export async function startFakeChain(options: { subnet?: Partial<FakeSubnetInit>; errorFormat?: 'node' | 'chopsticks'; blocks?: number; log?: (line: string) => void } = {}): Promise<FakeChain> {
  await cryptoReady();
  const validator = devHotkey('validator', 0);
  const miners = [1, 2, 3].map((i) => devHotkey('miner', i));
  const node = new FakeSubtensor({ types: subtensorTypes(), errorFormat: options.errorFormat, subnets: [defaultSubnet(validator, miners, options.subnet)] });
  node.advance(options.blocks ?? 2);
  const provider = new InProcessProvider(node);
  const chain = await connectSubtensor({ endpoint: 'in-process://fake', provider, log: options.log });
  return {
    node,
    provider,
    chain,
    validator,
    miners,
    async close() {
      node.stop();
      await chain.close();
    },
  };
}

/**
 * Reference text miners serving `/proctor/v1/text` on `host`, one per hotkey, with the given skills
 * and deterministic randomness per miner (`<label>:<index>`).
 *
 * @example
 * ```ts
 * const miners = await startTextMiners(keys, [0.2, 0.55, 0.95], 'chain-cli');
 * ```
 */
export async function startTextMiners(hotkeys: Hotkey[], skills: number[], label: string, host = '127.0.0.2'): Promise<MinerServer[]> {
  const plugin = await loadPlugin('text');
  return Promise.all(
    hotkeys.map((hotkey, i) => {
      const random = randomFrom(`${label}:${i}`);
      return startMinerServer({
        hotkey,
        host,
        routes: {
          '/proctor/v1/text': (body: Json) => {
            const b = body as { task_id?: unknown; kind?: unknown; prompt?: unknown; payload?: Json };
            const task: PublicTask = { id: String(b.task_id), kind: String(b.kind), prompt: String(b.prompt), payload: b.payload ?? null };
            return plugin.definition.miner.answer(task, skills[i], random);
          },
        },
      });
    }),
  );
}

/**
 * A fake node with one subnet (netuid 1, tempo 6, weights rate limit 1, no commit-reveal): the
 * validator with a large stake and a permit, then one miner per server with its axon on
 * `127.0.0.2`, three blocks in and producing blocks on its own.
 *
 * @example
 * ```ts
 * const node = textSubnetNode(validator, minerKeys, await startTextMiners(minerKeys, skills, 'x'));
 * ```
 */
export function textSubnetNode(validator: Hotkey, minerKeys: Hotkey[], miners: MinerServer[]): FakeSubtensor {
  const node = new FakeSubtensor({
    types: subtensorTypes(),
    subnets: [
      {
        netuid: 1,
        tempo: 6,
        weightsRateLimit: 1,
        commitReveal: false,
        neurons: [
          { hotkey: validator.address, alphaStake: 1_000_000_000_000n, permit: true },
          ...minerKeys.map((m, i) => ({ hotkey: m.address, alphaStake: 1_000_000_000n, axon: { host: '127.0.0.2', port: Number(new URL(miners[i].url).port) } })),
        ],
      },
    ],
  });
  node.advance(3);
  node.autoBlocks(100);
  return node;
}

/**
 * `runChainValidator` options for a test against `node`'s subnet 1 over the in-process provider:
 * one pool worker, a 50 ms block poll, seeded, logs dropped unless `overrides` says otherwise.
 *
 * @example
 * ```ts
 * await runChainValidator(fakeChainRun(node, { plugins: [plugin], db, hotkey: validator, rounds: 3, seed: 'x' }));
 * ```
 */
export function fakeChainRun(node: FakeSubtensor, run: Pick<ChainRunOptions, 'plugins' | 'db' | 'hotkey' | 'rounds' | 'seed'> & Partial<ChainRunOptions>): ChainRunOptions {
  return {
    target: { network: 'custom', endpoint: 'in-process://fake' },
    netuid: 1,
    hotkeySource: 'a test',
    epochs: null,
    poolSize: 1,
    evaluatorTimeoutMs: 60_000,
    emaAlpha: 0.1,
    versionKey: null,
    allowPrivateMiners: true,
    provider: new InProcessProvider(node),
    blockPollMs: 50,
    log: () => {},
    ...run,
  };
}
