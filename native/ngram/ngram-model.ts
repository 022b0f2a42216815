/**
 * The bundled n-gram language model at run time: loads a folder written by `build-ngram.ts`
 * (`model.json` + `ngrams.bin.gz`) into typed arrays and scores text with it.
 *
 * The model is interpolated modified Kneser–Ney (see `native/ngram/README.md`), stored in backoff
 * form as a trie: per order, entries sorted by (parent entry, word), each with a quantised
 * log-probability and, below the top order, a log backoff weight and its children's range. A query
 * walks the longest stored context down to the unigram, the way KenLM does.
 *
 * On top of the static model, scoring mixes in a small **within-text cache** (on by default): the
 * continuation of a 3-token context already seen earlier in the same text is predicted with weight
 * `c(h) / (c(h) + distinct(h) + 1)`. Natural text barely notices (its 3-token contexts rarely
 * recur), but a text that repeats itself becomes predictable, as it does for a neural LM reading its
 * own context, so degenerate repetition shows up as a very low perplexity.
 */
import { resolve } from 'node:path';
import type { TokenScorer } from '../api.js';
import { bundledNgramModelDir, logValue, readNgramFolder, type NgramMetadata, type NgramTables } from './ngram-format.js';
import { ngramTableSource, requestNgramTables, serveNgramTables, type NgramTableServer } from './ngram-share.js';
import { TextCache } from './text-cache.js';
import { SENTENCE_END, SENTENCE_START, UNKNOWN, tokenizeSentences } from './tokenize.js';

/** The perplexity of a text: `exp(-meanLogProb)` over its scored tokens (each sentence's `</s>` included). */
export interface PerplexityResult {
  perplexity: number;
  tokens: number;
  meanLogProb: number;
}

export interface NgramScoringOptions {
  /** Mix in the within-text cache (default true); false gives the static Kneser–Ney model alone. */
  cache?: boolean;
}

/**
 * Perplexity from per-token natural-log probabilities, the same for every scorer. No tokens →
 * `perplexity` and `meanLogProb` are NaN.
 */
export function perplexityFromLogProbs(logProbs: readonly number[]): PerplexityResult {
  let sum = 0;
  for (const value of logProbs) sum += value;
  const meanLogProb = logProbs.length === 0 ? Number.NaN : sum / logProbs.length;
  return { perplexity: Math.exp(-meanLogProb), tokens: logProbs.length, meanLogProb };
}

/** A loaded n-gram model: a `TokenScorer` whose `logProbs` never reject for any string. */
export class NgramModel implements TokenScorer {
  readonly name: string;
  readonly order: number;
  readonly vocabulary: readonly string[];
  private readonly ids = new Map<string, number>();
  private readonly unknownId: number;
  private readonly startId: number;
  /** Reset for each text: scoring is synchronous, so one serves every call. */
  private readonly textCache = new TextCache();

  constructor(readonly metadata: NgramMetadata, readonly tables: NgramTables) {
    this.name = metadata.name;
    this.order = tables.order;
    this.vocabulary = tables.vocabulary;
    tables.vocabulary.forEach((word, id) => this.ids.set(word, id));
    this.unknownId = this.ids.get(UNKNOWN)!;
    this.startId = this.ids.get(SENTENCE_START)!;
  }

  /** The id of a normalised token (`<unk>`'s for words outside the vocabulary). */
  idOf(token: string): number {
    return this.ids.get(token) ?? this.unknownId;
  }

  /**
   * The static model's ln p(word | context), both already tokenized; the context may start with
   * `<s>` and only its last `order - 1` tokens count.
   */
  logProb(context: readonly string[], word: string): number {
    const ids = context.slice(Math.max(0, context.length - this.order + 1)).map((t) => this.idOf(t));
    return this.logProbOfIds(ids, this.idOf(word));
  }

  /** Per text, its scored tokens (words and each sentence's `</s>`) and their natural-log probabilities. */
  async logProbs(texts: readonly string[], options: NgramScoringOptions = {}): Promise<{ tokens: string[]; logProbs: number[] }[]> {
    return texts.map((text) => this.scoreText(text, options));
  }

  /** `logProbs` for one text, synchronously. */
  scoreText(text: string, { cache = true }: NgramScoringOptions = {}): { tokens: string[]; logProbs: number[] } {
    const tokens: string[] = [];
    const logProbs: number[] = [];
    const textCache = cache ? this.textCache : null;
    textCache?.reset();
    // The context's trie entries carried from token to token, as KenLM's State does: nodes[n] is the
    // entry of the last n tokens at order n, or -1 when they are not stored (or not there yet). The
    // next token's contexts are each one child step from these, so a token costs one sibling search
    // per order instead of a walk from the root for every context length it tries.
    const nodes = new Int32Array(this.order);
    for (const sentence of tokenizeSentences(text)) {
      nodes.fill(-1);
      if (this.order > 1) nodes[1] = this.startId;
      for (let i = 0; i <= sentence.length; i++) {
        const token = i < sentence.length ? sentence[i] : SENTENCE_END;
        const word = this.idOf(token);
        const staticLogProb = this.advance(nodes, word);
        tokens.push(token);
        logProbs.push(textCache ? textCache.mix(staticLogProb, word) : staticLogProb);
      }
    }
    return { tokens, logProbs };
  }

