/**
 * The legacy Bittensor axon/dendrite scheme (Python SDK 10.2, `../shared/specs/chain.md` §7), so
 * that a Proctor validator can query the miners that exist today and a TS miner can serve them.
 *
 * The dendrite (validator) POSTs the synapse's JSON to `/{SynapseName}` with `bt_header_*` headers
 * and signs `"{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}"` with sr25519, where
 * `body_hash = sha3_256(concat(sha3_256_hex(str(value)) for each required hash field))` over
 * Python `str()` forms. The axon verifies against its **own** hotkey. Nonces are nanoseconds;
 * per `(dendrite hotkey, uuid)` each must be strictly greater than the last one accepted.
 */
import { createHash } from 'node:crypto';
import { proctorError } from '../errors.js';
import type { Json } from '../plugin-api.js';
import { isValidAddress, verifySignature, type Hotkey } from './keys.js';
import { pythonFloatRepr, pythonStr } from './python-str.js';
import { readHeader, refuse, type HeaderMap, type Refusal } from './refusal.js';

/** What a validator and a miner must agree on for one synapse class. */
export interface SynapseSpec {
  /** The Python class name: the URL path `/{name}` and the `name` header. */
  name: string;
  /** The class's `required_hash_fields`, in its order; empty hashes nothing (the body is then unsigned). */
  hashFields: readonly string[];
  /** Hash fields typed `float` (or lists of floats) in Python: their numbers hash as `5.0`, not `5`. */
  floatFields?: readonly string[];
}

/** `sha3_256("")`: the body hash of a synapse with no required hash fields. */
export const EMPTY_BODY_HASH = 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a';
/** The Python SDK version a Proctor dendrite announces (10.2.0 as an int): nonces use the ≥ 7.2 rules. */
export const DENDRITE_VERSION = 10_002_000;
/** The axon accepts a first nonce no older than this plus the request's timeout (the SDK's `ALLOWED_DELTA`). */
export const ALLOWED_DELTA_MS = 4000;
/** A Python dendrite's default timeout, seconds, when the `timeout` header is absent. */
const DEFAULT_TIMEOUT_S = 12;

/** Fields every Python `Synapse` has; they are transport, not the miner's answer. */
export const SYNAPSE_BASE_FIELDS: ReadonlySet<string> = new Set(['name', 'timeout', 'total_size', 'header_size', 'dendrite', 'axon', 'computed_body_hash', 'required_hash_fields']);

const SYNAPSE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const NONCE = /^[0-9]{1,19}$/;
const UUID = /^[A-Za-z0-9_-]{1,64}$/;
const HASH = /^[0-9a-f]{64}$/;
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{128}$/;
const PY_FLOAT = /^[0-9]{1,12}(\.[0-9]{1,12})?$/;
const MAX_NONCE = 2n ** 63n - 1n;
const encoder = new TextEncoder();

function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex');
}

/** Checks a synapse spec's shape; a caller's mistake, so it throws PROCTOR_ERR_TRANSPORT_OPTIONS. */
export function checkSynapseSpec(spec: SynapseSpec, option = 'synapse'): SynapseSpec {
  const bad = (problem: string) => proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option, problem });
  if (spec === null || typeof spec !== 'object') throw bad('must be { name, hashFields }');
  if (typeof spec.name !== 'string' || !SYNAPSE_NAME.test(spec.name)) throw bad('.name must be a Python class name (letters, digits, _)');
  if (!Array.isArray(spec.hashFields) || !spec.hashFields.every((f) => typeof f === 'string' && FIELD_NAME.test(f))) throw bad('.hashFields must be a list of field names');
  if (spec.floatFields !== undefined && (!Array.isArray(spec.floatFields) || !spec.floatFields.every((f) => spec.hashFields.includes(f)))) {
    throw bad('.floatFields must list hash fields');
  }
  return spec;
}

/**
 * The synapse body hash exactly as the Python SDK computes it, or why it cannot be: the body is not
 * an object or lacks a hash field (a Python dendrite always sends every field).
 *
 * @example
 * ```ts
 * axonBodyHash({ dummy_input: 5 }, { name: 'Dummy', hashFields: ['dummy_input'] });
 * // sha3_256(sha3_256_hex('5'))
 * ```
 */
