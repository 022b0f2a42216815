/**
 * The lexical measures of `reference-comparison`: word overlap with the reference, coverage of key
 * facts, and the multiplicative controls (length, keyword stuffing, echo of the prompt) that keep
 * padding, stuffing and parroting from paying. Every function is pure and cheap: at most a few
 * hundred thousand steps for a response at the text protocol's 4096-character limit.
 */

/** Function words: ignored by overlap, counted by the keyword-density check. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his ' +
    'how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up upon very was we were what when where which while who whom why will with would you your ' +
    "yours yourself yourselves it's i'm don't didn't that's there's we're we've they're let's shall may might must one also thus yet").split(' '),
);

/** The longest prefix, in words, that the quadratic measure (LCS) looks at; the linear ones see everything. */
const MAX_LCS_WORDS = 2000;

/** Lower-case words (letters and digits, inner apostrophes kept); `1,234` becomes `1234`. */
export function words(text: string): string[] {
  const clean = text.normalize('NFKC').toLowerCase().replace(/’/g, "'").replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  return clean.match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu) ?? [];
}

export const contentWords = (tokens: readonly string[]): string[] => tokens.filter((t) => !STOPWORDS.has(t));

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

function lcsLength(all: readonly string[], other: readonly string[]): number {
  const [a, b] = [all.slice(0, MAX_LCS_WORDS), other.slice(0, MAX_LCS_WORDS)];
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Uint16Array(b.length + 1);
  let current = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

const f1 = (matched: number, got: number, want: number): number => (matched === 0 ? 0 : (2 * matched) / (got + want));

/** Unigram F1 with clipped counts: each reference word matches at most as often as it occurs there. */
export function unigramF1(response: readonly string[], reference: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const word of reference) counts.set(word, (counts.get(word) ?? 0) + 1);
  let matched = 0;
  for (const word of response) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      matched++;
      counts.set(word, left - 1);
    }
  }
  return f1(matched, response.length, reference.length);
}

/** ROUGE-L F1: the longest common subsequence against both lengths. */
export function rougeL(response: readonly string[], reference: readonly string[]): number {
  return f1(lcsLength(response, reference), response.length, reference.length);
}

/**
 * Word overlap with the reference in [0, 1]: the mean of unigram F1 (what is said) and ROUGE-L
 * (in what order), over content words, or over all words when the reference has no content word.
 */
export function overlap(response: readonly string[], reference: readonly string[]): number {
  const [got, want] = contentWords(reference).length > 0 ? [contentWords(response), contentWords(reference)] : [response, reference];
  return (unigramF1(got, want) + rougeL(got, want)) / 2;
}

/** Length ratios (response ÷ reference, in words) inside this band are not penalised. */
export const LENGTH_BAND = { short: 0.5, long: 2 } as const;

/**
 * 1 inside `LENGTH_BAND`; below it, proportional to the ratio (half the band's lower edge → 0.5);
 * above it, `(long / ratio)^1.5` (twice the upper edge → 0.35). Non-decreasing up to the band,
 * non-increasing after it.
 */
export function lengthFactor(responseWords: number, referenceWords: number): number {
  if (referenceWords <= 0) return responseWords <= 0 ? 1 : 0;
  const ratio = responseWords / referenceWords;
  if (ratio < LENGTH_BAND.short) return ratio / LENGTH_BAND.short;
  if (ratio > LENGTH_BAND.long) return (LENGTH_BAND.long / ratio) ** 1.5;
  return 1;
}

/** The moving-average type–token ratio over windows of `window` words (the plain ratio when shorter); 1 for no words. */
export function movingTypeTokenRatio(tokens: readonly string[], window = 20): number {
  if (tokens.length === 0) return 1;
  if (tokens.length <= window) return new Set(tokens).size / tokens.length;
  const counts = new Map<string, number>();
  for (const t of tokens.slice(0, window)) counts.set(t, (counts.get(t) ?? 0) + 1);
  let sum = counts.size;
  for (let i = window; i < tokens.length; i++) {
    const out = tokens[i - window];
    const left = counts.get(out)! - 1;
    if (left === 0) counts.delete(out);
    else counts.set(out, left);
    counts.set(tokens[i], (counts.get(tokens[i]) ?? 0) + 1);
    sum += counts.size;
  }
  return sum / (window * (tokens.length - window + 1));
}

