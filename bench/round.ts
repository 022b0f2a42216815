/**
 * `npm run bench -- round [miners]`: text rounds of 256 miners × 8 tasks on the local subnet (real
 * signed HTTP on 127.0.0.1, reference miners in this process), timed end to end, with the
 * evaluations in the worker pool and inline on the main thread. The first round of each is printed
 * apart (the workers load the models and warm up then); after more warm-up rounds, the two
 * alternate, and the medians and the median of the per-pair ratios are printed.
 */
import { availableParallelism } from 'node:os';
import { loadPlugins } from '../core/plugin-loader.js';
import { startLocalSubnet } from '../core/local/local-subnet.js';
import { createMinerClient } from '../core/transport/client.js';
import { cryptoReady } from '../core/transport/keys.js';
import { createEvaluatorPool } from '../core/pool/pool.js';
import { createInlineEvaluator } from '../core/pool/inline.js';
import { runRound, type RoundOutcome } from '../core/engine/round.js';
import { median, printTable } from './timing.js';

/**
 * Unmeasured rounds each side runs first, the cold first round included. A worker sees half the
 * samples of a round, so its JIT warms about half as fast as the main thread's: measured alone, a
 * round's evaluations in the pool took 336, 320, 273, 271, 257 ms in its second to sixth rounds.
 */
const WARM_ROUNDS = 6;
const MEASURED_ROUNDS = 5;

interface Timed {
  wall: number;
  outcome: RoundOutcome;
}

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
  // Both sides of a pair run the same round (number and seed): the same tasks, the same answers.
  const timed = async (round: number, evaluate: typeof pool.evaluate): Promise<Timed> => {
    const started = performance.now();
    const outcome = await runRound({ plugins, querier: client, evaluate, detectors: new Map(), log }, round, `bench-${round}`, miners);
    return { wall: performance.now() - started, outcome };
  };
  const sides = [
    { label: `pool (${pool.size} workers)`, evaluate: pool.evaluate, runs: [] as Timed[] },
    { label: 'inline (main thread)', evaluate: inline.evaluate, runs: [] as Timed[] },
  ];
  try {
    const first = [];
    for (const side of sides) first.push(await timed(1, side.evaluate));
    for (let r = 2; r <= WARM_ROUNDS; r++) for (const side of sides) await timed(r, side.evaluate);
    for (let r = WARM_ROUNDS + 1; r <= WARM_ROUNDS + MEASURED_ROUNDS; r++) for (const side of sides) side.runs.push(await timed(r, side.evaluate));

    const seconds = (ms: number, digits = 2) => (ms / 1000).toFixed(digits);
    for (const { label, runs } of sides) {
      const evals = runs[0].outcome.stats.evaluations;
      const evaluationMs = median(runs.map((r) => r.outcome.stats.evaluationMs));
      rows.push([label, seconds(median(runs.map((r) => r.wall))), seconds(median(runs.map((r) => r.outcome.stats.queryMs))), seconds(evaluationMs, 3), String(evals), Math.round(evals / (evaluationMs / 1000)).toString()]);
    }
    const [pooled, single] = sides;
    const ratios = pooled.runs.map((r, k) => single.runs[k].outcome.stats.evaluationMs / Math.max(1, r.outcome.stats.evaluationMs));
    console.log(`round: ${minersCount} miners × ${plugins[0].definition.tasks.perRound} tasks (${minersCount * plugins[0].definition.tasks.perRound} signed queries), text plugin, ${availableParallelism()} cores`);
    console.log(`the median of ${MEASURED_ROUNDS} rounds each, alternating, after ${WARM_ROUNDS} unmeasured rounds each (the first, cold, included)`);
    printTable(['evaluation', 'wall s', 'query s', 'evaluate s', 'evaluations', 'evaluations/s'], rows);
    console.log(`\npool vs inline evaluation time: ${median(ratios).toFixed(2)}× (the median pair; rounds ${Math.min(...ratios).toFixed(2)} – ${Math.max(...ratios).toFixed(2)}; above 1 = the pool is faster)`);
    console.log(`first round (models loaded, JIT cold): evaluations took ${seconds(first[0].outcome.stats.evaluationMs, 3)} s in the pool, ${seconds(first[1].outcome.stats.evaluationMs, 3)} s inline`);
    console.log(`responses by status (last pool round): ${JSON.stringify(pooled.runs[pooled.runs.length - 1].outcome.stats.byStatus)}`);
  } finally {
    await client.close();
    await pool.close();
    await inline.close();
    await subnet.close();
  }
}
