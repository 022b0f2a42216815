/** `validator consensus …`: the chain's epoch, JSON in and JSON out (spec §11). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { proctorError } from '../errors.js';
import { parseConsensusInput } from '../consensus/input.js';
import { computeConsensus } from '../consensus/consensus.js';
import type { NumericsName } from '../consensus/numerics.js';
import { parseJson, readStdin, writeJson } from './io.js';

/** Inputs larger than this are refused before parsing (a 4096-uid dense state is about 150 MB). */
export const INPUT_LIMIT_BYTES = 512 * 1024 * 1024;

const EXAMPLES = `
Input: one epoch {"n": …, "stake": […], "weights": […], …}, a sequence {"initial": {…}, "epochs": [{"set": {…}, "actions": […]}, …]},
or a unit operation {"kind": "weighted_median" | "weighted_median_col", …}. The keys are in docs/consensus.md.

Examples:
  $ validator consensus epoch < docs/examples/epoch-two-validators.json
  $ validator consensus epoch --numerics fixed --pretty < state.json > out.json
  $ validator consensus epoch --input docs/examples/sequence-yuma3.json | jq '.epochs[-1].dividends'
  $ echo '{"kind":"weighted_median","stake":[0.5,0.5],"score":[0.2,0.8],"minority":0.5}' | validator consensus epoch
`;

interface EpochOptions {
  numerics?: NumericsName;
  input?: string;
  pretty?: boolean;
}

async function runEpochCommand(options: EpochOptions): Promise<void> {
  let text: string;
  if (options.input !== undefined) {
    try {
      text = await readFile(options.input, 'utf8');
    } catch (err) {
      throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `cannot read --input ${options.input}: ${(err as Error).message}` }, err);
    }
  } else {
    if (process.stdin.isTTY) throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_EMPTY', {});
    text = await readStdin(INPUT_LIMIT_BYTES);
  }
  const request = parseConsensusInput(parseJson(text), options.numerics);
  writeJson(computeConsensus(request), options.pretty ?? false);
}

export function registerConsensus(program: Command): void {
  const consensus = program
    .command('consensus')
    .description("Yuma Consensus exactly as the subtensor chain computes it")
    .addHelpText('after', '\nExamples:\n  $ validator consensus epoch < state.json\n  $ validator consensus epoch --help\n');
  consensus
    .command('epoch')
    .description('run one epoch (or a sequence of epochs) of the chain\'s Yuma Consensus on a JSON state from stdin')
    .addOption(
      new Option('--numerics <kind>', 'float: float64; fixed: bit-exact I32F32/I64F64 like the chain (default: the input\'s "numerics", else float)').choices(['float', 'fixed']),
    )
    .option('--input <file>', 'read the JSON state from a file instead of stdin')
    .option('--pretty', 'indent the JSON output')
    .addHelpText('after', EXAMPLES)
    .action(runEpochCommand);
}
