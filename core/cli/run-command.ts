/** `validator run`: the whole job of a validator, on the embedded local subnet by default. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { proctorError } from '../errors.js';
import { integerFlag } from './io.js';
import { loadPlugins } from '../plugin-loader.js';
import { runLocalValidator, type RunSummary } from '../engine/runner.js';
import { equalShares, parsePluginShares } from '../engine/plugin-shares.js';
import { DEFAULT_CONFIDENCE } from '../engine/confidence.js';
import { DETECTOR_MEMORY_KEEP_ROUNDS } from '../engine/detector-memory.js';
import { confidenceFrom } from './confidence-flags.js';
import { keepDetectorMemoryFlag } from './detector-memory-flag.js';
import type { ExternalMiner } from '../local/local-subnet.js';
import { parseRedTeamEntry, parseRedTeamList, STRATEGY_NAMES, type RedTeamEntry } from '../local/red-team/registry.js';
import { isValidAddress } from '../transport/keys.js';
import { defaultChainParams } from '../local/local-chain.js';
import { addWalletOptions, runChainCommand } from './chain.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, logFunction, type LogFormat } from '../log/logger.js';
import { createRunMetrics, serveMetrics } from '../metrics/metrics.js';

const EXAMPLES = `
Examples:
  $ validator run --plugins text,image                # both plugins, 16 reference miners, 3 epochs, ./proctor.db
  $ validator run --plugins text,image --plugin-shares text=0.7,image=0.3
  $ validator run --plugins text                      # the text subnet alone
  $ validator run --plugins text --epochs 5 --seed demo --db /tmp/demo.db
  $ validator run --plugins ./my-plugin --miners miners.json --json
  $ validator run --plugins text --red-team copycat,padder,sybil-cluster:3
  $ validator run --plugins text --rounds 4 --keep-detector-memory 2   # detector memory rows of the last 2 rounds only
  $ validator run --plugins text --metrics-port 9464 --log-format json   # Prometheus at 127.0.0.1:9464/metrics
  $ validator audit sql "SELECT * FROM v_latest_incentive ORDER BY incentive DESC" --db /tmp/demo.db

--miners takes a JSON file [{"hotkey": "<ss58>", "url": "http://127.0.0.1:PORT"}] of miners to add
to the local subnet (see docs/protocol.md to write one; \`validator miner serve\` runs a reference one).
An entry may instead be {"strategy": "<name>[:n]"}: a red-team miner the local subnet runs itself.

--red-team adds adversarial miners after the reference miners, one per name (name:n for n of them;
sybil-cluster:k is one cluster of k uids): ${STRATEGY_NAMES.join(', ')}, or all.
\`validator bench gaming --help\` says what each does and which defence should stop it.
`;

interface RunFlags {
  plugins: string;
  network?: string;
  netuid?: string;
  versionKey?: string;
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
  db: string;
  rounds?: string;
  epochs: string;
  seed?: string;
  miners?: string;
  redTeam?: string;
  minersCount: string;
  validators: string;
  poolSize?: string;
  evaluatorTimeout: string;
  emaAlpha: string;
  pluginShares?: string;
  keepDetectorMemory?: string;
  minTasks: string;
  ciLevel: string;
  ciWindow: string;
  json?: boolean;
  metricsPort?: string;
  metricsHost: string;
  logFormat: string;
  logLevel: string;
}

const minersFile = z.array(z.union([z.strictObject({ hotkey: z.string(), url: z.string() }), z.strictObject({ strategy: z.string() })], { error: 'must be {"hotkey", "url"} or {"strategy"}' }), { error: 'must be a JSON array of {"hotkey", "url"} or {"strategy"}' });

/** A `--miners` file: external miners by hotkey and URL, and red-team miners by strategy (`{"strategy": "copycat"}`). */
export function readMinersFile(path: string): { external: ExternalMiner[]; redTeam: RedTeamEntry[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw proctorError('PROCTOR_ERR_MINERS_FILE', { path, problem: (err as Error).message }, err);
  }
  const result = minersFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw proctorError('PROCTOR_ERR_MINERS_FILE', { path, problem: `${issue.path.length ? `[${issue.path.join('].')}` : 'the file'} ${issue.message}`.replace(/\]\.(\w+)/, '].$1') });
  }
  const redTeam = result.data.flatMap((m) => ('strategy' in m ? [parseRedTeamEntry(m.strategy, `--miners ${path}`)] : []));
  const external = result.data.flatMap((m, i) => {
    if ('strategy' in m) return [];
    if (!isValidAddress(m.hotkey)) throw proctorError('PROCTOR_ERR_MINERS_FILE', { path, problem: `[${i}].hotkey is not an ss58 address` });
    let url: URL;
    try {
      url = new URL(m.url);
    } catch {
      throw proctorError('PROCTOR_ERR_MINERS_FILE', { path, problem: `[${i}].url is not a URL` });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw proctorError('PROCTOR_ERR_MINERS_FILE', { path, problem: `[${i}].url must be http(s)` });
    return [{ hotkey: m.hotkey, url: m.url.replace(/\/$/, '') }];
  });
  return { external, redTeam };
}

