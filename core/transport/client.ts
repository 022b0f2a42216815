/**
 * The validator side of the miner protocol: signed JSON POSTs to miners, over undici with
 * keep-alive. A miner cannot make a query throw, hang past its deadline, or make the validator
 * buffer more than the response cap: every failure comes back as a `QueryResult` status.
 */
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { Json } from '../plugin-api.js';
import { signRequest } from './epistula.js';
import type { Hotkey } from './keys.js';

export type QueryStatus = 'ok' | 'timeout' | 'too_large' | 'invalid_json' | 'http_error' | 'unreachable' | 'refused_address';

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

const defaults = { concurrency: 64, keepAliveTimeoutMs: 30_000 } as const;

/** Addresses that are not on the public internet. IPv4 rules also match IPv4-mapped IPv6. */
const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
] as const) nonPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) nonPublic.addSubnet(net, prefix, 'ipv6');

/** Whether `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const REFUSED = 'PROCTOR_REFUSED_ADDRESS';

/**
 * DNS lookup for the connector that refuses names resolving to non-public addresses. It runs at
 * connect time, on the addresses actually dialled, so a name cannot rebind to a private address.
 */
function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused !== undefined || addresses.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: REFUSED }), []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/** The URL to POST to, or why the target may not be contacted. Decided before any traffic. */
function targetUrl(target: MinerTarget, path: string, allowPrivate: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return 'the miner URL is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not http or https`;
  if (url.username !== '' || url.password !== '') return 'the miner URL carries credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) return `${host} is not a public address`;
  url.pathname = url.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  url.search = '';
  url.hash = '';
  return url;
}

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

/**
 * A client for querying miners. One per validator process: its connections are kept alive
 * between rounds.
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
 */
export function createMinerClient({ signer, concurrency = defaults.concurrency, allowPrivate }: MinerClientOptions): MinerClient {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  const agent = new Agent({
    keepAliveTimeout: defaults.keepAliveTimeoutMs,
    keepAliveMaxTimeout: defaults.keepAliveTimeoutMs,
    connect: allowPrivate ? {} : { lookup: publicOnlyLookup },
  });
  const slots = createSemaphore(concurrency);
  let closed = false;

  async function send(url: URL, target: MinerTarget, payload: string, limits: QueryLimits): Promise<QueryResult> {
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
      const headers = { ...signRequest(payload, signer, target.hotkey), 'Content-Type': 'application/json' };
      const response = await request(url, { method: 'POST', headers, body: payload, dispatcher: agent, signal: controller.signal });
      httpStatus = response.statusCode;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
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
      try {
        return result('ok', { ...whole, json: JSON.parse(fatalUtf8.decode(raw)) as Json });
      } catch (error) {
        return result('invalid_json', { ...whole, error: errorParts(error).message });
      }
    } catch (error) {
      if (timedOut) return result('timeout', { httpStatus, bodyText: prefix(), error: `no complete response within ${limits.timeoutMs} ms` });
      const { code, message } = errorParts(error);
      if (code === REFUSED) return result('refused_address', { error: message });
      if (code === 'UND_ERR_HEADERS_OVERFLOW') return result('too_large', { httpStatus, error: 'the response headers are too large' });
      return result('unreachable', { httpStatus, bodyText: prefix(), error: `${code}: ${message}` });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async query(target, path, body, limits) {
      const url = closed ? 'the client is closed' : targetUrl(target, path, allowPrivate);
      if (typeof url === 'string') {
        return {
          status: closed ? 'unreachable' : 'refused_address', httpStatus: null, latencyMs: 0, startedAtMs: Date.now(),
          bodyText: null, bodyHash: null, json: undefined, error: url,
        };
      }
      const payload = JSON.stringify(body);
      await slots.acquire();
      try {
        return await send(url, target, payload, limits);
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
