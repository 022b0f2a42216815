/**
 * `embedding-similarity`: how close the miner's `{ answer }` is in meaning to the reference answer,
 * as the cosine of their sentence embeddings, rescaled above what an answer saying nothing gets
 * (empty, generic filler) and reduced in proportion to how much the answer is a copy of the prompt:
 * the empty answer, filler and the prompt echoed back score 0, the reference itself 1.
 */
import { z } from 'zod';
import { proctorError } from '../../core/errors.js';
import { defineEvaluator, type Json, type Sample, type Verdict } from '../../core/plugin-api.js';
import type { Embedder, ExecutionProvider } from '../../native/api.js';

export interface EmbeddingSimilarityOptions {
  /** A bundled model (`glove-sif`), a name from `models`, or a model folder path. */
  model: string;
  /** The user's own model folders by name (Hugging Face ONNX layout). */
  models: Record<string, string>;
  executionProvider: ExecutionProvider;
}

interface State {
  embedder: Embedder;
  fillers: Float32Array[];
}

const schema = z
  .object({
    model: z.string().min(1),
    models: z.record(z.string(), z.string().min(1)),
    executionProvider: z.enum(['cpu', 'cuda']),
  })
  .strict();

/** Answers that say nothing: the cosine of the nearest of them to the reference is the baseline. */
export const FILLERS: readonly string[] = Object.freeze([
  'This is a good question. Here is an answer.',
  'Thank you for asking. The answer is as follows.',
  'I am not sure, but here is my best answer to the question.',
  "I don't know.",
]);

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot; // both unit length, or zero
}

const isZero = (v: Float32Array) => v.every((x) => x === 0);
const plainText = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/** The reference: `task.meta.reference` when it is a string, else `task.answer` (numbers as text). */
function referenceOf({ task }: Sample): string | null {
  const fromMeta: Json | undefined = task?.meta?.reference;
  if (typeof fromMeta === 'string') return fromMeta;
  if (typeof task?.answer === 'string') return task.answer;
  if (typeof task?.answer === 'number' && Number.isFinite(task.answer)) return String(task.answer);
  return null;
}

/** Every string inside a JSON value, in order. */
function publicStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(publicStrings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(publicStrings);
  return [];
}

function answerOf({ response }: Sample): string | null {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return null;
  return typeof response.answer === 'string' ? response.answer : null;
}

async function judge(options: Readonly<EmbeddingSimilarityOptions>, sample: Sample, { embedder, fillers }: State): Promise<Verdict> {
  const reference = referenceOf(sample);
  if (reference === null) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INPUT_MISSING', { evaluator: 'embedding-similarity', input: 'answer (a string reference)' });
  }
  const answer = answerOf(sample);
  if (answer === null) return { value: 0, details: { model: options.model, reason: 'the response has no string "answer"' } };
  if (answer.trim() === '') return { value: 0, details: { model: options.model, reason: 'the answer is empty' } };

  // The public task a miner could echo: the prompt, and each text in its payload (a document, a passage).
  const prompt = typeof sample.task?.prompt === 'string' ? sample.task.prompt : '';
  const publicTexts = [prompt, ...publicStrings(sample.task?.payload).filter((t) => t.trim() !== '').slice(0, 8)];
  const [answerVector, referenceVector, ...publicVectors] = await embedder.embed([answer, reference, ...publicTexts]);
  if (isZero(referenceVector)) {
    // Nothing the model knows in the reference: only the same text can match it.
    const same = plainText(answer) === plainText(reference);
    return { value: same ? 1 : 0, details: { model: options.model, reason: 'the reference has no word the model knows; compared as text' } };
  }
  const similarity = cosine(answerVector, referenceVector);
  // What an answer that says nothing gets: the empty answer (the zero vector) or the nearest filler.
  const fillerBaseline = Math.max(...fillers.map((filler) => cosine(filler, referenceVector)));
  const [baselineFrom, baseline] = fillerBaseline > 0 ? ['filler', fillerBaseline] : ['empty', 0];
  const aboveBaseline = clamp01((similarity - baseline) / (1 - baseline));
  // An answer closer to the prompt (or a payload text) than to the reference is (that far) a copy of it. A plain
  // baseline cos(prompt, reference) would also zero every good summary, whose reference is close to
  // the document in the prompt; this penalty only hits answers that resemble the prompt more.
  const promptCosine = Math.max(...publicVectors.map((v) => cosine(answerVector, v)));
  const copy = promptCosine > similarity ? clamp01((promptCosine - similarity) / (1 - similarity)) : 0;
  return {
    value: round6(aboveBaseline * (1 - copy)),
    details: {
      model: options.model,
      cosine: round6(similarity),
      baseline: round6(baseline),
      baselineFrom,
      promptCosine: round6(promptCosine),
      copy: round6(copy),
    },
  };
}

/**
 * Semantic similarity of a free-text answer to a reference, with the floor of the embedding removed.
 *
 * @example
 * ```ts
 * // task.answer "Water boils at 100 °C at sea level.", response { answer: "At sea level water boils at one hundred degrees." } → ≈ 0.8
 * // response { answer: task.prompt } → 0
 * ```
 */
export default defineEvaluator<EmbeddingSimilarityOptions, State>({
  name: 'embedding-similarity',
  version: '1.1.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: { model: 'glove-sif', models: {}, executionProvider: 'cpu' } },
  async setup(ctx) {
    // Imported here, not at module load: evaluator modules do no work at import time.
    const { resolveModel } = await import('../../native/model-registry.js');
    const { loadEmbedder } = await import('../../native/hf-models.js');
    const { name, dir } = resolveModel(ctx.options.model, ctx.options.models);
    const embedder = await loadEmbedder(dir, { name, executionProvider: ctx.options.executionProvider });
    // The model's folder relative to the working directory: logs carry no machine's absolute paths.
    const { relative } = await import('node:path');
    ctx.log(`embedding with ${name} (${embedder.dimensions} dimensions) from ${relative(process.cwd(), dir) || '.'}`);
    return { embedder, fillers: await embedder.embed(FILLERS) };
  },
  score: (ctx, sample, state) => judge(ctx.options, sample, state),
});
