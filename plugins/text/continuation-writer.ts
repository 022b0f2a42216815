/**
 * The reference miners' continuations: real generated text, never the hidden answer. Word trigram
 * chains, one per corpus, are built once per process, lazily, from the **training** documents of
 * the same public corpora the continuation family draws from (`datasets/text/corpora.ts`); the
 * family's passages come from the held-out documents, so no chain has seen them.
 *
 * | level | what it writes |
 * |---|---|
 * | `model` | the chain whose training text reads most like the passage, continuing from its last two words; a quarter of the words come from the passage's own word sequences, and of 16 draws a word of the passage is preferred (stays on topic); as many sentences as asked |
 * | `unrelated` | a chain from a sentence start, with one word of context: fluent-ish, off topic |
 * | `random-words` | 8–25 words drawn by frequency, no grammar |
 */
import { corpusDocuments, documentParagraphs, type CorpusName } from '../../datasets/text/corpora.js';
import { buildChain, chainTokens, detokenise, isSentenceEnd, type NgramChain } from './ngram-chain.js';

export type WritingLevel = 'model' | 'unrelated' | 'random-words';

/** Characters read from the start of each speech (Moby-Dick chapters are read whole): ~0.5 M tokens in all. */
const SPEECH_CHARS = 12_000;
const MAX_WORDS_PER_SENTENCE = 45;
const PASSAGE_CACHE_SHARE = 0.25;
const TOPIC_DRAWS = 16;

let chains: Map<CorpusName, NgramChain> | null = null;

/** One chain per corpus over its training documents, built on first use (about a second) and kept. */
export function trainingChains(): ReadonlyMap<CorpusName, NgramChain> {
  if (chains !== null) return chains;
  const built = new Map<CorpusName, NgramChain>();
  for (const corpus of ['moby-dick', 'sotu'] as const) {
    const documents = corpusDocuments().filter((doc) => !doc.heldOut && doc.corpus === corpus);
    built.set(corpus, buildChain(documents.map((doc) => chainTokens(documentParagraphs(doc, corpus === 'sotu' ? SPEECH_CHARS : Infinity).join(' ')))));
  }
  chains = built;
  return chains;
}

const NUMBERS: Record<string, number> = { sentence: 1, one: 1, two: 2, three: 3 };

/** How many sentences the prompt asks for ("the next sentence", "the next two sentences"); 2 when it does not say. */
export function askedSentences(prompt: string): number {
  const match = /the next (sentence|one|two|three)\b/i.exec(prompt);
  return match ? NUMBERS[match[1].toLowerCase()] : 2;
}

/** The passage's own successors of each two-word context. */
function passageCache(tokens: readonly string[]): Map<string, string[]> {
  const cache = new Map<string, string[]>();
  for (let i = 2; i < tokens.length; i++) {
    const key = `${tokens[i - 2]} ${tokens[i - 1]}`;
    const successors = cache.get(key) ?? [];
    successors.push(tokens[i]);
    cache.set(key, successors);
  }
  return cache;
}

/** Of a few draws from the chain, the first that is one of the passage's longer words, else the first: stays on topic. */
function topical(model: NgramChain, context: readonly string[], topic: ReadonlySet<string>, random: () => number): string {
  const draws = Array.from({ length: TOPIC_DRAWS }, () => model.next(context, 3, random));
  return draws.find((word) => topic.has(word.toLowerCase())) ?? draws[0];
}

/**
 * A continuation of `passage` of about `sentences` sentences at the given level; `random` is the
 * miner's own generator, so the same draws give the same text.
 *
 * @example
 * ```ts
 * writeContinuation('The sea was calm that night.', 1, 'model', Math.random); // 'And the whale …'
 * ```
 */
export function writeContinuation(passage: string, sentences: number, level: WritingLevel, random: () => number): string {
  const all = [...trainingChains().values()];
  const tokens = chainTokens(passage);
  // The good writer uses the chain whose training text reads most like the passage; the poor ones any.
  const model = level === 'model' ? all.reduce((best, c) => (c.familiarity(tokens) > best.familiarity(tokens) ? c : best)) : all[Math.floor(random() * all.length)];
  if (level === 'random-words') {
    const count = 8 + Math.floor(random() * 18);
    return `${detokenise(Array.from({ length: count }, () => model.randomWord(random)))}.`;
  }
  const context = level === 'model' ? tokens.slice(-2) : ['.'];
  const cache = level === 'model' ? passageCache(tokens) : null;
  const topic = new Set(tokens.filter((t) => t.length > 3 && /^\p{L}/u.test(t)).map((t) => t.toLowerCase()));
  const out: string[] = [];
  let [ends, inSentence] = [0, 0];
  // Bounded, though a chain that only ever offered punctuation is the one way to need the bound.
  for (let step = 0; ends < sentences && step < 100 * sentences; step++) {
    const last = [...context, ...out].slice(-2);
    const cached = cache !== null && random() < PASSAGE_CACHE_SHARE ? cache.get(last.join(' ')) : undefined;
    const next = cached !== undefined ? cached[Math.floor(random() * cached.length)] : level === 'model' ? topical(model, last, topic, random) : model.next(last, 2, random);
    // A sentence starts with a word, not with the punctuation the context may suggest.
    if (inSentence === 0 && !/^[\p{L}\p{N}]/u.test(next)) continue;
    out.push(next);
    inSentence++;
    if (inSentence >= MAX_WORDS_PER_SENTENCE && !isSentenceEnd(next)) out.push('.');
    if (isSentenceEnd(out[out.length - 1])) {
      ends++;
      inSentence = 0;
    }
  }
  if (out.length === 0 || !isSentenceEnd(out[out.length - 1])) out.push('.');
  return detokenise(out);
}
