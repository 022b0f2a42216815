/** How the CLI reports a failure: `[CODE] message` and the docs anchor on stderr, exit 2 or 1. */
import { docsAnchor, isProctorError, proctorError } from '../errors.js';
import type { ProctorError } from '../errors.js';

export function asProctorError(err: unknown): ProctorError {
  if (isProctorError(err)) return err;
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail }, err);
}

/** Prints the error and returns the exit code: 2 for the caller's mistakes, 1 for ours. */
export function reportError(err: unknown): number {
  const error = asProctorError(err);
  process.stderr.write(`[${error.code}] ${error.message}\n  see ${docsAnchor(error.code)}\n`);
  return error.kind === 'user' ? 2 : 1;
}
