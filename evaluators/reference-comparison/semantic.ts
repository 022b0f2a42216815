/**
 * Semantic similarity to the reference with a baseline subtracted, as SN1 does with an empty
 * answer: the cosine of the response and the reference, rescaled so that the best of a few
 * content-free answers (filler sentences, the task's prompt echoed back) scores 0 and the
 * reference itself 1. Embeddings are cached per text: every miner's answer to one task shares the
 * reference's and the baselines' vectors.
 */
import type { Embedder } from '../../native/api.js';

/** Answers that carry no content; none of them may earn semantic credit. */
export const FILLERS: readonly string[] = [
  'I do not know.',
  'Here is my answer.',
  'This is a good and complete answer to the question, written carefully and in full.',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit.',
];

const CACHE_LIMIT = 2048;

/** Embeddings of texts, computed in batches and kept per worker (oldest dropped first). */
export interface VectorCache {
  readonly embedder: Embedder;
  vectors(texts: readonly string[]): Promise<Float32Array[]>;
}

export function createVectorCache(embedder: Embedder): VectorCache {
  const cache = new Map<string, Promise<Float32Array>>();
  return {
    embedder,
    async vectors(texts) {
      const missing = [...new Set(texts.filter((text) => !cache.has(text)))];
      if (missing.length > 0) {
        const batch = embedder.embed(missing);
        missing.forEach((text, i) => {
          if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
          // A failed batch is not kept: the next call tries again.
          const vector = batch.then((vectors) => vectors[i]);
          vector.catch(() => cache.delete(text));
          cache.set(text, vector);
        });
      }
      return Promise.all(texts.map((text) => cache.get(text)!));
    },
  };
}

/** The cosine of two vectors; 0 when either is zero, of another length, or not finite. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a === undefined || b === undefined || a.length !== b.length) return 0;
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const value = dot / Math.sqrt(na * nb);
  return Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
}

export interface SemanticScore {
  /** In [0, 1]: (cosine − baseline) / (1 − baseline), clamped. */
  value: number;
  cosine: number;
  /** The highest cosine of a content-free answer (fillers, the prompt) with the reference, at least 0. */
  baseline: number;
}

const isZero = (vector: Float32Array | undefined): boolean => vector === undefined || vector.every((x) => x === 0 || !Number.isFinite(x));

/**
 * Semantic similarity of `response` to `reference` (see the module comment), or null when the
 * embedder knows no word of the reference (its vector is zero): then nothing can be compared.
 */
export async function semanticSimilarity(cache: VectorCache, response: string, reference: string, prompt: string): Promise<SemanticScore | null> {
  const baselines = prompt.trim().length > 0 ? [...FILLERS, prompt] : [...FILLERS];
  const [answer, target, ...empty] = await cache.vectors([response, reference, ...baselines]);
  if (isZero(target)) return null;
  const similarity = cosine(answer, target);
  const baseline = Math.max(0, ...empty.map((vector) => cosine(vector, target)));
  const value = baseline >= 1 ? 0 : Math.min(1, Math.max(0, (similarity - baseline) / (1 - baseline)));
  return { value, cosine: similarity, baseline };
}
