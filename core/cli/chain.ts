/**
 * `validator chain …`: looking at a real subnet and announcing a miner on it.
 * `metagraph` prints the subnet as a table (or JSON); `serve-axon` submits `serve_axon` for a
 * hotkey, which is how a reference miner becomes reachable on a local node.
 */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import { integerFlag } from './io.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { axonAddress } from '../chain/axon.js';
import { resolveNetwork, type ChainTarget } from '../chain/network.js';
import { connectSubtensor, type SubnetSnapshot } from '../chain/subtensor.js';
import { runChainValidator, type ChainRunSummary } from '../engine/chain-runner.js';
import type { RunMetrics } from '../metrics/metrics.js';
import { keepDetectorMemoryFlag } from './detector-memory-flag.js';
import { confidenceFrom, type ConfidenceFlags } from './confidence-flags.js';
import { equalShares, parsePluginShares } from '../engine/plugin-shares.js';
import { isPublicAddress } from '../transport/address.js';
import { cryptoReady } from '../transport/keys.js';
import { loadHotkey, type LoadedHotkey } from '../wallet/wallet.js';

const EXAMPLES = `
Examples:
  $ validator chain metagraph --netuid 1 --network test
  $ validator chain metagraph --netuid 1 --network ws://127.0.0.1:9944 --json
  $ validator chain serve-axon --netuid 1 --ip 127.0.0.2 --port 8091 --network local --wallet.name miner1
  $ PROCTOR_HOTKEY_SECRET=//Bob validator chain serve-axon --netuid 1 --ip 127.0.0.3 --port 8092 --network local

--network takes finney, test, local (ws://127.0.0.1:9944) or a ws(s):// URL; without it,
BT_SUBTENSOR_CHAIN_ENDPOINT, else finney. Wallet flags follow btcli (see docs/chain.md).
`;

/** The wallet flags `run` and `chain` share, as commander stores them. */
export interface WalletFlags {
  'wallet.name'?: string;
  'wallet.hotkey'?: string;
  'wallet.path'?: string;
}

/** Adds `--wallet.name`, `--wallet.hotkey`, `--wallet.path` to a command. */
export function addWalletOptions(command: Command): Command {
  return command
    .option('--wallet.name <name>', 'btcli wallet name (default: $BT_WALLET_NAME or "default")')
    .option('--wallet.hotkey <name>', 'btcli hotkey name (default: $BT_WALLET_HOTKEY or "default")')
    .option('--wallet.path <dir>', 'btcli wallets folder (default: $BT_WALLET_PATH or ~/.bittensor/wallets)');
}

/** The hotkey the wallet flags (or PROCTOR_HOTKEY_SECRET) select; warnings go to stderr. */
export function hotkeyFromFlags(flags: WalletFlags): LoadedHotkey {
  return loadHotkey({ name: flags['wallet.name'], hotkey: flags['wallet.hotkey'], path: flags['wallet.path'], warn: (line) => process.stderr.write(`${line}\n`) });
}

export function parseNetuid(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `--netuid must be an integer from 0 to 65535 (got "${value}")` });
  return n;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;
const tao = (rao: bigint) => (Number(rao) / 1e9).toFixed(4);
const frac = (u16: number) => (u16 / 65535).toFixed(4);

