/**
 * The part of subtensor's runtime the fake node emulates, for one subnet: registration state,
 * `set_weights`, hash `commit_weights` / `reveal_weights`, `serve_axon`, the pool pre-checks that
 * reject at submission (`InvalidTransaction::Custom(n)`), the dispatch checks that fail after
 * inclusion (module errors by name), and an epoch every `tempo + 1` blocks that runs Proctor's
 * port of Yuma. Rules follow ../shared/specs/chain.md §1.2, §1.4 and §2 (spec 424).
 */
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { commitHash } from '../core/chain/commit-reveal.js';
import { axonAddress } from '../core/chain/axon.js';
import { buildState } from '../core/consensus/input.js';
import { runEpoch } from '../core/consensus/epoch.js';
import { epochOutput } from '../core/consensus/emission.js';
import { chainMaxUpscale } from '../core/consensus/weights.js';
import type { SubtensorTypes } from './chain-types.js';

export interface FakeNeuronInit {
  hotkey: string;
  coldkey?: string;
  alphaStake?: bigint;
  taoStake?: bigint;
  permit?: boolean;
  axon?: { host: string; port: number } | null;
}

export interface FakeSubnetInit {
  netuid: number;
  name?: string;
  tempo?: number;
  weightsRateLimit?: number;
  minAllowedWeights?: number;
  maxWeightsLimit?: number;
  versionKey?: bigint;
  commitReveal?: boolean;
  revealPeriod?: number;
  servingRateLimit?: number;
  maxValidators?: number;
  yuma3?: boolean;
  ownerHotkey?: string;
  stakeThreshold?: bigint;
  neurons: FakeNeuronInit[];
}

interface Neuron {
  hotkey: string;
  coldkey: string;
  alphaStake: bigint;
  taoStake: bigint;
  permit: boolean;
  registeredAt: number;
  axon: { block: bigint; version: number; ip: bigint; port: number; ipType: number; protocol: number } | null;
}

/** A pool rejection (`Custom(n)`), a dispatch failure by error name, or success with events. */
export type CallResult = { kind: 'rejected'; custom: number } | { kind: 'failed'; error: string } | { kind: 'ok'; events: Uint8Array[] };

type Commit = [string, bigint, bigint, bigint];

/** The runtime's initial `TaoWeight` (≈ 0.18 of u64::MAX), the fake's only value. */
export const TAO_WEIGHT = 0x0d7c3cfa3ee062fcn;

export class FakeSubnet {
  readonly netuid: number;
  name: string;
  tempo: number;
  weightsRateLimit: number;
  minAllowedWeights: number;
  maxWeightsLimit: number;
  versionKey: bigint;
  commitReveal: boolean;
  revealPeriod: bigint;
  servingRateLimit: number;
  maxValidators: number;
  yuma3: boolean;
  stakeThreshold: bigint;
  ownerHotkey: string;
  epochIndex = 0n;
  lastStep = 0;
  neurons: Neuron[];
  weights = new Map<number, [number, number][]>();
  bonds = new Map<number, [number, number][]>();
  lastUpdate: bigint[];
  commits = new Map<string, Commit[]>();
  incentive: number[];
  dividends: number[];
  consensus: number[];
  validatorTrust: number[];
  emission: bigint[];

  constructor(init: FakeSubnetInit) {
    this.netuid = init.netuid;
    this.name = init.name ?? `proctor-${init.netuid}`;
    this.tempo = init.tempo ?? 10;
    this.weightsRateLimit = init.weightsRateLimit ?? 5;
    this.minAllowedWeights = init.minAllowedWeights ?? 1;
    this.maxWeightsLimit = init.maxWeightsLimit ?? 65535;
    this.versionKey = init.versionKey ?? 0n;
    this.commitReveal = init.commitReveal ?? false;
    this.revealPeriod = BigInt(init.revealPeriod ?? 1);
    this.servingRateLimit = init.servingRateLimit ?? 0;
    this.maxValidators = init.maxValidators ?? 64;
    this.yuma3 = init.yuma3 ?? true;
    this.stakeThreshold = init.stakeThreshold ?? 0n;
    this.neurons = init.neurons.map((n) => ({
      hotkey: n.hotkey,
      coldkey: n.coldkey ?? n.hotkey,
      alphaStake: n.alphaStake ?? 0n,
      taoStake: n.taoStake ?? 0n,
      permit: n.permit ?? false,
      registeredAt: 0,
      axon: n.axon ? { block: 0n, version: 1, protocol: 4, ...this.axonFields(n.axon.host, n.axon.port) } : null,
    }));
    this.ownerHotkey = init.ownerHotkey ?? this.neurons[0]?.hotkey ?? '';
    const n = this.neurons.length;
    this.lastUpdate = new Array<bigint>(n).fill(0n);
    this.incentive = new Array<number>(n).fill(0);
    this.dividends = new Array<number>(n).fill(0);
    this.consensus = new Array<number>(n).fill(0);
    this.validatorTrust = new Array<number>(n).fill(0);
    this.emission = new Array<bigint>(n).fill(0n);
  }

