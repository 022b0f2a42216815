/**
 * The miner side of the protocol, as a small library: an HTTP server that accepts only signed JSON
 * POSTs addressed to its hotkey, in either scheme, and turns each into one call of a handler.
 * Epistula routes are served at their paths (`/proctor/v1/text`), legacy axon synapses at
 * `/{SynapseName}`.
 *
 * Cheap refusals come first (method, path, declared size, headers, allow-list), so an
 * unauthenticated client never gets its body read; a sender slow with its headers or its body is
 * cut off; a nonce is claimed in the nonce store only after its signature verifies, so nobody can
 * burn another sender's nonces. The reference miners use it; so can anyone writing a miner in TS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proctorError } from '../errors.js';
import type { Json } from '../plugin-api.js';
import { ALLOWED_DELTA_MS, DEFAULT_MAX_TIMEOUT_S, checkSynapseSpec, verifyAxonBody, verifyAxonHeaders, type SynapseSpec } from './axon.js';
import { axonResponseHeaders, synapseResponseBody } from './axon-response.js';
import { DEFAULT_MAX_SKEW_MS, verifyBodySignature, verifyHeaders } from './epistula.js';
import type { Hotkey } from './keys.js';
import { createMemoryNonceStore, type NonceStore } from './nonce-store.js';
import { REFUSAL_STATUS, type RefusalReason } from './refusal.js';

export type RouteHandler = (body: Json, ctx: { signedBy: string }) => Json | Promise<Json>;

/** A legacy axon synapse: its hash fields (as the Python class declares them) and its handler. */
export interface SynapseRoute {
  hashFields: readonly string[];
  floatFields?: readonly string[];
  /** Gets the synapse's fields; returns the fields it fills in (merged over the request's in the reply). */
  handler: RouteHandler;
}

export interface MinerServerOptions {
  hotkey: Hotkey;
  /** 0 picks a free port; read it back from the result. */
  port?: number;
  host?: string;
  /** Epistula handlers by exact path, e.g. `{ '/proctor/v1/text': answer }`. */
  routes?: { [path: string]: RouteHandler };
  /** Legacy axon handlers by synapse class name, served at `/{name}`. */
  synapses?: { [name: string]: SynapseRoute };
  /** Where accepted nonces are remembered; pass `openNonceStore(file)` to survive restarts. Default: memory. */
  nonceStore?: NonceStore;
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
  /** Time allowed to receive the headers; a slower sender gets 408. */
  headersTimeoutMs?: number;
  /** Time allowed to receive the whole request, headers and body; a slower sender gets 408. */
  requestTimeoutMs?: number;
  /** Open connections at most; more are dropped on arrival. */
  maxConnections?: number;
  /** How long an idle kept-alive connection stays open, ms (5 s, as uvicorn behind a Python axon). */
  keepAliveTimeoutMs?: number;
  /** Epistula: how far a timestamp may be from this clock. */
  maxSkewMs?: number;
  /** Axon: the most a sender's `timeout` header may widen the nonce window, seconds. */
  maxTimeoutS?: number;
  /** Which signers may query; by default anyone whose signature verifies. */
  allowedValidators?: (ss58: string) => boolean;
}

export interface MinerServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const defaults = {
  port: 0, host: '127.0.0.1', maxBodyBytes: 65_536, maxHeaderBytes: 16_384, headersTimeoutMs: 5000, requestTimeoutMs: 10_000, maxConnections: 1024, keepAliveTimeoutMs: 5000,
} as const;

function positive(option: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option, problem: `must be an integer ≥ 1, got ${String(v)}` });
  return v;
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body) ?? 'null';
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  // After a refusal the rest of the request is not worth reading: close instead of draining it.
  if (close) res.setHeader('Connection', 'close');
  res.end(text);
}

/** The body, or 'too_large' as soon as it passes `limit` (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: Buffer | 'too_large' | 'aborted') => {
      req.removeAllListeners('data');
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks, size)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => {
      if (!req.complete) finish('aborted');
    });
  });
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** An authenticated request: who signed it, its JSON, and the nonce to claim before answering. */
interface Verified {
  signedBy: string;
  body: Json;
  nonceKey: string;
  nonce: bigint;
  keepUntilMs: number;
}