/** The snapshot as JSON: u64s as decimal strings, u16 fractions as they are stored. */
function snapshotJson(s: SubnetSnapshot, runtime: string): unknown {
  return JSON.parse(
    JSON.stringify({ netuid: s.netuid, name: s.metagraph.name, block: s.block, blockHash: s.blockHash, runtime, source: s.metagraph.source, hyperparameters: s.hyperparameters, neurons: s.metagraph.neurons.map((n) => ({ ...n, validatorTrust: s.validatorTrust[n.uid] })), weights: s.weights }, (_, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    ),
  );
}

function table(s: SubnetSnapshot, runtime: string, network: string): string {
  const h = s.hyperparameters;
  const header = ['uid', 'hotkey', 'coldkey', 'stake α', 'V', 'active', 'incentive', 'dividends', 'consensus', 'vtrust', 'emission', 'updated', 'axon'];
  const rows = s.metagraph.neurons.map((n) => [
    String(n.uid), short(n.hotkey), short(n.coldkey), tao(n.totalStake), n.validatorPermit ? '*' : '', n.active ? 'yes' : 'no',
    frac(n.incentive), frac(n.dividends), frac(n.consensus), frac(s.validatorTrust[n.uid] ?? 0), tao(n.emission), String(n.lastUpdate), n.axon.url ?? '-',
  ]);
  const widths = header.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 2 || i === 12 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [
    `Subnet ${s.netuid} "${s.metagraph.name}" on ${network} at block ${s.block} (runtime ${runtime}): ${s.metagraph.neurons.length} uids, tempo ${h.tempo}, ` +
      `epoch ${h.epochIndex ?? '?'}, commit-reveal ${h.commitRevealEnabled ? `on (${h.revealPeriodEpochs} epoch)` : 'off'}, weights rate limit ${h.weightsRateLimit}, ` +
      `min weights ${h.minAllowedWeights}, max weight ${frac(h.maxWeightsLimit)}, version key ${h.weightsVersionKey}.`,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    'stake and emission in units of 1e9 rao; V = validator permit; fractions as the chain stores them (u16 / 65535).',
  ].join('\n');
}

async function metagraphCommand(flags: { netuid: string; network?: string; json?: boolean }): Promise<void> {
  const netuid = parseNetuid(flags.netuid);
  const target = resolveNetwork(flags.network, process.env, 'finney');
  await cryptoReady();
  const chain = await connectSubtensor({ endpoint: target.endpoint, log, backoff: { startupAttempts: 4 } });
  try {
    const snapshot = await chain.snapshot(netuid, null);
    process.stdout.write(flags.json ? `${JSON.stringify(snapshotJson(snapshot, chain.runtime), null, 2)}\n` : `${table(snapshot, chain.runtime, target.network)}\n`);
  } finally {
    await chain.close();
  }
}

async function serveAxonCommand(flags: WalletFlags & { netuid: string; network?: string; ip: string; port: string; protocol: string; axonVersion: string }): Promise<void> {
  const netuid = parseNetuid(flags.netuid);
  const address = axonAddress(flags.ip, Number(flags.port));
  const target = resolveNetwork(flags.network, process.env, 'finney');
  await cryptoReady();
  const { hotkey, source } = hotkeyFromFlags(flags);
  log(`serve_axon on subnet ${netuid} (${target.endpoint}) for ${hotkey.address} from ${source}: ${flags.ip}:${address.port}`);
  const chain = await connectSubtensor({ endpoint: target.endpoint, log, backoff: { startupAttempts: 4 } });
  try {
    const s = await chain.serveAxon(hotkey, netuid, { ...address, version: Number(flags.axonVersion), protocol: Number(flags.protocol) });
    process.stdout.write(`${JSON.stringify({ call: s.call, outcome: s.outcome, extrinsicHash: s.extrinsicHash, block: s.blockNumber, hotkey: hotkey.address, ip: flags.ip, port: address.port })}\n`);
    if (s.error) throw s.error;
  } finally {
    await chain.close();
  }
}

/** The `validator run` flags the chain runner reads (all optional: `run` owns their defaults). */
export interface ChainRunFlags extends WalletFlags, ConfidenceFlags {
  network?: string;
  netuid?: string;
  versionKey?: string;
  db?: string;
  rounds?: string;
  epochs?: string;
  seed?: string;
  poolSize?: string;
  evaluatorTimeout?: string;
  emaAlpha?: string;
  pluginShares?: string;
  keepDetectorMemory?: string;
  json?: boolean;
}

function option(name: string, value: string | undefined, min: number, max: number): number | undefined {
  return value === undefined ? undefined : integerFlag(name, value, min, max);
}

/** Miners on loopback or private addresses are queried only on a chain that is itself local. */
function privateMinersAllowed(target: ChainTarget): boolean {
  if (target.network === 'local') return true;
  if (target.network !== 'custom') return false;
  const host = new URL(target.endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || (isIP(host) !== 0 && !isPublicAddress(host));
}

function printChainSummary(s: ChainRunSummary): void {
  const rows = s.miners
    .slice()
    .sort((a, b) => b.incentive - a.incentive)
    .map((m) => [String(m.uid), short(m.hotkey), m.meanScore.toFixed(3), m.weight.toFixed(3), m.incentive.toFixed(4)]);
  const header = ['uid', 'hotkey', 'mean score', 'weight', 'incentive (chain)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const counts = new Map<string, number>();
  for (const a of s.actions) counts.set(`${a.mode} ${a.outcome}`, (counts.get(`${a.mode} ${a.outcome}`) ?? 0) + 1);
  const vt = s.validator.validatorTrust === null ? 'n/a' : s.validator.validatorTrust.toFixed(4);
  process.stdout.write(
    [
      `Subnet ${s.netuid} on ${s.network} (${s.endpoint}, runtime ${s.runtime}) after ${s.rounds.length} round(s) and ${s.epochs} epoch(s), block ${s.block}; history in ${s.db}.`,
      `This validator (uid ${s.validator.uid ?? 'none'}): previewed validator trust ${vt}. Submissions: ${[...counts].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}.`,
      '',
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.map(line),
      '',
      `Every submission and its outcome: validator audit sql "SELECT * FROM v_chain_submissions" --db ${s.db}`,
    ].join('\n') + '\n',
  );
}

/**
 * `validator run --network … --netuid …`: validates a real subnet until `--rounds` / `--epochs`
 * (when given) or Ctrl-C, which finishes the round in flight first.
 */
export async function runChainCommand(flags: ChainRunFlags, command: Command | undefined, plugins: LoadedPlugin[], log: (line: string) => void, metrics?: RunMetrics): Promise<void> {
  const target = resolveNetwork(flags.network, process.env);
  if (flags.netuid === undefined) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--netuid', problem: 'is required with --network (the subnet to validate)' });
  const netuid = parseNetuid(flags.netuid);
  const explicit = (name: string) => command === undefined || command.getOptionValueSource(name) !== 'default';
  const emaAlpha = Number(flags.emaAlpha ?? '0.1');
  if (!(emaAlpha > 0 && emaAlpha <= 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--ema-alpha', problem: 'must be a number in (0, 1]' });
  if (flags.versionKey !== undefined && !/^\d{1,20}$/.test(flags.versionKey)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--version-key', problem: 'must be an unsigned 64-bit integer' });
  await cryptoReady();
  const { hotkey, source } = hotkeyFromFlags(flags);
  const names = plugins.map((p) => p.definition.name);
  const controller = new AbortController();
  const stop = () => {
    log('stopping after the round in flight (Ctrl-C again to force)');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await runChainValidator({
      plugins,
      db: flags.db ?? './proctor.db',
      target,
      netuid,
      hotkey,
      hotkeySource: source,
      rounds: option('--rounds', flags.rounds, 1, 1_000_000) ?? null,
      epochs: explicit('epochs') ? (option('--epochs', flags.epochs, 1, 10_000) ?? null) : null,
      seed: flags.seed ?? null,
      poolSize: option('--pool-size', flags.poolSize, 1, 256),
      evaluatorTimeoutMs: option('--evaluator-timeout', flags.evaluatorTimeout, 10, 600_000) ?? 30_000,
      emaAlpha,
      shares: flags.pluginShares !== undefined ? parsePluginShares(flags.pluginShares, names) : equalShares(names),
      confidence: confidenceFrom(flags),
      keepDetectorMemory: keepDetectorMemoryFlag(flags.keepDetectorMemory),
      versionKey: flags.versionKey !== undefined ? BigInt(flags.versionKey) : null,
      allowPrivateMiners: privateMinersAllowed(target),
      signal: controller.signal,
      log,
      metrics,
    });
    if (flags.json) process.stdout.write(`${JSON.stringify(summary, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    else printChainSummary(summary);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerChain(program: Command): void {
  const chain = program.command('chain').description('read a real subnet; announce a miner with serve_axon').addHelpText('after', EXAMPLES);
  chain
    .command('metagraph')
    .description('the subnet\'s neurons, stakes, incentive and axons at the best block, with its hyperparameters')
    .requiredOption('--netuid <n>', 'the subnet')
    .option('--network <name>', 'finney, test, local or a ws(s):// URL (default: $BT_SUBTENSOR_CHAIN_ENDPOINT, else finney)')
    .option('--json', 'print JSON (u64 values as decimal strings) instead of the table')
    .addHelpText('after', EXAMPLES)
    .action(metagraphCommand);
  addWalletOptions(
    chain
      .command('serve-axon')
      .description('announce where a hotkey serves (serve_axon); the chain refuses 127.0.0.1, so use 127.0.0.2 and up on a local node')
      .requiredOption('--netuid <n>', 'the subnet')
      .requiredOption('--ip <address>', 'the IPv4 or IPv6 address miners are reached at')
      .requiredOption('--port <p>', 'the port')
      .option('--network <name>', 'finney, test, local or a ws(s):// URL (default: $BT_SUBTENSOR_CHAIN_ENDPOINT, else finney)')
      .option('--protocol <n>', 'axon protocol field (the Python SDK sends 4)', '4')
      .option('--axon-version <n>', 'axon version field', '1'),
  )
    .addHelpText('after', EXAMPLES)
    .action(serveAxonCommand);
}
