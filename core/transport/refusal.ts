/**
 * Why a miner refuses a request, in both signing schemes: one closed list of wire reasons, the
 * HTTP status each maps to, and the catalogued error for code that would rather throw.
 */
import { proctorError, type ProctorError } from '../errors.js';

/** Every reason a verifier or the miner server can give, as sent in `{ "error": reason }`. */
export const REFUSAL_REASONS = [
  'missing_header',
  'bad_version',
  'malformed',
  'stale',
  'replayed',
  'wrong_recipient',
  'bad_signature',
  'body_hash_mismatch',
  'validator_not_allowed',
  'invalid_json',
  'too_large',
  'not_found',
  'method_not_allowed',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** A refused request: `reason` for the wire, `detail` for logs (it never quotes a secret). */
export interface Refusal<R extends RefusalReason = RefusalReason> {
  ok: false;
  reason: R;
  detail: string;
}

/** The status a server answers with, as the Python axon does: 401 for anything about the signature or nonce. */
export const REFUSAL_STATUS: Readonly<Record<RefusalReason, number>> = {
  missing_header: 401,
  bad_version: 401,
  malformed: 401,
  stale: 401,
  replayed: 401,
  wrong_recipient: 401,
  bad_signature: 401,
  body_hash_mismatch: 400,
  validator_not_allowed: 403,
  invalid_json: 400,
  too_large: 413,
  not_found: 404,
  method_not_allowed: 405,
};

export function refuse<R extends RefusalReason>(reason: R, detail: string): Refusal<R> {
  return { ok: false, reason, detail };
}

/**
 * The catalogued error for a refusal, for a miner that throws rather than answers.
 *
 * @example
 * ```ts
 * const result = verifyAxonRequest(headers, body, { self: miner.address, synapse });
 * if (!result.ok) throw refusalError('axon', result);
 * ```
 */
export function refusalError(scheme: 'epistula' | 'axon', refusal: Refusal): ProctorError<'PROCTOR_ERR_TRANSPORT_REFUSED'> {
  return proctorError('PROCTOR_ERR_TRANSPORT_REFUSED', { scheme, reason: refusal.reason, detail: refusal.detail });
}

/** Headers as node:http gives them (lowercase keys), or any plain map; values that are not strings are malformed. */
export type HeaderMap = Readonly<Record<string, unknown>>;

/**
 * The one value of header `name`, found case-insensitively; `undefined` when absent. Two spellings
 * of one header, a repeated one, or a value that is not a string are `malformed`.
 */
export function readHeader(headers: HeaderMap, name: string): { value: string } | Refusal<'malformed'> | undefined {
  const wanted = name.toLowerCase();
  let found: unknown;
  let count = 0;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    count += 1;
    found = headers[key];
  }
  if (count === 0 || found === undefined) return undefined;
  if (count > 1) return refuse('malformed', `${name} is given more than once`);
  if (Array.isArray(found) && found.length === 1) found = found[0];
  if (typeof found !== 'string') return refuse('malformed', `${name} is not a single string`);
  return { value: found };
}
