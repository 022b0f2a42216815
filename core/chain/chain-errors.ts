/**
 * Chain failures as coded Proctor errors that keep the chain's own name (spec §3).
 *
 * Two kinds: a call that reached a block and failed (a module error, resolved **by name** through
 * the node's metadata, never by index, because indices move between runtimes), and a transaction
 * the node refused at submission (`1010`), which a substrate node and chopsticks word differently:
 * `1010: Invalid Transaction: Custom error: 6` against `1010: {"invalid":{"custom":6}}`.
 */
import type { Registry } from '@polkadot/types/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import { proctorError, type ProctorError } from '../errors.js';

/**
 * subtensor's `CustomTransactionError` codes (pallets/subtensor/src/extensions, spec 424/425).
 * They are plain numbers on the wire and not in metadata, so this table is the one place that
 * knows them; an unknown code keeps its number as its name.
 */
export const CUSTOM_TRANSACTION_ERRORS: Readonly<Record<number, string>> = {
  0: 'ColdkeyInSwapSchedule',
  1: 'StakeAmountTooLow',
  3: 'SubnetNotExists',
  6: 'RateLimitExceeded',
  10: 'HotKeyNotRegisteredInNetwork',
  11: 'InvalidIpAddress',
  12: 'ServingRateLimitExceeded',
  13: 'InvalidPort',
  15: 'InvalidRevealRound',
  16: 'CommitNotFound',
  17: 'CommitBlockNotInRevealRange',
  18: 'InputLengthsUnequal',
  19: 'UidNotFound',
  21: 'ColdkeySwapDisputed',
  255: 'BadRequest',
};

/** substrate's wording of `InvalidTransaction` / `UnknownTransaction` variants (sp-runtime), by variant. */
const NODE_WORDING: Readonly<Record<string, string>> = {
  'Transaction call is not expected': 'Call',
  'Inability to pay some fees (e.g. account balance too low)': 'Payment',
  'Transaction will be valid in the future': 'Future',
  'Transaction is outdated': 'Stale',
  'Transaction has a bad signature': 'BadProof',
  'Transaction has an ancient birth block': 'AncientBirthBlock',
  'Transaction would exhaust the block limits': 'ExhaustsResources',
  'Invalid signing address': 'BadSigner',
  'A call was labelled as mandatory, but resulted in an Error.': 'BadMandatory',
  'Transaction dispatch is mandatory; transactions must not be validated.': 'MandatoryValidation',
  'Could not lookup information required to validate the transaction': 'CannotLookup',
  'Could not find an unsigned validator for the unsigned transaction': 'NoUnsignedValidator',
};

/** Pool errors other than validity (substrate's author RPC codes). */
const POOL_CODES: Readonly<Record<number, string>> = {
  1001: 'BadFormat',
  1002: 'VerificationError',
  1012: 'TemporarilyBanned',
  1013: 'AlreadyImported',
  1014: 'TooLowPriority',
  1015: 'CycleDetected',
  1016: 'ImmediatelyDropped',
  1017: 'Unactionable',
};

export interface Rejection {
  /** The chain's name for it: `RateLimitExceeded`, `Stale`, `BadProof`, `Custom(42)`… */
  name: string;
  /** What the node said, normalised: `InvalidTransaction::Custom(6)`, `InvalidTransaction::Stale`… */
  reason: string;
  custom: number | null;
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function validity(kind: 'InvalidTransaction' | 'UnknownTransaction', variant: string, custom: number | null): Rejection {
  if (custom !== null) return { name: CUSTOM_TRANSACTION_ERRORS[custom] ?? `Custom(${custom})`, reason: `${kind}::Custom(${custom})`, custom };
  return { name: variant, reason: `${kind}::${variant}`, custom: null };
}

/** chopsticks: the JSON of the validity error, e.g. `{"invalid":{"custom":3}}` or `{"invalid":{"stale":null}}`. */
function fromJson(text: string): Rejection | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const [[outer, inner] = []] = Object.entries(parsed);
  if ((outer !== 'invalid' && outer !== 'unknown') || typeof inner !== 'object' || inner === null) return null;
  const [[variant, value] = []] = Object.entries(inner);
  if (variant === undefined) return null;
  const kind = outer === 'invalid' ? 'InvalidTransaction' : 'UnknownTransaction';
  return validity(kind, pascal(variant), variant === 'custom' && Number.isInteger(value) ? Number(value) : null);
}

