/**
 * The one catalogue of Proctor's coded errors.
 *
 * Every code is `PROCTOR_ERR_<AREA>_<WHAT>`, carries typed data, and has an anchor in
 * `docs/errors.md` (a test keeps the two in step). `user` errors are the caller's to fix
 * (the CLI exits 2); `internal` errors are ours (exit 1).
 *
 * @example
 * ```ts
 * throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_INVALID', { path: '$.stake[3]', problem: 'must be ≥ 0' });
 * ```
 */

type Kind = 'user' | 'internal';

interface Entry<D> {
  kind: Kind;
  message: (data: D) => string;
}

function entry<D>(kind: Kind, message: (data: D) => string): Entry<D> {
  return { kind, message };
}

export const errorCatalogue = {
  PROCTOR_ERR_CLI_USAGE: entry<{ detail: string }>('user', (d) => d.detail),
  PROCTOR_ERR_CLI_NOT_BUILT: entry<Record<string, never>>(
    'internal',
    () => 'the CLI is not compiled yet: run `npm ci` (or `npm run build`) first',
  ),
  PROCTOR_ERR_CONSENSUS_INPUT_EMPTY: entry<Record<string, never>>(
    'user',
    () => 'no JSON on standard input: pipe an epoch state in, e.g. `validator consensus epoch < state.json`',
  ),
  PROCTOR_ERR_CONSENSUS_INPUT_TOO_LARGE: entry<{ bytes: number; limit: number }>(
    'user',
    (d) => `the input is larger than ${d.limit} bytes (read ${d.bytes} so far)`,
  ),
  PROCTOR_ERR_CONSENSUS_INPUT_JSON: entry<{ detail: string }>(
    'user',
    (d) => `the input is not valid JSON: ${d.detail}`,
  ),
  PROCTOR_ERR_CONSENSUS_INPUT_INVALID: entry<{ path: string; problem: string }>(
    'user',
    (d) => `${d.path} ${d.problem}`,
  ),
  PROCTOR_ERR_WEIGHTS_INVALID: entry<{ problem: string }>(
    'user',
    (d) => `weights cannot be converted: ${d.problem}`,
  ),
  PROCTOR_ERR_INTERNAL_UNEXPECTED: entry<{ detail: string }>('internal', (d) => `internal error: ${d.detail}`),
} as const;

export type ErrorCode = keyof typeof errorCatalogue;
export type ErrorData<C extends ErrorCode> = Parameters<(typeof errorCatalogue)[C]['message']>[0];

/** An error from the catalogue: `code`, typed `data`, and whether the caller (`user`) or Proctor is at fault. */
export class ProctorError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly data: ErrorData<C>;
  readonly kind: Kind;

  constructor(code: C, data: ErrorData<C>, options?: { cause?: unknown }) {
    const { message, kind } = errorCatalogue[code] as Entry<ErrorData<C>>;
    super(message(data), options);
    this.name = 'ProctorError';
    this.code = code;
    this.data = data;
    this.kind = kind;
  }
}

/** Builds a catalogued error; `throw proctorError(...)` at the point of failure. */
export function proctorError<C extends ErrorCode>(
  code: C,
  data: ErrorData<C>,
  cause?: unknown,
): ProctorError<C> {
  return new ProctorError(code, data, cause === undefined ? undefined : { cause });
}

export function isProctorError(value: unknown): value is ProctorError {
  return value instanceof ProctorError;
}

/** The anchor of a code in `docs/errors.md`. */
export function docsAnchor(code: ErrorCode): string {
  return `docs/errors.md#${code.toLowerCase()}`;
}
