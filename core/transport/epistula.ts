/**
 * Epistula v2: how a validator signs a request to a miner, and how the miner checks it.
 *
 * The signer signs the UTF-8 string `"{sha256_hex(body)}.{uuid}.{timestamp}.{signed_for}"` with
 * its sr25519 hotkey. A miner accepts a request only when the version is 2, the timestamp is
 * within `maxSkewMs` of its clock, the request is addressed to it, and the signature verifies.
 * `docs/protocol.md` has a worked example.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isValidAddress, verifySignature, type Hotkey } from './keys.js';
import { readHeader, type HeaderMap } from './refusal.js';

export const EPISTULA_VERSION = '2';
/** A request older (or newer) than this by the receiver's clock is refused as stale. */
export const DEFAULT_MAX_SKEW_MS = 8000;

/** The canonical header names, as sent. Receivers compare them case-insensitively. */
export const EPISTULA_HEADERS = {
  version: 'Epistula-Version',
  timestamp: 'Epistula-Timestamp',
  uuid: 'Epistula-Uuid',
  signedBy: 'Epistula-Signed-By',
  signedFor: 'Epistula-Signed-For',
  signature: 'Epistula-Request-Signature',
} as const;

export type EpistulaFailure = {
  ok: false;
  reason: 'missing_header' | 'bad_version' | 'stale' | 'wrong_recipient' | 'bad_signature' | 'malformed';
  detail: string;
};
export type EpistulaResult = { ok: true; signedBy: string } | EpistulaFailure;

export type { HeaderMap };

export interface VerifyOptions {
  /** The receiver's own ss58 address: `Epistula-Signed-For` must equal it. */
  self: string;
  now?: number;
  maxSkewMs?: number;
}

const encoder = new TextEncoder();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^[0-9]{1,15}$/;
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{128}$/;

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/** The lowercase hex sha256 of the body's bytes (of its UTF-8 encoding when a string). */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(toBytes(body)).digest('hex');
}

/** The exact string that is signed. */
export function epistulaMessage(bodySha256: string, uuid: string, timestamp: string, signedFor: string): string {
  return `${bodySha256}.${uuid}.${timestamp}.${signedFor}`;
}

/**
 * The Epistula v2 headers for sending `body` from `signer` to the hotkey `signedFor`.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ task_id: '7-text-0' });
 * const headers = { ...signRequest(body, validator, miner.hotkey), 'Content-Type': 'application/json' };
 * ```
 */
export function signRequest(body: Uint8Array | string, signer: Hotkey, signedFor: string, now: number = Date.now()): Record<string, string> {
  const uuid = randomUUID();
  const timestamp = String(Math.floor(now));
  const message = epistulaMessage(sha256Hex(body), uuid, timestamp, signedFor);
  const signature = Buffer.from(signer.sign(encoder.encode(message))).toString('hex');
  return {
    [EPISTULA_HEADERS.version]: EPISTULA_VERSION,
    [EPISTULA_HEADERS.timestamp]: timestamp,
    [EPISTULA_HEADERS.uuid]: uuid,
    [EPISTULA_HEADERS.signedBy]: signer.address,
    [EPISTULA_HEADERS.signedFor]: signedFor,
    [EPISTULA_HEADERS.signature]: `0x${signature}`,
  };
}

/** The Epistula headers, parsed and checked except for the signature, which needs the body. */
export interface CheckedHeaders {
  timestamp: string;
  uuid: string;
  signedBy: string;
  signedFor: string;
  signature: Uint8Array;
}

function fail(reason: EpistulaFailure['reason'], detail: string): EpistulaFailure {
  return { ok: false, reason, detail };
}

/**
 * Everything `verifyRequest` checks before it reads the body: lets a server refuse an
 * unauthenticated request without reading or hashing its body.
 */
export function verifyHeaders(headers: HeaderMap, { self, now = Date.now(), maxSkewMs = DEFAULT_MAX_SKEW_MS }: VerifyOptions): ({ ok: true } & CheckedHeaders) | EpistulaFailure {
  if (headers === null || typeof headers !== 'object') return fail('malformed', 'headers are not a map');
  const values: Record<keyof typeof EPISTULA_HEADERS, string> = { version: '', timestamp: '', uuid: '', signedBy: '', signedFor: '', signature: '' };
  for (const key of Object.keys(EPISTULA_HEADERS) as (keyof typeof EPISTULA_HEADERS)[]) {
    const name = EPISTULA_HEADERS[key];
    const found = readHeader(headers, name);
    if (found === undefined) return fail('missing_header', `${name} is missing`);
    if ('ok' in found) return found;
    values[key] = found.value.trim();
  }
  const { version, timestamp, uuid, signedBy, signedFor, signature } = values;
  if (version !== EPISTULA_VERSION) return fail('bad_version', `Epistula-Version must be ${EPISTULA_VERSION}`);
  if (!TIMESTAMP.test(timestamp)) return fail('malformed', 'Epistula-Timestamp must be milliseconds since the epoch, in decimal');
  if (!UUID_V4.test(uuid)) return fail('malformed', 'Epistula-Uuid must be a UUID v4');
  if (!isValidAddress(signedBy)) return fail('malformed', 'Epistula-Signed-By must be an ss58 address');
  if (signature === '' || signature === '0x') return fail('bad_signature', 'Epistula-Request-Signature is empty');
  if (!SIGNATURE_HEX.test(signature)) return fail('malformed', 'Epistula-Request-Signature must be 0x followed by 128 hex digits');
  const skew = now - Number(timestamp);
  if (!(Math.abs(skew) <= maxSkewMs)) {
    return fail('stale', skew > 0 ? `the request is ${skew} ms old (limit ${maxSkewMs})` : `the request is ${-skew} ms in the future (limit ${maxSkewMs})`);
  }
  if (signedFor !== self) return fail('wrong_recipient', 'Epistula-Signed-For is not this hotkey');
  return { ok: true, timestamp, uuid, signedBy, signedFor, signature: Buffer.from(signature.slice(2), 'hex') };
}

/** Whether `checked.signature` signs `body` with the checked headers. */
export function verifyBodySignature(checked: CheckedHeaders, body: Uint8Array | string): boolean {
  const message = epistulaMessage(sha256Hex(body), checked.uuid, checked.timestamp, checked.signedFor);
  return verifySignature(encoder.encode(message), checked.signature, checked.signedBy);
}

/**
 * Checks an Epistula v2 request as its recipient `self`. Never throws: anything wrong is
 * `{ ok: false, reason, detail }`. Cheap checks come first; the signature is verified last.
 *
 * @example
 * ```ts
 * const result = verifyRequest(req.headers, bodyBytes, { self: miner.address });
 * if (!result.ok) return reply(401, { error: result.reason });
 * ```
 */
export function verifyRequest(headers: HeaderMap, body: Uint8Array | string, options: VerifyOptions): EpistulaResult {
  try {
    const checked = verifyHeaders(headers, options);
    if (!checked.ok) return checked;
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) return fail('malformed', 'the body is not bytes or a string');
    if (!verifyBodySignature(checked, body)) return fail('bad_signature', 'the signature does not match the body and headers');
    return { ok: true, signedBy: checked.signedBy };
  } catch (error) {
    // A getter on a hostile header map, say: still a refusal, never a crash.
    return fail('malformed', error instanceof Error ? error.message : 'unreadable request');
  }
}
