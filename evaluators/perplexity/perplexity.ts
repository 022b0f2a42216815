/**
 * `perplexity`: is the answer fluent text? Its per-token perplexity under a language model must
 * fall in a plausible band: far above it is word salad, far below it degenerate repetition.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { proctorError } from '../../core/errors.js';
import { defineEvaluator, type Json, type Sample, type Verdict } from '../../core/plugin-api.js';
import type { InferenceOptions, TokenScorer } from '../../native/api.js';
import { NGRAM_FILE } from '../../native/ngram/ngram-format.js';
import { loadNgramModel, perplexityFromLogProbs } from '../../native/ngram/ngram-model.js';

export interface PerplexityOptions {
  /** `ngram-kn` (the bundled n-gram model), or a folder: an n-gram model or an ONNX causal LM. */
  model: string;
  /** Below this perplexity the text starts to count as degenerate repetition. */
  low: number;
  /** Above this perplexity the text starts to count as word salad. */
  high: number;
  /** Answers with fewer scored tokens score 0 (`too_short`). */
  minTokens: number;
  /** How far past a band edge the value reaches 0, as a factor: `high × falloff`, `low / falloff`. */
  falloff: number;
}

export type PerplexityFlag = 'ok' | 'word_salad' | 'repetition' | 'too_short';

const schema = z
  .object({
    model: z.string().min(1),
    low: z.number().positive(),
    high: z.number().positive(),
    minTokens: z.number().int().min(1),
    falloff: z.number().gt(1),
  })
  .strict()
  .refine((o) => o.low < o.high, { message: 'low must be below high', path: ['low'] });

const BUNDLED = 'ngram-kn';

/** The loader of ONNX causal LMs, imported only when a folder needs it. */
type CausalLmLoader = (dir: string, options?: InferenceOptions) => Promise<TokenScorer>;

async function importCausalLmLoader(): Promise<CausalLmLoader> {
  const specifier = new URL('../../native/hf-models.js', import.meta.url).href;
  const module = (await import(specifier)) as { loadCausalLm: CausalLmLoader };
  return module.loadCausalLm;
}

/**
 * The scorer an option names: `ngram-kn`; a folder with `ngrams.bin.gz` (an n-gram model); any
 * other folder, loaded as an ONNX causal LM. Anything else: PROCTOR_ERR_MODEL_NOT_FOUND.
 */
export async function loadScorer(model: string, loadCausalLm: () => Promise<CausalLmLoader> = importCausalLmLoader): Promise<TokenScorer> {
  if (model === BUNDLED) return loadNgramModel();
  const looksLikePath = isAbsolute(model) || model.startsWith('.') || model.includes('/') || model.includes('\\');
  if (!looksLikePath || !existsSync(model) || !statSync(model).isDirectory()) {
    throw proctorError('PROCTOR_ERR_MODEL_NOT_FOUND', { name: model, known: [BUNDLED] });
  }
  const dir = resolve(model);
  if (existsSync(join(dir, NGRAM_FILE))) return loadNgramModel(dir);
  return (await loadCausalLm())(dir);
}

/** Half a cosine: 1 at x ≤ 0, 0 at x ≥ 1, smooth in between. */
function ramp(x: number): number {
  return x <= 0 ? 1 : x >= 1 ? 0 : 0.5 * (1 + Math.cos(Math.PI * x));
}

/**
 * 1 inside [low, high]; outside, falls smoothly (in log perplexity) to 0 at `high × falloff` or
 * `low / falloff`. The flag says which side of the band the perplexity is on.
 */
export function bandValue(perplexity: number, { low, high, falloff }: Pick<PerplexityOptions, 'low' | 'high' | 'falloff'>): { value: number; flag: PerplexityFlag } {
  if (!(perplexity <= high)) return { value: Number.isNaN(perplexity) ? 0 : ramp(Math.log(perplexity / high) / Math.log(falloff)), flag: 'word_salad' };
  if (perplexity < low) return { value: ramp(Math.log(low / perplexity) / Math.log(falloff)), flag: 'repetition' };
  return { value: 1, flag: 'ok' };
}

function answerOf(response: Json): string | null {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return null;
  return typeof response.answer === 'string' ? response.answer : null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

async function judge(options: Readonly<PerplexityOptions>, { response }: Sample, scorer: TokenScorer): Promise<Verdict> {
  const answer = answerOf(response);
  if (answer === null) {
    return { value: 0, details: { perplexity: null, tokens: 0, meanLogProb: null, flag: 'too_short', model: scorer.name, reason: 'the response has no string "answer"' } };
  }
  const [scored] = await scorer.logProbs([answer]);
  const { perplexity, tokens, meanLogProb } = perplexityFromLogProbs(scored.logProbs);
  const measured = { perplexity: finiteOrNull(perplexity), tokens, meanLogProb: finiteOrNull(meanLogProb) };
  if (tokens < options.minTokens) return { value: 0, details: { ...measured, flag: 'too_short', model: scorer.name } };
  const { value, flag } = bandValue(perplexity, options);
  return { value, details: { ...measured, flag, model: scorer.name } };
}

/**
 * Fluency by perplexity, length-normalised (per token), with the bundled n-gram model by default.
 *
 * @example
 * ```ts
 * // { answer: "Fellow-Citizens of the Senate and House of Representatives: Another year of …" } (136 tokens)
 * //   → { value: 1, details: { perplexity: 60.9, flag: 'ok', … } }
 * // { answer: "I am a helpful assistant. ".repeat(20) } → { value: 0, details: { perplexity: 1.75, flag: 'repetition', … } }
 * ```
 */
export default defineEvaluator<PerplexityOptions, { scorer: TokenScorer }>({
  name: 'perplexity',
  version: '1.0.0',
  inputs: ['response'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: { model: BUNDLED, low: 15, high: 400, minTokens: 5, falloff: 2 } },
  async setup(ctx) {
    const scorer = await loadScorer(ctx.options.model);
    ctx.log(`scoring with ${scorer.name}`);
    return { scorer };
  },
  score: (ctx, sample, { scorer }) => judge(ctx.options, sample, scorer),
});