/** The share of word trigrams that repeat an earlier trigram of the same text. */
export function repeatedTrigramShare(tokens: readonly string[]): number {
  if (tokens.length < 4) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i + 3 <= tokens.length; i++) {
    const key = `${tokens[i]} ${tokens[i + 1]} ${tokens[i + 2]}`;
    if (seen.has(key)) repeated++;
    else seen.add(key);
  }
  return repeated / (tokens.length - 2);
}

const stopwordShare = (tokens: readonly string[]): number => (tokens.length === 0 ? 0 : tokens.filter((t) => STOPWORDS.has(t)).length / tokens.length);

/**
 * Keyword stuffing in [0, 1], 1 = none: the least of three checks, each relative to the reference
 * so that a repetitive or terse reference does not penalise its own style —
 * vocabulary (moving type–token ratio of content words, full credit at min(0.7, the reference's),
 * none 0.4 below), repetition (repeated trigrams beyond max(0.15, the reference's), none 0.35 beyond)
 * and density (function words at least half the reference's share; a bare keyword list has none).
 */
export function stuffingFactor(response: readonly string[], reference: readonly string[]): { factor: number; typeTokenRatio: number; repeated: number; functionWords: number } {
  const typeTokenRatio = movingTypeTokenRatio(contentWords(response));
  const high = Math.min(0.7, movingTypeTokenRatio(contentWords(reference)));
  const vocabulary = clamp01((typeTokenRatio - (high - 0.4)) / 0.4);
  const repeated = repeatedTrigramShare(response);
  const repetition = clamp01(1 - (repeated - Math.max(0.15, repeatedTrigramShare(reference))) / 0.35);
  const functionWords = stopwordShare(response);
  const needed = stopwordShare(reference) / 2;
  const density = needed === 0 ? 1 : clamp01(functionWords / needed);
  return { factor: Math.min(vocabulary, repetition, density), typeTokenRatio, repeated, functionWords };
}

/** How much of `source` the text reproduces in order: LCS over the source's length. */
function reproduced(text: readonly string[], source: readonly string[]): number {
  return source.length === 0 ? 0 : lcsLength(text, source) / source.length;
}

/**
 * Echo of the prompt or payload in [0, 1], 1 = none: for each source of at least five content
 * words, how much more of it the response reproduces (in order) than the reference does; full
 * credit up to 0.4 more, none from 0.7 more. An extract (a few sentences of a document) passes; the
 * document or the passage returned whole does not.
 */
export function echoFactor(response: readonly string[], reference: readonly string[], sources: readonly (readonly string[])[]): { factor: number; echo: number } {
  const [got, want] = [contentWords(response), contentWords(reference)];
  let echo = 0;
  for (const source of sources.map(contentWords)) {
    if (source.length >= 5) echo = Math.max(echo, reproduced(got, source) - reproduced(want, source));
  }
  return { factor: clamp01((0.7 - echo) / 0.3), echo };
}

/**
 * The key facts the response mentions: a fact counts when its words appear consecutively in the
 * response (case-insensitive, `1,234` = `1234`). Facts without words are ignored.
 */
export function factCoverage(response: readonly string[], facts: readonly string[]): { share: number; missing: string[] } | null {
  const usable = facts.map((fact) => ({ fact, tokens: words(fact) })).filter((f) => f.tokens.length > 0);
  if (usable.length === 0) return null;
  const text = ` ${response.join(' ')} `;
  const missing = usable.filter((f) => !text.includes(` ${f.tokens.join(' ')} `)).map((f) => f.fact);
  return { share: 1 - missing.length / usable.length, missing };
}