  private axonFields(host: string, port: number) {
    const a = axonAddress(host, port);
    return { ip: a.ip, port: a.port, ipType: a.ipType };
  }

  uidOf(hotkey: string): number | null {
    const uid = this.neurons.findIndex((x) => x.hotkey === hotkey);
    return uid < 0 ? null : uid;
  }

  private rateLimited(uid: number, block: number): boolean {
    const last = this.lastUpdate[uid];
    return last !== 0n && BigInt(block) - last < BigInt(this.weightsRateLimit);
  }

  /** What `SubtensorTransactionExtension` refuses before inclusion (spec §2, "pool-level pre-checks"). */
  poolCheck(call: string, who: string, args: Record<string, unknown>, block: number): CallResult | null {
    const uid = this.uidOf(who);
    if (call === 'setWeights' || call === 'commitWeights') {
      if (uid === null) return { kind: 'rejected', custom: 19 };
      if (!this.isOwner(who) && this.stakeOf(uid) < this.stakeThreshold) return { kind: 'rejected', custom: 1 };
      if ((call === 'commitWeights' || !this.commitReveal) && this.rateLimited(uid, block)) return { kind: 'rejected', custom: 6 };
    }
    if (call === 'revealWeights') {
      const queue = this.commits.get(who) ?? [];
      if (queue.length === 0) return { kind: 'rejected', custom: 16 };
      if (queue.every(([, epoch]) => this.epochIndex < epoch + this.revealPeriod)) return { kind: 'rejected', custom: 17 };
    }
    if (call === 'serveAxon') {
      if (uid === null) return { kind: 'rejected', custom: 10 };
      const prev = this.neurons[uid].axon;
      if (this.servingRateLimit > 0 && prev && prev.block > 0n && BigInt(block) - prev.block < BigInt(this.servingRateLimit)) return { kind: 'rejected', custom: 12 };
    }
    return null;
  }

  private isOwner(hotkey: string): boolean {
    return hotkey === this.ownerHotkey;
  }

  private stakeOf(uid: number): bigint {
    return this.neurons[uid].alphaStake + (this.neurons[uid].taoStake * TAO_WEIGHT) / (1n << 64n);
  }

  /** `internal_set_weights`: the dispatch checks in the chain's order, then the row stored max-upscaled. */
  private applyWeights(who: string, uids: number[], values: number[], versionKey: bigint, block: number, checkRate: boolean): CallResult {
    if (this.netuid === 0) return { kind: 'failed', error: 'CanNotSetRootNetworkWeights' };
    if (uids.length !== values.length) return { kind: 'failed', error: 'WeightVecNotEqualSize' };
    if (uids.length > this.neurons.length) return { kind: 'failed', error: 'UidsLengthExceedUidsInSubNet' };
    const uid = this.uidOf(who);
    if (uid === null) return { kind: 'failed', error: 'HotKeyNotRegisteredInSubNet' };
    const owner = this.isOwner(who);
    if (!owner && this.stakeOf(uid) < this.stakeThreshold) return { kind: 'failed', error: 'NotEnoughStakeToSetWeights' };
    if (this.versionKey !== 0n && versionKey < this.versionKey) return { kind: 'failed', error: 'IncorrectWeightVersionKey' };
    if (checkRate && this.rateLimited(uid, block)) return { kind: 'failed', error: 'SettingWeightsTooFast' };
    const selfWeight = uids.length === 1 && uids[0] === uid;
    if (!selfWeight && !owner && !this.neurons[uid].permit) return { kind: 'failed', error: 'NeuronNoValidatorPermit' };
    if (new Set(uids).size !== uids.length) return { kind: 'failed', error: 'DuplicateUids' };
    if (uids.some((u) => u >= this.neurons.length)) return { kind: 'failed', error: 'UidVecContainInvalidOne' };
    if (!selfWeight && uids.length < Math.min(this.neurons.length, this.minAllowedWeights)) return { kind: 'failed', error: 'WeightVecLengthIsLow' };
    const stored = chainMaxUpscale(values);
    if (!selfWeight && this.maxWeightsLimit !== 65535) {
      const total = stored.reduce((a, b) => a + b, 0);
      if (total > 0 && Math.max(...stored) / total > this.maxWeightsLimit / 65535) return { kind: 'failed', error: 'MaxWeightExceeded' };
    }
    this.weights.set(uid, uids.map((u, k) => [u, stored[k]]));
    if (checkRate) this.lastUpdate[uid] = BigInt(block);
    return { kind: 'ok', events: [] };
  }

