/**
 * The `validator` command: commander wired to thin command modules. Results go to stdout,
 * diagnostics to stderr; a failure prints `[CODE] message` and exits 2 (user) or 1 (internal).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { proctorError } from '../errors.js';
import { reportError } from './report-error.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const EXAMPLES = `
Examples:
  $ validator run --plugins text
  $ validator audit sql "SELECT * FROM v_latest_incentive ORDER BY incentive DESC"
  $ validator consensus epoch < docs/examples/epoch-two-validators.json
  $ validator consensus epoch --numerics fixed --pretty < state.json
  $ validator consensus epoch --help
`;

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when needed: a command imports its engine (the worker pool,
 * ONNX Runtime, @polkadot/api), which takes over a second, so `validator consensus epoch` should
 * not pay for `validator run`. In the order `--help` lists them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run-command.js')).registerRun,
  chain: async () => (await import('./chain.js')).registerChain,
  audit: async () => (await import('./audit-command.js')).registerAudit,
  score: async () => (await import('./score-command.js')).registerScore,
  bench: async () => (await import('./bench-command.js')).registerBench,
  consensus: async () => (await import('./consensus-command.js')).registerConsensus,
  miner: async () => (await import('./miner-command.js')).registerMiner,
  plugins: async () => (await import('./plugins-command.js')).registerPlugins,
};

/**
 * The program with the command named in `argv` registered, or every command when none is named
 * (help, version, a typo that should get a suggestion).
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('validator')
    .description('Proctor: a validator framework for Bittensor subnets')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText('after', EXAMPLES);
  // Subcommands inherit exitOverride and the silenced error output from the program.
  const named = argv[2];
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await COMMANDS[name]())(program);
  return program;
}

function isCleanExit(err: CommanderError): boolean {
  return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    // A command may set an exit code of its own (e.g. `score` after unreadable lines).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (isCleanExit(err)) return 0;
      const detail = err.message.replace(/^error: /, '');
      return reportError(proctorError('PROCTOR_ERR_CLI_USAGE', { detail }, err));
    }
    return reportError(err);
  }
}

process.exitCode = await main(process.argv);
