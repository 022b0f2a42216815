/**
 * The metagraph as plain data, decoded from what the node returns (spec §4): the runtime API's
 * `Metagraph` struct (or, on runtimes without it, `get_neurons_lite`), with weights and bonds
 * from storage. Every per-uid vector is checked against the uid count; stakes stay bigint (rao).
 */
import type { Codec } from '@polkadot/types/types';
import type { Struct, Vec } from '@polkadot/types';
import { u8aToString } from '@polkadot/util';
import { proctorError } from '../errors.js';
import type { U16Row } from '../consensus/state.js';
import { axonUrl } from './axon.js';

export interface AxonInfo {
  block: number;
  version: number;
  ip: bigint;
  ipType: number;
  port: number;
  protocol: number;
  /** `http://ip:port`, or null when the neuron does not serve. */
  url: string | null;
}

export interface NeuronView {
  uid: number;
  hotkey: string;
  coldkey: string;
  active: boolean;
  validatorPermit: boolean;
  lastUpdate: number;
  blockAtRegistration: number;
  /** rao */
  alphaStake: bigint;
  taoStake: bigint;
  totalStake: bigint;
  emission: bigint;
  /** u16 fractions (÷ 65535) as the chain stores them. */
  incentive: number;
  dividends: number;
  consensus: number;
  trust: number;
  axon: AxonInfo;
}

export interface MetagraphView {
  netuid: number;
  name: string;
  block: number;
  ownerHotkey: string | null;
  neurons: NeuronView[];
  /** Which runtime API it came from. */
  source: 'get_metagraph' | 'get_neurons_lite';
}

function decodeError(problem: string): Error {
  return proctorError('PROCTOR_ERR_CHAIN_DECODE', { what: 'metagraph', problem });
}

function field(s: Struct, name: string): Codec {
  const value = s.get(name);
  if (value === undefined) throw decodeError(`the runtime's Metagraph has no field ${name}`);
  return value;
}

const big = (c: Codec): bigint => BigInt(c.toString());
const num = (c: Codec): number => Number(c.toString());

function perUid(s: Struct, name: string, n: number): Codec[] {
  const list = [...(field(s, name) as Vec<Codec>)];
  if (list.length !== n) throw decodeError(`${name} has ${list.length} entries for ${n} uids`);
  return list;
}

function axon(c: Codec): AxonInfo {
  const s = c as Struct;
  const info = { block: num(field(s, 'block')), version: num(field(s, 'version')), ip: big(field(s, 'ip')), ipType: num(field(s, 'ipType')), port: num(field(s, 'port')), protocol: num(field(s, 'protocol')) };
  return { ...info, url: axonUrl(info) };
}

/** Decodes `SubnetInfoRuntimeApi.get_metagraph`'s `Metagraph`. */
export function metagraphFromCodec(codec: Codec): MetagraphView {
  const s = codec as Struct;
  const n = num(field(s, 'numUids'));
  const hotkeys = perUid(s, 'hotkeys', n).map(String);
  const coldkeys = perUid(s, 'coldkeys', n).map(String);
  const vectors = Object.fromEntries(
    ['active', 'validatorPermit', 'lastUpdate', 'blockAtRegistration', 'alphaStake', 'taoStake', 'totalStake', 'emission', 'incentives', 'dividends', 'consensus', 'trust', 'axons'].map((k) => [k, perUid(s, k, n)]),
  );
  const bytes = (name: string) => u8aToString(Uint8Array.from([...(field(s, name) as Vec<Codec>)].map(num)));
  return {
    netuid: num(field(s, 'netuid')),
    name: bytes('name'),
    block: num(field(s, 'block')),
    ownerHotkey: String(field(s, 'ownerHotkey')),
    source: 'get_metagraph',
    neurons: hotkeys.map((hotkey, uid) => ({
      uid,
      hotkey,
      coldkey: coldkeys[uid],
      active: vectors.active[uid].toJSON() === true,
      validatorPermit: vectors.validatorPermit[uid].toJSON() === true,
      lastUpdate: num(vectors.lastUpdate[uid]),
      blockAtRegistration: num(vectors.blockAtRegistration[uid]),
      alphaStake: big(vectors.alphaStake[uid]),
      taoStake: big(vectors.taoStake[uid]),
      totalStake: big(vectors.totalStake[uid]),
      emission: big(vectors.emission[uid]),
      incentive: num(vectors.incentives[uid]),
      dividends: num(vectors.dividends[uid]),
      consensus: num(vectors.consensus[uid]),
      trust: num(vectors.trust[uid]),
      axon: axon(vectors.axons[uid]),
    })),
  };
}

/** Decodes `NeuronInfoRuntimeApi.get_neurons_lite` (runtimes before `get_metagraph`): stake is one total. */
export function metagraphFromNeuronsLite(netuid: number, block: number, list: Codec): MetagraphView {
  const neurons = [...(list as Vec<Struct>)].map((s) => {
    const stake = [...(field(s, 'stake') as Vec<Codec>)].reduce((acc, pair) => acc + big((pair as unknown as Codec[])[1]), 0n);
    return {
      uid: num(field(s, 'uid')),
      hotkey: String(field(s, 'hotkey')),
      coldkey: String(field(s, 'coldkey')),
      active: field(s, 'active').toJSON() === true,
      validatorPermit: field(s, 'validatorPermit').toJSON() === true,
      lastUpdate: num(field(s, 'lastUpdate')),
      blockAtRegistration: 0,
      alphaStake: stake,
      taoStake: 0n,
      totalStake: stake,
      emission: big(field(s, 'emission')),
      incentive: num(field(s, 'incentive')),
      dividends: num(field(s, 'dividends')),
      consensus: num(field(s, 'consensus')),
      trust: num(field(s, 'trust')),
      axon: axon(field(s, 'axonInfo')),
    };
  });
  neurons.sort((a, b) => a.uid - b.uid);
  neurons.forEach((x, i) => {
    if (x.uid !== i) throw decodeError(`get_neurons_lite skips uid ${i}`);
  });
  return { netuid, name: '', block, ownerHotkey: null, neurons, source: 'get_neurons_lite' };
}

/**
 * Weight or bond rows from `Weights` / `Bonds` storage entries (`[[netuid, uid], Vec<(u16, u16)>]`),
 * one row per uid, in stored order. Entries for uids ≥ n (a shrinking subnet) are dropped.
 */
export function rowsFromEntries(n: number, entries: [{ args: Codec[] }, Codec][]): U16Row[] {
  const rows: U16Row[] = Array.from({ length: n }, () => ({ uids: [], values: [] }));
  for (const [key, value] of entries) {
    const uid = num(key.args[1]);
    if (uid >= n) continue;
    for (const pair of value as Vec<Codec>) {
      const [j, w] = pair as unknown as Codec[];
      rows[uid].uids.push(num(j));
      rows[uid].values.push(num(w));
    }
  }
  return rows;
}
