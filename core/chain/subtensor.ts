/**
 * The subtensor client a validator uses: one snapshot of a subnet at one block (metagraph,
 * weights, bonds, hyperparameters, this hotkey's pending commits), and the four calls it makes
 * (`set_weights`, `commit_weights`, `reveal_weights`, `serve_axon`). Calls are built from the
 * node's own metadata; a runtime that lacks one gives PROCTOR_ERR_CHAIN_UNSUPPORTED.
 */
import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration, SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';
import { proctorError } from '../errors.js';
import type { U16Row } from '../consensus/state.js';
import type { Hotkey } from '../transport/keys.js';
import type { AxonAddress } from './axon.js';
import type { StoredCommit } from './commit-reveal.js';
import { openConnection, withReconnect, type ChainConnection, type ConnectOptions } from './connection.js';
import { readHyperparameters, type Hyperparameters } from './hyperparameters.js';
import { metagraphFromCodec, metagraphFromNeuronsLite, rowsFromEntries, type MetagraphView } from './metagraph.js';
import { submit, type Submission, type SubmitOptions } from './submit.js';

/** Everything a round needs about the subnet, read at one block. */
export interface SubnetSnapshot {
  netuid: number;
  block: number;
  blockHash: string;
  metagraph: MetagraphView;
  hyperparameters: Hyperparameters;
  weights: U16Row[];
  bonds: U16Row[];
  /** `ValidatorTrust` per uid (u16), which the runtime API's metagraph does not carry; zeros where absent. */
  validatorTrust: number[];
  /** This hotkey's uid, or null when it is not registered. */
  uid: number | null;
  /** This hotkey's entries in `WeightCommits`. */
  commits: StoredCommit[];
  /** How reveals are timed on this runtime (§1.2). */
  revealClock: 'epoch' | 'block';
}

export interface WeightsCall {
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  versionKey: bigint;
}

export interface SubtensorClient {
  readonly connection: ChainConnection;
  readonly api: ApiPromise;
  /** `node-subtensor/424` */
  readonly runtime: string;
  readonly genesisHash: string;
  bestBlock(): Promise<{ number: number; hash: string }>;
  snapshot(netuid: number, hotkey: string | null): Promise<SubnetSnapshot>;
  setWeights(hotkey: Hotkey, call: WeightsCall, options?: SubmitOptions): Promise<Submission>;
  commitWeights(hotkey: Hotkey, netuid: number, commitHash: string, options?: SubmitOptions): Promise<Submission>;
  revealWeights(hotkey: Hotkey, call: WeightsCall & { salt: readonly number[] }, options?: SubmitOptions): Promise<Submission>;
  serveAxon(hotkey: Hotkey, netuid: number, axon: AxonAddress & { version: number; protocol: number }, options?: SubmitOptions): Promise<Submission>;
  close(): Promise<void>;
}

type TxModule = Record<string, ((...args: unknown[]) => SubmittableExtrinsic<'promise'>) | undefined>;

/**
 * Connects (with reconnects and backoff, see connection.ts) and returns the client.
 *
 * @example
 * ```ts
 * const chain = await connectSubtensor({ endpoint: resolveNetwork('test').endpoint, log });
 * const snap = await chain.snapshot(1, hotkey.address);
 * console.log(snap.metagraph.neurons.length, snap.hyperparameters.tempo);
 * ```
 */
