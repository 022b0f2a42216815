/**
 * `reference-comparison`: how close an open-ended answer comes to the task's reference (its hidden
 * ground truth, or a generator's answer), in a way that copying the reference's style, padding,
 * keyword stuffing and echoing the prompt do not pay:
 *
 *   value = (w_s·semantic + w_o·overlap + w_f·facts) / Σw · length · stuffing · echo
 *
 * over the components that apply (semantic needs an embedder, facts need `meta.facts`). The
 * factors are multiplicative and in [0, 1] (see `measures.ts`).
 */
import { z } from 'zod';
import { proctorError } from '../../core/errors.js';
import { defineEvaluator, type Json, type Sample, type Task, type Verdict } from '../../core/plugin-api.js';
import { generateReference, payloadText, type GeneratorOptions } from './generator.js';
import { echoFactor, factCoverage, lengthFactor, overlap, stuffingFactor, words } from './measures.js';
import { loadNamedEmbedder, loadNamedGenerator } from './native-embedder.js';
import type { TextGenerator } from '../../native/api.js';
import { createVectorCache, semanticSimilarity, type VectorCache } from './semantic.js';

export interface ComponentWeights {
  semantic: number;
  overlap: number;
  facts: number;
}

export interface ReferenceComparisonOptions {
  /** A bundled model name, a name from `models`, or a folder; null leaves out the semantic component. */
  embedder: string | null;
  /** Extra model names → folders. */
  models: Record<string, string>;
  /** Where a task without a reference gets one; null = such tasks score 0. */
  generator: GeneratorOptions | null;
  weights: ComponentWeights;
}

const weight = z.number().min(0).max(1000);
const schema = z
  .object({
    embedder: z.string().min(1).nullable(),
    models: z.record(z.string().min(1), z.string().min(1)),
    generator: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('onnx'), model: z.string().min(1), maxNewTokens: z.number().int().min(1).max(512).default(64) }).strict(),
        z
          .object({
            kind: z.literal('openai'),
            url: z.url({ protocol: /^https?$/ }),
            model: z.string().min(1),
            apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name' }).optional(),
            timeoutMs: z.number().int().min(1).max(600_000).default(20_000),
          })
          .strict(),
      ])
      .nullable(),
    weights: z
      .object({ semantic: weight, overlap: weight, facts: weight })
      .strict()
      .refine((w) => w.semantic + w.overlap + w.facts > 0, { message: 'must not all be 0' }),
  })
  .strict() as z.ZodType<ReferenceComparisonOptions>;

const defaults: ReferenceComparisonOptions = {
  embedder: 'glove-sif',
  models: {},
  generator: null,
  weights: { semantic: 0.5, overlap: 0.3, facts: 0.2 },
};

export interface ComparisonState {
  vectors: VectorCache | null;
  /** Generated references by task, so that one task costs one request however many miners answer it. */
  generated: Map<string, Promise<string>>;
  /** The local ONNX causal LM when `generator.kind` is `onnx`. */
  localGenerator?: TextGenerator;
}

