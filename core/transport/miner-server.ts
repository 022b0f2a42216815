/**
 * The miner side of the protocol: an HTTP server that accepts only Epistula-signed JSON POSTs
 * addressed to its hotkey, and turns each into one call of a route handler.
 *
 * Cheap refusals come first (method, path, declared size, headers, allow-list), so an
 * unauthenticated client never gets its body read or hashed; a slow sender is cut off by the
 * server's request timeout. The reference miners use it; so can anyone writing a miner in TS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proctorError } from '../errors.js';
import type { Json } from '../plugin-api.js';
import { DEFAULT_MAX_SKEW_MS, verifyBodySignature, verifyHeaders } from './epistula.js';
import type { Hotkey } from './keys.js';

export type RouteHandler = (body: Json, ctx: { signedBy: string }) => Json | Promise<Json>;

export interface MinerServerOptions {
  hotkey: Hotkey;
  /** 0 picks a free port; read it back from the result. */
  port?: number;
  host?: string;
  /** Handlers by exact path, e.g. `{ '/proctor/v1/text': answer }`. */
  routes: { [path: string]: RouteHandler };
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
  /** Time allowed to receive a whole request, headers and body; a slower sender gets 408. */
  requestTimeoutMs?: number;
  /** Which signers may query; by default anyone whose signature verifies. */
  allowedValidators?: (ss58: string) => boolean;
}

export interface MinerServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const defaults = { port: 0, host: '127.0.0.1', maxBodyBytes: 65_536, maxHeaderBytes: 16_384, requestTimeoutMs: 10_000 } as const;

/** Request uuids seen within the skew window: a signed request is answered once, not replayed. */
function createReplayGuard(windowMs: number) {
  const seen = new Map<string, number>();
  return {
    /** False when `uuid` was already used. */
    claim(uuid: string, now: number): boolean {
      if (seen.size > 1000) for (const [id, expires] of seen) if (expires < now) seen.delete(id);
      const key = uuid.toLowerCase();
      if ((seen.get(key) ?? -Infinity) >= now) return false;
      seen.set(key, now + windowMs);
      return true;
    },
  };
}

function reply(res: ServerResponse, status: number, body: Json, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
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

/**
 * Starts a miner's HTTP server. Status codes: 405 not POST, 404 unknown path, 413 body over
 * `maxBodyBytes`, 401 `{ error: reason }` when the Epistula check fails (or the request is a
 * replay), 403 signer not allowed, 400 body not JSON, 500 handler failed, 200 the handler's JSON.
 *
 * @example
 * ```ts
 * const server = await startMinerServer({
 *   hotkey: devHotkey('miner', 0),
 *   routes: { '/proctor/v1/text': (body) => ({ answer: solve(body) }) },
 * });
 * console.error(`miner listening on ${server.url}`);
 * ```
 * @throws PROCTOR_ERR_MINER_LISTEN when the port cannot be bound.
 */
export async function startMinerServer(options: MinerServerOptions): Promise<MinerServer> {
  const { hotkey, routes, allowedValidators } = options;
  const port = options.port ?? defaults.port;
  const host = options.host ?? defaults.host;
  const maxBodyBytes = options.maxBodyBytes ?? defaults.maxBodyBytes;
  const requestTimeoutMs = options.requestTimeoutMs ?? defaults.requestTimeoutMs;
  // An own-property map: a path like /__proto__ or /constructor must be a 404, not a prototype lookup.
  const handlers = new Map<string, RouteHandler>(Object.entries(routes));
  const replays = createReplayGuard(2 * DEFAULT_MAX_SKEW_MS);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return reply(res, 405, { error: 'method_not_allowed' }, true);
    }
    const path = (req.url ?? '').split('?')[0];
    const handler = handlers.get(path);
    if (handler === undefined) return reply(res, 404, { error: 'not_found' }, true);

    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= maxBodyBytes)) return reply(res, 413, { error: 'too_large' }, true);

    const checked = verifyHeaders(req.headers, { self: hotkey.address });
    if (!checked.ok) return reply(res, 401, { error: checked.reason }, true);
    if (allowedValidators !== undefined && !allowedValidators(checked.signedBy)) {
      return reply(res, 403, { error: 'validator_not_allowed' }, true);
    }

    const raw = await readBody(req, maxBodyBytes);
    if (raw === 'aborted') return;
    if (raw === 'too_large') return reply(res, 413, { error: 'too_large' }, true);
    if (!verifyBodySignature(checked, raw)) return reply(res, 401, { error: 'bad_signature' });
    if (!replays.claim(checked.uuid, Date.now())) return reply(res, 401, { error: 'replayed' });

    let body: Json;
    try {
      body = JSON.parse(fatalUtf8.decode(raw)) as Json;
    } catch {
      return reply(res, 400, { error: 'invalid_json' });
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(await handler(body, { signedBy: checked.signedBy }));
    } catch {
      // Never the message or stack: they may say more about the miner than it means to.
      return reply(res, 500, { error: 'internal' });
    }
    if (text === undefined) return reply(res, 500, { error: 'internal' });
    if (res.headersSent || res.destroyed) return;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? defaults.maxHeaderBytes,
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
      keepAliveTimeout: 5000,
    },
    (req, res) => {
      handle(req, res).catch(() => reply(res, 500, { error: 'internal' }, true));
    },
  );

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
