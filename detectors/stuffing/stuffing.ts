/**
 * Length and keyword stuffing, and echo of the prompt: answers shaped to please a similarity or
 * overlap scorer rather than to answer. Four measures per `{ answer }`, each with its own finding
 * and a graded penalty (the engine multiplies them):
 *
 * - **length**: words beyond `max(minAllowedWords, maxLengthRatio × the reference's words)`; the
 *   penalty is `(allowed / words)^lengthExponent`.
 * - **repetition** (answers of at least `minRepetitionWords`): the share of word trigrams that
 *   repeat an earlier one, and the share of the most frequent content word; each is free up to its
 *   onset and costs everything at its ceiling, linearly between.
 * - **frame**: the share of sentences that repeat another sentence's frame (function words in place,
 *   other words as slots) *refilled with the task's keywords*: word salad shaped as sentences to pass
 *   a fluency check. A repeat counts only when it carries the refilling's marks (`refilled`): no
 *   content word recurs across the repeats, the slots hold words of the prompt or payload, and the
 *   frame has no predicate among its function words. Honest parallel sentences ("The capital of
 *   France is Paris. The capital of Spain is Madrid.") keep a content word or a verb in place.
 *   Free up to its onset, 0 at its ceiling.
 * - **echo**: the largest share of one public text — the prompt, or a payload text of at least
 *   `minEchoWords` — whose word trigrams the answer reproduces; free up to `echoOnset`, 0 at all of it.
 *   An extract of some sentences is a summary; the whole passage sent back is not an answer.
 *
 * An answer equal to the hidden answer is never measured. Thresholds sit well outside what the
 * reference miners write (README: the measurements).
 */
import { defineDetector, type DetectorDefinition, type Finding, type Json, type Task } from '../../core/plugin-api.js';
import { answerText, hiddenAnswerText, normaliseText, publicTexts, shingles, wordsOf } from '../answer-text.js';

export interface StuffingOptions {
  maxLengthRatio: number;
  minAllowedWords: number;
  lengthExponent: number;
  minRepetitionWords: number;
  repeatedTrigrams: readonly [onset: number, ceiling: number];
  topWordShare: readonly [onset: number, ceiling: number];
  minEchoWords: number;
  echoOnset: number;
  /** Words a sentence needs, and tokens its frame needs, before its frame counts. */
  minFrameWords: number;
  minFrameTokens: number;
  /** Share of a repeated frame's slot words that must come from the prompt or payload. */
  minDrawnShare: number;
  sharedFrames: readonly [onset: number, ceiling: number];
}

/** The defaults; each sits well beyond the largest value measured on honest reference answers. */
export const STUFFING_DEFAULTS: Readonly<StuffingOptions> = Object.freeze({
  maxLengthRatio: 6,
  minAllowedWords: 150,
  lengthExponent: 2,
  minRepetitionWords: 20,
  repeatedTrigrams: Object.freeze([0.25, 0.45] as const),
  topWordShare: Object.freeze([0.25, 0.6] as const),
  minEchoWords: 12,
  echoOnset: 0.85,
  minFrameWords: 4,
  minFrameTokens: 5,
  minDrawnShare: 0.9,
  sharedFrames: Object.freeze([0.3, 0.6] as const),
});

/** Function words: frequent in any text, so never a stuffed keyword. */
const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be been but by for from had has have he her him his i if in into is it its me my no not of on or our she so than that the their them ' +
    'then there these they this to was we were what when which who will with would you your all any can do does did one only out up upon said some such very')
    .split(' '),
);

/** Function words that make a predicate: a frame holding one is a sentence, not a noun-phrase salad. */
const PREDICATE_WORDS: ReadonlySet<string> = new Set('are be been can did do does had has have is said was were will would'.split(' '));

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
/** 1 up to `onset`, 0 from `ceiling`, linear between. */
const graded = (value: number, [onset, ceiling]: readonly [number, number]) => round6(Math.min(1, Math.max(0, (ceiling - value) / (ceiling - onset))));

