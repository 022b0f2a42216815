/**
 * Signing and submitting one extrinsic, and reading what became of it. The hotkey signs through
 * a `Signer` built on `Hotkey.sign`, so the secret never reaches @polkadot/api. The outcome is
 * one of four, each stored as it is: included (the call succeeded), failed (included, with a
 * module error named from metadata), rejected (refused at submission, `1010`), unknown (no
 * verdict in time: a lost connection or a stalled chain).
 */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { SubmittableResult } from '@polkadot/api';
import type { Signer, SignerPayloadJSON, SignerResult } from '@polkadot/types/types';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { proctorError, type ProctorError } from '../errors.js';
import type { Hotkey } from '../transport/keys.js';
import { dispatchFailure, rejectionError } from './chain-errors.js';

export type SubmissionOutcome = 'included' | 'failed' | 'rejected' | 'unknown';

export interface Submission {
  /** The chain's call name, e.g. `set_weights`. */
  call: string;
  outcome: SubmissionOutcome;
  extrinsicHash: string | null;
  blockHash: string | null;
  blockNumber: number | null;
  /** Null when included; otherwise the coded error (the chain's name in `data.name`). */
  error: ProctorError | null;
}

/** MultiSignature's variant index for sr25519. */
const SR25519 = 1;

/**
 * A @polkadot/api `Signer` that signs with `hotkey`: the payload as the node will rebuild it,
 * blake2-256 hashed first when longer than 256 bytes (substrate's rule).
 *
 * @example
 * ```ts
 * await api.tx.subtensorModule.setWeights(1, [0], [65535], 0).signAsync(hotkey.address, { signer: hotkeySigner(api, hotkey) });
 * ```
 */
export function hotkeySigner(api: ApiPromise, hotkey: Hotkey): Signer {
  let id = 0;
  return {
    async signPayload(payload: SignerPayloadJSON): Promise<SignerResult> {
      if (payload.address !== hotkey.address) throw new Error(`asked to sign for ${payload.address}, but this signer holds ${hotkey.address}`);
      const bytes = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).toU8a({ method: true });
      const signature = hotkey.sign(bytes.length > 256 ? blake2AsU8a(bytes, 256) : bytes);
      return { id: ++id, signature: u8aToHex(u8aConcat(new Uint8Array([SR25519]), signature)) };
    },
  };
}

export interface SubmitOptions {
  /** How long to wait for the transaction to appear in a block. */
  timeoutMs?: number;
}

/**
 * Signs `tx` with `hotkey` (next nonce, mortal era of 64 blocks) and waits until it is in a block,
 * refused, or the time is up. Never throws for a chain outcome: it returns it.
 *
 * @example
 * ```ts
 * const s = await submit(api, api.tx.subtensorModule.setWeights(netuid, uids, values, key), 'set_weights', hotkey);
 * if (s.outcome !== 'included') log(`${s.call}: ${s.error?.message}`);
 * ```
 */
export async function submit(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, call: string, hotkey: Hotkey, options: SubmitOptions = {}): Promise<Submission> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  let extrinsicHash: string | null = null;
  return new Promise<Submission>((resolve) => {
    let settled = false;
    let unsubscribe: (() => void) | null = null;
    const finish = (s: Omit<Submission, 'call' | 'extrinsicHash'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe?.();
      resolve({ call, extrinsicHash, ...s });
    };
    const timer = setTimeout(() => {
      finish({ outcome: 'unknown', blockHash: null, blockNumber: null, error: proctorError('PROCTOR_ERR_CHAIN_TX_TIMEOUT', { call, extrinsicHash: extrinsicHash ?? '(unsigned)', seconds: Math.round(timeoutMs / 1000) }) });
    }, timeoutMs);
    timer.unref();
    const onStatus = (result: SubmittableResult) => {
      extrinsicHash ??= result.txHash.toHex();
      const { status } = result;
      if (status.isInBlock || status.isFinalized) {
        const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
        const blockNumber = result.blockNumber ? result.blockNumber.toNumber() : null;
        if (result.dispatchError) finish({ outcome: 'failed', blockHash, blockNumber, error: dispatchFailure(api.registry, result.dispatchError, call) });
        else finish({ outcome: 'included', blockHash, blockNumber, error: null });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        finish({ outcome: 'rejected', blockHash: null, blockNumber: null, error: proctorError('PROCTOR_ERR_CHAIN_TX_REJECTED', { call, reason: `pool status ${status.type}`, name: status.type }) });
      }
    };
    tx.signAndSend(hotkey.address, { signer: hotkeySigner(api, hotkey), nonce: -1 }, onStatus)
      .then((unsub) => {
        extrinsicHash ??= tx.hash.toHex();
        if (settled) unsub();
        else unsubscribe = unsub;
      })
      .catch((err: unknown) => {
        if (tx.isSigned) extrinsicHash ??= tx.hash.toHex();
        const rejected = rejectionError(call, err);
        if (rejected) finish({ outcome: 'rejected', blockHash: null, blockNumber: null, error: rejected });
        else finish({ outcome: 'unknown', blockHash: null, blockNumber: null, error: proctorError('PROCTOR_ERR_CHAIN_RPC', { method: `${call} submission`, detail: (err as Error).message }, err) });
      });
  });
}
