/**
 * The validator's diagnostics: pino, on stderr (stdout belongs to results), one JSON object per
 * line with `--log-format json`, or one readable line with `pretty` (the default on a terminal
 * and elsewhere). Levels as pino's: trace, debug, info, warn, error, fatal, silent.
 *
 * Nothing secret is logged: the engine never passes a round seed before its reveal, a run seed,
 * a mnemonic or a commit salt to the log, and as a second guard every field named like a secret
 * (`REDACTED_KEYS`, at the top level or one level down) is replaced by "[redacted]".
 */
import { Writable } from 'node:stream';
import { pino, type Level, type LevelWithSilent, type Logger } from 'pino';
import type { Json } from '../plugin-api.js';
import type { EvaluatorLogRecord } from '../pool/evaluation.js';

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Field names whose values never reach a log line. */
export const REDACTED_KEYS = ['seed', 'runSeed', 'roundSeed', 'mnemonic', 'secret', 'secretPhrase', 'privateKey', 'salt', 'password', 'uri'];

export interface LoggerOptions {
  format: LogFormat;
  level: LevelWithSilent;
  /** Where lines go; default stderr, written synchronously so a crash loses nothing. */
  write?: (line: string) => void;
}

/** Extra fields of one line; `level` picks the level (default info). */
export type LogFields = { level?: Level } & { [key: string]: Json | undefined };

/** The engine's log function: a message and, optionally, structured fields. */
export type LogFn = (message: string, fields?: LogFields) => void;

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * One pino JSON line as `HH:MM:SS.mmm LEVEL message`. The engine's messages already say in words
 * what their fields hold (the fields are for machines, `--log-format json`), so fields are printed
 * only for a line without a message.
 */
export function prettyLine(json: string): string {
  let entry: { [key: string]: Json };
  try {
    entry = JSON.parse(json) as { [key: string]: Json };
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, pid: _pid, hostname: _hostname, ...fields } = entry;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  const text = typeof msg === 'string' && msg.length > 0 ? msg : extra.join(' ');
  return `${clock} ${(LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5)} ${text}\n`;
}

/**
 * Creates the run's logger.
 *
 * @example
 * ```ts
 * const logger = createLogger({ format: 'json', level: 'info' });
 * logger.info({ round: 3, responses: 224 }, 'round complete');
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = chunk.toString();
      write(options.format === 'pretty' ? text.split('\n').filter((l) => l.length > 0).map(prettyLine).join('') : text);
      done();
    },
  });
  // pino writes to a stream's write() synchronously; the Writable passes each line straight through.
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
    },
    sink,
  );
}

/**
 * The engine's `(message, fields?) => void` over a pino logger: `fields.level` picks the level.
 *
 * @example
 * ```ts
 * const log = logFunction(createLogger({ format: 'pretty', level: 'info' }));
 * log('marked round 4 abandoned', { level: 'warn', rounds: [4] });
 * ```
 */
export function logFunction(logger: Logger): LogFn {
  return (message, fields) => {
    const { level = 'info', ...rest } = fields ?? {};
    if (Object.keys(rest).length > 0) logger[level](rest, message);
    else logger[level](message);
  };
}

/**
 * Evaluators' `ctx.log` lines (posted from the pool's worker threads) through the run's logger:
 * info level, tagged with the evaluator's name and version, the message as the evaluator wrote it.
 *
 * @example
 * ```ts
 * const pool = createEvaluatorPool({ log: evaluatorLogger(log) });
 * // {"level":30,"evaluator":"ocr-match","evaluatorVersion":"1.0.0","msg":"[ocr-match@1.0.0] reading with PP-OCRv4 …"}
 * ```
 */
export function evaluatorLogger(log: (message: string, fields?: LogFields) => void): (record: EvaluatorLogRecord) => void {
  return (r) => log(`[${r.evaluator}@${r.version}] ${r.message}`, { level: r.level, evaluator: r.evaluator, evaluatorVersion: r.version });
}
