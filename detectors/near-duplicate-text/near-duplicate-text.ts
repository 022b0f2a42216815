/**
 * Copied text across miners on one task: a miner that relays another's answer — byte for byte,
 * with its case, spacing or punctuation changed, or lightly reworded — gains nothing. The
 * **earliest** response keeps its credit; each later copy gets the penalty, and the finding names
 * the pair, the method and similarity, and both arrival times.
 *
 * Only answers that could not coincide by honest work are compared: on an open-ended task (its
 * hidden reference is at least `minReferenceWords` long), an answer other than the hidden one with
 * at least `minOwnWords` words of its own (not inside a three-word run lifted from the prompt or
 * payload). Honest miners agree on "42", on a city's name and on an extract of the same document;
 * those coincidences are the sybil detector's evidence across rounds, never a copy on one task.
 */
import { createHash } from 'node:crypto';
import { defineDetector, type DetectorDefinition, type Finding, type Json, type ResponseView, type Task } from '../../core/plugin-api.js';
import type { Embedder } from '../../native/api.js';
import { answerText, hiddenAnswerText, normaliseText, ownWords, publicTexts, shingles, wordsOf } from '../answer-text.js';

export interface NearDuplicateTextOptions {
  /** A task is open-ended when its hidden reference has at least this many words, or is not text. */
  minReferenceWords: number;
  /** Words of its own an answer needs before it is compared at all. */
  minOwnWords: number;
  /** Cosine of sentence embeddings from which a reworded answer is a copy. */
  minCosine: number;
  /** The bundled embedder to load (once per process, lazily), or null for no embedding method. */
  embedder: string | null;
  /** The factor a later copy's score is multiplied by. */
  penalty: number;
}

/** The defaults; the README gives the measurements behind them. */
export const NEAR_DUPLICATE_TEXT_DEFAULTS: Readonly<NearDuplicateTextOptions> = Object.freeze({
  minReferenceWords: 8,
  minOwnWords: 8,
  minCosine: 0.95,
  embedder: 'glove-sif',
  penalty: 0,
});

const embedders = new Map<string, Promise<Embedder | null>>();

/** The embedder, loaded on first use and kept for the process; null (logged once) when it cannot load. */
function embedderFor(name: string, log: (message: string) => void): Promise<Embedder | null> {
  let loading = embedders.get(name);
  if (loading === undefined) {
    loading = (async () => {
      try {
        const { resolveModel } = await import('../../native/model-registry.js');
        const { loadEmbedder } = await import('../../native/hf-models.js');
        const { dir } = resolveModel(name);
        return await loadEmbedder(dir, { name });
      } catch (err) {
        log(`near-duplicate-text: embedder ${name} did not load (${(err as Error).message}); comparing text only`);
        return null;
      }
    })();
    embedders.set(name, loading);
  }
  return loading;
}

/** The hidden reference as text: `meta.reference`, else the answer; null when neither is text. */
function referenceText(task: Task): string | null {
  const reference = task.meta?.reference;
  if (typeof reference === 'string') return reference;
  if (typeof task.answer === 'string') return task.answer;
  if (typeof task.answer === 'number') return String(task.answer);
  return null;
}

/** Arrival order: earliest first; ties go to the lower latency, then the lower uid. */
function byArrival(a: ResponseView, b: ResponseView): number {
  return a.receivedAtMs - b.receivedAtMs || a.latencyMs - b.latencyMs || a.uid - b.uid;
}

interface Candidate {
  view: ResponseView;
  raw: string;
  normal: string;
  own: number;
  vector: Float32Array | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot; // unit vectors, or a zero vector for text the model does not know
}

/** How `later` copies `earlier`, or null when it does not. */
function likeness(earlier: Candidate, later: Candidate, minCosine: number): { method: string; similarity: number } | null {
  if (earlier.raw === later.raw) return { method: 'exact', similarity: 1 };
  if (earlier.normal === later.normal) return { method: 'normalised', similarity: 1 };
  if (earlier.vector === null || later.vector === null) return null;
  const similarity = cosine(earlier.vector, later.vector);
  return similarity >= minCosine ? { method: 'embedding', similarity: round6(similarity) } : null;
}

const who = (c: Candidate): { [key: string]: Json } => ({ uid: c.view.uid, hotkey: c.view.hotkey, receivedAtMs: c.view.receivedAtMs, latencyMs: c.view.latencyMs, sha256: sha256(c.raw) });

/**
 * A near-duplicate-text detector with the given options (the registry's uses the defaults).
 *
 * @example
 * ```ts
 * const strict = createNearDuplicateText({ minCosine: 0.9 });
 * const findings = await strict.inspect!(ctx, task, responses);
 * ```
 */
export function createNearDuplicateText(overrides: Partial<NearDuplicateTextOptions> = {}): DetectorDefinition {
  const options = { ...NEAR_DUPLICATE_TEXT_DEFAULTS, ...overrides };
  return defineDetector({
    name: 'near-duplicate-text',
    version: '1.0.0',
    async inspect(ctx, task, responses) {
      const reference = referenceText(task);
      if (reference !== null && wordsOf(reference).length < options.minReferenceWords) return [];
      const hidden = hiddenAnswerText(task);
      const lifted = shingles(publicTexts(task));
      const candidates: Candidate[] = [];
      for (const view of [...responses].sort(byArrival)) {
        const raw = answerText(view.response);
        if (raw === null) continue;
        const normal = normaliseText(raw);
        const own = ownWords(wordsOf(raw), lifted);
        if (normal !== hidden && own >= options.minOwnWords) candidates.push({ view, raw, normal, own, vector: null });
      }
      if (candidates.length < 2) return [];
      const embedder = options.embedder === null ? null : await embedderFor(options.embedder, ctx.log);
      try {
        if (embedder !== null) (await embedder.embed(candidates.map((c) => c.raw))).forEach((v, i) => (candidates[i].vector = v));
      } catch (err) {
        // Exact and normalised copies are still found; only rewordings need the vectors.
        ctx.log(`near-duplicate-text: embedding failed on ${task.id} (${(err as Error).message}); comparing text only`);
      }

      const findings: Finding[] = [];
      for (let k = 1; k < candidates.length; k++) {
        const later = candidates[k];
        for (let e = 0; e < k; e++) {
          const earlier = candidates[e];
          const match = likeness(earlier, later, options.minCosine);
          if (match === null) continue;
          findings.push({
            uids: [later.view.uid],
            penalty: options.penalty,
            evidence: { task: task.id, ...match, threshold: match.method === 'embedding' ? options.minCosine : 1, ownWords: later.own, original: who(earlier), copy: who(later) },
          });
          break; // one finding per copy: against the earliest response it copies
        }
      }
      return findings;
    },
  });
}

export default createNearDuplicateText();
