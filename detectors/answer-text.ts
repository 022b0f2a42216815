/**
 * What the text detectors share: reading a miner's `{ answer }`, the normal form in which two
 * answers count as the same text, and how much of an answer is the miner's own — not the hidden
 * answer, and not words lifted verbatim from the public task. Coincidence is evidence of copying
 * only on that own part: two honest miners agree on "42" and on an extract of the same document.
 */
import type { Json, Task } from '../core/plugin-api.js';

/** Longest answer, public text and hidden answer read, in characters: miner bytes are capped before any work. */
export const MAX_TEXT_CHARS = 20_000;
/** Words in a shingle: an answer word is lifted when it sits in a run of this many that the public task also has. */
export const SHINGLE_WORDS = 3;

/** The string `answer` of a response, capped; null when the response has none. */
export function answerText(response: Json): string | null {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return null;
  const answer = response.answer;
  return typeof answer === 'string' ? answer.slice(0, MAX_TEXT_CHARS) : null;
}

/**
 * The form in which two answers are the same text: Unicode NFKC, lower case, punctuation and
 * symbols dropped, whitespace collapsed.
 *
 * @example
 * ```ts
 * normaliseText('  The Whale, the WHALE!\n'); // 'the whale the whale'
 * ```
 */
export function normaliseText(text: string): string {
  return text
    .slice(0, MAX_TEXT_CHARS)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words of a text in normal form. */
export function wordsOf(text: string): string[] {
  const normal = normaliseText(text);
  return normal === '' ? [] : normal.split(' ');
}

/** Every string inside a JSON value, depth first, capped in total. */
function strings(value: Json, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  if (typeof value === 'string') {
    out.push(value.slice(0, budget.left));
    budget.left -= value.length;
  } else if (Array.isArray(value)) for (const v of value) strings(v, out, budget);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out, budget);
}

/** What a miner sees of the task as text: the prompt, then each string of the payload. */
export function publicTexts(task: Pick<Task, 'prompt' | 'payload'>): string[] {
  const out: string[] = [];
  strings(task.prompt, out, { left: MAX_TEXT_CHARS });
  strings(task.payload, out, { left: MAX_TEXT_CHARS });
  return out;
}

/** The word shingles (runs of `n` words, joined by a space) of each text. */
export function shingles(texts: readonly string[], n = SHINGLE_WORDS): Set<string> {
  const out = new Set<string>();
  for (const text of texts) {
    const words = wordsOf(text);
    for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  }
  return out;
}

/**
 * How many of `words` are the miner's own: not inside a run of `n` words that `lifted` (the public
 * task's shingles) also has. An extract of the payload has none; a short answer ("42", a city) has
 * all its words, since it has no run long enough to be lifted.
 *
 * @example
 * ```ts
 * ownWords(wordsOf('the sea was calm and grey'), shingles(['The sea was calm.'])); // 2 ("and grey")
 * ```
 */
export function ownWords(words: readonly string[], lifted: ReadonlySet<string>, n = SHINGLE_WORDS): number {
  const covered = new Uint8Array(words.length);
  for (let i = 0; i + n <= words.length; i++) {
    if (lifted.has(words.slice(i, i + n).join(' '))) covered.fill(1, i, i + n);
  }
  return covered.reduce((free, c) => free + (c === 0 ? 1 : 0), 0);
}

/** The hidden answer in normal form when it is text or a number (what correct answers coincide on); else null. */
export function hiddenAnswerText(task: Pick<Task, 'answer'>): string | null {
  const { answer } = task;
  if (typeof answer === 'string') return normaliseText(answer);
  if (typeof answer === 'number' && Number.isFinite(answer)) return normaliseText(String(answer));
  return null;
}