export function axonBodyHash(body: Json, spec: SynapseSpec): { ok: true; hash: string } | Refusal<'malformed'> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return refuse('malformed', 'the synapse body is not a JSON object');
  const parts: string[] = [];
  for (const field of spec.hashFields) {
    if (!Object.hasOwn(body, field)) return refuse('malformed', `required hash field ${field} is missing from the body`);
    try {
      parts.push(sha3Hex(pythonStr(body[field], { floats: spec.floatFields?.includes(field) === true })));
    } catch {
      return refuse('malformed', `required hash field ${field} cannot be rendered as Python would`);
    }
  }
  return { ok: true, hash: sha3Hex(parts.join('')) };
}

/** The exact string a dendrite signs. */
export function axonMessage(nonce: string, dendriteHotkey: string, axonHotkey: string, uuid: string, bodyHash: string): string {
  return `${nonce}.${dendriteHotkey}.${axonHotkey}.${uuid}.${bodyHash}`;
}

/** The exact string an axon signs in its response headers (no body hash: it does not cover the answer). */
export function axonResponseMessage(axonNonce: string, dendriteHotkey: string, axonHotkey: string, axonUuid: string): string {
  return `${axonNonce}.${dendriteHotkey}.${axonHotkey}.${axonUuid}`;
}

/**
 * A process-wide nanosecond clock that never repeats or goes back: `time_ns` with a bump of 1
 * when two calls land on the same nanosecond, as the spec asks of a dendrite.
 */
export function createNonceClock(): () => bigint {
  const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  let last = 0n;
  return () => {
    const now = base + process.hrtime.bigint();
    last = now > last ? now : last + 1n;
    return last;
  };
}

/** `bt_header_input_obj_<field>`: base64 of the JSON of an empty value of each field's type, as `to_headers` sends. */
function inputObjectHeaders(body: { [key: string]: Json }): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, value] of Object.entries(body)) {
    if (!FIELD_NAME.test(field) || SYNAPSE_BASE_FIELDS.has(field)) continue;
    const empty = typeof value === 'string' ? '""' : typeof value === 'number' ? '0' : typeof value === 'boolean' ? 'false' : Array.isArray(value) ? '[]' : value === null ? 'null' : '{}';
    headers[`bt_header_input_obj_${field}`] = Buffer.from(empty).toString('base64');
  }
  return headers;
}

export interface AxonSignInput {
  /** The synapse's JSON fields (what is POSTed). */
  body: { [key: string]: Json };
  synapse: SynapseSpec;
  signer: Hotkey;
  /** The miner's hotkey from the metagraph, and where it serves. */
  axon: { hotkey: string; ip: string; port: number };
  nonce: bigint;
  /** One per dendrite session; nonces must increase within it. */
  uuid: string;
  timeoutMs: number;
}

/**
 * The headers a Python dendrite sends, signed by `signer` for `axon.hotkey`.
 *
 * @example
 * ```ts
 * const headers = signAxonRequest({ body, synapse, signer: validator, axon: { hotkey, ip: '203.0.113.7', port: 8091 },
 *   nonce: clock(), uuid: sessionUuid, timeoutMs: 12_000 });
 * ```
 * @throws PROCTOR_ERR_TRANSPORT_OPTIONS when the body lacks a hash field or the synapse spec is malformed.
 */
