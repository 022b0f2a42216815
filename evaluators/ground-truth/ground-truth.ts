/**
 * `ground-truth`: how well the miner's `{ answer }` matches the task's hidden answer, compared the
 * way the task's `meta.answerType` says: numbers by value within an absolute or relative
 * tolerance; dates, times, weekdays and strings after a normalisation that forgives formatting,
 * never content (1 or 0); sets and lists item by item (partial credit: Jaccard index, share of
 * positions right); transcriptions by character error rate (1 − CER, floored at 0).
 */
import { editDistance } from '../../core/edit-distance.js';
import { z } from 'zod';
import { defineEvaluator, type Json, type Sample, type Verdict } from '../../core/plugin-api.js';

export interface GroundTruthOptions {
  /** Absolute tolerance of numeric answers; a task's own `meta.tolerance` applies when larger. */
  numericTolerance: number;
  /** Relative tolerance of numeric answers, a share of the expected value's magnitude; a task's own `meta.relativeTolerance` applies when larger. */
  relativeTolerance?: number;
}

const schema = z.object({ numericTolerance: z.number().min(0), relativeTolerance: z.number().min(0).max(1).optional() }).strict();

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

function verdict(value: number, expected: Json, got: Json, normalised: { expected: Json; got: Json }, reason?: string): Verdict {
  return { value, details: reason === undefined ? { expected, got, normalised } : { expected, got, normalised, reason } };
}

const tolerance = (value: Json | undefined): number => (typeof value === 'number' && value >= 0 ? value : 0);

function judgeNumber(options: Readonly<GroundTruthOptions>, meta: { [key: string]: Json }, expected: Json, got: string): Verdict {
  const [want, have] = [parseLenientNumber(expected), parseLenientNumber(got)];
  const normalised = { expected: want, got: have };
  if (want === null) return verdict(0, expected, got, normalised, 'the task\'s answer is not a number');
  if (have === null) return verdict(0, expected, got, normalised, 'the answer is not a number');
  const absolute = Math.max(tolerance(meta.tolerance), options.numericTolerance);
  const relative = Math.max(tolerance(meta.relativeTolerance), options.relativeTolerance ?? 0) * Math.abs(want);
  return verdict(Math.abs(want - have) <= Math.max(absolute, relative) ? 1 : 0, expected, got, normalised);
}

/** The items of a comma- or newline-separated answer (or of an array answer), each normalised; empty items dropped. */
export function parseItems(raw: Json): string[] | null {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,\n]/) : null;
  if (items === null || !items.every((item) => typeof item === 'string' || typeof item === 'number')) return null;
  return items.map((item) => normaliseText(String(item))).filter((item) => item.length > 0);
}

function judgeItems(answerType: 'set' | 'list', expected: Json, got: string): Verdict {
  const [want, have] = [parseItems(expected), parseItems(got)];
  const normalised = { expected: want, got: have };
  if (want === null || have === null) return verdict(0, expected, got, normalised, `the task's answer is not a ${answerType}`);
  if (want.length === 0 && have.length === 0) return verdict(1, expected, got, normalised);
  if (answerType === 'list') {
    const right = want.filter((item, i) => have[i] === item).length;
    return verdict(right / Math.max(want.length, have.length), expected, got, normalised);
  }
  const [a, b] = [new Set(want), new Set(have)];
  const shared = [...a].filter((item) => b.has(item)).length;
  return verdict(shared / (a.size + b.size - shared), expected, got, normalised);
}


/** 1 − character error rate, floored at 0; case and punctuation count, whitespace runs do not. */
function judgeCer(expected: Json, got: string): Verdict {
  if (typeof expected !== 'string' && typeof expected !== 'number') return verdict(0, expected, got, { expected: null, got: null }, 'the task\'s answer is not a string');
  const light = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ').trim();
  const [want, have] = [Array.from(light(String(expected))), Array.from(light(got))];
  const normalised = { expected: want.join(''), got: have.join('') };
  if (want.length === 0) return verdict(have.length === 0 ? 1 : 0, expected, got, normalised);
  // The distance is at least the difference in length: skip the quadratic work when that alone gives 0.
  const distance = Math.abs(want.length - have.length) >= want.length ? want.length : editDistance(want, have);
  return verdict(Math.max(0, 1 - distance / want.length), expected, got, normalised);
}

function judge(options: Readonly<GroundTruthOptions>, { task, response }: Sample): Verdict {
  const expected: Json = task?.answer ?? null;
  const meta: { [key: string]: Json } = task?.meta !== null && typeof task?.meta === 'object' ? task.meta : {};
  const answerType = typeof meta.answerType === 'string' ? meta.answerType : 'string';
  const got: Json = response !== null && typeof response === 'object' && !Array.isArray(response) ? (response.answer ?? null) : null;
  if (typeof got !== 'string') return verdict(0, expected, got, { expected: null, got: null }, 'the response has no string "answer"');

  if (answerType === 'number') return judgeNumber(options, meta, expected, got);
  if (answerType === 'set' || answerType === 'list') return judgeItems(answerType, expected, got);
  if (answerType === 'cer') return judgeCer(expected, got);
  if (expected === null || typeof expected === 'object') return verdict(0, expected, got, { expected: null, got: null }, 'the task\'s answer is not a string');
  const normalised = { expected: normaliseAs(answerType, String(expected)), got: normaliseAs(answerType, got) };
  return verdict(normalised.expected === normalised.got ? 1 : 0, expected, got, normalised);
}

/**
 * Answer scoring for tasks with a hidden ground truth (the text plugin's closed families).
 *
 * @example
 * ```ts
 * // task.answer 1234, meta { answerType: 'number', tolerance: 0 }, response { answer: "1,234" } → 1
 * // task.answer ['red', 'blue'], meta { answerType: 'set' }, response { answer: "blue, green" } → 1/3
 * // task.answer 'kitten', meta { answerType: 'cer' }, response { answer: "sitten" } → 1 − 1/6
 * ```
 */
export default defineEvaluator<GroundTruthOptions>({
  name: 'ground-truth',
  version: '1.1.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: { numericTolerance: 1e-9, relativeTolerance: 0 } },
  score: (ctx, sample) => judge(ctx.options, sample),
});
