/** Standard input and output for the CLI: bounded reads, JSON written whole. */
import { proctorError } from '../errors.js';

/** Reads all of standard input, refusing more than `limit` bytes. */
export async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    if (bytes > limit) throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_TOO_LARGE', { bytes, limit });
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_EMPTY', {});
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_JSON', { detail: (err as Error).message }, err);
  }
}

export function writeJson(value: unknown, pretty: boolean): void {
  process.stdout.write(JSON.stringify(value, null, pretty ? 2 : undefined) + '\n');
}

/**
 * A command-line flag's value as an integer in [min, max], or PROCTOR_ERR_RUN_OPTIONS naming the flag.
 *
 * @example integerFlag('--epochs', '3', 1, 1000) // → 3
 */
export function integerFlag(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option, problem: `must be an integer from ${min} to ${max} (got "${value}")` });
  return n;
}
