/**
 * `npm run bench -- transport [--rounds 100] [--miners 1024] [--baseline-rounds 10] [--concurrency 64]`:
 * one validator querying every local miner once per round, over real HTTP on 127.0.0.1, with the
 * miners in a child process. Measures throughput, p50/p99 latency and the validator's memory
 * (RSS and heap after a full GC) from round 1 to the last, which must stay flat; then the same load
 * with the axon scheme, and two baselines from the same run: naive unsigned POSTs over reused
 * connections, and signed queries on a new connection each.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { createMinerClient, type QueryLimits } from '../core/transport/client.js';
import { cryptoReady, devHotkey } from '../core/transport/keys.js';
import { BENCH_PATH, BENCH_SYNAPSE, type ChildMessage } from './transport-miners.js';
import { percentile, printTable } from './timing.js';

type Miner = { hotkey: string; url: string };
type Memory = { rss: number; heapUsed: number };
type MinerSample = { rss: number; heapUsed: number; nonces: number; connections: number; cpuMs: number; gcCpuMs: number };
type QueryOne = (miner: Miner, body: { task_id: string; prompt: string }) => Promise<{ ok: boolean; latencyMs: number }>;

let gcFunction: (() => void) | undefined;
/** A full GC, with the flag turned on at first use rather than at import. */
function gc(): void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(args[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be an integer ≥ 1`);
  return value;
}

function memory(): Memory {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function startMiners(mode: 'signed' | 'plain', count: number, dir: string): Promise<{ child: ChildProcess; miners: Miner[]; memory: () => Promise<MinerSample> }> {
  const child = fork(fileURLToPath(new URL('./transport-miners.js', import.meta.url)), [mode, String(count), dir], { execArgv: ['--expose-gc'] });
  const next = () => new Promise<ChildMessage>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the miners' process exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as ChildMessage);
    });
  });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error('unexpected message from the miners');
  return {
    child,
    miners: ready.miners,
    memory: async () => {
      child.send({ type: 'memory' });
      const m = await next();
      if (m.type !== 'memory') throw new Error('unexpected message from the miners');
      return m;
    },
  };
}

async function stopMiners(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await exited;
}

interface PhaseResult {
  label: string;
  rounds: number;
  queries: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  memory: { round: number; validator: Memory; miners: MinerSample }[];
  /** CPU time per query, ms, leaving out the memory sampling: the cost of each side, whatever the machine's load. */
  validatorCpuMs: number;
  minersCpuMs: number;
}

/** `rounds` rounds of one query to every miner at once; latencies in a buffer sized up front so the bench itself does not grow. */
async function phase(label: string, rounds: number, miners: Miner[], queryOne: QueryOne, minerMemory: () => Promise<MinerSample>, sampleEvery: number): Promise<PhaseResult> {
  const latencies = new Float64Array(rounds * miners.length);
  const snapshots: PhaseResult['memory'] = [];
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  let failed = 0;
  let filled = 0;
  let samplingCpuMs = 0;
  let minersSamplingCpuMs = 0;
  const minersStart = await minerMemory();
  minersSamplingCpuMs += minersStart.gcCpuMs;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let measuredFrom = started;
  let minersEnd = minersStart;
  for (let round = 1; round <= rounds; round++) {
    const results = await Promise.all(miners.map((miner, i) => queryOne(miner, { task_id: `${round}-text-${i}`, prompt: 'What is 17 + 25? Answer with the number only.' })));
    for (const r of results) {
      latencies[filled++] = r.latencyMs;
      if (!r.ok) failed += 1;
    }
    if (round === 1 || round === rounds || round % sampleEvery === 0) {
      const pause = performance.now();
      const cpu = process.cpuUsage();
      const sample = { round, validator: memory(), miners: await minerMemory() };
      snapshots.push(sample);
      samplingCpuMs += cpuMs(process.cpuUsage(cpu));
      measuredFrom += performance.now() - pause; // GC pauses are not query time
      minersEnd = sample.miners;
      if (round !== rounds) minersSamplingCpuMs += sample.miners.gcCpuMs;
    }
  }
  const validatorCpu = cpuMs(process.cpuUsage(cpuStart)) - samplingCpuMs;
  const minersCpu = minersEnd.cpuMs - minersStart.cpuMs - minersSamplingCpuMs;
  const seconds = (performance.now() - measuredFrom) / 1000;
  const sorted = latencies.slice(0, filled).sort();
  return {
    label, rounds, queries: filled, failed, seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), memory: snapshots,
    validatorCpuMs: validatorCpu / filled, minersCpuMs: minersCpu / filled,
  };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function runTransportBench(args: string[]): Promise<void> {
  const rounds = option(args, 'rounds', 100);
  const count = option(args, 'miners', 1024);
  const baselineRounds = Math.min(rounds, option(args, 'baseline-rounds', 10));
  const concurrency = option(args, 'concurrency', 64);
  await cryptoReady();
  const signer = devHotkey('validator', 0);
  const dir = mkdtempSync(join(tmpdir(), 'proctor-bench-transport-'));
  const limits: QueryLimits = { timeoutMs: 10_000, maxResponseBytes: 65_536 };
  const axonLimits: QueryLimits = { ...limits, scheme: 'axon', synapse: BENCH_SYNAPSE };
  const results: PhaseResult[] = [];
  const sampleEvery = Math.max(1, Math.floor(rounds / 10));
  try {
    // Baseline first, in a fresh process: naive unsigned POSTs to bare servers, reused connections,
    // the same concurrency. Its memory step from round 1 is undici's and Node's own warm-up.
    const plain = await startMiners('plain', count, dir);
    const agent = new Agent({ keepAliveTimeout: 30_000 });
    let active = 0;
    const queue: (() => void)[] = [];
    const unsignedPost: QueryOne = async (m, body) => {
      if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
      else active += 1;
      const t0 = performance.now();
      try {
        const response = await request(`${m.url}${BENCH_PATH}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, dispatcher: agent });
        JSON.parse(await response.body.text());
        return { ok: response.statusCode === 200, latencyMs: performance.now() - t0 };
      } finally {
        const wake = queue.shift();
        if (wake) wake();
        else active -= 1;
      }
    };
    results.push(await phase('baseline: unsigned POST, reused connections', baselineRounds, plain.miners, unsignedPost, plain.memory, baselineRounds));
    await agent.close();
    await stopMiners(plain.child);
    const signed = await startMiners('signed', count, dir);
    const client = createMinerClient({ signer, allowPrivate: true, concurrency });
    results.push(await phase('epistula, signed, reused connections', rounds, signed.miners, (m, body) => client.query(m, BENCH_PATH, body, limits).then((r) => ({ ok: r.status === 'ok', latencyMs: r.latencyMs })), signed.memory, sampleEvery));
    results.push(await phase('axon, signed, reused connections', baselineRounds, signed.miners, (m, body) => client.query(m, `/${BENCH_SYNAPSE.name}`, body, axonLimits).then((r) => ({ ok: r.status === 'ok', latencyMs: r.latencyMs })), signed.memory, baselineRounds));
    await client.close();
    // Baseline: the same signed query, but a new client (so a new connection) for each one.
    let open = 0;
    const waiting: (() => void)[] = [];
    const newConnection: QueryOne = async (m, body) => {
      if (open >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else open += 1;
      const once = createMinerClient({ signer, allowPrivate: true, concurrency: 1 });
      try {
        const r = await once.query(m, BENCH_PATH, body, limits);
        return { ok: r.status === 'ok', latencyMs: r.latencyMs };
      } finally {
        await once.close();
        const wake = waiting.shift();
        if (wake) wake();
        else open -= 1;
      }
    };
    results.push(await phase('epistula, signed, new connection per query', baselineRounds, signed.miners, newConnection, signed.memory, baselineRounds));
    await stopMiners(signed.child);

  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const [naive, main, axon, fresh] = results;
  console.log(`transport: one validator, ${count} local miners (child process), one query each per round, concurrency ${concurrency}`);
  printTable(
    ['scheme', 'rounds', 'queries', 'failed', 'queries/s', 'p50 ms', 'p99 ms', 'validator CPU ms/query', 'miners CPU ms/query'],
    [main, axon, fresh, naive].map((r) => [
      r.label, String(r.rounds), String(r.queries), String(r.failed), Math.round(r.queries / r.seconds).toString(), r.p50.toFixed(2), r.p99.toFixed(2),
      r.validatorCpuMs.toFixed(3), r.minersCpuMs.toFixed(3),
    ]),
  );
  const rate = (r: PhaseResult) => r.queries / r.seconds;
  console.log(`\nthroughput ratios: signed/unsigned ${(rate(main) / rate(naive)).toFixed(2)}×, reuse/new-connection ${(rate(main) / rate(fresh)).toFixed(2)}×, axon/epistula ${(rate(axon) / rate(main)).toFixed(2)}×`);
  console.log(`validator CPU per query: signed/unsigned ${(main.validatorCpuMs / naive.validatorCpuMs).toFixed(2)}×, new-connection/reuse ${(fresh.validatorCpuMs / main.validatorCpuMs).toFixed(2)}×, axon/epistula ${(axon.validatorCpuMs / main.validatorCpuMs).toFixed(2)}×`);

  console.log(`\nmemory after a full GC, epistula phase (validator; miners' process; connections open and nonces held at the miners):`);
  printTable(
    ['round', 'validator RSS MB', 'validator heap MB', 'open connections', 'miners RSS MB', 'miners heap MB', 'nonces held'],
    main.memory.map((s) => [String(s.round), mb(s.validator.rss), mb(s.validator.heapUsed), String(s.miners.connections), mb(s.miners.rss), mb(s.miners.heapUsed), String(s.miners.nonces)]),
  );
  const first = main.memory[0];
  const last = main.memory[main.memory.length - 1];
  const delta = (a: number, b: number) => `${b / a >= 1 ? '+' : ''}${((b - a) / 1024 / 1024).toFixed(2)} MB, ${(b / a).toFixed(3)}×`;
  console.log(`\nvalidator, round ${last.round} vs round 1: heap ${delta(first.validator.heapUsed, last.validator.heapUsed)}; RSS ${delta(first.validator.rss, last.validator.rss)}`);
  console.log(`miners,    round ${last.round} vs round 1: heap ${delta(first.miners.heapUsed, last.miners.heapUsed)}; RSS ${delta(first.miners.rss, last.miners.rss)}`);
  // Round 1 is before warm-up: the first rounds add per-connection state and JIT code once (the
  // unsigned baseline shows the same step), so growth is judged on the second half against the first.
  const [n1, nLast] = [naive.memory[0], naive.memory[naive.memory.length - 1]];
  console.log(`the same step in "${naive.label}" (run first, fresh process), round ${nLast.round} vs 1: validator heap ${delta(n1.validator.heapUsed, nLast.validator.heapUsed)}`);
  const firstHalf = main.memory.filter((m) => m.round > 1 && m.round <= rounds / 2);
  const secondHalf = main.memory.filter((m) => m.round > rounds / 2);
  if (firstHalf.length === 0 || secondHalf.length === 0) {
    console.log('\n(too few rounds to compare the two halves: run with --rounds 20 or more)');
    return;
  }
  const peak = (list: typeof firstHalf) => Math.max(...list.map((m) => m.validator.heapUsed));
  const growth = peak(secondHalf) - peak(firstHalf);
  const flat = growth < Math.max(2 * 1024 * 1024, 0.05 * peak(firstHalf));
  console.log(`validator heap, peak of rounds ${secondHalf[0].round}–${last.round} vs peak of rounds ${firstHalf[0].round}–${firstHalf[firstHalf.length - 1].round}: ${delta(peak(firstHalf), peak(secondHalf))}`);
  console.log(flat ? 'validator heap: flat after warm-up (within 5% or 2 MB)' : 'validator heap: GREW beyond noise after warm-up');
  if (!flat) process.exitCode = 1;
}