export function signAxonRequest(input: AxonSignInput): Record<string, string> {
  const { body, synapse, signer, axon, nonce, uuid, timeoutMs } = input;
  checkSynapseSpec(synapse);
  const hashed = axonBodyHash(body, synapse);
  if (!hashed.ok) throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: 'body', problem: hashed.detail });
  const nonceText = nonce.toString();
  const message = axonMessage(nonceText, signer.address, axon.hotkey, uuid, hashed.hash);
  const signature = `0x${Buffer.from(signer.sign(encoder.encode(message))).toString('hex')}`;
  const headers: Record<string, string> = {
    name: synapse.name,
    timeout: pythonFloatRepr(timeoutMs / 1000),
    bt_header_axon_ip: axon.ip,
    bt_header_axon_port: String(axon.port),
    bt_header_axon_hotkey: axon.hotkey,
    bt_header_dendrite_ip: '0.0.0.0',
    bt_header_dendrite_version: String(DENDRITE_VERSION),
    bt_header_dendrite_nonce: nonceText,
    bt_header_dendrite_uuid: uuid,
    bt_header_dendrite_hotkey: signer.address,
    bt_header_dendrite_signature: signature,
    ...inputObjectHeaders(body),
  };
  // Python sends sys.getsizeof of its dicts; nothing checks them, so honest byte counts do.
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  headers.header_size = String(Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length, 0));
  headers.total_size = String(bodyBytes);
  headers.computed_body_hash = hashed.hash;
  return headers;
}

export interface AxonVerifyOptions {
  /** The axon's own ss58 address: the message is rebuilt with it, whatever the headers claim. */
  self: string;
  /** Milliseconds since the epoch (the receiver's clock). */
  now?: number;
  /** The `timeout` header widens the window; a sender cannot widen it past this many seconds. */
  maxTimeoutS?: number;
  /** How far ahead of the receiver's clock a nonce may be, ms (the SDK has no bound; clocks drift). */
  maxFutureMs?: number;
}

/** Headers that passed every check that does not need the body. */
export interface CheckedAxonHeaders {
  nonce: bigint;
  nonceText: string;
  uuid: string;
  dendriteHotkey: string;
  bodyHash: string;
  signature: Uint8Array;
  /** Nonces of this sender at or below this (ns) are stale: `now − 4 s − timeout`. */
  oldestNonce: bigint;
}

const REQUIRED = {
  nonce: 'bt_header_dendrite_nonce',
  uuid: 'bt_header_dendrite_uuid',
  dendriteHotkey: 'bt_header_dendrite_hotkey',
  signature: 'bt_header_dendrite_signature',
  axonHotkey: 'bt_header_axon_hotkey',
  bodyHash: 'computed_body_hash',
} as const;

export const DEFAULT_MAX_TIMEOUT_S = 60;
export const DEFAULT_MAX_FUTURE_MS = 8000;

/**
 * Everything about an axon request that can be checked before reading the body: presence and shape
 * of the headers, the empty signature, the recipient, and the nonce window. The nonce's order within
 * its session is the nonce store's job (`nonce-store.ts`), after the signature verifies.
 */
