/**
 * The reference miners' summaries, extractive: sentences of the document itself, chosen from the
 * public payload alone.
 *
 * | level | what it writes |
 * |---|---|
 * | `extract` | up to four sentences, picked greedily for the most names and numbers not yet covered, in document order |
 * | `first-sentence` | the lead sentence only |
 * | `random-words` | 10–25 words of the document in random order |
 */
import { splitSentences } from '../../datasets/text/corpora.js';

export type SummaryLevel = 'extract' | 'first-sentence' | 'random-words';

const MAX_SENTENCES = 4;

const wordsOf = (sentence: string): string[] => sentence.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? [];
const isNumber = (token: string): boolean => /^\p{N}+$/u.test(token);
const isCapitalised = (token: string): boolean => /^\p{Lu}/u.test(token);

/**
 * What each sentence names: its numbers and capitalised words. A sentence's first word counts only
 * when the document also capitalises it inside a sentence (a name, not just an opening "The").
 */
export function namedItems(sentences: readonly string[]): Set<string>[] {
  const tokens = sentences.map(wordsOf);
  const names = new Set(tokens.flatMap((words) => words.slice(1).filter(isCapitalised)));
  return tokens.map((words) => new Set(words.filter((w, i) => isNumber(w) || (isCapitalised(w) && (i > 0 || names.has(w))))));
}

/** The document's sentences, paragraph after paragraph. */
function sentencesOf(document: string): string[] {
  return document.split(/\n\s*\n/).flatMap((paragraph) => splitSentences(paragraph.replace(/\s+/g, ' ').trim()));
}

/** Greedy cover: the sentence adding the most new items (the earlier on a tie), until none adds any. */
function extract(sentences: readonly string[]): string {
  const items = namedItems(sentences);
  const covered = new Set<string>();
  const chosen: number[] = [];
  while (chosen.length < MAX_SENTENCES) {
    let [best, gain] = [-1, 0];
    items.forEach((set, i) => {
      const added = [...set].filter((item) => !covered.has(item)).length;
      if (!chosen.includes(i) && added > gain) [best, gain] = [i, added];
    });
    if (best < 0) break;
    chosen.push(best);
    for (const item of items[best]) covered.add(item);
  }
  return chosen.length === 0 ? (sentences[0] ?? '') : chosen.sort((a, b) => a - b).map((i) => sentences[i]).join(' ');
}

/**
 * A summary of `document` at the given level; `random` is the miner's own generator.
 *
 * @example
 * ```ts
 * summarise('Aro Labs will open a bakery in Nimport. It will create 40 jobs. The weather was mild.', 'extract', Math.random);
 * // 'Aro Labs will open a bakery in Nimport. It will create 40 jobs.'
 * ```
 */
export function summarise(document: string, level: SummaryLevel, random: () => number): string {
  const sentences = sentencesOf(document);
  if (level === 'extract') return extract(sentences);
  if (level === 'first-sentence') return sentences[0] ?? '';
  const words = document.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return '';
  return Array.from({ length: 10 + Math.floor(random() * 16) }, () => words[Math.floor(random() * words.length)]).join(' ');
}
