/**
 * The `validator` command: commander wired to thin command modules. Results go to stdout,
 * diagnostics to stderr; a failure prints `[CODE] message` and exits 2 (user) or 1 (internal).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { proctorError } from '../errors.js';
import { registerAudit } from './audit-command.js';
import { registerBench } from './bench-command.js';
import { registerConsensus } from './consensus-command.js';
import { registerMiner } from './miner-command.js';
import { registerPlugins } from './plugins-command.js';
import { registerRun } from './run-command.js';
import { registerChain } from './chain.js';
import { registerScore } from './score-command.js';
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

export function buildProgram(): Command {
  const program = new Command('validator')
    .description('Proctor: a validator framework for Bittensor subnets')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText('after', EXAMPLES);
  // Subcommands inherit exitOverride and the silenced error output from the program.
  registerRun(program);
  registerChain(program);
  registerAudit(program);
  registerScore(program);
  registerBench(program);
  registerConsensus(program);
  registerMiner(program);
  registerPlugins(program);
  return program;
}

function isCleanExit(err: CommanderError): boolean {
  return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
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
