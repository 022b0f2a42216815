/** `validator bench gaming`: what each red-team strategy earns under Proctor and under a naive scorer. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import { integerFlag } from './io.js';
import { loadPlugins } from '../plugin-loader.js';
import { equalShares, parsePluginShares } from '../engine/plugin-shares.js';
import { runGamingBench, type GamingBenchResult } from '../engine/gaming-bench.js';
import { loadStrategy, parseRedTeamList, STRATEGY_NAMES } from '../local/red-team/registry.js';

const EXAMPLES = `
Examples:
  $ validator bench gaming                                   # text,image; 8 honest miners; every strategy; 3 epochs
  $ validator bench gaming --epochs 5 --json > gaming.json
  $ validator bench gaming --plugins text --strategies copycat,padder,sybil-cluster:4
  $ validator bench gaming --db /tmp/gaming.db               # keep the run, then:
  $ validator audit sql "SELECT detector, COUNT(*) FROM findings GROUP BY detector" --db /tmp/gaming.db

Per strategy it prints its incentive ÷ the honest miners' mean incentive (last epoch of Yuma) under
Proctor, the findings that name its uids, and the same ratio under a naive scorer (one similarity to
the hidden reference per response — glove-sif cosine for text, SSIM for images — with no detectors,
baselines or gates) replayed through the same weights pipeline and a full Yuma rerun.
--json prints {"proctor": {"<strategy>": ratio, …}, "naive": {…}, "details": {…}} and nothing else.

Strategies (name:n gives n miners of it; sybil-cluster:k is one cluster of k uids, default 3):
  ${STRATEGY_NAMES.join(', ')}
\`validator bench strategies\` says what each does and which defence should stop it.
`;

interface BenchFlags {
  epochs: string;
  plugins: string;
  strategies: string;
  seed: string;
  minersCount: string;
  validators: string;
  db?: string;
  poolSize?: string;
  evaluatorTimeout: string;
  emaAlpha: string;
  pluginShares?: string;
  json?: boolean;
}

function printTable(result: GamingBenchResult): void {
  const header = ['strategy', 'uids', 'Proctor ×honest', 'findings', 'naive ×honest', 'all uids P / naive', 'stopped by'];
  const rows = Object.entries(result.details.strategies).map(([name, s]) => [
    name, s.uids.join(','), result.proctor[name].toFixed(3), String(s.findings), result.naive[name].toFixed(3),
    s.uids.length > 1 ? `${s.totalRatio.proctor.toFixed(2)} / ${s.totalRatio.naive.toFixed(2)}` : '', s.defence,
  ]);
  const widths = header.map((h, i) => (i === header.length - 1 ? 0 : Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const d = result.details;
  const held = Object.entries(result.proctor).filter(([, r]) => r > 0.1).map(([n]) => n);
  process.stdout.write(
    [
      `Gaming bench: ${d.plugins.join(',')}, ${d.honest.miners.length} honest miners, ${d.rounds} rounds, ${d.epochs} epoch(s) of Yuma, seed ${d.seed}.`,
      `Honest mean incentive: Proctor ${d.honest.meanIncentive.proctor.toFixed(4)}, naive ${d.honest.meanIncentive.naive.toFixed(4)}.`,
      '',
      line(header),
      widths.map((w, i) => '-'.repeat(i === header.length - 1 ? header[i].length : w)).join('  '),
      ...rows.map(line),
      '',
      ...Object.entries(d.strategies)
        .filter(([, s]) => s.oneMinerRatio !== undefined)
        .map(([name, s]) => `${name}: the figure is what each extra uid gains beyond one honest miner of the cluster's skill (${s.oneMinerRatio!.proctor.toFixed(2)} / ${s.oneMinerRatio!.naive.toFixed(2)}); per uid it earns ${s.perUidRatio.proctor.toFixed(3)} / ${s.perUidRatio.naive.toFixed(3)}.`),
      held.length === 0 ? 'Every strategy earns at most 0.1× the honest mean under Proctor.' : `Above 0.1× the honest mean under Proctor: ${held.join(', ')}.`,
      `Naive: ${d.naiveMethod}.`,
      d.db ? `Evidence: validator audit sql "SELECT * FROM findings" --db ${d.db}` : 'Keep the run with --db <new file> to query the findings and scores.',
    ].join('\n') + '\n',
  );
}

async function gamingCommand(flags: BenchFlags): Promise<void> {
  const epochs = integerFlag('--epochs', flags.epochs, 1, 1000);
  const minersCount = integerFlag('--miners-count', flags.minersCount, 1, 1024);
  const strategies = parseRedTeamList(flags.strategies, '--strategies');
  const emaAlpha = Number(flags.emaAlpha);
  if (!(emaAlpha > 0 && emaAlpha <= 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--ema-alpha', problem: 'must be a number in (0, 1]' });
  const specs = flags.plugins.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--plugins', problem: 'names no plugin' });
  const plugins = await loadPlugins(specs);
  const names = plugins.map((p) => p.definition.name);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`validator bench gaming: plugins ${names.join(', ')}; ${minersCount} honest miners; strategies ${strategies.map((s) => (s.count === null ? s.strategy : `${s.strategy}:${s.count}`)).join(', ')}; ${epochs} epoch(s)`);
  const result = await runGamingBench({
    plugins, epochs, seed: flags.seed, minersCount, strategies,
    simulatedValidators: integerFlag('--validators', flags.validators, 0, 63),
    db: flags.db ?? null,
    poolSize: flags.poolSize !== undefined ? integerFlag('--pool-size', flags.poolSize, 1, 256) : undefined,
    evaluatorTimeoutMs: integerFlag('--evaluator-timeout', flags.evaluatorTimeout, 10, 600_000),
    emaAlpha,
    shares: flags.pluginShares !== undefined ? parsePluginShares(flags.pluginShares, names) : equalShares(names),
    log,
  });
  if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else printTable(result);
}

/** `validator bench strategies`: what each strategy does and what should stop it. */
async function strategiesCommand(flags: { json?: boolean }): Promise<void> {
  const all = await Promise.all(STRATEGY_NAMES.map(loadStrategy));
  if (flags.json) {
    process.stdout.write(JSON.stringify(all.map(({ name, summary, defence, cluster, defaultCount }) => ({ name, summary, defence, cluster: cluster ?? false, defaultCount: defaultCount ?? 1 })), null, 2) + '\n');
    return;
  }
  process.stdout.write(all.map((s) => `${s.name}\n  does:       ${s.summary}\n  stopped by: ${s.defence}`).join('\n') + '\n');
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('measure Proctor: `bench gaming` runs the red team against the local subnet');
  bench
    .command('gaming')
    .description('run honest and red-team miners on the local subnet; print each strategy\'s incentive ÷ the honest mean under Proctor and under a naive scorer')
    .option('--epochs <n>', 'epochs of Yuma to run (each is two rounds)', '3')
    .option('--plugins <list>', 'comma-separated built-in names, paths or package names', 'text,image')
    .option('--strategies <list>', 'red-team strategies, name or name:n, comma-separated, or all', 'all')
    .option('--seed <s>', 'seeds tasks, skills, mistakes and noise', 'bench-gaming')
    .option('--miners-count <n>', 'honest reference miners (skills spread from 0.25 to 0.95)', '8')
    .option('--validators <n>', 'simulated validators besides this one', '3')
    .option('--db <file>', 'keep the run in this new SQLite file (default: a temporary one, deleted)')
    .option('--pool-size <n>', `evaluator worker threads (default: cores, here ${availableParallelism()})`)
    .option('--evaluator-timeout <ms>', 'time limit of one evaluation', '30000')
    .option('--ema-alpha <a>', 'moving-average weight of a new round score, for both scorers', '0.1')
    .option('--plugin-shares <list>', 'each plugin\'s share of a miner\'s round score, name=value,…')
    .option('--json', 'print {"proctor": {…}, "naive": {…}, "details": {…}} on stdout instead of the table')
    .addHelpText('after', EXAMPLES)
    .action(gamingCommand);
  bench
    .command('strategies')
    .description('list the red-team strategies: what each does and which Proctor defence should stop it')
    .option('--json', 'print them as JSON')
    .addHelpText('after', '\nExample:\n  $ validator bench strategies\n')
    .action(strategiesCommand);
}
