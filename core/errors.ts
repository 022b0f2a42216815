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
  PROCTOR_ERR_PLUGIN_NOT_FOUND: entry<{ name: string; suggestion: string | null; known: string[] }>(
    'user',
    (d) => `no plugin "${d.name}"${d.suggestion ? `: did you mean "${d.suggestion}"?` : ''} (built in: ${d.known.join(', ')}; or give a path or a package name)`,
  ),
  PROCTOR_ERR_PLUGIN_LOAD: entry<{ specifier: string; detail: string }>('user', (d) => `cannot load plugin ${d.specifier}: ${d.detail}`),
  PROCTOR_ERR_PLUGIN_INVALID: entry<{ plugin: string; path: string; problem: string }>(
    'user',
    (d) => `plugin ${d.plugin}: ${d.path} ${d.problem}`,
  ),
  PROCTOR_ERR_PLUGIN_ENGINE_RANGE: entry<{ plugin: string; range: string; engine: string }>(
    'user',
    (d) => `plugin ${d.plugin} needs engine ${d.range}, this is Proctor ${d.engine}`,
  ),
  PROCTOR_ERR_PLUGIN_EVALUATOR_UNKNOWN: entry<{ plugin: string; evaluator: string; suggestion: string | null }>(
    'user',
    (d) => `plugin ${d.plugin} names evaluator "${d.evaluator}", which is not registered${d.suggestion ? `: did you mean "${d.suggestion}"?` : ''}`,
  ),
  PROCTOR_ERR_PLUGIN_WEIGHTS: entry<{ plugin: string; problem: string }>('user', (d) => `plugin ${d.plugin}: evaluator weights ${d.problem}`),
  PROCTOR_ERR_PLUGIN_SCHEME: entry<{ plugin: string; field: string; problem: string }>('user', (d) => `plugin ${d.plugin}: ${d.field} ${d.problem}`),
  PROCTOR_ERR_PLUGIN_SYNAPSE: entry<{ plugin: string; field: string; problem: string }>('user', (d) => `plugin ${d.plugin}: ${d.field} ${d.problem}`),
  PROCTOR_ERR_PLUGIN_REQUEST_CAP: entry<{ plugin: string; field: string; problem: string }>('user', (d) => `plugin ${d.plugin}: ${d.field} ${d.problem}`),
  PROCTOR_ERR_PLUGIN_EXISTS: entry<{ path: string }>('user', (d) => `${d.path} already exists; choose another name or folder`),
  PROCTOR_ERR_PLUGIN_CHECK_FAILED: entry<{ plugin: string; problem: string }>('user', (d) => `plugin ${d.plugin} failed its check: ${d.problem}`),
  PROCTOR_ERR_EVALUATOR_INVALID: entry<{ module: string; problem: string }>('user', (d) => `evaluator ${d.module}: ${d.problem}`),
  PROCTOR_ERR_EVALUATOR_FAILED: entry<{ evaluator: string; detail: string }>('user', (d) => `evaluator ${d.evaluator} threw: ${d.detail}`),
  PROCTOR_ERR_EVALUATOR_TIMEOUT: entry<{ evaluator: string; timeoutMs: number }>(
    'user',
    (d) => `evaluator ${d.evaluator} took longer than ${d.timeoutMs} ms; its worker was replaced`,
  ),
  PROCTOR_ERR_EVALUATOR_WORKER_EXIT: entry<{ evaluator: string; detail: string }>(
    'user',
    (d) => `evaluator ${d.evaluator} ended its worker (${d.detail}); the worker was replaced`,
  ),
  PROCTOR_ERR_EVALUATOR_INPUT_MISSING: entry<{ evaluator: string; input: string }>(
    'user',
    (d) => `evaluator ${d.evaluator} needs "${d.input}", which the sample lacks`,
  ),
  PROCTOR_ERR_EVALUATOR_SETUP: entry<{ evaluator: string; detail: string }>(
    'user',
    (d) => `evaluator ${d.evaluator} failed its setup and is disabled for this run: ${d.detail}`,
  ),
  PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE: entry<{ evaluator: string; value: number; range: readonly [number, number] }>(
    'user',
    (d) => `evaluator ${d.evaluator} returned ${d.value}, outside its declared range [${d.range[0]}, ${d.range[1]}]`,
  ),
  PROCTOR_ERR_STORE_OPEN: entry<{ path: string; detail: string }>('user', (d) => `cannot open the database ${d.path}: ${d.detail}`),
  PROCTOR_ERR_STORE_SCHEMA: entry<{ path: string; found: number; supported: number }>(
    'user',
    (d) => `${d.path} has schema version ${d.found}, newer than this Proctor supports (${d.supported}); upgrade Proctor`,
  ),
  PROCTOR_ERR_DETECTOR_MEMORY_TOO_LARGE: entry<{ detector: string; round: number; bytes: number; limit: number }>(
    'user',
    (d) => `detector ${d.detector}'s memory after round ${d.round} is ${d.bytes} bytes, over the ${d.limit}-byte cap: dropped, the detector starts the next round empty`,
  ),
  PROCTOR_ERR_DETECTOR_MEMORY_INVALID: entry<{ detector: string; round: number; detail: string }>(
    'user',
    (d) => `detector ${d.detector}'s memory after round ${d.round} cannot be kept (${d.detail}): dropped, the detector starts the next round empty`,
  ),
  PROCTOR_ERR_AUDIT_NO_DB: entry<{ path: string }>('user', (d) => `no database at ${d.path}; run \`validator run\` first or pass --db`),
  PROCTOR_ERR_AUDIT_WRITE_REFUSED: entry<{ sql: string }>(
    'user',
    (d) => `audit queries are read-only; refused: ${d.sql.length > 120 ? `${d.sql.slice(0, 117)}...` : d.sql}`,
  ),
  PROCTOR_ERR_AUDIT_SQL: entry<{ detail: string }>('user', (d) => `the query failed: ${d.detail}`),
  PROCTOR_ERR_AUDIT_ROUND: entry<{ round: number; problem: string }>('user', (d) => `round ${d.round} cannot be audited: it ${d.problem}`),
  PROCTOR_ERR_AUDIT_HOTKEY: entry<{ hotkey: string; problem: string }>('user', (d) => `hotkey ${d.hotkey}: ${d.problem}`),
  PROCTOR_ERR_AUDIT_UID: entry<{ uid: number; problem: string }>('user', (d) => `uid ${d.uid}: ${d.problem}`),
  PROCTOR_ERR_AUDIT_OUT: entry<{ path: string; detail: string }>('user', (d) => `cannot write the report to ${d.path}: ${d.detail}`),
  PROCTOR_ERR_METRICS_LISTEN: entry<{ host: string; port: number; detail: string }>('user', (d) => `cannot serve metrics on ${d.host}:${d.port}: ${d.detail}`),
  PROCTOR_ERR_KEY_INVALID: entry<{ what: string; problem: string }>('user', (d) => `${d.what}: ${d.problem}`),
  PROCTOR_ERR_WALLET_NOT_FOUND: entry<{ path: string; hint: string }>('user', (d) => `no hotkey file at ${d.path}; ${d.hint}`),
  PROCTOR_ERR_WALLET_INVALID: entry<{ source: string; problem: string }>('user', (d) => `hotkey from ${d.source}: ${d.problem}`),
  PROCTOR_ERR_WALLET_ENCRYPTED: entry<{ path: string }>(
    'user',
    (d) => `${d.path} is encrypted; Proctor reads only unencrypted hotkey files (btcli's default for hotkeys) or a secret from the environment`,
  ),
  PROCTOR_ERR_CHAIN_NETWORK: entry<{ value: string; problem: string }>('user', (d) => `--network "${d.value}": ${d.problem}`),
  PROCTOR_ERR_CHAIN_CONNECT: entry<{ endpoint: string; attempts: number; detail: string }>(
    'user',
    (d) => `cannot connect to ${d.endpoint} after ${d.attempts} attempt(s): ${d.detail}`,
  ),
  PROCTOR_ERR_CHAIN_RPC: entry<{ method: string; detail: string }>('user', (d) => `chain request ${d.method} failed: ${d.detail}`),
  PROCTOR_ERR_CHAIN_MODULE_ERROR: entry<{ call: string; pallet: string; name: string; docs: string }>(
    'user',
    (d) => `${d.call} was included but failed on chain: ${d.pallet}.${d.name}${d.docs ? ` (${d.docs})` : ''}`,
  ),
  PROCTOR_ERR_CHAIN_TX_REJECTED: entry<{ call: string; reason: string; name: string }>(
    'user',
    (d) => `${d.call} was rejected at submission: ${d.name} (${d.reason})`,
  ),
  PROCTOR_ERR_CHAIN_TX_TIMEOUT: entry<{ call: string; extrinsicHash: string; seconds: number }>(
    'user',
    (d) => `${d.call} ${d.extrinsicHash} was not seen in a block within ${d.seconds} s; its outcome is unknown`,
  ),
  PROCTOR_ERR_CHAIN_SUBNET_MISSING: entry<{ netuid: number }>('user', (d) => `subnet ${d.netuid} does not exist on this chain`),
  PROCTOR_ERR_CHAIN_NOT_REGISTERED: entry<{ hotkey: string; netuid: number }>(
    'user',
    (d) => `hotkey ${d.hotkey} is not registered on subnet ${d.netuid}; register it first (btcli subnets register)`,
  ),
  PROCTOR_ERR_CHAIN_UNSUPPORTED: entry<{ what: string; runtime: string }>(
    'user',
    (d) => `the chain's runtime (${d.runtime}) has no ${d.what}, which Proctor needs`,
  ),
  PROCTOR_ERR_CHAIN_DECODE: entry<{ what: string; problem: string }>('internal', (d) => `the chain's ${d.what} is inconsistent: ${d.problem}`),
  PROCTOR_ERR_CHAIN_VERSION_KEY: entry<{ netuid: number; required: string; configured: string }>(
    'user',
    (d) => `subnet ${d.netuid} requires weights version key ≥ ${d.required}, this validator sends ${d.configured}; upgrade the plugin or pass --version-key`,
  ),
  PROCTOR_ERR_CHAIN_AXON: entry<{ problem: string }>('user', (d) => `cannot serve this axon: ${d.problem}`),
  PROCTOR_ERR_MINERS_FILE: entry<{ path: string; problem: string }>('user', (d) => `--miners ${d.path}: ${d.problem}`),
  PROCTOR_ERR_RUN_OPTIONS: entry<{ option: string; problem: string }>('user', (d) => `${d.option} ${d.problem}`),
  PROCTOR_ERR_RED_TEAM_UNKNOWN: entry<{ name: string; suggestion: string | null; known: string[] }>(
    'user',
    (d) => `no red-team strategy "${d.name}"${d.suggestion ? `: did you mean "${d.suggestion}"?` : ''} (known: ${d.known.join(', ')})`,
  ),
  PROCTOR_ERR_MINER_LISTEN: entry<{ port: number; detail: string }>('user', (d) => `cannot listen on 127.0.0.1:${d.port}: ${d.detail}`),
  PROCTOR_ERR_TRANSPORT_REFUSED: entry<{ scheme: string; reason: string; detail: string }>(
    'user',
    (d) => `${d.scheme} request refused (${d.reason}): ${d.detail}`,
  ),
  PROCTOR_ERR_TRANSPORT_NONCE_STORE: entry<{ path: string; detail: string }>('user', (d) => `cannot use the nonce store ${d.path}: ${d.detail}`),
  PROCTOR_ERR_TRANSPORT_OPTIONS: entry<{ option: string; problem: string }>('user', (d) => `${d.option} ${d.problem}`),
  PROCTOR_ERR_MODEL_NOT_FOUND: entry<{ name: string; known: string[] }>(
    'user',
    (d) => `no model "${d.name}" (bundled or configured: ${d.known.join(', ') || 'none'}; or give a folder path)`,
  ),
  PROCTOR_ERR_MODEL_FILE_MISSING: entry<{ model: string; file: string }>('user', (d) => `model ${d.model}: ${d.file} is missing`),
  PROCTOR_ERR_MODEL_MALFORMED: entry<{ model: string; file: string; problem: string }>('user', (d) => `model ${d.model}: ${d.file} ${d.problem}`),
  PROCTOR_ERR_MODEL_PROVIDER: entry<{ provider: string; detail: string }>(
    'user',
    (d) => `execution provider "${d.provider}" is not available: ${d.detail}`,
  ),
  PROCTOR_ERR_MODEL_INFERENCE: entry<{ model: string; detail: string }>('internal', (d) => `model ${d.model} failed to run: ${d.detail}`),
  PROCTOR_ERR_IMAGE_INVALID: entry<{ problem: string }>('user', (d) => `the image cannot be decoded: ${d.problem}`),
  PROCTOR_ERR_IMAGE_FORMAT: entry<{ format: string; accepted: string[] }>(
    'user',
    (d) => `the image is ${d.format}; only ${d.accepted.join(' or ')} is accepted`,
  ),
  PROCTOR_ERR_IMAGE_TOO_LARGE: entry<{ what: string; value: number; limit: number }>(
    'user',
    (d) => `the image's ${d.what} (${d.value}) exceeds the limit of ${d.limit}`,
  ),
  PROCTOR_ERR_SCORE_INPUT: entry<{ line: number; problem: string }>('user', (d) => `standard input line ${d.line}: ${d.problem}`),
  PROCTOR_ERR_REFERENCE_ENDPOINT: entry<{ url: string; detail: string }>('user', (d) => `reference generator ${d.url} failed: ${d.detail}`),
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
