/**
 * A fake subtensor node for tests: it answers the JSON-RPC methods a node answers
 * (`state_getMetadata` from the real spec-424 file, `chain_getBlockHash`, `state_call`,
 * `author_submitAndWatchExtrinsic`, …) with real SCALE from `chain-types.ts`, verifies every
 * extrinsic's sr25519 signature against the payload a node would rebuild, keeps nonces, rejects
 * at submission in the wording of a node or of chopsticks, and produces blocks with events.
 * `chain-provider.ts` puts it behind a ProviderInterface or a WebSocket.
 */
import type { Extrinsic } from '@polkadot/types/interfaces';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { FakeSubnet, TAO_WEIGHT, type FakeSubnetInit } from './chain-runtime.js';
import { SubtensorTypes } from './chain-types.js';

export interface JsonRpcRequest {
  id: number;
  jsonrpc: '2.0';
  method: string;
  params: unknown[];
}
export interface JsonRpcError {
  code: number;
  message: string;
  data?: string;
}
export type JsonRpcMessage = { id?: number; jsonrpc: '2.0'; result?: unknown; error?: JsonRpcError; method?: string; params?: { subscription: string; result: unknown } };
export type Notify = (message: JsonRpcMessage) => void;

export interface FakeNodeOptions {
  types?: SubtensorTypes;
  /** How a rejected transaction is worded: a substrate node's or chopsticks'. */
  errorFormat?: 'node' | 'chopsticks';
  subnets: FakeSubnetInit[];
  /** Build a block as soon as a transaction arrives (chopsticks' Instant mode). Default true. */
  instant?: boolean;
}

interface Block {
  number: number;
  hash: string;
  header: Record<string, unknown>;
  extrinsics: string[];
  storage: Map<string, string>;
  calls: Map<string, string>;
}

/** One extrinsic the node accepted, decoded, for tests to inspect. */
export interface Received {
  hex: string;
  hash: string;
  signer: string;
  section: string;
  method: string;
  callHex: string;
  nonce: number;
}

class RpcFailure extends Error {
  constructor(readonly error: JsonRpcError) {
    super(error.message);
  }
}

const METHODS = [
  'author_submitAndWatchExtrinsic', 'author_submitExtrinsic', 'author_unwatchExtrinsic', 'chain_getBlock', 'chain_getBlockHash',
  'chain_getFinalizedHead', 'chain_getHeader', 'chain_subscribeNewHeads', 'chain_subscribeFinalizedHeads', 'chain_unsubscribeNewHeads',
  'chain_unsubscribeFinalizedHeads', 'rpc_methods', 'state_call', 'state_getKeysPaged', 'state_getMetadata', 'state_getRuntimeVersion',
  'state_getStorage', 'state_queryStorageAt', 'state_subscribeRuntimeVersion', 'state_unsubscribeRuntimeVersion', 'system_accountNextIndex',
  'system_chain', 'system_health', 'system_name', 'system_properties', 'system_version',
];

/** substrate's wording of the validity errors the fake raises (sp-runtime). */
const NODE_WORDS: Record<string, string> = { stale: 'Transaction is outdated', future: 'Transaction will be valid in the future', badProof: 'Transaction has a bad signature' };

export class FakeSubtensor {
  readonly types: SubtensorTypes;
  readonly subnets = new Map<number, FakeSubnet>();
  readonly received: Received[] = [];
  /** Every RPC method called, in order. */
  readonly calls: string[] = [];
  errorFormat: 'node' | 'chopsticks';
  instant: boolean;
  /** While false, connections are refused (a node that is down). */
  online = true;
  private readonly blocks: Block[] = [];
  private readonly byHash = new Map<string, Block>();
  private readonly nonces = new Map<string, number>();
  private pool: { hex: string; hash: string; signer: string; ext: Extrinsic }[] = [];
  private readonly watchers = new Map<string, { id: string; notify: Notify }>();
  private readonly heads = new Map<string, Notify>();
  private finalizing: { id: string; notify: Notify; block: string }[] = [];
  private nextSub = 1;
  private lastWatch = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(options: FakeNodeOptions) {
    this.types = options.types ?? new SubtensorTypes();
    this.errorFormat = options.errorFormat ?? 'node';
    this.instant = options.instant ?? true;
    for (const s of options.subnets) this.subnets.set(s.netuid, new FakeSubnet(s));
    this.seal(0, '0x' + '00'.repeat(32), []);
  }

