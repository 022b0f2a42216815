/**
 * `reference-mimic`: answers what the validator's reference would look like, without solving.
 * Open-ended text (continue a passage, summarise a document): the scoring embedder's (`glove-sif`)
 * nearest words to the payload — the topic words a reference about it must share — strung into
 * sentence-shaped word salad of the reference's expected length. Closed text tasks: an answer in
 * the asked format taken from the prompt (a date of the prompt for a date, one of its numbers for
 * a number). Restoration: the validator's own naive restoration (bicubic upscale, border-mean
 * fill), exactly what `image-fidelity` compares against. Text rendering: a clean rendering of a
 * different string of the same alphabet and length.
 *
 * Stopped by: scoring against hidden ground truth (`ground-truth`, OCR of the asked string),
 * baselines subtracted (the naive restoration scores 0), and for word salad the perplexity check
 * and reference-comparison's stuffing factor — anti-gaming vectors 3 and 4.
 */
import type { Json, PublicTask } from '../../../plugin-api.js';
import type { Embedder } from '../../../../native/api.js';
import { imageResponse, naiveRestoration } from '../image-tools.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse, type StrategyContext } from '../strategy.js';
import { plausibleGuess, publicText, STOPWORDS, wordsOf } from '../text-tools.js';

let embedder: Promise<Embedder> | null = null;

/** `glove-sif`, the embedder `reference-comparison` and `embedding-similarity` score with, loaded once. */
function scoringEmbedder(): Promise<Embedder> {
  embedder ??= (async () => {
    const { resolveModel } = await import('../../../../native/model-registry.js');
    const { loadEmbedder } = await import('../../../../native/hf-models.js');
    const { name, dir } = resolveModel('glove-sif');
    return loadEmbedder(dir, { name });
  })();
  return embedder;
}

/** Open-ended: the kinds with a reference text rather than one right answer. */
export function isOpenEnded(task: PublicTask): boolean {
  return task.kind === 'continuation' || task.kind === 'summary' || /\b(continue|summari[sz]e|describe|explain)\b/i.test(task.prompt);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]];
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : -1;
}

const SENTENCES: Record<string, number> = { sentence: 1, one: 1, two: 2, three: 3 };

/** Words a reference of this task would have: ~18 per asked sentence for a continuation, 26 for a summary. */
function expectedWords(task: PublicTask): number {
  if (task.kind === 'summary' || /summari[sz]e/i.test(task.prompt)) return 26;
  const asked = /the next (sentence|one|two|three)\b/i.exec(task.prompt);
  return 18 * (asked ? SENTENCES[asked[1].toLowerCase()] : 2);
}

/**
 * The payload's words nearest the payload in the scoring embedder's space, glued into sentences
 * ("The whale harpoon of the ship and the sea.") of the expected length.
 */
export async function embeddingSalad(task: PublicTask): Promise<string> {
  const source = publicText(task);
  const seen = new Set<string>();
  const candidates = wordsOf(source).filter((w) => {
    const key = w.toLowerCase();
    if (key.length < 3 || STOPWORDS.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, 200);
  if (candidates.length === 0) return source.slice(0, 200);
  const model = await scoringEmbedder();
  const [centre, ...vectors] = await model.embed([source, ...candidates]);
  const ranked = candidates.map((word, i) => ({ word, score: cosine(vectors[i], centre) })).sort((a, b) => b.score - a.score).map((x) => x.word);
  const count = Math.max(4, Math.round(expectedWords(task) * 0.45));
  const chosen = Array.from({ length: count }, (_, i) => ranked[i % ranked.length]);
  const sentences: string[] = [];
  for (let i = 0; i < chosen.length; i += 4) {
    const [a, b = a, c = a, d = b] = chosen.slice(i, i + 4);
    sentences.push(`The ${a} ${b} of the ${c} and the ${d}.`);
  }
  return sentences.join(' ');
}

async function mimic(ctx: StrategyContext): Promise<Json> {
  const shape = answerShape(ctx.plugin);
  if (shape === 'text') return textResponse(ctx, isOpenEnded(ctx.task) ? await embeddingSalad(ctx.task) : plausibleGuess(ctx.task, ctx.random));
  if (shape === 'image') {
    const payload = ctx.task.payload !== null && typeof ctx.task.payload === 'object' && !Array.isArray(ctx.task.payload) ? ctx.task.payload : {};
    if (typeof payload.text === 'string' && typeof payload.image !== 'string') {
      // A clean rendering of the string reversed: the right characters and look, the wrong text.
      const reversed = [...payload.text].reverse().join('');
      const shifted = reversed !== payload.text ? reversed : `${payload.text.slice(1)}${payload.text.slice(0, 1)}`;
      return referenceAnswer({ plugin: ctx.plugin, task: { ...ctx.task, payload: { ...payload, text: shifted } } }, 1, ctx.random);
    }
    return imageResponse(naiveRestoration(ctx.task));
  }
  return referenceAnswer(ctx, 0, ctx.random);
}

export default defineStrategy({
  name: 'reference-mimic',
  summary: 'answers what the reference looks like without solving: embedding-nearest word salad, format-shaped guesses, the naive restoration',
  defence: 'hidden ground truth, baselines subtracted (the naive restoration scores 0), perplexity and stuffing checks on word salad',
  async prepare() {
    await scoringEmbedder();
  },
  answer: mimic,
});
