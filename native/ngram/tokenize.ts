/**
 * The word tokenizer shared by the n-gram builder and the scorer: deterministic, no model, no
 * locale. A text becomes sentences of lower-case tokens; the model adds `<s>` and `</s>` around
 * each sentence (`withBoundaries`).
 *
 * Rules, in order: Unicode NFKC; curly quotes become straight ones and every dash longer than a
 * hyphen becomes `—`; lower case; every digit becomes `0` (as CCNet does, so that numbers share
 * statistics). A token is then a word (letters and digits, with inner apostrophes: `don't`,
 * `whale's`), a number (`0,000.00`), a run of dashes, or any other single non-space character.
 * Hyphens split words (`sea-captain` → `sea - captain`): compounds are sparse, their parts are not.
 *
 * A sentence ends after `.`, `!`, `?` or `…` (and any closing quotes or brackets right after it),
 * unless the `.` follows a single letter (`j. q. adams`, `u.s.`) or a common abbreviation
 * (`mr.`, `st.`, …); a blank line also ends one.
 *
 * @example
 * ```ts
 * tokenizeSentences('Call me Ishmael. Some years ago—never mind how long.');
 * // [['call', 'me', 'ishmael', '.'], ['some', 'years', 'ago', '—', 'never', 'mind', 'how', 'long', '.']]
 * ```
 */

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';
export const UNKNOWN = '<unk>';

const TOKEN = /\p{N}+(?:[.,]\p{N}+)+(?![\p{L}\p{M}\p{N}])|[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}\p{N}]+)*|—+|-+|\S/gu;
const TERMINAL = new Set(['.', '!', '?', '…']);
const CLOSING = new Set(['"', "'", ')', ']', '}', '»']);
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'messrs', 'gen', 'col', 'capt', 'gov', 'hon', 'rev', 'vs', 'etc', 'no', 'nos', 'viz', 'co', 'inc']);

/** The normalisation applied before splitting: NFKC, straight quotes, one dash, lower case, digits → 0. */
export function normaliseForTokens(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„‟″«»]/g, '"')
    .replace(/[‐‑]/g, '-')
    .replace(/[‒–—―]|-{2,}/g, '—')
    .toLowerCase()
    .replace(/\p{Nd}/gu, '0');
}

function endsSentence(tokens: readonly string[], index: number): boolean {
  const token = tokens[index];
  if (!TERMINAL.has(token)) return false;
  if (token !== '.' || index === 0) return true;
  const before = tokens[index - 1];
  return !(before.length === 1 && /\p{L}/u.test(before)) && !ABBREVIATIONS.has(before);
}

/** Splits one paragraph (no blank lines inside) into sentences of tokens. */
function paragraphSentences(paragraph: string): string[][] {
  const tokens = paragraph.match(TOKEN) ?? [];
  const sentences: string[][] = [];
  let current: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    current.push(tokens[i]);
    if (endsSentence(tokens, i)) {
      while (i + 1 < tokens.length && (CLOSING.has(tokens[i + 1]) || TERMINAL.has(tokens[i + 1]))) current.push(tokens[++i]);
      sentences.push(current);
      current = [];
    }
  }
  if (current.length > 0) sentences.push(current);
  return sentences;
}

/** A text as sentences of normalised tokens, without boundary markers. Empty text → `[]`. */
export function tokenizeSentences(text: string): string[][] {
  return normaliseForTokens(text)
    .split(/\n\s*\n/)
    .flatMap(paragraphSentences);
}

/** The tokens of one sentence between `<s>` and `</s>`. */
export function withBoundaries(sentence: readonly string[]): string[] {
  return [SENTENCE_START, ...sentence, SENTENCE_END];
}