function printSummary(summary: RunSummary): void {
  const rows = summary.miners
    .slice()
    .sort((a, b) => b.incentive - a.incentive)
    .map((m) => [String(m.uid), `${m.hotkey.slice(0, 8)}…${m.hotkey.slice(-4)}`, m.strategy ?? (m.skill === null ? 'external' : m.skill.toFixed(2)), m.meanScore.toFixed(3), m.weight.toFixed(3), m.incentive.toFixed(4)]);
  const header = ['uid', 'hotkey', 'skill', 'mean score', 'weight', 'incentive'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    `Local subnet after ${summary.rounds.length} round(s) and ${summary.epochs} epoch(s), block ${summary.block}; history in ${summary.db}.`,
    `This validator (uid ${summary.validator.uid}): validator trust ${summary.validator.validatorTrust.toFixed(4)}, dividends ${summary.validator.dividends.toFixed(4)}.`,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    'skill = the reference miner\'s chance of a correct answer; incentive from the last epoch of Yuma Consensus.',
    `Why a miner earned what it did: validator audit explain --uid 5 --db ${summary.db}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

async function runCommand(flags: RunFlags, command?: Command): Promise<void> {
  const epochs = integerFlag('--epochs', flags.epochs, 1, 10_000);
  const roundsPerEpoch = Math.ceil(defaultChainParams.tempo / defaultChainParams.blocksPerRound);
  const rounds = flags.rounds !== undefined ? integerFlag('--rounds', flags.rounds, 1, 1_000_000) : epochs * roundsPerEpoch;
  const emaAlpha = Number(flags.emaAlpha);
  if (!(emaAlpha > 0 && emaAlpha <= 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--ema-alpha', problem: 'must be a number in (0, 1]' });
  const specs = flags.plugins.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--plugins', problem: 'names no plugin' });
  const plugins = await loadPlugins(specs);
  if (!LOG_FORMATS.includes(flags.logFormat as LogFormat)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--log-format', problem: `must be ${LOG_FORMATS.join(' or ')} (got "${flags.logFormat}")` });
  const level = LOG_LEVELS.find((l) => l === flags.logLevel);
  if (level === undefined) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--log-level', problem: `must be one of ${LOG_LEVELS.join(', ')} (got "${flags.logLevel}")` });
  const log = logFunction(createLogger({ format: flags.logFormat as LogFormat, level }));
  const keepDetectorMemory = keepDetectorMemoryFlag(flags.keepDetectorMemory);
  const metricsPort = flags.metricsPort !== undefined ? integerFlag('--metrics-port', flags.metricsPort, 0, 65535) : null;
  // A real chain (core/cli/chain.ts) when --network or --netuid is given; the embedded subnet otherwise.
  if ((flags.network !== undefined || flags.netuid !== undefined) && flags.redTeam !== undefined) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--red-team', problem: 'adds miners to the embedded local subnet; it cannot be used with --network or --netuid' });
  const chainRun = flags.network !== undefined || flags.netuid !== undefined;
  const minersFromFile = !chainRun && flags.miners ? readMinersFile(flags.miners) : { external: [], redTeam: [] };
  const metrics = metricsPort !== null ? createRunMetrics() : undefined;
  const server = metrics ? await serveMetrics(metrics, { port: metricsPort!, host: flags.metricsHost }) : null;
  if (server) log(`metrics at ${server.url}`, { url: server.url });
  if (chainRun) return runChainCommand(flags, command, plugins, log, metrics).finally(() => server?.close());
  log(`validator run: plugins ${plugins.map((p) => `${p.definition.name}@${p.definition.version}`).join(', ')}; ${rounds} round(s); database ${flags.db}`);
  const summary = await runLocalValidator({
    plugins,
    db: flags.db,
    rounds,
    seed: flags.seed ?? null,
    minersCount: integerFlag('--miners-count', flags.minersCount, 0, 4096),
    simulatedValidators: integerFlag('--validators', flags.validators, 0, 63),
    externalMiners: minersFromFile.external,
    redTeam: [...(flags.redTeam !== undefined ? parseRedTeamList(flags.redTeam) : []), ...minersFromFile.redTeam],
    poolSize: flags.poolSize !== undefined ? integerFlag('--pool-size', flags.poolSize, 1, 256) : undefined,
    evaluatorTimeoutMs: integerFlag('--evaluator-timeout', flags.evaluatorTimeout, 10, 600_000),
    emaAlpha,
    confidence: confidenceFrom(flags),
    keepDetectorMemory,
    shares: flags.pluginShares !== undefined ? parsePluginShares(flags.pluginShares, plugins.map((p) => p.definition.name)) : equalShares(plugins.map((p) => p.definition.name)),
    log,
    metrics,
  }).finally(() => server?.close());
  if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else printSummary(summary);
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description('query miners, score them, store every step, set weights; on the embedded local subnet when no --network is given')
    .option('--plugins <list>', 'comma-separated built-in names, paths or package names', 'text')
    .option('--network <name>', 'a real chain: finney, test, local (ws://127.0.0.1:9944) or a ws(s):// URL; without it, the embedded local subnet')
    .option('--netuid <n>', 'the subnet to validate on --network (see docs/chain.md)')
    .option('--version-key <n>', 'weights version key to send on a real chain (default: the subnet\'s own)')
    .option('--db <file>', 'the SQLite history', './proctor.db')
    .option('--epochs <n>', 'epochs of Yuma to run (each is a few rounds)', '3')
    .option('--rounds <n>', 'rounds to run (overrides --epochs)')
    .option('--seed <s>', 'make the run reproducible: round seeds, skills and mistakes derive from it')
    .option('--miners <file>', 'JSON file of external miners to add to the local subnet')
    .option('--miners-count <n>', 'reference miners on the local subnet', '16')
    .option('--red-team <list>', 'adversarial miners to add to the local subnet: copycat,padder,sybil-cluster:3,… or all')
    .option('--validators <n>', 'simulated validators besides this one', '3')
    .option('--pool-size <n>', `evaluator worker threads (default: cores, here ${availableParallelism()})`)
    .option('--evaluator-timeout <ms>', 'time limit of one evaluation (a reference generator over HTTP may need most of it)', '30000')
    .option('--ema-alpha <a>', 'moving-average weight of a new round score', '0.1')
    .option('--min-tasks <n>', 'scored tasks in the window for full weight; fewer get proportionally less (0: off)', String(DEFAULT_CONFIDENCE.minTasks))
    .option('--ci-level <p>', 'confidence level of the bootstrap interval that decides which miners are tied', String(DEFAULT_CONFIDENCE.level))
    .option('--ci-window <rounds>', 'recent rounds the interval and the task count look at', String(DEFAULT_CONFIDENCE.window))
    .option('--keep-detector-memory <rounds>', `completed rounds that keep their detectors' memory rows, besides a checkpoint round in every 32 (only the latest is needed to continue; audit replay rebuilds older ones from the checkpoint before); 0 or all: keep every round`, String(DETECTOR_MEMORY_KEEP_ROUNDS))
    .option('--plugin-shares <list>', 'each plugin\'s share of a miner\'s round score, name=value,… (normalised; default equal)')
    .option('--json', 'print a JSON summary on stdout instead of the table')
    .option('--metrics-port <n>', 'serve Prometheus metrics at http://<metrics-host>:<n>/metrics while running (0: a free port, logged)')
    .option('--metrics-host <addr>', 'the address --metrics-port listens on', '127.0.0.1')
    .option('--log-format <f>', 'diagnostics on stderr as json (one object per line) or pretty', 'pretty')
    .option('--log-level <l>', `least level logged: ${LOG_LEVELS.join(', ')}`, 'info')
    .addHelpText('after', EXAMPLES);
  addWalletOptions(run).action(runCommand);
}
