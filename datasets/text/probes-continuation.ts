/**
 * Continuation tasks as probes draw them: the passage of an earlier task with its window moved on
 * by one sentence (the old task's first hidden sentence is now the passage's last, and the hidden
 * text is what follows it), and the passage's last sentence, the trap of an echo canary.
 *
 * The passage is rebuilt from the corpus the way `continuation.ts` builds it (a test checks that
 * rebuilding an ordinary task's passage gives it back byte for byte), so a moved window looks like
 * any other passage.
 */
import type { Task } from '../../core/plugin-api.js';
import type { Random } from '../seeded-random.js';
import { corpusDocuments, documentSentences, type CorpusSentence } from './corpora.js';
import { conceals, type TextTaskDraft } from './family.js';
import { MAX_CONTINUATION_WORDS, MAX_PASSAGE_WORDS, MIN_CONTINUATION_WORDS, MIN_PASSAGE_WORDS, prose, words } from './continuation.js';
import type { Reworded } from './probes-change.js';

/** Sentences joined as a passage: a blank line where the source opens a paragraph, else a space. */
export function joinPassage(sentences: readonly CorpusSentence[]): string {
  return sentences.map((s, i) => (i > 0 && s.paragraphStart ? `\n\n${s.text}` : i > 0 ? ` ${s.text}` : s.text)).join('');
}

interface Located {
  sentences: readonly CorpusSentence[];
  /** The passage is `sentences[start, end)`; the hidden text starts at `end`. */
  start: number;
  end: number;
  hidden: number;
}

/** Where a continuation task's passage sits in its corpus document, or null when it cannot be found. */
export function locatePassage(task: Pick<Task, 'payload' | 'meta'>): Located | null {
  const source = task.meta.source as { corpus?: string; document?: string; sentence?: number } | undefined;
  const passage = (task.payload as { passage?: unknown } | null)?.passage;
  const doc = corpusDocuments().find((d) => d.corpus === source?.corpus && d.name === source?.document);
  if (doc === undefined || typeof source?.sentence !== 'number' || typeof passage !== 'string') return null;
  const sentences = documentSentences(doc);
  const end = source.sentence;
  for (let start = end - 1; start >= 0 && end - start <= 40; start--) {
    if (joinPassage(sentences.slice(start, end)) === passage) return { sentences, start, end, hidden: Number(task.meta.sentences) || 1 };
  }
  return null;
}

/** The passage `[start, end)` and the `hidden` sentences after it as a draft, or null when it breaks the family's limits. */
function windowDraft(task: Task, at: Located, start: number, end: number): TextTaskDraft | null {
  const { sentences, hidden } = at;
  if (start >= end || end + hidden > sentences.length) return null;
  const passage = joinPassage(sentences.slice(start, end));
  const continuation = sentences.slice(end, end + hidden).map((s) => s.text).join(' ');
  const [pw, cw] = [words(passage).length, words(continuation).length];
  if (pw < MIN_PASSAGE_WORDS || pw > MAX_PASSAGE_WORDS || cw < MIN_CONTINUATION_WORDS || cw > MAX_CONTINUATION_WORDS) return null;
  if (!prose(passage) || !prose(continuation)) return null;
  const source = { ...(task.meta.source as { [key: string]: string | number }), sentence: end };
  const draft: TextTaskDraft = { kind: task.kind, prompt: task.prompt, payload: { passage }, answer: continuation, meta: { ...task.meta, reference: continuation, source } };
  return conceals(draft) ? draft : null;
}

/**
 * The earlier passage moved on by one sentence: its first sentence dropped (kept when the passage
 * would grow too short), the old first hidden sentence added at its end. The prompt is unchanged.
 */
export function rewordContinuation(task: Task, _random: Random): Reworded | null {
  const at = locatePassage(task);
  if (at === null) return null;
  const added = at.sentences[at.end].text;
  for (const start of [at.start + 1, at.start]) {
    const draft = windowDraft(task, at, start, at.end + 1);
    if (draft !== null) return { draft, change: { from: start > at.start ? at.sentences[at.start].text : '', to: added }, strength: 'strong' };
  }
  return null;
}

/** The last sentence of a continuation task's passage (what an echo of the passage ends with), or null. */
export function lastPassageSentence(task: Pick<Task, 'payload' | 'meta'>): string | null {
  const at = locatePassage(task);
  return at === null ? null : at.sentences[at.end - 1].text;
}
