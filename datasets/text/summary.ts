/**
 * Summarise a short synthetic news item whose facts the generator knows. The payload is
 * `{ document }`: a lead sentence, then the sentences stating the other key facts shuffled among
 * 3–5 filler sentences (some with distractor numbers), in paragraphs of two to four sentences.
 *
 * The hidden `answer` is a one-sentence reference summary that states every key fact;
 * `meta.reference` repeats it for reference-based evaluators, `meta.facts` lists the key facts as
 * the document writes them (names, places, numbers), and `meta.answerType` is `summary`.
 */
import type { Random } from '../seeded-random.js';
import { conceals, drawUntil, type TextTaskDraft } from './family.js';
import { GENRES } from './summary-genres.js';

const PROMPT = 'Summarise the document in the payload in one or two sentences, mentioning its key names and numbers. Answer with the summary only.';

function paragraphs(random: Random, sentences: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < sentences.length; ) {
    const size = random.int(2, 4);
    out.push(sentences.slice(i, i + size).join(' '));
    i += size;
  }
  return out.join('\n\n');
}

function drawOnce(random: Random): TextTaskDraft {
  const item = random.pick(GENRES)(random);
  const filler = random.shuffle(item.filler).slice(0, random.int(3, 5));
  const document = paragraphs(random, [item.lead, ...random.shuffle([...item.facts, ...filler])]);
  return {
    kind: 'summary',
    prompt: PROMPT,
    payload: { document },
    answer: item.summary,
    meta: { answerType: 'summary', reference: item.summary, facts: item.keyFacts, genre: item.genre },
  };
}

/** Draws one news item and its reference summary; see the module comment. */
export function summaryTask(random: Random, _index: number): TextTaskDraft {
  return drawUntil('summary', () => drawOnce(random), conceals);
}
