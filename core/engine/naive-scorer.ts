/**
 * The naive scorer `validator bench gaming` contrasts Proctor with: one similarity-to-reference
 * number per response, as a subnet template computes it — no detectors, no baselines, no validity
 * gates, no length or stuffing control. Run on the same stored responses as Proctor's scoring.
 *
 * | answer | naive score |
 * |---|---|
 * | text (`{ answer }`) | 1 when it equals the reference after trimming, lower-casing and one trailing period; else the cosine of its `glove-sif` embedding with the reference's (`meta.reference`, else the hidden `answer`), clamped to [0, 1] |
 * | image, task with a hidden `answer.original` | SSIM of the luminance with the original, clamped to [0, 1]; 0 when it does not decode or has another size |
 * | image, task whose answer is a string (text rendering) | the stored `ocr-match` value (1 − character error rate of the OCR reading, itself a plain similarity with no gate), 0 without one |
 * | anything else | 1 when the response equals the hidden answer as JSON, else 0 |
 *
 * A response that failed the plugin's schema, timed out or never came scores 0, as in Proctor.
 */
import type { Json } from '../plugin-api.js';
import type { Embedder } from '../../native/api.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage } from '../../native/image/decode.js';
import { ssim } from '../../native/image/metrics.js';
import { decodePngSync } from '../../native/image/png.js';

/** A stored task, with what only the validator knows. */
export interface NaiveTask {
  kind: string;
  answer: Json;
  meta: Json;
}

/** One response to score: the parsed body when it was valid, else null; and the values the evaluators stored for it. */
export interface NaiveItem {
  task: NaiveTask;
  response: Json | null;
  stored: Readonly<Record<string, number>>;
}

export interface NaiveScorer {
  /** One number in [0, 1] per item, in order. */
  scoreAll(items: readonly NaiveItem[]): Promise<number[]>;
}

const isObject = (value: Json | undefined): value is { [key: string]: Json } => value !== null && typeof value === 'object' && !Array.isArray(value);
const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const normalise = (text: string): string => text.trim().replace(/\s+/g, ' ').replace(/\.$/, '').toLowerCase();

/** The text a text answer is compared with: `meta.reference`, else a string or number `answer`, else the answer as JSON. */
export function referenceText(task: NaiveTask): string {
  if (isObject(task.meta) && typeof task.meta.reference === 'string') return task.meta.reference;
  return typeof task.answer === 'string' || typeof task.answer === 'number' ? String(task.answer) : JSON.stringify(task.answer);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]];
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

async function imageSimilarity(image: string, original: string): Promise<number> {
  try {
    const [a, b] = [await decodeImage(image, DEFAULT_IMAGE_LIMITS), decodePngSync(Buffer.from(original, 'base64'))];
    return a.width === b.width && a.height === b.height ? clamp01(ssim(a, b)) : 0;
  } catch {
    return 0;
  }
}

/**
 * A naive scorer over `embedder` (the bench passes `glove-sif`, the embedder Proctor's text
 * evaluators use, so that the contrast is the scoring rule and not the model).
 *
 * @example
 * ```ts
 * const scorer = createNaiveScorer(await loadEmbedder(dir, { name: 'glove-sif' }));
 * await scorer.scoreAll([{ task: { kind: 'summary', answer: 'A ship sank.', meta: {} }, response: { answer: 'The ship sank.' }, stored: {} }]); // [≈ 0.9]
 * ```
 */
export function createNaiveScorer(embedder: Embedder): NaiveScorer {
  return {
    async scoreAll(items) {
      const scores = new Array<number>(items.length).fill(0);
      const texts: { index: number; response: string; reference: string }[] = [];
      for (const [index, { task, response, stored }] of items.entries()) {
        if (!isObject(response ?? null)) {
          if (response !== null) scores[index] = JSON.stringify(response) === JSON.stringify(task.answer) ? 1 : 0;
          continue;
        }
        const body = response as { [key: string]: Json };
        if (typeof body.answer === 'string') {
          const reference = referenceText(task);
          if (normalise(body.answer) === normalise(reference)) scores[index] = 1;
          else texts.push({ index, response: body.answer, reference });
        } else if (typeof body.image === 'string') {
          const original = isObject(task.answer) && typeof task.answer.original === 'string' ? task.answer.original : null;
          scores[index] = original !== null ? await imageSimilarity(body.image, original) : clamp01(stored['ocr-match'] ?? 0);
        } else scores[index] = JSON.stringify(response) === JSON.stringify(task.answer) ? 1 : 0;
      }
      if (texts.length > 0) {
        const unique = [...new Set(texts.flatMap((t) => [t.response, t.reference]))];
        const vectors = new Map<string, Float32Array>();
        for (let i = 0; i < unique.length; i += 64) {
          const batch = unique.slice(i, i + 64);
          (await embedder.embed(batch)).forEach((v, k) => vectors.set(batch[k], v));
        }
        for (const t of texts) scores[t.index] = clamp01(cosine(vectors.get(t.response)!, vectors.get(t.reference)!));
      }
      return scores;
    },
  };
}

/** `glove-sif` from the bundled models, for `createNaiveScorer`. */
export async function loadNaiveEmbedder(): Promise<Embedder> {
  const { resolveModel } = await import('../../native/model-registry.js');
  const { loadEmbedder } = await import('../../native/hf-models.js');
  const { name, dir } = resolveModel('glove-sif');
  return loadEmbedder(dir, { name });
}
