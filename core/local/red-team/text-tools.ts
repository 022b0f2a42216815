/**
 * Text at no cost, for the red team: the task's public text, its keywords, plausible-looking
 * guesses in the format a prompt asks for, rewordings and filler. Nothing here solves a task.
 */
import type { Json, PublicTask } from '../../plugin-api.js';

/** Words that carry no topic: left out of keywords, used as glue. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be been but by for from had has have he her his i if in into is it its me my no not of on or our she so than that the their them then ' +
    'there these they this to was we were what when which who will with would you your all any can do does did one only what how many much answer write next ' +
    'read document payload passage phrase word words number whole format only from alone')
    .split(' '),
);

/** Words and numbers of `text`, in order. */
export function wordsOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The task's public text: the payload's strings of several words (a passage, a document, a phrase), else the prompt. */
export function publicText(task: PublicTask): string {
  const strings: string[] = [];
  const walk = (value: Json) => {
    if (typeof value === 'string') {
      // Single tokens (an operation's name, a date) and base64 blobs (an image) are not prose.
      if (/\s/.test(value.trim())) strings.push(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(task.payload);
  return strings.length > 0 ? strings.join('\n\n') : task.prompt;
}

/** Content words of the prompt and payload, most frequent first (ties: first seen). */
export function keywords(task: PublicTask): string[] {
  const counts = new Map<string, number>();
  for (const word of wordsOf(`${task.prompt} ${publicText(task)}`)) {
    const key = word.toLowerCase();
    if (key.length > 2 && !STOPWORDS.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/**
 * An answer in the format the prompt asks for, taken from the task's own text without solving it:
 * a date of the prompt for a date, a time for a time, a weekday, a number of the prompt for a
 * number, the quoted word for a word, a capitalised name of the document for a name.
 *
 * @example
 * ```ts
 * plausibleGuess({ id: '1', kind: 'dates', prompt: 'What is the date 12 days after 2001-03-04? Answer in ISO format YYYY-MM-DD.', payload: null }, Math.random);
 * // '2001-03-04'
 * ```
 */
export function plausibleGuess(task: PublicTask, random: () => number): string {
  const prompt = task.prompt;
  const all = `${prompt}\n${publicText(task)}`;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  if (/YYYY-MM-DD/.test(prompt)) return all.match(/\d{4}-\d{2}-\d{2}/)?.[0] ?? '2000-01-01';
  if (/HH:MM/.test(prompt)) return all.match(/\b\d{2}:\d{2}\b/)?.[0] ?? '12:00';
  if (/weekday|day of the week/i.test(prompt)) return pick(WEEKDAYS);
  if (/number/i.test(prompt)) {
    const numbers = prompt.match(/\b\d+\b/g) ?? all.match(/\b\d+\b/g);
    return numbers ? pick(numbers) : '1';
  }
  const quoted = prompt.match(/"([^"]+)"/g);
  if (quoted && /word|phrase|letters/i.test(prompt)) return pick(quoted).slice(1, -1);
  const names = publicText(task).match(/\b\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)+/gu);
  if (names) return pick(names);
  const words = wordsOf(all).filter((w) => !STOPWORDS.has(w.toLowerCase()));
  return words.length > 0 ? pick(words) : 'yes';
}

/** Synonyms a rewording swaps in both directions: common words of the corpora and the documents. */
const SYNONYMS: readonly (readonly string[])[] = [
  ['big', 'large', 'great'], ['small', 'little'], ['said', 'stated', 'remarked'], ['ship', 'vessel'], ['sea', 'ocean'],
  ['began', 'started'], ['begin', 'start'], ['company', 'firm'], ['people', 'persons'], ['many', 'numerous'],
  ['quickly', 'rapidly'], ['whale', 'leviathan'], ['man', 'fellow'], ['men', 'fellows'], ['now', 'presently'],
  ['very', 'exceedingly'], ['country', 'nation'], ['government', 'administration'], ['must', 'should'], ['also', 'too'],
  ['founded', 'established'], ['city', 'town'], ['new', 'fresh'], ['old', 'aged'], ['look', 'gaze'], ['saw', 'beheld'],
  ['years', 'seasons'], ['shall', 'will'], ['upon', 'on'], ['great', 'mighty'], ['work', 'labour'], ['help', 'aid'],
];
const SYNONYM_OF = new Map<string, readonly string[]>(SYNONYMS.flatMap((group) => group.map((word) => [word, group.filter((w) => w !== word)] as const)));

const matchCase = (model: string, word: string): string => (/^\p{Lu}/u.test(model) ? word[0].toUpperCase() + word.slice(1) : word);

/**
 * A rewording of `text` that keeps its meaning roughly and its bytes not at all: synonyms swapped,
 * and within each sentence a pair of neighbouring words exchanged now and then.
 *
 * @example
 * ```ts
 * paraphrase('The big ship began to turn.', () => 0.1); // 'The large vessel started to turn.' (for example)
 * ```
 */
export function paraphrase(text: string, random: () => number): string {
  const swapped = text.replace(/[\p{L}]+/gu, (word) => {
    const options = SYNONYM_OF.get(word.toLowerCase());
    return options && random() < 0.8 ? matchCase(word, options[Math.floor(random() * options.length)]) : word;
  });
  return swapped
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => {
      const tokens = sentence.split(' ');
      // Exchange a few neighbouring inner words: the order changes, the words stay.
      for (let i = 1; i + 2 < tokens.length; i += 3) if (random() < 0.5 && !/[.,;:!?]$/.test(tokens[i])) [tokens[i], tokens[i + 1]] = [tokens[i + 1], tokens[i]];
      return tokens.join(' ');
    })
    .join(' ');
}

/** Phrases that say nothing: what a padder fills with. */
export const FILLER: readonly string[] = [
  'To be clear, this is the answer.',
  'In other words, as stated above.',
  'This has been checked carefully and is complete.',
  'As explained, the answer is the one given here.',
  'Furthermore, it is important to note the points made above.',
];

/** Bag-of-words cosine of two texts (lower case, stopwords kept): how a cache matches prompts. */
export function textSimilarity(a: string, b: string): number {
  const count = (text: string) => {
    const counts = new Map<string, number>();
    for (const w of wordsOf(text.toLowerCase())) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  };
  const [x, y] = [count(a), count(b)];
  let dot = 0;
  for (const [w, n] of x) dot += n * (y.get(w) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  const denominator = norm(x) * norm(y);
  return denominator > 0 ? dot / denominator : 0;
}
