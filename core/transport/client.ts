/**
 * The validator side of the miner protocol: signed JSON POSTs to miners, over undici with
 * keep-alive. A miner cannot make a query throw, hang past its deadline, or make the validator
 * buffer more than the response cap: every failure comes back as a `QueryResult` status.
 */
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { proctorError } from '../errors.js';
import type { Json, PluginDefinition } from '../plugin-api.js';
import { publicOnlyLookup, REFUSED_ADDRESS, targetUrl } from './address.js';
import { checkSynapseSpec, createNonceClock, signAxonRequest, type SynapseSpec } from './axon.js';
import { synapseAnswer } from './axon-response.js';
import { signRequest } from './epistula.js';
import type { Hotkey } from './keys.js';

/** Every way a query can end; a miner's fault is always one of these, never an exception. */
export const QUERY_STATUSES = ['ok', 'timeout', 'too_large', 'invalid_json', 'http_error', 'unreachable', 'refused_address'] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];

/** What happened to one query. Only `ok` carries `json`. */
export interface QueryResult {
  status: QueryStatus;
  httpStatus: number | null;
  latencyMs: number;
  /** `Date.now()` when the request was sent (after waiting for a concurrency slot). */
  startedAtMs: number;
  /** The body as text, at most `maxResponseBytes` bytes of it; a prefix when the body was cut off. */
  bodyText: string | null;
  /** sha256 hex of the whole body received; null when none was received whole. */
  bodyHash: string | null;
  json: Json | undefined;
  error: string | null;
}

export interface MinerTarget {
  hotkey: string;
  url: string;
}

export interface QueryLimits {
  /** One deadline from send to the last byte: connect, headers and the whole body. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** How requests are signed: Epistula v2 (the default) or the legacy axon scheme. */
  scheme?: 'epistula' | 'axon';
  /** For the axon scheme: the synapse class the miner serves (its name is the path). */
  synapse?: SynapseSpec;
}

export interface MinerClientOptions {
  signer: Hotkey;
  /** Queries in flight at once, across all miners. */
  concurrency?: number;
  /** Whether loopback, private and link-local addresses may be contacted (the local subnet). */
  allowPrivate: boolean;
}

export interface MinerClient {
  query(target: MinerTarget, path: string, body: Json, limits: QueryLimits): Promise<QueryResult>;
  close(): Promise<void>;
}

/** `sessionTargets`: miners whose idle axon sessions are kept for reuse (a subnet has at most 256 UIDs). */
const defaults = { concurrency: 64, keepAliveTimeoutMs: 30_000, sessionTargets: 4096 } as const;

/** At most `limit` holders at once; the rest wait in order. */
function createSemaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (active < limit) {
        active += 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else active -= 1;
    },
  };
}

function errorParts(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : 'ERROR', message };
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Free axon session uuids per miner, least recently used first; bounded so churn cannot grow it. */
function createSessions(limit: number) {
  const free = new Map<string, string[]>();
  return {
    take(key: string): string {
      const list = free.get(key);
      if (list === undefined || list.length === 0) return randomUUID();
      free.delete(key);
      free.set(key, list);
      return list.pop() as string;
    },
    give(key: string, uuid: string): void {
      let list = free.get(key);
      if (list === undefined) {
        list = [];
        free.set(key, list);
        if (free.size > limit) free.delete(free.keys().next().value as string);
      }
      list.push(uuid);
    },
  };
}

/**
 * A client for querying miners. One per validator process: its connections are kept alive
 * between rounds. Epistula requests carry a fresh uuid each; axon requests reuse one session uuid
 * per request in flight to a miner, with nanosecond nonces from one monotonic clock, so every
 * session's nonces reach the miner strictly increasing however many queries run at once.
 *
 * @example
 * ```ts
 * const client = createMinerClient({ signer: hotkeyFromSecret('//Alice'), allowPrivate: true });
 * const result = await client.query({ hotkey, url: 'http://127.0.0.1:8091' }, '/proctor/v1/text', body, {
 *   timeoutMs: 5000, maxResponseBytes: 65536,
 * });
 * if (result.status === 'ok') use(result.json);
 * await client.close();
 * ```
 * @throws PROCTOR_ERR_TRANSPORT_OPTIONS when `concurrency` is not an integer ≥ 1.
 */