/** What one comparison needs, as plain text. */
export interface Comparison {
  response: string;
  reference: string;
  prompt: string;
  payload: string;
  facts: string[] | null;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Scores one response against one reference; exported so that the measures can be tested with any
 * embedder. `vectors` null leaves out the semantic component.
 */
export async function compareWithReference(input: Comparison, weights: ComponentWeights, vectors: VectorCache | null): Promise<Verdict> {
  const [response, reference] = [words(input.response), words(input.reference)];
  if (response.length === 0) return { value: 0, details: { reason: 'the answer has no words' } };
  if (reference.length === 0) return { value: 0, details: { reason: 'the reference has no words' } };
  const semantic = vectors === null || weights.semantic === 0 ? null : await semanticSimilarity(vectors, input.response, input.reference, input.prompt);
  const facts = input.facts === null ? null : factCoverage(response, input.facts);
  const components: [number | null, number][] = [[semantic?.value ?? null, weights.semantic], [overlap(response, reference), weights.overlap], [facts?.share ?? null, weights.facts]];
  const applying = components.filter(([value, w]) => value !== null && w > 0) as [number, number][];
  const total = applying.reduce((sum, [, w]) => sum + w, 0);
  const base = total > 0 ? applying.reduce((sum, [value, w]) => sum + value * w, 0) / total : 0;
  const length = lengthFactor(response.length, reference.length);
  const stuffing = stuffingFactor(response, reference);
  const echo = echoFactor(response, reference, [words(input.prompt), words(input.payload)]);
  // Rounded, as the details are, so that validators on different machines store the same number.
  const value = round(Math.min(1, Math.max(0, base * length * stuffing.factor * echo.factor)));
  return {
    value,
    details: {
      components: { semantic: semantic && round(semantic.value), overlap: round(components[1][0]!), facts: facts && round(facts.share) },
      factors: { length: round(length), stuffing: round(stuffing.factor), echo: round(echo.factor) },
      measures: {
        cosine: semantic && round(semantic.cosine),
        baseline: semantic && round(semantic.baseline),
        lengthRatio: round(response.length / reference.length),
        typeTokenRatio: round(stuffing.typeTokenRatio),
        repeatedTrigrams: round(stuffing.repeated),
        functionWords: round(stuffing.functionWords),
        echo: round(echo.echo),
      },
      missingFacts: facts?.missing ?? null,
      ...(total > 0 ? {} : { reason: 'no component with a positive weight applies' }),
    },
  };
}

const isObject = (value: unknown): value is { [key: string]: Json } => value !== null && typeof value === 'object' && !Array.isArray(value);

function answerText(response: Json): string | null {
  if (typeof response === 'string') return response;
  return isObject(response) && typeof response.answer === 'string' ? response.answer : null;
}

/** The task's own reference: `meta.reference`, else a textual `answer`. */
function ownReference(task: Task): { text: string; source: string } | null {
  const reference = isObject(task?.meta) ? task.meta.reference : undefined;
  if (typeof reference === 'string' && reference.trim().length > 0) return { text: reference, source: 'meta.reference' };
  const answer = task?.answer;
  if ((typeof answer === 'string' && answer.trim().length > 0) || typeof answer === 'number') return { text: String(answer), source: 'answer' };
  return null;
}

function factsOf(task: Task): string[] | null {
  const facts = isObject(task?.meta) ? task.meta.facts : undefined;
  if (!Array.isArray(facts)) return null;
  const usable = facts.filter((f): f is string | number => typeof f === 'string' || typeof f === 'number').map(String);
  return usable.length > 0 ? usable : null;
}

const GENERATED_LIMIT = 256;

async function referenceFor(options: Readonly<ReferenceComparisonOptions>, task: Task, state: ComparisonState): Promise<{ text: string; source: string } | null> {
  const own = ownReference(task);
  const generator = options.generator;
  if (own !== null || generator === null) return own;
  const key = `${String(task.id)}\n${String(task.prompt)}\n${JSON.stringify(task.payload ?? null)}`;
  let pending = state.generated.get(key);
  if (pending === undefined) {
    if (state.generated.size >= GENERATED_LIMIT) state.generated.delete(state.generated.keys().next().value!);
    if (generator.kind === 'openai') pending = generateReference(generator, task);
    else {
      const local = state.localGenerator;
      if (local === undefined) return null;
      const prompt = [String(task.prompt ?? ''), payloadText(task.payload ?? null)].filter((t) => t !== '').join('\n');
      pending = local.generate(prompt, generator.maxNewTokens ?? 64);
    }
    state.generated.set(key, pending);
  }
  return { text: await pending, source: 'generator' };
}

/**
 * Reference-based scoring of open-ended answers (continuations, summaries), robust to padding,
 * keyword stuffing and prompt echoes.
 *
 * @example
 * ```ts
 * // plugins.text.evaluators: { 'reference-comparison': { weight: 0.6, kinds: ['continuation', 'summary'] } }
 * // task.meta { reference: 'The whale sounded.', facts: [] }, response { answer: 'The whale dived.' } → about 0.5
 * ```
 */
export default defineEvaluator<ReferenceComparisonOptions, ComparisonState>({
  name: 'reference-comparison',
  version: '1.1.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults },
  async setup(ctx) {
    const { generator, embedder, models } = ctx.options;
    // A local ONNX causal LM writes references greedily (deterministic), loaded once per worker.
    const localGenerator = generator?.kind === 'onnx' ? await loadNamedGenerator(generator.model, models) : undefined;
    const vectors = embedder === null ? null : createVectorCache(await loadNamedEmbedder(embedder, models));
    ctx.log(vectors === null ? 'no embedder: overlap and facts only' : `semantic component with ${vectors.embedder.name} (${vectors.embedder.dimensions} dimensions)`);
    return { vectors, generated: new Map(), localGenerator };
  },
  async score(ctx, sample: Sample, state): Promise<Verdict> {
    const response = answerText(sample?.response ?? null);
    if (response === null) return { value: 0, details: { reason: 'the response has no string "answer"' } };
    const reference = await referenceFor(ctx.options, sample.task, state);
    if (reference === null) return { value: 0, details: { reason: 'the task has no reference (meta.reference or a text answer) and no generator is configured' } };
    const prompt = typeof sample.task?.prompt === 'string' ? sample.task.prompt : '';
    const comparison = { response, reference: reference.text, prompt, payload: payloadText(sample.task?.payload ?? null), facts: factsOf(sample.task) };
    const verdict = await compareWithReference(comparison, ctx.options.weights, state.vectors);
    return { value: verdict.value, details: { reference: reference.source, ...verdict.details } };
  },
});