  /** Dispatches one SubtensorModule call signed by `who`; `types` encodes its events. */
  dispatch(types: SubtensorTypes, call: string, who: string, args: Record<string, unknown>, block: number): CallResult {
    const list = (x: unknown) => (x as number[]).map(Number);
    if (call === 'setWeights') {
      if (this.commitReveal) return { kind: 'failed', error: 'CommitRevealEnabled' };
      const r = this.applyWeights(who, list(args.dests), list(args.weights), BigInt(args.version_key as bigint), block, true);
      if (r.kind === 'ok') r.events.push(types.event('SubtensorModule', 'WeightsSet', [this.netuid, this.uidOf(who)]));
      return r;
    }
    if (call === 'commitWeights') {
      if (!this.commitReveal) return { kind: 'failed', error: 'CommitRevealDisabled' };
      const uid = this.uidOf(who);
      if (uid === null) return { kind: 'failed', error: 'HotKeyNotRegisteredInSubNet' };
      if (this.rateLimited(uid, block)) return { kind: 'failed', error: 'CommittingWeightsTooFast' };
      // Expired commits leave the queue when a new one arrives (until then a reveal gets ExpiredWeightCommit).
      const queue = (this.commits.get(who) ?? []).filter(([, epoch]) => epoch + this.revealPeriod >= this.epochIndex);
      if (queue.length >= 10) return { kind: 'failed', error: 'TooManyUnrevealedCommits' };
      queue.push([String(args.commit_hash), this.epochIndex, BigInt(block), 0n]);
      this.commits.set(who, queue);
      this.lastUpdate[uid] = BigInt(block);
      return { kind: 'ok', events: [types.event('SubtensorModule', 'WeightsCommitted', [who, this.netuid, args.commit_hash])] };
    }
    if (call === 'revealWeights') {
      if (!this.commitReveal) return { kind: 'failed', error: 'CommitRevealDisabled' };
      const queue = this.commits.get(who) ?? [];
      if (queue.length === 0) return { kind: 'failed', error: 'NoWeightsCommitFound' };
      const hash = commitHash({
        hotkey: decodeAddress(who),
        netuidIndex: this.netuid,
        uids: list(args.uids),
        values: list(args.values),
        salt: list(args.salt),
        versionKey: BigInt(args.version_key as bigint),
      });
      const at = queue.findIndex(([h]) => h === hash);
      if (at < 0) return { kind: 'failed', error: 'InvalidRevealCommitHashNotMatch' };
      const target = queue[at][1] + this.revealPeriod;
      if (this.epochIndex < target) return { kind: 'failed', error: 'RevealTooEarly' };
      if (this.epochIndex > target) return { kind: 'failed', error: 'ExpiredWeightCommit' };
      const r = this.applyWeights(who, list(args.uids), list(args.values), BigInt(args.version_key as bigint), block, false);
      if (r.kind !== 'ok') return r;
      queue.splice(at, 1);
      if (queue.length === 0) this.commits.delete(who);
      r.events.push(types.event('SubtensorModule', 'WeightsSet', [this.netuid, this.uidOf(who)]));
      r.events.push(types.event('SubtensorModule', 'WeightsRevealed', [who, this.netuid, hash]));
      return r;
    }
    if (call === 'serveAxon') {
      const uid = this.uidOf(who);
      if (uid === null) return { kind: 'failed', error: 'HotKeyNotRegisteredInNetwork' };
      const ipType = Number(args.ip_type);
      const ip = BigInt(args.ip as bigint);
      if (ipType !== 4 && ipType !== 6) return { kind: 'failed', error: 'InvalidIpType' };
      if ((ipType === 4 && (ip >= 0xffffffffn || ip === 0x7f000001n)) || (ipType === 6 && (ip === 1n || ip === (1n << 128n) - 1n))) return { kind: 'failed', error: 'InvalidIpAddress' };
      if (Number(args.port) === 0) return { kind: 'failed', error: 'InvalidPort' };
      this.neurons[uid].axon = { block: BigInt(block), version: Number(args.version), ip, port: Number(args.port), ipType, protocol: Number(args.protocol) };
      return { kind: 'ok', events: [types.event('SubtensorModule', 'AxonServed', [this.netuid, who])] };
    }
    if (call === 'burnedRegister') {
      const hotkey = String(args.hotkey);
      if (this.uidOf(hotkey) !== null) return { kind: 'failed', error: 'HotKeyAlreadyRegisteredInSubNet' };
      this.neurons.push({ hotkey, coldkey: who, alphaStake: 0n, taoStake: 0n, permit: false, registeredAt: block, axon: null });
      for (const v of [this.incentive, this.dividends, this.consensus, this.validatorTrust]) v.push(0);
      this.lastUpdate.push(0n);
      this.emission.push(0n);
      return { kind: 'ok', events: [types.event('SubtensorModule', 'NeuronRegistered', [this.netuid, this.neurons.length - 1, hotkey])] };
    }
    if (call === 'addStake') {
      const uid = this.uidOf(String(args.hotkey));
      if (uid === null) return { kind: 'failed', error: 'HotKeyAccountNotExists' };
      this.neurons[uid].alphaStake += BigInt(args.amount_staked as bigint);
      return { kind: 'ok', events: [] };
    }
    return { kind: 'failed', error: 'BadOrigin' }; // not emulated
  }

