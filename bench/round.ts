/**
 * `npm run bench -- round [miners]`: one text round of 256 miners × 8 tasks on the local subnet
 * (real signed HTTP on 127.0.0.1, reference miners in this process), timed end to end, with the
 * evaluations in the worker pool and then inline on the main thread, as a ratio.
 */
import { availableParallelism } from 'node:os';
import { loadPlugins } from '../core/plugin-loader.js';
import { startLocalSubnet } from '../core/local/local-subnet.js';
import { createMinerClient } from '../core/transport/client.js';
import { cryptoReady } from '../core/transport/keys.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { createInlineEvaluator } from '../core/pool/inline.js';
import { runRound } from '../core/engine/round.js';
import { printTable } from './timing.js';

export async function runRoundBench(args: string[]): Promise<void> {
  const minersCount = args[0] ? Number(args[0]) : 256;
  await cryptoReady();
  const plugins = await loadPlugins(['text']);
  const subnet = await startLocalSubnet({ plugins, minersCount, simulatedValidators: 0, externalMiners: [], seed: 'bench' });
  const client = createMinerClient({ signer: subnet.validator, allowPrivate: true, concurrency: 128 });
  const pool = createEvaluatorPool({});
  const inline = createInlineEvaluator();
  const miners = subnet.miners.map((m) => ({ uid: m.uid, hotkey: m.hotkey, url: m.url }));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rows: string[][] = [];
  try {
    // One warm-up round each, so that connections, workers and JIT are warm, then the measured ones.
    const measure = async (label: string, evaluate: typeof pool.evaluate, round: number) => {
      await runRound({ plugins, querier: client, evaluate, detectors: new Map(), log }, round, `warm-${label}-${round}`, miners);
      const started = performance.now();
      const outcome = await runRound({ plugins, querier: client, evaluate, detectors: new Map(), log }, round + 1, `bench-${label}-${round}`, miners);
      const wall = performance.now() - started;
      return { wall, outcome };
    };
    const pooled = await measure('pool', pool.evaluate, 1);
    const single = await measure('inline', inline.evaluate, 3);
    for (const [label, r] of [[`pool (${pool.size} workers)`, pooled], ['inline (main thread)', single]] as const) {
      const evals = r.outcome.stats.evaluations;
      rows.push([label, (r.wall / 1000).toFixed(2), (r.outcome.stats.queryMs / 1000).toFixed(2), (r.outcome.stats.evaluationMs / 1000).toFixed(3), String(evals), Math.round(evals / (r.outcome.stats.evaluationMs / 1000)).toString()]);
    }
    console.log(`round: ${minersCount} miners × ${plugins[0].definition.tasks.perRound} tasks (${minersCount * plugins[0].definition.tasks.perRound} signed queries), text plugin, ${availableParallelism()} cores`);
    printTable(['evaluation', 'wall s', 'query s', 'evaluate s', 'evaluations', 'evaluations/s'], rows);
    console.log(`\npool vs inline evaluation time: ${(single.outcome.stats.evaluationMs / Math.max(1, pooled.outcome.stats.evaluationMs)).toFixed(2)}× (above 1 = the pool is faster)`);
    console.log(`responses by status (pool round): ${JSON.stringify(pooled.outcome.stats.byStatus)}`);
  } finally {
    await client.close();
    await pool.close();
    await inline.close();
    await subnet.close();
  }
}