/** A node: `Invalid Transaction: Custom error: 6`, `Invalid Transaction: Transaction is outdated`. */
function fromWords(code: number, text: string): Rejection | null {
  const m = /^(Invalid Transaction|Unknown Transaction Validity)(?::\s*(.*))?$/s.exec(text.trim());
  if (!m) return null;
  const kind = m[1] === 'Invalid Transaction' ? 'InvalidTransaction' : 'UnknownTransaction';
  const detail = (m[2] ?? '').trim();
  const custom = /^Custom error:\s*(\d+)$/.exec(detail);
  if (custom) return validity(kind, 'Custom', Number(custom[1]));
  return validity(kind, NODE_WORDING[detail] ?? (detail || (code === 1010 ? 'Invalid' : 'Unknown')), null);
}

/**
 * Reads a submission error as the node or chopsticks gave it; null when it is not a rejection
 * (a dropped connection, say).
 *
 * @example
 * ```ts
 * parseRejection(new Error('1010: Invalid Transaction: Custom error: 6'))?.name; // 'RateLimitExceeded'
 * parseRejection(new Error('1010: {"invalid":{"custom":6}}'))?.name;             // 'RateLimitExceeded'
 * ```
 */
export function parseRejection(err: unknown): Rejection | null {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const m = /^(\d{4}): (.*)$/s.exec(message.trim());
  if (!m) return null;
  const code = Number(m[1]);
  if (code === 1010 || code === 1011) return fromJson(m[2]) ?? fromWords(code, m[2]) ?? { name: code === 1010 ? 'Invalid' : 'Unknown', reason: m[2].slice(0, 200), custom: null };
  if (POOL_CODES[code]) return { name: POOL_CODES[code], reason: `${code}: ${m[2].slice(0, 200)}`, custom: null };
  return null;
}

/** The coded error for a rejected submission of `call`, or null when `err` is not a rejection. */
export function rejectionError(call: string, err: unknown): ProctorError | null {
  const r = parseRejection(err);
  return r ? proctorError('PROCTOR_ERR_CHAIN_TX_REJECTED', { call, reason: r.reason, name: r.name }, err) : null;
}

/**
 * The coded error for a failed dispatch (`ExtrinsicFailed` / a `dispatchError`), named through the
 * registry built from the node's metadata.
 *
 * @example
 * ```ts
 * if (result.dispatchError) throw dispatchFailure(api.registry, result.dispatchError, 'set_weights');
 * // PROCTOR_ERR_CHAIN_MODULE_ERROR, data.name 'SettingWeightsTooFast'
 * ```
 */
export function dispatchFailure(registry: Registry, error: DispatchError, call: string): ProctorError<'PROCTOR_ERR_CHAIN_MODULE_ERROR'> {
  if (error.isModule) {
    const module = error.asModule;
    try {
      const meta = registry.findMetaError(module);
      const pallet = registry.metadata.pallets.find((p) => p.index.eq(module.index))?.name.toString() ?? pascal(meta.section);
      return proctorError('PROCTOR_ERR_CHAIN_MODULE_ERROR', { call, pallet, name: meta.name, docs: meta.docs.join(' ').trim() });
    } catch {
      return proctorError('PROCTOR_ERR_CHAIN_MODULE_ERROR', { call, pallet: `pallet#${module.index.toNumber()}`, name: `error ${module.error.toHex()}`, docs: 'not in this metadata' });
    }
  }
  const inner = error.inner as { isEmpty?: boolean; type?: string } | undefined;
  const detail = inner && !inner.isEmpty && typeof inner.type === 'string' ? `.${inner.type}` : '';
  return proctorError('PROCTOR_ERR_CHAIN_MODULE_ERROR', { call, pallet: 'DispatchError', name: `${error.type}${detail}`, docs: '' });
}

/** The chain's name inside a chain error (`SettingWeightsTooFast`, `RateLimitExceeded`), or null. */
export function chainErrorName(err: unknown): string | null {
  const e = err as ProctorError | undefined;
  if (e?.code === 'PROCTOR_ERR_CHAIN_MODULE_ERROR' || e?.code === 'PROCTOR_ERR_CHAIN_TX_REJECTED') return (e.data as { name: string }).name;
  return null;
}

/** Whether the error is a rate limit, in either form (module error or pool rejection). */
export function isRateLimited(err: unknown): boolean {
  return ['SettingWeightsTooFast', 'CommittingWeightsTooFast', 'RateLimitExceeded', 'ServingRateLimitExceeded'].includes(chainErrorName(err) ?? '');
}

/** Whether `err` means the connection, not the request, failed: worth a retry after a wait. */
export function isConnectionError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /disconnected from|WebSocket is not connected|No response received from RPC endpoint|Abnormal Closure|ECONNREFUSED|ECONNRESET|socket hang up|connection closed/i.test(message);
}