  /** `on_initialize`: the epoch fires when (block + netuid + 1) % (tempo + 1) == 0. Returns whether it did. */
  onInitialize(block: number): boolean {
    if ((block + this.netuid + 1) % (this.tempo + 1) !== 0) return false;
    this.epochIndex += 1n;
    this.lastStep = block;
    const n = this.neurons.length;
    const rows = (m: Map<number, [number, number][]>) => Array.from({ length: n }, (_, i) => m.get(i) ?? []);
    const state = buildState(
      {
        n,
        alpha_stake: this.neurons.map((x) => Number(x.alphaStake)),
        tao_stake: this.neurons.map((x) => Number(x.taoStake)),
        tao_weight_u64: TAO_WEIGHT.toString(),
        validator_permits: this.neurons.map((x) => x.permit),
        max_allowed_validators: this.maxValidators,
        current_block: block,
        tempo: this.tempo,
        last_update: this.lastUpdate.map(Number),
        weights: rows(this.weights),
        bonds: rows(this.bonds),
        yuma3: this.yuma3,
      },
      '$',
      'float',
    );
    const result = runEpoch(state);
    const out = epochOutput(result);
    this.incentive = out.incentive_u16;
    this.dividends = out.dividends_u16;
    this.consensus = out.consensus_u16;
    this.validatorTrust = out.validator_trust_u16;
    this.emission = out.emission.map((e) => BigInt(Math.round(e)));
    result.carry.validatorPermits.forEach((p, i) => (this.neurons[i].permit = p));
    result.carry.bonds.forEach((row, i) => this.bonds.set(i, row.uids.map((u, k) => [u, row.values[k]])));
    return true;
  }