/** The reference's length in words: `meta.reference`, else the answer when it is text or a number. */
function referenceWords(task: Task): number | null {
  const reference = typeof task.meta?.reference === 'string' ? task.meta.reference : typeof task.answer === 'string' || typeof task.answer === 'number' ? String(task.answer) : null;
  return reference === null ? null : wordsOf(reference).length;
}

function trigramsOf(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 3 <= words.length; i++) out.push(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

/** A framed sentence: its frame and the words that fill its slots. */
export interface FramedSentence {
  frame: string;
  fillers: string[];
}

/**
 * Each sentence's frame: its function words kept in place, every run of other words one slot.
 * "The whale harpoon of the ship and the sea." → "the _ of the _ and the _". Only sentences of at
 * least `minWords` words whose frame has at least `minTokens` tokens and two slots count.
 *
 * @example
 * ```ts
 * sentenceFrames('The whale harpoon of the ship and the sea.', 4, 5);
 * // [{ frame: 'the _ of the _ and the _', fillers: ['whale', 'harpoon', 'ship', 'sea'] }]
 * ```
 */
export function sentenceFrames(answer: string, minWords: number, minTokens: number): FramedSentence[] {
  const out: FramedSentence[] = [];
  for (const sentence of answer.split(/(?<=[.!?;])\s+/)) {
    const words = wordsOf(sentence);
    if (words.length < minWords) continue;
    const frame: string[] = [];
    for (const w of words) {
      const token = FUNCTION_WORDS.has(w) ? w : '_';
      if (token !== '_' || frame.at(-1) !== '_') frame.push(token);
    }
    if (frame.length >= minTokens && frame.filter((t) => t === '_').length >= 2) out.push({ frame: frame.join(' '), fillers: words.filter((w) => !FUNCTION_WORDS.has(w)) });
  }
  return out;
}

/**
 * Whether sentences sharing one frame look refilled with keywords rather than written in parallel:
 * the frame has no predicate word, no slot word is kept in every sentence (honest parallels keep
 * "capital", "began" or "ended" in place; one-letter fragments such as a possessive's "s" do not
 * count), and at least `minDrawn` of the slot words are words of the task's public text (`vocabulary`).
 *
 * @example
 * ```ts
 * refilled(sentenceFrames('The tax cod of the coasts and the bills. The basin burden of the tides and the bays.', 4, 5), new Set(['tax', 'cod', 'coasts', 'bills', 'basin', 'burden', 'tides', 'bays']), 0.9); // true
 * ```
 */
export function refilled(group: readonly FramedSentence[], vocabulary: ReadonlySet<string>, minDrawn: number): boolean {
  if (group.length < 2 || group[0].frame.split(' ').some((t) => PREDICATE_WORDS.has(t))) return false;
  const fillers = group.map((g) => g.fillers.filter((w) => w.length > 1));
  const [first, ...rest] = fillers;
  if (first.some((w) => rest.every((other) => other.includes(w)))) return false;
  const all = fillers.flat();
  return all.length > 0 && all.filter((w) => vocabulary.has(w)).length / all.length >= minDrawn;
}

/** A public text an answer could send back: the prompt or a payload text, with its word trigrams. */
interface EchoSource {
  name: string;
  words: number;
  trigrams: Set<string>;
}

function echoSourcesOf(task: Task, minWords: number): EchoSource[] {
  return publicTexts(task)
    .map((text, i) => ({ name: i === 0 ? 'prompt' : `payload text ${i}`, words: wordsOf(text).length, trigrams: shingles([text]) }))
    .filter((source) => source.words >= minWords && source.trigrams.size > 0);
}

/** The measures that fire on one answer: name, evidence, penalty. */
function measure(task: Task, answer: string, echoSources: readonly EchoSource[], vocabulary: ReadonlySet<string>, options: StuffingOptions): { measure: string; evidence: { [key: string]: Json }; penalty: number }[] {
  const words = wordsOf(answer);
  const out: { measure: string; evidence: { [key: string]: Json }; penalty: number }[] = [];

  const refWords = referenceWords(task);
  if (refWords !== null) {
    const allowed = Math.max(options.minAllowedWords, options.maxLengthRatio * refWords);
    if (words.length > allowed) {
      out.push({ measure: 'length', penalty: round6((allowed / words.length) ** options.lengthExponent), evidence: { words: words.length, referenceWords: refWords, allowedWords: allowed, ratio: round6(words.length / Math.max(1, refWords)) } });
    }
  }

  if (words.length >= options.minRepetitionWords) {
    const trigrams = trigramsOf(words);
    const repeated = round6(1 - new Set(trigrams).size / trigrams.length);
    if (repeated > options.repeatedTrigrams[0]) {
      out.push({ measure: 'repeated-trigrams', penalty: graded(repeated, options.repeatedTrigrams), evidence: { words: words.length, share: repeated, onset: options.repeatedTrigrams[0], ceiling: options.repeatedTrigrams[1] } });
    }
    const counts = new Map<string, number>();
    for (const w of words) if (!FUNCTION_WORDS.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    let [top, count] = ['', 0];
    for (const [w, c] of counts) if (c > count || (c === count && w < top)) [top, count] = [w, c];
    const share = round6(count / words.length);
    if (share > options.topWordShare[0]) {
      out.push({ measure: 'keyword', penalty: graded(share, options.topWordShare), evidence: { words: words.length, word: top, count, share, onset: options.topWordShare[0], ceiling: options.topWordShare[1] } });
    }
  }

  const frames = sentenceFrames(answer, options.minFrameWords, options.minFrameTokens);
  const groups = new Map<string, FramedSentence[]>();
  for (const f of frames) groups.set(f.frame, [...(groups.get(f.frame) ?? []), f]);
  const salad = [...groups].filter(([, group]) => refilled(group, vocabulary, options.minDrawnShare));
  if (salad.length > 0) {
    const shared = round6(salad.reduce((n, [, group]) => n + group.length, 0) / frames.length);
    if (shared > options.sharedFrames[0]) {
      const [frame, group] = salad.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0];
      out.push({ measure: 'frame', penalty: graded(shared, options.sharedFrames), evidence: { sentences: frames.length, share: shared, frame, count: group.length, onset: options.sharedFrames[0], ceiling: options.sharedFrames[1] } });
    }
  }

  const own = shingles([answer]);
  let echo = { share: 0, source: '', words: 0 };
  for (const { name, words: size, trigrams } of echoSources) {
    let copied = 0;
    for (const s of trigrams) if (own.has(s)) copied++;
    const share = round6(copied / trigrams.size);
    if (share > echo.share) echo = { share, source: name, words: size };
  }
  if (echo.share > options.echoOnset) {
    out.push({ measure: 'echo', penalty: graded(echo.share, [options.echoOnset, 1]), evidence: { share: echo.share, of: echo.source, sourceWords: echo.words, onset: options.echoOnset } });
  }
  return out;
}

/**
 * A stuffing detector with the given options (the registry's uses the defaults).
 *
 * @example
 * ```ts
 * const lenient = createStuffing({ maxLengthRatio: 10 });
 * const findings = await lenient.inspect!(ctx, task, responses);
 * ```
 */
export function createStuffing(overrides: Partial<StuffingOptions> = {}): DetectorDefinition {
  const options = { ...STUFFING_DEFAULTS, ...overrides };
  return defineDetector({
    name: 'stuffing',
    version: '1.2.0',
    inspect(_ctx, task, responses) {
      const hidden = hiddenAnswerText(task);
      const echoSources = echoSourcesOf(task, options.minEchoWords);
      const vocabulary = new Set(publicTexts(task).flatMap(wordsOf));
      const findings: Finding[] = [];
      for (const r of responses) {
        const answer = answerText(r.response);
        if (answer === null || normaliseText(answer) === hidden) continue;
        for (const m of measure(task, answer, echoSources, vocabulary, options)) {
          findings.push({ uids: [r.uid], penalty: m.penalty, evidence: { task: task.id, measure: m.measure, hotkey: r.hotkey, ...m.evidence } });
        }
      }
      return findings;
    },
  });
}

export default createStuffing();