  get registry() {
    return this.types.registry;
  }
  get best(): Block {
    return this.blocks[this.blocks.length - 1];
  }
  get genesisHash(): string {
    return this.blocks[0].hash;
  }
  subnet(netuid: number): FakeSubnet {
    const s = this.subnets.get(netuid);
    if (!s) throw new Error(`no subnet ${netuid}`);
    return s;
  }

  /** Builds `count` blocks (applying whatever is in the pool). */
  advance(count = 1): void {
    for (let i = 0; i < count; i++) this.produceBlock();
  }

  /** Builds a block every `ms` until `stop()`. */
  autoBlocks(ms: number): void {
    this.stop();
    this.timer = setInterval(() => this.produceBlock(), ms);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  produceBlock(): void {
    const number = this.best.number + 1;
    for (const s of this.subnets.values()) s.onInitialize(number);
    const included = this.pool;
    this.pool = [];
    const events: { extrinsic: number; event: Uint8Array }[] = [];
    included.forEach((x, index) => {
      this.nonces.set(x.signer, (this.nonces.get(x.signer) ?? 0) + 1);
      const { section, method } = x.ext.method;
      const args = this.args(x.ext);
      const subnet = this.subnets.get(Number(args.netuid));
      let error: string | null = null;
      if (section !== 'subtensorModule') error = 'BadOrigin'; // sudo and the rest are not emulated
      else if (!subnet) error = 'SubnetNotExists';
      else {
        const r = subnet.dispatch(this.types, method, x.signer, args, number);
        if (r.kind === 'ok') r.events.forEach((event) => events.push({ extrinsic: index, event }));
        else if (r.kind === 'failed') error = r.error;
      }
      events.push({ extrinsic: index, event: this.types.outcomeEvent(error === null ? null : error === 'BadOrigin' ? 'BadOrigin' : { pallet: 'SubtensorModule', name: error }) });
    });
    const block = this.seal(number, this.best.hash, included.map((x) => x.hex), events);
    // Finality lags one block, as on a real chain (an instant `finalized` would race `inBlock`).
    for (const f of this.finalizing) f.notify(this.note('author_extrinsicUpdate', f.id, { finalized: f.block }));
    this.finalizing = [];
    for (const x of included) {
      const w = this.watchers.get(x.hash);
      if (!w) continue;
      this.watchers.delete(x.hash);
      w.notify(this.note('author_extrinsicUpdate', w.id, { inBlock: block.hash }));
      this.finalizing.push({ ...w, block: block.hash });
    }
    for (const [id, notify] of this.heads) notify(this.note('chain_newHead', id, block.header));
  }

  private seal(number: number, parentHash: string, extrinsics: string[], events: { extrinsic: number; event: Uint8Array }[] = []): Block {
    const t = this.types;
    const storage = new Map<string, string>();
    storage.set(t.key('system', 'number'), t.value('system', 'number', number));
    storage.set(t.key('system', 'events'), t.eventRecords(events));
    storage.set(t.key('subtensorModule', 'taoWeight'), t.value('subtensorModule', 'taoWeight', TAO_WEIGHT));
    const calls = new Map<string, string>();
    for (const s of this.subnets.values()) {
      s.writeStorage(t, number, storage);
      if (s.stakeThreshold > 0n) storage.set(t.key('subtensorModule', 'stakeThreshold'), t.value('subtensorModule', 'stakeThreshold', s.stakeThreshold));
      calls.set(`SubnetInfoRuntimeApi_get_metagraph:${u8aToHex(t.registry.createType('u16', s.netuid).toU8a())}`, s.metagraph(t, number));
    }
    const header = t.registry.createType('Header', {
      parentHash,
      number,
      stateRoot: blake2AsHex(JSON.stringify([...storage])),
      extrinsicsRoot: blake2AsHex(extrinsics.join('')),
      digest: { logs: [] },
    });
    const block: Block = { number, hash: header.hash.toHex(), header: header.toJSON() as Record<string, unknown>, extrinsics, storage, calls };
    this.blocks.push(block);
    this.byHash.set(block.hash, block);
    return block;
  }

  private note(method: string, subscription: string, result: unknown): JsonRpcMessage {
    return { jsonrpc: '2.0', method, params: { subscription, result } };
  }

  private at(hash: unknown): Block {
    if (hash === undefined || hash === null) return this.best;
    const block = this.byHash.get(String(hash));
    if (!block) throw new RpcFailure({ code: 4003, message: `Client error: UnknownBlock: State already discarded for ${String(hash)}` });
    return block;
  }

  /** The call's arguments by their metadata names, as primitives. */
  args(ext: Extrinsic): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    ext.method.meta.fields.forEach((f, k) => {
      const value = ext.method.args[k];
      out[f.name.unwrap().toString()] = /^(Compact<)?u(64|128)>?$/.test(value.toRawType()) ? BigInt(value.toString()) : value.toJSON();
    });
    return out;
  }

