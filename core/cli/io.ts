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
