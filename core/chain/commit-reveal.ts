/**
 * Hash-based commit-reveal (spec §1.2): the hash the chain recomputes on reveal, fresh salts, and
 * when a commit may be revealed. The timing rule changed between runtimes, so the caller says
 * which one its chain uses (read from metadata: `SubnetEpochIndex` exists on current runtimes).
 */
import { randomInt } from 'node:crypto';
import { TypeRegistry } from '@polkadot/types';
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto';

/** Built-in SCALE types only, so the hash needs no metadata. */
const registry = new TypeRegistry();

export interface CommitPreimage {
  /** The committing hotkey: ss58 or its 32 public-key bytes. */
  hotkey: string | Uint8Array;
  /** netuid + mecid · 4096; just the netuid for mechanism 0. */
  netuidIndex: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey: bigint | number;
}

/**
 * SCALE of `(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)`: the bytes the chain hashes.
 *
 * @example
 * ```ts
 * commitPreimage({ hotkey, netuidIndex: 1, uids: [0, 3, 7], values: [65535, 20000, 1], salt, versionKey: 0 }).length; // 73 with 8 salt entries
 * ```
 */
export function commitPreimage(p: CommitPreimage): Uint8Array {
  const account = typeof p.hotkey === 'string' ? decodeAddress(p.hotkey) : p.hotkey;
  return registry
    .createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [account, p.netuidIndex, [...p.uids], [...p.values], [...p.salt], BigInt(p.versionKey)])
    .toU8a();
}

/**
 * The commit hash `commit_weights` carries and `reveal_weights` must match: blake2b-256 of the preimage.
 *
 * @example
 * ```ts
 * const salt = newSalt();
 * const hash = commitHash({ hotkey: validator.address, netuidIndex: netuid, uids, values, salt, versionKey });
 * ```
 */
export function commitHash(p: CommitPreimage): `0x${string}` {
  return blake2AsHex(commitPreimage(p), 256);
}

/** A fresh random salt of u16s (8 like the SDK's default), from the OS's CSPRNG. */
export function newSalt(length = 8): number[] {
  return Array.from({ length }, () => randomInt(0, 65536));
}

/** One `WeightCommits` entry as stored: the hash and three u64s whose meaning depends on the runtime. */
export interface StoredCommit {
  hash: string;
  fields: [bigint, bigint, bigint];
}

/**
 * How the runtime times reveals. `epoch` (current runtimes): the tuple is
 * `(hash, commit_epoch, commit_block, 0)` and a reveal is accepted only in epoch
 * `commit_epoch + RevealPeriodEpochs`. `block` (early 2025 runtimes): the tuple is
 * `(hash, commit_block, first_reveal_block, last_reveal_block)`.
 */
export type RevealClock = { kind: 'epoch'; currentEpoch: bigint; revealPeriodEpochs: bigint } | { kind: 'block'; currentBlock: bigint };

export type RevealDecision = { action: 'wait'; until: string } | { action: 'reveal' } | { action: 'expired' };

/**
 * What to do with a commit now: wait, reveal, or give it up (the chain would say `ExpiredWeightCommit`).
 *
 * @example
 * ```ts
 * revealDecision({ hash, fields: [4n, 1450n, 0n] }, { kind: 'epoch', currentEpoch: 5n, revealPeriodEpochs: 1n }); // { action: 'reveal' }
 * ```
 */
export function revealDecision(commit: StoredCommit, clock: RevealClock): RevealDecision {
  if (clock.kind === 'epoch') {
    const target = commit.fields[0] + clock.revealPeriodEpochs;
    if (clock.currentEpoch < target) return { action: 'wait', until: `epoch ${target}` };
    return clock.currentEpoch === target ? { action: 'reveal' } : { action: 'expired' };
  }
  const [, first, last] = commit.fields;
  if (clock.currentBlock < first) return { action: 'wait', until: `block ${first}` };
  return clock.currentBlock <= last ? { action: 'reveal' } : { action: 'expired' };
}