export function verifyAxonHeaders(headers: HeaderMap, options: AxonVerifyOptions): ({ ok: true } & CheckedAxonHeaders) | Refusal {
  const { self, now = Date.now(), maxTimeoutS = DEFAULT_MAX_TIMEOUT_S, maxFutureMs = DEFAULT_MAX_FUTURE_MS } = options;
  if (headers === null || typeof headers !== 'object') return refuse('malformed', 'headers are not a map');
  const values = {} as Record<keyof typeof REQUIRED, string>;
  for (const key of Object.keys(REQUIRED) as (keyof typeof REQUIRED)[]) {
    const found = readHeader(headers, REQUIRED[key]);
    if (found === undefined) return refuse('missing_header', `${REQUIRED[key]} is missing`);
    if ('ok' in found) return found;
    values[key] = found.value.trim();
  }
  const timeout = readHeader(headers, 'timeout');
  if (timeout !== undefined && 'ok' in timeout) return timeout;
  const { nonce: nonceText, uuid, dendriteHotkey, signature, axonHotkey, bodyHash } = values;
  if (!NONCE.test(nonceText) || BigInt(nonceText) > MAX_NONCE) return refuse('malformed', `${REQUIRED.nonce} must be nanoseconds since the epoch, in decimal`);
  if (!UUID.test(uuid)) return refuse('malformed', `${REQUIRED.uuid} must be 1–64 letters, digits, - or _`);
  if (!isValidAddress(dendriteHotkey)) return refuse('malformed', `${REQUIRED.dendriteHotkey} must be an ss58 address`);
  if (signature === '' || signature === '0x') return refuse('bad_signature', `${REQUIRED.signature} is empty`);
  if (!SIGNATURE_HEX.test(signature)) return refuse('malformed', `${REQUIRED.signature} must be 0x followed by 128 hex digits`);
  if (!HASH.test(bodyHash)) return refuse('malformed', `${REQUIRED.bodyHash} must be 64 lowercase hex digits`);
  const timeoutText = timeout?.value.trim();
  if (timeoutText !== undefined && !PY_FLOAT.test(timeoutText)) return refuse('malformed', 'timeout must be seconds, e.g. 12.0');
  if (axonHotkey !== self) return refuse('wrong_recipient', `${REQUIRED.axonHotkey} is not this hotkey`);
  const timeoutS = Math.min(timeoutText === undefined ? DEFAULT_TIMEOUT_S : Number(timeoutText), maxTimeoutS);
  const nowNs = BigInt(Math.floor(now)) * 1_000_000n;
  const nonce = BigInt(nonceText);
  const oldestNonce = nowNs - BigInt(ALLOWED_DELTA_MS + Math.round(timeoutS * 1000)) * 1_000_000n;
  if (nonce <= oldestNonce) return refuse('stale', `the nonce is ${(nowNs - nonce) / 1_000_000n} ms old (limit ${ALLOWED_DELTA_MS} ms + timeout)`);
  if (nonce > nowNs + BigInt(maxFutureMs) * 1_000_000n) return refuse('stale', `the nonce is ${(nonce - nowNs) / 1_000_000n} ms in the future (limit ${maxFutureMs} ms)`);
  return { ok: true, nonce, nonceText, uuid, dendriteHotkey, bodyHash, signature: Buffer.from(signature.slice(2), 'hex'), oldestNonce };
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks the body against verified headers: it must be a UTF-8 JSON object, hash to
 * `computed_body_hash` over the synapse's hash fields, and the signature must verify for `self`.
 */
export function verifyAxonBody(checked: CheckedAxonHeaders, raw: Uint8Array, spec: SynapseSpec, self: string): { ok: true; body: { [key: string]: Json } } | Refusal {
  let body: Json;
  try {
    body = JSON.parse(fatalUtf8.decode(raw)) as Json;
  } catch {
    return refuse('invalid_json', 'the body is not UTF-8 JSON');
  }
  const hashed = axonBodyHash(body, spec);
  if (!hashed.ok) return hashed;
  if (hashed.hash !== checked.bodyHash) return refuse('body_hash_mismatch', 'computed_body_hash does not match the body');
  const message = axonMessage(checked.nonceText, checked.dendriteHotkey, self, checked.uuid, checked.bodyHash);
  if (!verifySignature(encoder.encode(message), checked.signature, checked.dendriteHotkey)) {
    return refuse('bad_signature', 'the signature does not match the message for this hotkey');
  }
  return { ok: true, body: body as { [key: string]: Json } };
}

export type AxonResult = { ok: true; signedBy: string; nonce: bigint; uuid: string; body: { [key: string]: Json } } | Refusal;

/**
 * Verifies an axon request as the axon `self`, except for the nonce's order within its session
 * (keep a `NonceStore` for that, as `startMinerServer` does). Never throws.
 *
 * @example
 * ```ts
 * const result = verifyAxonRequest(req.headers, raw, { self: miner.address, synapse: { name: 'Dummy', hashFields: ['dummy_input'] } });
 * if (!result.ok) return reply(REFUSAL_STATUS[result.reason], { message: result.detail });
 * ```
 */
export function verifyAxonRequest(headers: HeaderMap, raw: Uint8Array, options: AxonVerifyOptions & { synapse: SynapseSpec }): AxonResult {
  try {
    const checked = verifyAxonHeaders(headers, options);
    if (!checked.ok) return checked;
    if (!(raw instanceof Uint8Array)) return refuse('malformed', 'the body is not bytes');
    const verified = verifyAxonBody(checked, raw, options.synapse, options.self);
    if (!verified.ok) return verified;
    return { ok: true, signedBy: checked.dendriteHotkey, nonce: checked.nonce, uuid: checked.uuid, body: verified.body };
  } catch (error) {
    return refuse('malformed', error instanceof Error ? error.message : 'unreadable request');
  }
}