/**
 * Starts a miner's HTTP server. Status codes: 405 not POST, 404 unknown path, 413 body over
 * `maxBodyBytes`, 401 `{ error: reason }` when the signature, recipient or nonce check fails
 * (`replayed` for a nonce not above the last one of its sender and session), 403 signer not
 * allowed, 400 body not JSON (or, axon, a body hash mismatch), 408 too slow, 431 headers too large,
 * 500 handler failed, 200 the handler's JSON. Axon replies carry `bt_header_axon_*` headers and
 * the request's synapse with the answer merged in, as a Python axon answers.
 *
 * @example
 * ```ts
 * const server = await startMinerServer({
 *   hotkey: devHotkey('miner', 0),
 *   routes: { '/proctor/v1/text': (body) => ({ answer: solve(body) }) },
 *   synapses: { TextSynapse: { hashFields: ['prompt'], handler: (body) => ({ completion: solve(body) }) } },
 *   nonceStore: openNonceStore('nonces.sqlite'),
 * });
 * console.error(`miner listening on ${server.url}`);
 * ```
 * @throws PROCTOR_ERR_MINER_LISTEN when the port cannot be bound; PROCTOR_ERR_TRANSPORT_OPTIONS for a bad option.
 */
export async function startMinerServer(options: MinerServerOptions): Promise<MinerServer> {
  const { hotkey, allowedValidators } = options;
  const self = hotkey.address;
  const port = options.port ?? defaults.port;
  const host = options.host ?? defaults.host;
  const maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes, defaults.maxBodyBytes);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, defaults.requestTimeoutMs);
  const headersTimeoutMs = Math.min(positive('headersTimeoutMs', options.headersTimeoutMs, defaults.headersTimeoutMs), requestTimeoutMs);
  const maxSkewMs = positive('maxSkewMs', options.maxSkewMs, DEFAULT_MAX_SKEW_MS);
  const maxTimeoutS = positive('maxTimeoutS', options.maxTimeoutS, DEFAULT_MAX_TIMEOUT_S);
  const nonces = options.nonceStore ?? createMemoryNonceStore();
  // Own-property maps: a path like /__proto__ or /constructor must be a 404, not a prototype lookup.
  const routes = new Map<string, RouteHandler>(Object.entries(options.routes ?? {}));
  const synapses = new Map<string, { spec: SynapseSpec; handler: RouteHandler }>();
  for (const [name, route] of Object.entries(options.synapses ?? {})) {
    const spec = checkSynapseSpec({ name, hashFields: route.hashFields, floatFields: route.floatFields }, `synapses.${name}`);
    if (routes.has(`/${name}`)) throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: `synapses.${name}`, problem: `clashes with the route /${name}` });
    synapses.set(`/${name}`, { spec, handler: route.handler });
  }

  /** Epistula: headers, then the body's signature. The nonce is the timestamp; the session its uuid. */
  async function epistula(req: IncomingMessage, refuse: (reason: RefusalReason) => null): Promise<Verified | null> {
    const checked = verifyHeaders(req.headers, { self, maxSkewMs });
    if (!checked.ok) return refuse(checked.reason);
    if (allowedValidators !== undefined && !allowedValidators(checked.signedBy)) return refuse('validator_not_allowed');
    const raw = await readBody(req, maxBodyBytes);
    if (raw === 'aborted') return null;
    if (raw === 'too_large') return refuse('too_large');
    if (!verifyBodySignature(checked, raw)) return refuse('bad_signature');
    const nonce = { signedBy: checked.signedBy, nonceKey: `${self}|epistula|${checked.signedBy}|${checked.uuid.toLowerCase()}`, nonce: BigInt(checked.timestamp) * 1_000_000n, keepUntilMs: Number(checked.timestamp) + maxSkewMs + 1 };
    try {
      return { ...nonce, body: JSON.parse(fatalUtf8.decode(raw)) as Json };
    } catch {
      // Claimed even so: the same signed bytes must not be answered twice, whatever they hold.
      if (!nonces.claim(nonce.nonceKey, nonce.nonce, nonce.keepUntilMs)) return refuse('replayed');
      return refuse('invalid_json');
    }
  }

  /** Axon: headers, then the body's JSON, hash and signature, against this server's own hotkey. */
  async function axon(req: IncomingMessage, spec: SynapseSpec, refuse: (reason: RefusalReason) => null, known: (hotkey: string, nonce: string, uuid: string) => void): Promise<Verified | null> {
    const checked = verifyAxonHeaders(req.headers, { self, maxTimeoutS, maxFutureMs: maxSkewMs });
    if (!checked.ok) return refuse(checked.reason);
    known(checked.dendriteHotkey, checked.nonceText, checked.uuid);
    if (allowedValidators !== undefined && !allowedValidators(checked.dendriteHotkey)) return refuse('validator_not_allowed');
    const raw = await readBody(req, maxBodyBytes);
    if (raw === 'aborted') return null;
    if (raw === 'too_large') return refuse('too_large');
    const verified = verifyAxonBody(checked, raw, spec, self);
    if (!verified.ok) return refuse(verified.reason);
    const nonceMs = Number(checked.nonce / 1_000_000n);
    return { signedBy: checked.dendriteHotkey, body: verified.body, nonceKey: `${self}|axon|${checked.dendriteHotkey}|${checked.uuid}`, nonce: checked.nonce, keepUntilMs: nonceMs + ALLOWED_DELTA_MS + maxTimeoutS * 1000 + 1 };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<null | void> {
    const started = performance.now();
    const path = (req.url ?? '').split('?')[0];
    const synapse = synapses.get(path);
    const known = { hotkey: null as string | null, nonce: null as string | null, uuid: null as string | null };
    const axonHeaders = (status: number, message: string) =>
      synapse === undefined ? {} : axonResponseHeaders({
        synapse: synapse.spec, axon: hotkey, dendriteHotkey: known.hotkey, dendriteNonce: known.nonce, dendriteUuid: known.uuid,
        status, message, processTimeS: Math.round(performance.now() - started) / 1000,
      });
    const refuse = (reason: RefusalReason, close = true): null => {
      const status = REFUSAL_STATUS[reason];
      if (reason === 'method_not_allowed') res.setHeader('Allow', 'POST');
      send(res, status, synapse === undefined ? { error: reason } : { error: reason, message: reason }, axonHeaders(status, reason), close);
      return null;
    };
    if (req.method !== 'POST') return refuse('method_not_allowed');
    const handler = synapse?.handler ?? routes.get(path);
    if (handler === undefined) return refuse('not_found');
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= maxBodyBytes)) return refuse('too_large');

    const verified = synapse === undefined
      ? await epistula(req, refuse)
      : await axon(req, synapse.spec, refuse, (h, n, u) => Object.assign(known, { hotkey: h, nonce: n, uuid: u }));
    if (verified === null) return;
    // Only now, with the signature checked, may the sender's nonce advance.
    if (!nonces.claim(verified.nonceKey, verified.nonce, verified.keepUntilMs)) return refuse('replayed', false);

    let answer: Json;
    try {
      answer = await handler(verified.body, { signedBy: verified.signedBy });
      if (JSON.stringify(answer) === undefined) throw new TypeError('not JSON');
    } catch {
      // Never the message or stack: they may say more about the miner than it means to.
      return send(res, 500, synapse === undefined ? { error: 'internal' } : { error: 'internal', message: 'internal' }, axonHeaders(500, 'internal'), true);
    }
    const reply = synapse === undefined ? answer : synapseResponseBody(verified.body as { [key: string]: Json }, answer);
    send(res, 200, reply, axonHeaders(200, 'Success'));
  }

  const server = createServer(
    {
      maxHeaderSize: positive('maxHeaderBytes', options.maxHeaderBytes, defaults.maxHeaderBytes),
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
      keepAliveTimeout: positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs, defaults.keepAliveTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch(() => send(res, 500, { error: 'internal' }, {}, true));
    },
  );
  server.maxConnections = positive('maxConnections', options.maxConnections, defaults.maxConnections);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(proctorError('PROCTOR_ERR_MINER_LISTEN', { port, detail: error.code ?? error.message }, error));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