export async function connectSubtensor(options: ConnectOptions): Promise<SubtensorClient> {
  const connection = await openConnection(options);
  const { api } = connection;
  const version = api.runtimeVersion;
  const runtime = `${version.specName.toString()}/${version.specVersion.toNumber()}`;
  const unsupported = (what: string) => proctorError('PROCTOR_ERR_CHAIN_UNSUPPORTED', { what, runtime });

  const tx = (name: string, args: unknown[]): SubmittableExtrinsic<'promise'> => {
    const fn = (api.tx as unknown as Record<string, TxModule | undefined>).subtensorModule?.[name];
    if (!fn) throw unsupported(`SubtensorModule.${name} call`);
    return fn(...args);
  };

  const readMetagraph = async (at: ApiDecoration<'promise'>, netuid: number, block: number): Promise<MetagraphView | null> => {
    const call = at.call as unknown as Record<string, Record<string, ((...a: unknown[]) => Promise<Codec>) | undefined> | undefined>;
    const getMetagraph = call.subnetInfoRuntimeApi?.getMetagraph;
    if (getMetagraph) {
      const answer = (await getMetagraph(netuid)) as unknown as { isNone: boolean; unwrap(): Codec };
      return answer.isNone ? null : metagraphFromCodec(answer.unwrap());
    }
    const lite = call.neuronInfoRuntimeApi?.getNeuronsLite;
    if (!lite) throw unsupported('SubnetInfoRuntimeApi.get_metagraph or NeuronInfoRuntimeApi.get_neurons_lite');
    return metagraphFromNeuronsLite(netuid, block, await lite(netuid));
  };

  const client: SubtensorClient = {
    connection,
    api,
    runtime,
    genesisHash: api.genesisHash.toHex(),
    async bestBlock() {
      return withReconnect(connection, 'chain_getHeader', async () => {
        const header = await api.rpc.chain.getHeader();
        return { number: header.number.toNumber(), hash: header.hash.toHex() };
      });
    },
    async snapshot(netuid, hotkey) {
      return withReconnect(connection, `snapshot of subnet ${netuid}`, async () => {
        const header = await api.rpc.chain.getHeader();
        const blockHash = header.hash.toHex();
        const block = header.number.toNumber();
        const at = await api.at(blockHash);
        const hyperparameters = await readHyperparameters(at, netuid);
        if (!hyperparameters.exists && !hyperparameters.missing.includes('networksAdded')) throw proctorError('PROCTOR_ERR_CHAIN_SUBNET_MISSING', { netuid });
        const metagraph = await readMetagraph(at, netuid, block);
        if (metagraph === null) throw proctorError('PROCTOR_ERR_CHAIN_SUBNET_MISSING', { netuid });
        const q = (at.query as Record<string, Record<string, { entries(...a: unknown[]): Promise<[{ args: Codec[] }, Codec][]> } & ((...a: unknown[]) => Promise<Codec>)>>).subtensorModule;
        const n = metagraph.neurons.length;
        const [weights, bonds, trust] = await Promise.all([q.weights.entries(netuid), q.bonds.entries(netuid), q.validatorTrust ? q.validatorTrust(netuid) : null]);
        const validatorTrust = metagraph.neurons.map((_, i) => Number((trust as unknown as Codec[] | null)?.[i]?.toString() ?? 0));
        const uid = hotkey === null ? -1 : metagraph.neurons.findIndex((x) => x.hotkey === hotkey);
        let commits: StoredCommit[] = [];
        if (hotkey !== null && q.weightCommits) {
          const stored = (await q.weightCommits(netuid, hotkey)) as unknown as { isSome: boolean; unwrap(): Codec[] };
          if (stored.isSome) {
            commits = [...stored.unwrap()].map((t) => {
              const [hash, a, b, c] = t as unknown as Codec[];
              return { hash: hash.toHex(), fields: [BigInt(a.toString()), BigInt(b.toString()), BigInt(c.toString())] as [bigint, bigint, bigint] };
            });
          }
        }
        return {
          netuid,
          block,
          blockHash,
          metagraph,
          hyperparameters,
          weights: rowsFromEntries(n, weights),
          bonds: rowsFromEntries(n, bonds),
          validatorTrust,
          uid: uid < 0 ? null : uid,
          commits,
          revealClock: hyperparameters.epochIndex === null ? 'block' : 'epoch',
        };
      });
    },
    setWeights(hotkey, c, options) {
      return submit(api, tx('setWeights', [c.netuid, [...c.uids], [...c.values], c.versionKey]), 'set_weights', hotkey, options);
    },
    commitWeights(hotkey, netuid, commitHash, options) {
      return submit(api, tx('commitWeights', [netuid, commitHash]), 'commit_weights', hotkey, options);
    },
    revealWeights(hotkey, c, options) {
      return submit(api, tx('revealWeights', [c.netuid, [...c.uids], [...c.values], [...c.salt], c.versionKey]), 'reveal_weights', hotkey, options);
    },
    serveAxon(hotkey, netuid, a, options) {
      return submit(api, tx('serveAxon', [netuid, a.version, a.ip, a.port, a.ipType, a.protocol, 0, 0]), 'serve_axon', hotkey, options);
    },
    close() {
      return connection.close();
    },
  };
  return client;
}
