/**
 * `ground-truth`: 1 when the miner's `{ answer }` equals the task's hidden answer, else 0, compared
 * the way the task's `meta.answerType` says: numbers by value within a tolerance, dates, times,
 * weekdays and strings after a normalisation that forgives formatting, never content.
 */
import { z } from 'zod';
import { defineEvaluator, type Json, type Sample, type Verdict } from '../../core/plugin-api.js';

export interface GroundTruthOptions {
  /** Absolute tolerance of numeric answers; a task's own `meta.tolerance` applies when larger. */
  numericTolerance: number;
}

const schema = z.object({ numericTolerance: z.number().min(0) }).strict();

const QUOTES: readonly (readonly [string, string])[] = [['"', '"'], ["'", "'"], ['“', '”'], ['‘', '’'], ['`', '`'], ['«', '»']];

/**
 * Trimmed, whitespace collapsed, one trailing period and one pair of surrounding quotes removed
 * (in either order), lower-cased: `'  "Hello  World". '` → `hello world`.
 */
export function normaliseText(raw: string): string {
  let text = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  let periodRemoved = false;
  const removePeriod = () => {
    if (!periodRemoved && text.endsWith('.')) [text, periodRemoved] = [text.slice(0, -1).trim(), true];
  };
  removePeriod();
  const pair = QUOTES.find(([open, close]) => text.length >= 2 && text.startsWith(open) && text.endsWith(close));
  if (pair) text = text.slice(1, -1).trim();
  removePeriod();
  return text.toLowerCase();
}

const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;

/** A number read leniently ("1,234", " 42 ", "42.0", "−3", "42."), or null when the text is not one. */
export function parseLenientNumber(raw: Json): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  let text = normaliseText(raw).replace(/^\u2212/, '-');
  if (GROUPED_NUMBER.test(text)) text = text.replace(/,/g, '');
  if (!PLAIN_NUMBER.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Dates as zero-padded `yyyy-mm-dd`, times as zero-padded `hh:mm`; otherwise `normaliseText`. */
function normaliseAs(answerType: string, raw: string): string {
  const text = normaliseText(raw);
  if (answerType === 'date') {
    const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
    return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : text;
  }
  if (answerType === 'time') {
    const m = /^(\d{1,2}):(\d{2})$/.exec(text);
    return m ? `${m[1].padStart(2, '0')}:${m[2]}` : text;
  }
  return text;
}

function verdict(value: 0 | 1, expected: Json, got: Json, normalised: { expected: Json; got: Json }, reason?: string): Verdict {
  return { value, details: reason === undefined ? { expected, got, normalised } : { expected, got, normalised, reason } };
}

function judge(options: Readonly<GroundTruthOptions>, { task, response }: Sample): Verdict {
  const expected: Json = task?.answer ?? null;
  const meta: { [key: string]: Json } = task?.meta ?? {};
  const answerType = typeof meta.answerType === 'string' ? meta.answerType : 'string';
  const got: Json = response !== null && typeof response === 'object' && !Array.isArray(response) ? (response.answer ?? null) : null;
  if (typeof got !== 'string') return verdict(0, expected, got, { expected: null, got: null }, 'the response has no string "answer"');

  if (answerType === 'number') {
    const [want, have] = [parseLenientNumber(expected), parseLenientNumber(got)];
    const normalised = { expected: want, got: have };
    if (want === null) return verdict(0, expected, got, normalised, 'the task\'s answer is not a number');
    if (have === null) return verdict(0, expected, got, normalised, 'the answer is not a number');
    const taskTolerance = typeof meta.tolerance === 'number' && meta.tolerance >= 0 ? meta.tolerance : 0;
    return verdict(Math.abs(want - have) <= Math.max(taskTolerance, options.numericTolerance) ? 1 : 0, expected, got, normalised);
  }
  if (expected === null || typeof expected === 'object') return verdict(0, expected, got, { expected: null, got: null }, 'the task\'s answer is not a string');
  const normalised = { expected: normaliseAs(answerType, String(expected)), got: normaliseAs(answerType, got) };
  return verdict(normalised.expected === normalised.got ? 1 : 0, expected, got, normalised);
}

/**
 * Exact-answer scoring for tasks with a hidden ground truth (the text plugin's families).
 *
 * @example
 * ```ts
 * // task.answer 1234, meta { answerType: 'number', tolerance: 0 }, response { answer: "1,234" } → 1
 * ```
 */
export default defineEvaluator<GroundTruthOptions>({
  name: 'ground-truth',
  version: '1.0.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: { numericTolerance: 1e-9 } },
  score: (ctx, sample) => judge(ctx.options, sample),
});