  private invalid(kind: string, custom?: number): RpcFailure {
    if (this.errorFormat === 'chopsticks') {
      return new RpcFailure({ code: 1010, message: JSON.stringify({ invalid: { [kind]: custom ?? null } }) });
    }
    return new RpcFailure({ code: 1010, message: 'Invalid Transaction', data: kind === 'custom' ? `Custom error: ${custom}` : NODE_WORDS[kind] });
  }

  /** Validates like a node's pool: decode, signature over the rebuilt payload, nonce, subtensor's pre-checks. */
  private submit(hex: string, watch?: Notify): string {
    let ext: Extrinsic;
    try {
      ext = this.registry.createType('Extrinsic', hex);
    } catch (err) {
      throw new RpcFailure({ code: 1001, message: 'Extrinsic has invalid format', data: (err as Error).message.slice(0, 100) });
    }
    if (!ext.isSigned) throw this.invalid('badProof');
    const signer = ext.signer.toString();
    // Everything that decodes is logged, refused or not, so tests can read the bytes sent.
    this.received.push({ hex, hash: ext.hash.toHex(), signer, section: ext.method.section, method: ext.method.method, callHex: ext.method.toHex(), nonce: ext.nonce.toNumber() });
    const era = ext.era;
    const birth = era.isMortalEra ? this.blocks[era.asMortalEra.birth(this.best.number)] : this.blocks[0];
    if (!birth) throw this.invalid('badProof');
    const payload = this.registry.createType(
      'ExtrinsicPayload',
      {
        method: ext.method.toHex(),
        era,
        nonce: ext.nonce,
        tip: ext.tip,
        mode: (ext as unknown as { mode?: unknown }).mode ?? 0,
        specVersion: this.types.runtimeVersion.specVersion,
        transactionVersion: this.types.runtimeVersion.transactionVersion,
        genesisHash: this.genesisHash,
        blockHash: birth.hash,
        metadataHash: null,
      },
      { version: ext.version & 0x7f },
    );
    const bytes = payload.toU8a({ method: true });
    const message = bytes.length > 256 ? blake2AsU8a(bytes, 256) : bytes;
    if (!signatureVerify(message, ext.signature.toU8a(), signer).isValid) throw this.invalid('badProof');
    const expected = (this.nonces.get(signer) ?? 0) + this.pool.filter((x) => x.signer === signer).length;
    const nonce = ext.nonce.toNumber();
    if (nonce < expected) throw this.invalid('stale');
    if (nonce > expected) throw this.invalid('future');
    const args = this.args(ext);
    const subnet = this.subnets.get(Number(args.netuid));
    if (ext.method.section === 'subtensorModule') {
      if (!subnet) throw this.invalid('custom', 3);
      const check = subnet.poolCheck(ext.method.method, signer, args, this.best.number + 1);
      if (check?.kind === 'rejected') throw this.invalid('custom', check.custom);
    }
    const hash = ext.hash.toHex();
    this.pool.push({ hex, hash, signer, ext });
    if (watch) {
      // A node reports `ready` before `inBlock`; the API switches to each newer status.
      const id = String(this.nextSub++);
      this.watchers.set(hash, { id, notify: watch });
      watch(this.note('author_extrinsicUpdate', id, 'ready'));
      this.lastWatch = id;
    }
    if (this.instant) setImmediate(() => this.produceBlock());
    return hash;
  }

  /** Runtime APIs answered from live state rather than per block: metadata versions, account nonces. */
  private runtimeCall(method: string, data: string): string | undefined {
    const r = this.registry;
    if (method === 'Metadata_metadata_versions') return r.createType('Vec<u32>', [this.types.metadata.version]).toHex();
    if (method === 'Metadata_metadata_at_version') {
      const version = r.createType('u32', data).toNumber();
      return u8aToHex(r.createType('Option<Bytes>', version === this.types.metadata.version ? this.types.metadataHex : null).toU8a());
    }
    if (method === 'AccountNonceApi_account_nonce') {
      const who = r.createType('AccountId32', data).toString();
      return r.createType('u32', this.nonces.get(who) ?? 0).toHex(true);
    }
    return undefined;
  }

