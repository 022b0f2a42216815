/**
 * The subnet hyperparameters a validator needs, read from storage in one `state_queryStorageAt`
 * at one block. Items the runtime lacks (older or newer than spec 424) take the runtime's default
 * and are listed in `missing`, so a changed runtime degrades visibly instead of failing.
 */
import type { ApiDecoration } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';

export interface Hyperparameters {
  tempo: number;
  weightsRateLimit: number;
  minAllowedWeights: number;
  /** u16; 65535 = no limit. */
  maxWeightsLimit: number;
  weightsVersionKey: bigint;
  commitRevealEnabled: boolean;
  revealPeriodEpochs: bigint;
  kappa: number;
  bondsMovingAverage: number;
  bondsPenalty: number;
  liquidAlpha: boolean;
  alphaLow: number;
  alphaHigh: number;
  alphaSigmoidSteepness: number;
  yuma3: boolean;
  activityCutoff: number;
  /** Current runtimes derive the cutoff from the tempo with this factor; null where the runtime has none. */
  activityCutoffFactorMilli: number | null;
  maxAllowedValidators: number;
  immunityPeriod: number;
  servingRateLimit: number;
  /** `SubnetEpochIndex`; null on runtimes that time reveals by block. */
  epochIndex: bigint | null;
  blocksSinceLastStep: number;
  lastStepBlock: number;
  ownerHotkey: string | null;
  /** Fraction of u64::MAX. */
  taoWeight: bigint;
  stakeThreshold: bigint;
  exists: boolean;
  /** Storage items this runtime does not have (their defaults were used). */
  missing: string[];
}

type Kind = 'num' | 'big' | 'bool' | 'pair' | 'account';

/** [storage item, field, kind, default, per-subnet?] — defaults are the runtime's (spec §4.1, yuma.md §6). */
const ITEMS: [string, keyof Hyperparameters | 'alphaValues', Kind, unknown, boolean][] = [
  ['networksAdded', 'exists', 'bool', false, true],
  ['tempo', 'tempo', 'num', 360, true],
  ['weightsSetRateLimit', 'weightsRateLimit', 'num', 100, true],
  ['minAllowedWeights', 'minAllowedWeights', 'num', 1024, true],
  ['maxWeightsLimit', 'maxWeightsLimit', 'num', 65535, true],
  ['weightsVersionKey', 'weightsVersionKey', 'big', 0n, true],
  ['commitRevealWeightsEnabled', 'commitRevealEnabled', 'bool', false, true],
  ['revealPeriodEpochs', 'revealPeriodEpochs', 'big', 1n, true],
  ['kappa', 'kappa', 'num', 32767, true],
  ['bondsMovingAverage', 'bondsMovingAverage', 'num', 900000, true],
  ['bondsPenalty', 'bondsPenalty', 'num', 65535, true],
  ['liquidAlphaOn', 'liquidAlpha', 'bool', false, true],
  ['alphaValues', 'alphaValues', 'pair', [45875, 58982], true],
  ['alphaSigmoidSteepness', 'alphaSigmoidSteepness', 'num', 1000, true],
  ['yuma3On', 'yuma3', 'bool', false, true],
  ['activityCutoff', 'activityCutoff', 'num', 5000, true],
  ['activityCutoffFactorMilli', 'activityCutoffFactorMilli', 'num', null, true],
  ['maxAllowedValidators', 'maxAllowedValidators', 'num', 128, true],
  ['immunityPeriod', 'immunityPeriod', 'num', 4096, true],
  ['servingRateLimit', 'servingRateLimit', 'num', 50, true],
  ['subnetEpochIndex', 'epochIndex', 'big', null, true],
  ['blocksSinceLastStep', 'blocksSinceLastStep', 'num', 0, true],
  ['lastMechansimStepBlock', 'lastStepBlock', 'num', 0, true],
  ['subnetOwnerHotkey', 'ownerHotkey', 'account', null, true],
  ['taoWeight', 'taoWeight', 'big', 0n, false],
  ['stakeThreshold', 'stakeThreshold', 'big', 0n, false],
];

function convert(value: Codec, kind: Kind): unknown {
  switch (kind) {
    case 'num':
      return Number(value.toString());
    case 'big':
      return BigInt(value.toString());
    case 'bool':
      return value.toJSON() === true;
    case 'pair':
      return (value as unknown as Codec[]).map((x) => Number(x.toString()));
    case 'account':
      return value.isEmpty ? null : value.toString();
  }
}

/**
 * Reads the hyperparameters of `netuid` at the block `at` is decorated for.
 *
 * @example
 * ```ts
 * const at = await api.at(await api.rpc.chain.getBlockHash());
 * const h = await readHyperparameters(at, 1);
 * if (h.commitRevealEnabled) log(`reveal after ${h.revealPeriodEpochs} epoch(s)`);
 * ```
 */
export async function readHyperparameters(at: ApiDecoration<'promise'>, netuid: number): Promise<Hyperparameters> {
  const q = (at.query as Record<string, Record<string, unknown> | undefined>).subtensorModule ?? {};
  const present = ITEMS.filter(([item]) => q[item] !== undefined);
  const values = present.length > 0 ? await at.queryMulti(present.map(([item, , , , perSubnet]) => (perSubnet ? [q[item], netuid] : q[item]) as never)) : [];
  const out: Record<string, unknown> = { missing: ITEMS.filter(([item]) => q[item] === undefined).map(([item]) => item) };
  for (const [, field, , fallback] of ITEMS) out[field] = fallback;
  present.forEach(([, field, kind], k) => (out[field] = convert(values[k] as Codec, kind)));
  const [alphaLow, alphaHigh] = out.alphaValues as number[];
  delete out.alphaValues;
  return { ...(out as unknown as Hyperparameters), alphaLow, alphaHigh };
}