export function createMinerClient({ signer, concurrency = defaults.concurrency, allowPrivate }: MinerClientOptions): MinerClient {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: 'concurrency', problem: `must be an integer ≥ 1, got ${String(concurrency)}` });
  }
  const agent = new Agent({
    keepAliveTimeout: defaults.keepAliveTimeoutMs,
    keepAliveMaxTimeout: defaults.keepAliveTimeoutMs,
    connect: allowPrivate ? {} : { lookup: publicOnlyLookup },
  });
  const slots = createSemaphore(concurrency);
  const sessions = createSessions(defaults.sessionTargets);
  const clock = createNonceClock();
  let closed = false;

  /** One request within the deadline; `sign` runs just before sending, so a nonce is never stale from waiting. */
  async function send(url: URL, payload: string, sign: () => Record<string, string>, limits: QueryLimits, answerOf: (json: Json) => Json): Promise<QueryResult> {
    const startedAtMs = Date.now();
    const t0 = performance.now();
    const result = (status: QueryStatus, rest: Partial<QueryResult> = {}): QueryResult => ({
      status, httpStatus: null, latencyMs: Math.round((performance.now() - t0) * 1000) / 1000, startedAtMs,
      bodyText: null, bodyHash: null, json: undefined, error: null, ...rest,
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limits.timeoutMs);
    const chunks: Buffer[] = [];
    let kept = 0;
    let httpStatus: number | null = null;
    const prefix = () => (kept === 0 ? null : lenientUtf8.decode(Buffer.concat(chunks, kept)));
    try {
      const headers = { ...sign(), 'Content-Type': 'application/json' };
      const response = await request(url, { method: 'POST', headers, body: payload, dispatcher: agent, signal: controller.signal });
      httpStatus = response.statusCode;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
        // destroy() makes undici emit an AbortError on the body; unheard, it would crash the validator.
        response.body.on('error', () => undefined);
        response.body.destroy();
        return result('too_large', { httpStatus, error: `Content-Length ${declared} exceeds ${limits.maxResponseBytes} bytes` });
      }
      const hash = createHash('sha256');
      let received = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > limits.maxResponseBytes) {
          // Keep only what fits, and stop reading: leaving the loop destroys the body and its socket.
          chunks.push(chunk.subarray(0, limits.maxResponseBytes - kept));
          kept = limits.maxResponseBytes;
          return result('too_large', { httpStatus, bodyText: prefix(), error: `the body exceeds ${limits.maxResponseBytes} bytes` });
        }
        hash.update(chunk);
        chunks.push(chunk);
        kept += chunk.length;
      }
      const raw = Buffer.concat(chunks, kept);
      const whole = { httpStatus, bodyText: lenientUtf8.decode(raw), bodyHash: hash.digest('hex') };
      if (httpStatus < 200 || httpStatus > 299) return result('http_error', { ...whole, error: `HTTP ${httpStatus}` });
      let json: Json;
      try {
        json = JSON.parse(fatalUtf8.decode(raw)) as Json;
      } catch (error) {
        return result('invalid_json', { ...whole, error: errorParts(error).message });
      }
      return result('ok', { ...whole, json: answerOf(json) });
    } catch (error) {
      if (timedOut) return result('timeout', { httpStatus, bodyText: prefix(), error: `no complete response within ${limits.timeoutMs} ms` });
      const { code, message } = errorParts(error);
      if (code === REFUSED_ADDRESS) return result('refused_address', { error: message });
      if (code === 'UND_ERR_HEADERS_OVERFLOW') return result('too_large', { httpStatus, error: 'the response headers are too large' });
      return result('unreachable', { httpStatus, bodyText: prefix(), error: `${code}: ${message}` });
    } finally {
      clearTimeout(timer);
    }
  }

  function refused(error: string): QueryResult {
    return { status: closed ? 'unreachable' : 'refused_address', httpStatus: null, latencyMs: 0, startedAtMs: Date.now(), bodyText: null, bodyHash: null, json: undefined, error };
  }

  return {
    async query(target, path, body, limits) {
      const scheme = limits.scheme ?? 'epistula';
      if (scheme !== 'epistula' && scheme !== 'axon') throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: 'scheme', problem: 'must be "epistula" or "axon"' });
      const synapse = scheme === 'axon' ? checkSynapseSpec(limits.synapse as SynapseSpec) : null;
      if (synapse !== null && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: 'body', problem: 'must be a JSON object (a synapse) for the axon scheme' });
      }
      const url = closed ? 'the client is closed' : targetUrl(target.url, path, allowPrivate);
      if (typeof url === 'string') return refused(url);
      const payload = JSON.stringify(body);
      await slots.acquire();
      try {
        if (synapse === null) return await send(url, payload, () => signRequest(payload, signer, target.hotkey), limits, (json) => json);
        const fields = body as { [key: string]: Json };
        const axon = { hotkey: target.hotkey, ip: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
        const sessionKey = `${target.hotkey}@${url.origin}`;
        const uuid = sessions.take(sessionKey);
        try {
          const sign = () => signAxonRequest({ body: fields, synapse, signer, axon, nonce: clock(), uuid, timeoutMs: limits.timeoutMs });
          return await send(url, payload, sign, limits, (json) => synapseAnswer(fields, json));
        } finally {
          sessions.give(sessionKey, uuid);
        }
      } finally {
        slots.release();
      }
    },
    async close() {
      closed = true;
      await agent.close();
    },
  };
}

/**
 * Where and how to query a plugin's miners: the path and the limits to pass to `query`, from the
 * plugin's `protocol`. Epistula plugins are served at `/proctor/v1/<name>`, axon ones at `/<Synapse>`.
 *
 * @example
 * ```ts
 * const { path, limits } = minerRoute(plugin.definition);
 * await client.query(miner, path, body, limits);
 * ```
 * @throws PROCTOR_ERR_TRANSPORT_OPTIONS when the scheme is unknown, or axon without a valid `synapse`.
 */
export function minerRoute(definition: Pick<PluginDefinition, 'name' | 'protocol'>): { path: string; limits: QueryLimits } {
  const { protocol, name } = definition;
  const base = { timeoutMs: protocol.timeoutMs, maxResponseBytes: protocol.maxResponseBytes };
  const scheme = protocol.scheme ?? 'epistula';
  if (scheme === 'epistula') return { path: `/proctor/v1/${name}`, limits: base };
  if (scheme !== 'axon') throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: `plugins.${name}.protocol.scheme`, problem: 'must be "epistula" or "axon"' });
  if (protocol.synapse === undefined) throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: `plugins.${name}.protocol.synapse`, problem: 'is required with scheme "axon"' });
  const synapse = checkSynapseSpec({ name: protocol.synapse.name, hashFields: protocol.synapse.hashFields ?? [], floatFields: protocol.synapse.floatFields }, `plugins.${name}.protocol.synapse`);
  return { path: `/${synapse.name}`, limits: { ...base, scheme, synapse } };
}
