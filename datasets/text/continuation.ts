/**
 * Continue a hidden passage. The round seed picks a held-out document of the public corpora
 * (`corpora.ts`), a sentence to start at and how many sentences to hide (1–3); the payload shows
 * the passage up to there (40–180 words), and the hidden `answer` is the true continuation.
 *
 * `meta`: `answerType: 'text'`, `reference` (= the answer, for reference-based evaluators),
 * `sentences` (how many the prompt asks for), and `source` (corpus, document, index of the first
 * hidden sentence) so an auditor can find the passage.
 */
import type { Random } from '../seeded-random.js';
import { corpusDocuments, documentSentences, type CorpusName } from './corpora.js';
import { conceals, drawUntil, type TextTaskDraft } from './family.js';

const NUMBER_WORDS = ['', 'one', 'two', 'three'];
/** The family's limits, shared with its probes (`probes-continuation.ts`). */
export const MIN_PASSAGE_WORDS = 40;
export const MAX_PASSAGE_WORDS = 180;
export const MIN_CONTINUATION_WORDS = 8;
export const MAX_CONTINUATION_WORDS = 90;

export const words = (text: string): string[] => text.split(/\s+/).filter((w) => w.length > 0);

/** Prose, not a table of figures or a list: most of its words are made of letters. */
export function prose(text: string): boolean {
  const all = words(text);
  return all.filter((w) => /^[^\p{L}]*\p{L}+(?:[-'’]\p{L}+)*[^\p{L}]*$/u.test(w)).length >= 0.8 * all.length;
}

function drawOnce(random: Random): TextTaskDraft | null {
  const corpus = random.pick<CorpusName>(['moby-dick', 'sotu']);
  const doc = random.pick(corpusDocuments().filter((d) => d.heldOut && d.corpus === corpus));
  const sentences = documentSentences(doc);
  const start = random.int(0, sentences.length - 1);
  const target = random.int(MIN_PASSAGE_WORDS, 120);
  const hidden = random.int(1, 3);
  let end = start;
  let passageWords = 0;
  while (end < sentences.length && passageWords < target) passageWords += words(sentences[end++].text).length;
  if (passageWords < MIN_PASSAGE_WORDS || passageWords > MAX_PASSAGE_WORDS || end + hidden > sentences.length) return null;
  const passage = sentences
    .slice(start, end)
    .map((s, i) => (i > 0 && s.paragraphStart ? `\n\n${s.text}` : i > 0 ? ` ${s.text}` : s.text))
    .join('');
  const continuation = sentences.slice(end, end + hidden).map((s) => s.text).join(' ');
  const count = words(continuation).length;
  if (count < MIN_CONTINUATION_WORDS || count > MAX_CONTINUATION_WORDS || !prose(passage) || !prose(continuation)) return null;
  const asked = hidden === 1 ? 'the next sentence' : `the next ${NUMBER_WORDS[hidden]} sentences`;
  return {
    kind: 'continuation',
    prompt: `Continue the passage in the payload: write ${asked}, in the style of its author. Answer with the continuation only.`,
    payload: { passage },
    answer: continuation,
    meta: { answerType: 'text', reference: continuation, sentences: hidden, source: { corpus, document: doc.name, sentence: end } },
  };
}

/** Draws one passage and its hidden continuation; see the module comment. */
export function continuationTask(random: Random, _index: number): TextTaskDraft {
  return drawUntil('continuation', () => drawOnce(random), conceals);
}
