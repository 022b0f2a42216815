/**
 * One copy of each n-gram model per process, read by every worker thread.
 *
 * The tables live in `SharedArrayBuffer`s (see `decodeNgramTables`). The thread that owns a worker
 * pool serves them: `serveNgramTables()` opens a `BroadcastChannel`, and a worker told its name
 * (`useNgramTablesFrom`) asks there instead of reading and decoding the folder itself. The owner
 * loads each folder once, on the first request, and every worker then reads the same memory.
 *
 * Why: n-gram scoring is a walk of dependent reads through a 7 MB trie. With a copy per worker,
 * two workers keep 14 MB hot and fight over the cache they share; with one copy they read the
 * same lines. In one minute here, a random-read loop over 8 MiB per thread scaled 1.27–1.69× on
 * two threads, and 1.91–1.99× when the two read one shared table (see `native/ngram/README.md`).
 * Only the typed arrays are shared: each thread still holds the vocabulary and its index (2 MB).
 */
import { isMainThread, BroadcastChannel } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { isProctorError, proctorError, type ErrorCode } from '../../core/errors.js';
import type { NgramMetadata, NgramTables } from './ngram-format.js';

export interface SharedNgramModel {
  metadata: NgramMetadata;
  tables: NgramTables;
}

interface Request {
  kind: 'request';
  id: string;
  dir: string;
}

type Reply =
  | { kind: 'tables'; id: string; model: SharedNgramModel }
  | { kind: 'error'; id: string; code: string; data: unknown; message: string };

/** A running server: the channel name workers are given, and how to stop answering. */
export interface NgramTableServer {
  readonly channel: string;
  /** Requests answered or being answered so far (each folder is still read from disk once, by `load`). */
  readonly requests: number;
  close(): void;
}

/**
 * Answers workers' requests for model folders on a channel of its own, with `load` (the thread's
 * own cached loader, so that this thread and its workers share one copy).
 *
 * @example
 * ```ts
 * const server = serveNgramTables((dir) => loadNgramModel(dir));
 * await pool.run({ tablesChannel: server.channel, … }); // the worker calls useNgramTablesFrom(channel)
 * server.close();
 * ```
 */
export function serveNgramTables(load: (dir: string) => Promise<SharedNgramModel>): NgramTableServer {
  const channel = new BroadcastChannel(`proctor-ngram-tables-${randomUUID()}`);
  let requests = 0;
  let closed = false;
  // A load can finish after the pool closed the server (a worker stopped while the model decoded):
  // posting on a closed channel throws, and nobody is left to answer.
  const reply = (message: Reply) => {
    if (!closed) channel.postMessage(message);
  };
  channel.onmessage = (event) => {
    const request = (event as MessageEvent).data as Partial<Request> | null;
    if (request === null || typeof request !== 'object' || request.kind !== 'request') return;
    if (typeof request.id !== 'string' || typeof request.dir !== 'string') return;
    const { id, dir } = request;
    requests += 1;
    Promise.resolve(dir)
      .then(load)
      .then(
        ({ metadata, tables }) => reply({ kind: 'tables', id, model: { metadata, tables } }),
        (error: unknown) => reply(errorReply(id, error)),
      );
  };
  // Serving never keeps the owner alive; its pool does.
  channel.unref();
  return {
    channel: channel.name as string,
    get requests() {
      return requests;
    },
    close: () => {
      closed = true;
      channel.close();
    },
  };
}

function errorReply(id: string, error: unknown): Reply {
  if (isProctorError(error)) return { kind: 'error', id, code: error.code, data: error.data, message: error.message };
  return { kind: 'error', id, code: 'PROCTOR_ERR_INTERNAL_UNEXPECTED', data: { detail: String((error as Error)?.message ?? error) }, message: String(error) };
}

let source: string | null = null;

/** In a worker: ask the server on `channel` for model tables from now on (null: read folders here). */
export function useNgramTablesFrom(channel: string | null): void {
  source = channel;
}

/** The channel a worker asks on, or null where the thread reads folders itself (always on the main thread). */
export function ngramTableSource(): string | null {
  return isMainThread ? null : source;
}

/**
 * Asks the server on `channel` for the model in `dir`. Rejects with the server's coded error (a
 * missing or malformed folder), rebuilt in this thread.
 */
export function requestNgramTables(channel: string, dir: string): Promise<SharedNgramModel> {
  const bus = new BroadcastChannel(channel);
  const id = randomUUID();
  return new Promise<SharedNgramModel>((resolve, reject) => {
    bus.onmessage = (event) => {
      const reply = (event as MessageEvent).data as Partial<Reply> | null;
      if (reply === null || typeof reply !== 'object' || reply.id !== id) return;
      bus.close();
      if (reply.kind === 'tables' && reply.model !== undefined) resolve(reply.model);
      else if (reply.kind === 'error') reject(rebuiltError(reply as Extract<Reply, { kind: 'error' }>));
      else reject(proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `the n-gram table server sent a malformed reply for ${dir}` }));
    };
    bus.postMessage({ kind: 'request', id, dir } satisfies Request);
  });
}

function rebuiltError(reply: Extract<Reply, { kind: 'error' }>): Error {
  try {
    return proctorError(reply.code as ErrorCode, reply.data as never);
  } catch {
    return new Error(reply.message);
  }
}
