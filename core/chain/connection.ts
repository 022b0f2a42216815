/**
 * One `ApiPromise` on one endpoint, kept connected: a lost connection is retried with exponential
 * backoff and jitter (1 s, 2 s, 4 s … capped at 30 s) for as long as the process runs, while
 * `ApiPromise` re-subscribes by itself once the socket is back. Metadata always comes from the
 * node (`state_getMetadata`), so every call, storage item and error name matches its runtime.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { ProviderInterface } from '@polkadot/rpc-provider/types';
import { rpc as authorRpc } from '@polkadot/types/interfaces/author/rpc';
import { isProctorError, proctorError } from '../errors.js';
import { isConnectionError } from './chain-errors.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Attempts at start-up before giving up with PROCTOR_ERR_CHAIN_CONNECT (later losses retry forever). */
  startupAttempts: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2, startupAttempts: 6 };

/**
 * The wait before reconnect attempt `attempt` (1-based): exponential, capped, ±25 % jitter so that
 * many validators do not hammer a recovering node in step.
 *
 * @example
 * ```ts
 * backoffDelay(1, defaultBackoff, () => 0.5); // 1000
 * backoffDelay(4, defaultBackoff, () => 0.5); // 8000
 * backoffDelay(9, defaultBackoff, () => 0.5); // 30000 (capped)
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

export interface ConnectOptions {
  endpoint: string;
  /** Tests pass an in-process provider; otherwise a WebSocket to `endpoint`. */
  provider?: ProviderInterface;
  backoff?: Partial<BackoffOptions>;
  /** Diagnostics (stderr). */
  log?: (line: string) => void;
  /** How a retry is scheduled; tests replace it to run without waiting. */
  schedule?: (fn: () => void, ms: number) => void;
  /** Seconds one RPC may take before the provider gives up on it. */
  requestTimeoutMs?: number;
}

export interface ChainConnection {
  readonly api: ApiPromise;
  readonly endpoint: string;
  readonly isConnected: boolean;
  /** The waits scheduled so far, in ms (what the backoff did). */
  readonly retryDelays: readonly number[];
  /** Resolves once connected (at once if already); rejects after `timeoutMs` without a connection. */
  whenConnected(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects and waits until the API is ready (metadata loaded from the node).
 *
 * @example
 * ```ts
 * const connection = await openConnection({ endpoint: resolveNetwork('finney').endpoint, log });
 * const header = await connection.api.rpc.chain.getHeader();
 * await connection.close();
 * ```
 * @throws PROCTOR_ERR_CHAIN_CONNECT after `startupAttempts` failed attempts.
 */
export async function openConnection(options: ConnectOptions): Promise<ChainConnection> {
  const backoff = { ...defaultBackoff, ...options.backoff };
  const log = options.log ?? (() => {});
  // The retry timer keeps the process alive (nothing else may while the node is down); close() clears it.
  let pending: NodeJS.Timeout | null = null;
  const schedule =
    options.schedule ??
    ((fn: () => void, ms: number) => {
      pending = setTimeout(() => {
        pending = null;
        fn();
      }, ms);
    });
  // autoConnect off: this module owns the retry policy (the provider's own is a fixed delay).
  const provider = options.provider ?? new WsProvider(options.endpoint, false, {}, options.requestTimeoutMs ?? 60_000);
  // Submission errors are read and reported by submit.ts; the library would also print each one.
  const quiet = (name: 'submitAndWatchExtrinsic' | 'submitExtrinsic') => ({ ...authorRpc[name], noErrorLog: true });
  const api = new ApiPromise({ provider, noInitWarn: true, rpc: { author: { submitAndWatchExtrinsic: quiet('submitAndWatchExtrinsic'), submitExtrinsic: quiet('submitExtrinsic') } } });
  // Failures surface through the calls that hit them; `isReadyOrError` rejects on the first socket
  // error, which must not become an unhandled rejection while the backoff is still retrying.
  api.on('error', () => {});
  api.isReadyOrError.catch(() => {});
  const retryDelays: number[] = [];
  let attempt = 0;
  let closing = false;
  let ready = false;
  let waiters: (() => void)[] = [];
  let giveUp: ((err: Error) => void) | null = null;
  let lastError = 'no answer';

  const tryConnect = () => {
    if (closing || provider.isConnected) return;
    provider.connect().catch((err: unknown) => {
      // A socket still opening: its own close event will schedule the next attempt.
      if (/already connected/i.test((err as Error).message)) return;
      lastError = (err as Error).message;
      onDisconnected();
    });
  };
  const onDisconnected = () => {
    if (closing) return;
    attempt += 1;
    if (!ready && attempt >= backoff.startupAttempts && giveUp) return giveUp(new Error(lastError));
    const ms = backoffDelay(attempt, backoff);
    retryDelays.push(ms);
    log(`chain: no connection to ${options.endpoint} (${lastError}); retry ${attempt} in ${(ms / 1000).toFixed(1)} s`);
    schedule(tryConnect, ms);
  };
  provider.on('error', (err: unknown) => {
    lastError = (err as Error)?.message ?? 'socket error';
  });
  provider.on('disconnected', onDisconnected);
  provider.on('connected', () => {
    if (attempt > 0 && ready) log(`chain: reconnected to ${options.endpoint}`);
    attempt = 0;
    const w = waiters;
    waiters = [];
    w.forEach((resolve) => resolve());
  });

  const readyOrFail = new Promise<void>((resolve, reject) => {
    giveUp = (err) => reject(proctorError('PROCTOR_ERR_CHAIN_CONNECT', { endpoint: options.endpoint, attempts: attempt, detail: err.message }, err));
    api.once('ready', () => resolve());
    // The node answered but the API cannot be built on it (metadata it cannot read): no retry helps.
    api.on('error', (err: Error) => {
      if (!ready && /^FATAL/.test(err?.message ?? '')) reject(proctorError('PROCTOR_ERR_CHAIN_CONNECT', { endpoint: options.endpoint, attempts: attempt + 1, detail: err.message }, err));
    });
  });
  tryConnect();
  try {
    await readyOrFail;
  } catch (err) {
    closing = true;
    if (pending) clearTimeout(pending);
    await api.disconnect().catch(() => {});
    throw err;
  }
  ready = true;

  return {
    api,
    endpoint: options.endpoint,
    get isConnected() {
      return provider.isConnected;
    },
    retryDelays,
    whenConnected(timeoutMs = 60_000) {
      if (provider.isConnected) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`disconnected from ${options.endpoint}: no connection for ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      closing = true;
      if (pending) clearTimeout(pending);
      await api.disconnect().catch(() => {});
    },
  };
}

/**
 * Runs a read against the chain; when the connection (not the request) fails, waits for the
 * reconnect and tries again, up to `attempts` times. Other failures become PROCTOR_ERR_CHAIN_RPC.
 *
 * @example
 * ```ts
 * const hash = await withReconnect(connection, 'chain_getBlockHash', () => connection.api.rpc.chain.getBlockHash());
 * ```
 */
export async function withReconnect<T>(connection: ChainConnection, what: string, read: () => Promise<T>, attempts = 3): Promise<T> {
  for (let k = 1; ; k++) {
    try {
      await connection.whenConnected();
      return await read();
    } catch (err) {
      if (isProctorError(err)) throw err;
      if (k >= attempts || !isConnectionError(err)) throw proctorError('PROCTOR_ERR_CHAIN_RPC', { method: what, detail: (err as Error).message }, err);
    }
  }
}
