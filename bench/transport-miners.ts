/**
 * The miners of `npm run bench -- transport`, in a child process so that the validator's memory is
 * measured alone: `signed` runs real `startMinerServer`s (Epistula route and axon synapse, one
 * shared SQLite nonce store); `plain` runs bare node:http servers that answer without checking
 * anything, for the unsigned baseline. Talks to the parent over IPC.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cryptoReady, hotkeyFromSecret } from '../core/transport/keys.js';
import { startMinerServer } from '../core/transport/miner-server.js';
import { openNonceStore } from '../core/transport/nonce-store.js';

export const BENCH_PATH = '/proctor/v1/text';
export const BENCH_SYNAPSE = { name: 'ProctorQuery', hashFields: ['task_id', 'prompt'] };

/** The bench's miner keys: raw seeds, so that 1,024 of them derive in milliseconds. */
export function benchMinerSecret(index: number): string {
  return `0x${createHash('sha256').update(`proctor-bench-miner-${index}`).digest('hex')}`;
}

export type ChildMessage =
  | { type: 'ready'; miners: { hotkey: string; url: string }[] }
  | { type: 'memory'; rss: number; heapUsed: number; nonces: number; connections: number; cpuMs: number; gcCpuMs: number };

const answer = () => ({ answer: '42' });
/**
 * Idle connections stay open for a minute (the servers' default is 5 s): a round of 1,024 queries
 * can take longer than 5 s on a busy machine, and then some connections would close between rounds
 * and others not, which makes both the reuse figures and the heap samples depend on timing.
 */
const KEEP_ALIVE_MS = 60_000;

async function startPlain(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(answer()));
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
  const [mode, countText, dir] = process.argv.slice(2);
  const count = Number(countText);
  await cryptoReady();
  const nonces = mode === 'signed' ? openNonceStore(join(dir, 'nonces.sqlite')) : null;
  const miners: { hotkey: string; url: string }[] = [];
  const closers: (() => Promise<void>)[] = [];
  for (let i = 0; i < count; i++) {
    const hotkey = hotkeyFromSecret(benchMinerSecret(i));
    if (nonces === null) {
      const plain = await startPlain();
      closers.push(plain.close);
      miners.push({ hotkey: hotkey.address, url: plain.url });
      continue;
    }
    const server = await startMinerServer({
      hotkey,
      nonceStore: nonces,
      keepAliveTimeoutMs: KEEP_ALIVE_MS,
      routes: { [BENCH_PATH]: answer },
      synapses: { [BENCH_SYNAPSE.name]: { hashFields: BENCH_SYNAPSE.hashFields, handler: answer } },
    });
    closers.push(server.close);
    miners.push({ hotkey: hotkey.address, url: server.url });
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'memory') {
      // CPU time before the GC, and the GC's own cost, so the parent can leave the sampling out.
      const cpu = process.cpuUsage();
      gc?.();
      const gcCpu = process.cpuUsage(cpu);
      const { rss, heapUsed } = process.memoryUsage();
      const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
      // Accepted connections are ref'd handles: their count is the validator's open connections.
      const connections = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
      process.send?.({ type: 'memory', rss, heapUsed, nonces: nonces?.size() ?? 0, connections, cpuMs: ms(cpu), gcCpuMs: ms(gcCpu) } satisfies ChildMessage);
    }
    if (message.type === 'stop') {
      void Promise.all(closers.map((close) => close())).then(() => {
        nonces?.close();
        process.exit(0);
      });
    }
  });
  process.send?.({ type: 'ready', miners } satisfies ChildMessage);
}

if (process.send !== undefined && process.argv[2] !== undefined) await main();