  /** Length-normalised: the perplexity per scored token. */
  perplexity(text: string, options: NgramScoringOptions = {}): PerplexityResult {
    return perplexityFromLogProbs(this.scoreText(text, options).logProbs);
  }

  private logProbOfIds(context: readonly number[], word: number): number {
    const nodes = new Int32Array(Math.max(this.order, 1)).fill(-1);
    // The context's entries, as scoreText would have carried them.
    for (const id of context) {
      for (let n = this.order - 1; n >= 2; n--) nodes[n] = nodes[n - 1] < 0 ? -1 : this.childOf(n - 1, nodes[n - 1], id);
      if (this.order > 1) nodes[1] = id;
    }
    return this.advance(nodes, word);
  }

  /**
   * ln p(word | the context whose entries `nodes` holds), then moves `nodes` on past `word`. The
   * query goes from the longest context down, adding the log backoff of each stored context that
   * lacks the word, in the same order (so the same floating-point sum) as a walk from the root.
   */
  private advance(nodes: Int32Array, word: number): number {
    const { logProb, backoff, logStep } = this.tables;
    const top = this.order - 1;
    let result = Number.NaN;
    let backoffSum = 0;
    let n = top;
    for (; n >= 1; n--) {
      const node = nodes[n];
      if (node < 0) {
        if (n < top) nodes[n + 1] = -1;
        continue;
      }
      const child = this.childOf(n, node, word);
      if (child >= 0) {
        result = backoffSum + logValue(logProb[n][child], logStep);
        if (n < top) nodes[n + 1] = child;
        break;
      }
      backoffSum += logValue(backoff[n - 1][node], logStep);
      if (n < top) nodes[n + 1] = -1;
    }
    if (n < 1) result = backoffSum + logValue(logProb[0][word], logStep);
    // Above the order where the word was found, nothing with it is stored (the trie holds every
    // prefix of a stored n-gram) and those entries were set to -1 on the way down; below it, look.
    for (let m = n - 1; m >= 1; m--) nodes[m + 1] = nodes[m] < 0 ? -1 : this.childOf(m, nodes[m], word);
    if (top >= 1) nodes[1] = word;
    return result;
  }

  /** The entry of (the n-gram at `entry` of order `n`) + `word` at order n + 1, or -1. */
  private childOf(n: number, entry: number, word: number): number {
    return findChild(this.tables.words[n], this.tables.childStart[n - 1], entry, word);
  }
}

function findChild(words: Uint16Array | Uint32Array, childStart: Uint32Array, parent: number, word: number): number {
  let low = childStart[parent];
  let high = childStart[parent + 1] - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = words[mid];
    if (value === word) return mid;
    if (value < word) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

const loaded = new Map<string, Promise<NgramModel>>();

async function load(dir: string): Promise<NgramModel> {
  const source = ngramTableSource();
  const { metadata, tables } = source === null ? await readNgramFolder(dir) : await requestNgramTables(source, dir);
  return new NgramModel(metadata, tables);
}

/**
 * Loads an n-gram model folder (default: the bundled `ngram-kn`), once per thread and folder. In a
 * worker told where to ask (`useNgramTablesFrom`), the tables come from the thread serving them, so
 * every worker of a pool reads one copy (`ngram-share.ts`); elsewhere the folder is read here.
 * A missing file rejects with PROCTOR_ERR_MODEL_FILE_MISSING naming it; a corrupt one with
 * PROCTOR_ERR_MODEL_MALFORMED.
 *
 * @example
 * ```ts
 * const model = await loadNgramModel();
 * model.perplexity('Call me Ishmael.'); // { perplexity: …, tokens: 5, meanLogProb: … }
 * ```
 */
export function loadNgramModel(dir: string = bundledNgramModelDir()): Promise<NgramModel> {
  const key = resolve(dir);
  let model = loaded.get(key);
  if (!model) {
    model = load(key);
    loaded.set(key, model);
    model.catch(() => loaded.delete(key));
  }
  return model;
}

/**
 * Serves this thread's n-gram models to worker threads (see `ngram-share.ts`): the owner of a
 * worker pool calls it, and its workers and this thread then read one copy of each model.
 */
export function serveNgramModels(): NgramTableServer {
  return serveNgramTables(async (dir) => {
    const { metadata, tables } = await loadNgramModel(dir);
    return { metadata, tables };
  });
}