  /** One JSON-RPC request; subscriptions report later through `notify`. */
  handle(request: JsonRpcRequest, notify: Notify): JsonRpcMessage {
    this.calls.push(request.method);
    try {
      return { id: request.id, jsonrpc: '2.0', result: this.dispatch(request.method, request.params ?? [], notify) };
    } catch (err) {
      const error = err instanceof RpcFailure ? err.error : { code: -32603, message: `Internal error: ${(err as Error).message}` };
      return { id: request.id, jsonrpc: '2.0', error };
    }
  }

  private dispatch(method: string, p: unknown[], notify: Notify): unknown {
    const t = this.types;
    switch (method) {
      case 'rpc_methods':
        return { version: 1, methods: METHODS };
      case 'system_chain':
        return 'Bittensor (Proctor test node)';
      case 'system_name':
        return 'proctor-fake-subtensor';
      case 'system_version':
        return '0.0.0';
      case 'system_properties':
        return { ss58Format: 42, tokenDecimals: [9], tokenSymbol: ['TAO'] };
      case 'system_health':
        return { peers: 0, isSyncing: false, shouldHavePeers: false };
      case 'system_accountNextIndex':
        return this.nonces.get(String(p[0])) ?? 0;
      case 'chain_getBlockHash':
        return p[0] === undefined || p[0] === null ? this.best.hash : (this.blocks[Number(p[0])]?.hash ?? null);
      case 'chain_getFinalizedHead':
        return this.best.hash;
      case 'chain_getHeader':
        return this.at(p[0]).header;
      case 'chain_getBlock': {
        const b = this.at(p[0]);
        return { block: { header: b.header, extrinsics: b.extrinsics }, justifications: null };
      }
      case 'state_getRuntimeVersion':
        this.at(p[0]);
        return t.runtimeVersion.toJSON();
      case 'state_getMetadata':
        return t.metadataHex;
      case 'state_getStorage':
        return this.at(p[1]).storage.get(String(p[0])) ?? null;
      case 'state_queryStorageAt': {
        const b = this.at(p[1]);
        return [{ block: b.hash, changes: (p[0] as string[]).map((k) => [k, b.storage.get(k) ?? null]) }];
      }
      case 'state_getKeysPaged': {
        const [prefix, count, start] = p as [string, number, string | null];
        const keys = [...this.at(p[3]).storage.keys()].filter((k) => k.startsWith(prefix) && (!start || k > start)).sort();
        return keys.slice(0, count);
      }
      case 'state_call': {
        const answer = this.at(p[2]).calls.get(`${String(p[0])}:${String(p[1])}`) ?? this.runtimeCall(String(p[0]), String(p[1]));
        if (answer === undefined) throw new RpcFailure({ code: 4003, message: `Client error: Execution failed: Other: Exported method ${String(p[0])} is not found` });
        return answer;
      }
      case 'author_submitExtrinsic':
        return this.submit(String(p[0]));
      case 'author_submitAndWatchExtrinsic': {
        this.submit(String(p[0]), notify);
        return this.lastWatch;
      }
      case 'state_subscribeRuntimeVersion': {
        const id = String(this.nextSub++);
        setImmediate(() => notify(this.note('state_runtimeVersion', id, t.runtimeVersion.toJSON())));
        return id;
      }
      case 'chain_subscribeNewHeads':
      case 'chain_subscribeFinalizedHeads': {
        const id = String(this.nextSub++);
        this.heads.set(id, notify);
        const header = this.best.header;
        setImmediate(() => notify(this.note(method === 'chain_subscribeNewHeads' ? 'chain_newHead' : 'chain_finalizedHead', id, header)));
        return id;
      }
      case 'chain_unsubscribeNewHeads':
      case 'chain_unsubscribeFinalizedHeads':
        this.heads.delete(String(p[0]));
        return true;
      case 'author_unwatchExtrinsic':
      case 'state_unsubscribeRuntimeVersion':
        return true;
      default:
        throw new RpcFailure({ code: -32601, message: 'Method not found' });
    }
  }
}