  /** Writes this subnet's storage items, SCALE-encoded with their metadata types, into `out`. */
  writeStorage(t: SubtensorTypes, block: number, out: Map<string, string>): void {
    const id = this.netuid;
    const n = this.neurons.length;
    const put = (item: string, keys: unknown[], value: unknown) => out.set(t.key('subtensorModule', item, ...keys), t.value('subtensorModule', item, value));
    put('networksAdded', [id], true);
    put('subnetworkN', [id], n);
    put('tempo', [id], this.tempo);
    put('weightsSetRateLimit', [id], this.weightsRateLimit);
    put('minAllowedWeights', [id], this.minAllowedWeights);
    put('maxWeightsLimit', [id], this.maxWeightsLimit);
    put('weightsVersionKey', [id], this.versionKey);
    put('commitRevealWeightsEnabled', [id], this.commitReveal);
    put('revealPeriodEpochs', [id], this.revealPeriod);
    put('maxAllowedValidators', [id], this.maxValidators);
    put('servingRateLimit', [id], this.servingRateLimit);
    put('yuma3On', [id], this.yuma3);
    put('subnetEpochIndex', [id], this.epochIndex);
    put('blocksSinceLastStep', [id], block - this.lastStep);
    put('lastMechansimStepBlock', [id], this.lastStep);
    put('subnetOwnerHotkey', [id], this.ownerHotkey);
    put('lastUpdate', [id], this.lastUpdate);
    put('validatorPermit', [id], this.neurons.map((x) => x.permit));
    put('incentive', [id], this.incentive);
    put('dividends', [id], this.dividends);
    put('validatorTrust', [id], this.validatorTrust);
    this.neurons.forEach((x, uid) => {
      put('keys', [id, uid], x.hotkey);
      put('uids', [id, x.hotkey], uid);
      if (x.axon) put('axons', [id, x.hotkey], { ...x.axon, placeholder1: 0, placeholder2: 0 });
      const w = this.weights.get(uid);
      if (w) put('weights', [id, uid], w);
      const b = this.bonds.get(uid);
      if (b && b.length > 0) put('bonds', [id, uid], b);
    });
    for (const [who, queue] of this.commits) put('weightCommits', [id, who], queue);
  }

  /** `SubnetInfoRuntimeApi_get_metagraph`: `Option<Metagraph>` built with the runtime's own type. */
  metagraph(t: SubtensorTypes, block: number): string {
    const n = this.neurons.length;
    const bytes = (s: string) => [...new TextEncoder().encode(s)];
    const axon = (x: Neuron) => ({ ...(x.axon ?? { block: 0n, version: 0, ip: 0n, port: 0, ipType: 0, protocol: 0 }), placeholder1: 0, placeholder2: 0 });
    const value = t.registry.createType('Option<PalletSubtensorRpcInfoMetagraph>', {
      netuid: this.netuid,
      name: bytes(this.name),
      symbol: bytes('α'),
      ownerHotkey: this.ownerHotkey,
      ownerColdkey: this.neurons[this.uidOf(this.ownerHotkey) ?? 0]?.coldkey ?? this.ownerHotkey,
      block,
      tempo: this.tempo,
      lastStep: this.lastStep,
      blocksSinceLastStep: block - this.lastStep,
      kappa: 32767,
      minAllowedWeights: this.minAllowedWeights,
      maxWeightsLimit: this.maxWeightsLimit,
      weightsVersion: this.versionKey,
      weightsRateLimit: this.weightsRateLimit,
      activityCutoff: 5000,
      maxValidators: this.maxValidators,
      numUids: n,
      maxUids: 256,
      servingRateLimit: this.servingRateLimit,
      commitRevealWeightsEnabled: this.commitReveal,
      commitRevealPeriod: this.revealPeriod,
      alphaHigh: 58982,
      alphaLow: 45875,
      bondsMovingAvg: 900000,
      hotkeys: this.neurons.map((x) => x.hotkey),
      coldkeys: this.neurons.map((x) => x.coldkey),
      identities: this.neurons.map(() => null),
      axons: this.neurons.map(axon),
      active: this.neurons.map(() => true),
      validatorPermit: this.neurons.map((x) => x.permit),
      pruningScore: this.neurons.map(() => 0),
      lastUpdate: this.lastUpdate,
      emission: this.emission,
      dividends: this.dividends,
      incentives: this.incentive,
      consensus: this.consensus,
      trust: this.neurons.map(() => 0),
      rank: this.neurons.map(() => 0),
      blockAtRegistration: this.neurons.map((x) => x.registeredAt),
      alphaStake: this.neurons.map((x) => x.alphaStake),
      taoStake: this.neurons.map((x) => x.taoStake),
      totalStake: this.neurons.map((x) => x.alphaStake + (x.taoStake * TAO_WEIGHT) / (1n << 64n)),
      taoDividendsPerHotkey: [],
      alphaDividendsPerHotkey: [],
    });
    // Option#toHex() drops the Some byte; toU8a() keeps it (spec §5.3).
    return u8aToHex(value.toU8a());
  }
}
