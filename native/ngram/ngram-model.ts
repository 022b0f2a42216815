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
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { proctorError } from '../../core/errors.js';
import type { TokenScorer } from '../api.js';
import { SENTENCE_END, SENTENCE_START, UNKNOWN, tokenizeSentences } from './tokenize.js';

export const NGRAM_FORMAT = 'proctor-ngram-kn';
export const NGRAM_FORMAT_VERSION = 1;
export const METADATA_FILE = 'model.json';
export const NGRAM_FILE = 'ngrams.bin.gz';
/** The first bytes of the decompressed `ngrams.bin`. */
export const NGRAM_MAGIC = 'PKN1';
/** Log-probabilities and log backoffs are stored as `round(-ln x / LOG_STEP)` in 16 bits (ln x ≥ −65.5). */
export const LOG_STEP = 1 / 1000;
export const LOG_MAX_CODE = 0xffff;

const CACHE_PRIOR = 1;

/** `model.json`: what was built, from what, and how well it does on text it never saw. */
export interface NgramMetadata {
  format: typeof NGRAM_FORMAT;
  formatVersion: number;
  name: string;
  order: number;
  /** Words, `<unk>`, `<s>` and `</s>`. */
  vocabularySize: number;
  /** Stored n-grams per order (index 0 = unigrams). */
  counts: number[];
  /** Per order, Chen & Goodman's [D1, D2, D3+]. */
  discounts: number[][];
  [key: string]: unknown;
}

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
 * The decoded trie; `backoff` and `childStart` exist below the top order. Values stay as the file's
 * 16-bit codes and word ids take 16 bits when the vocabulary allows: 7.3 MB for the bundled model
 * where 32-bit arrays took 11.8 MB, for the same speed and the same numbers (`logValue`).
 */
export interface NgramTables {
  order: number;
  vocabulary: string[];
  /** The quantisation step of the codes (`LOG_STEP` when written by `build-ngram.ts`). */
  logStep: number;
  /** Per order n (index n-1): the last word of each entry (orders ≥ 2). */
  words: (Uint16Array | Uint32Array)[];
  /** Per order: each entry's ln p, as a code (see `logValue`). */
  logProb: Uint16Array[];
  /** Per order below the top: each entry's ln backoff, as a code. */
  backoff: Uint16Array[];
  /** Per order n < top: entry i's children at order n+1 are [childStart[i], childStart[i+1]). */
  childStart: Uint32Array[];
}

/**
 * A stored code's natural-log value, rounded to float32 as the loader once stored it, so that
 * scores did not change when the tables stopped holding floats.
 */
export function logValue(code: number, logStep: number): number {
  return code === LOG_MAX_CODE ? -Infinity : Math.fround(-code * logStep);
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

  constructor(readonly metadata: NgramMetadata, private readonly tables: NgramTables) {
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
    const textCache = cache ? new TextCache(this.vocabulary.length) : null;
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

/**
 * The within-text cache: what followed each 3-token context earlier in this text. Flat on purpose
 * (a number per context, one map of (context, word) counts): a map per context made the cache the
 * scorer's largest source of garbage.
 */
class TextCache {
  private a = -1;
  private b = -1;
  private c = -1;
  /** Context → its index in `totals` and `distinct`. */
  private readonly contexts = new Map<number | string, number>();
  private readonly totals: number[] = [];
  private readonly distinct: number[] = [];
  /** (context index, word) → how often the word followed that context. */
  private readonly followers = new Map<number | string, number>();
  /** Three ids pack exactly into one double when the vocabulary is below 2^17; else a string key. */
  private readonly numericKeys: boolean;

  constructor(private readonly vocabularySize: number) {
    this.numericKeys = vocabularySize ** 3 <= Number.MAX_SAFE_INTEGER;
  }

  /** ln((1 − λ) p_static + λ p_cache), then remembers the token. */
  mix(staticLogProb: number, word: number): number {
    const { a, b, c, vocabularySize } = this;
    this.a = b;
    this.b = c;
    this.c = word;
    if (a < 0) return staticLogProb;
    const key = this.numericKeys ? (a * vocabularySize + b) * vocabularySize + c : `${a} ${b} ${c}`;
    let context = this.contexts.get(key);
    if (context === undefined) {
      context = this.totals.length;
      this.contexts.set(key, context);
      this.totals.push(0);
      this.distinct.push(0);
    }
    const pairKey = context * vocabularySize + word <= Number.MAX_SAFE_INTEGER ? context * vocabularySize + word : `${context} ${word}`;
    const count = this.followers.get(pairKey) ?? 0;
    const total = this.totals[context];
    let result = staticLogProb;
    if (total > 0) {
      const lambda = total / (total + this.distinct[context] + CACHE_PRIOR);
      result = Math.log((1 - lambda) * Math.exp(staticLogProb) + (lambda * count) / total);
    }
    this.followers.set(pairKey, count + 1);
    this.totals[context] = total + 1;
    if (count === 0) this.distinct[context]++;
    return result;
  }
}

/**
 * The bundled model's folder: `native/models/ngram-kn` of the repository, found from this module's
 * URL whether it runs compiled (`dist/native/ngram/` → `../../../native/models/ngram-kn`) or from
 * source (`native/ngram/` → `../models/ngram-kn`).
 */
export function bundledNgramModelDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../../native/models/ngram-kn'), resolve(here, '../models/ngram-kn')];
  return candidates.find((dir) => existsSync(resolve(dir, METADATA_FILE))) ?? candidates[0];
}

async function readModelFile(model: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw proctorError('PROCTOR_ERR_MODEL_FILE_MISSING', { model, file: path }, error);
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model, file: path, problem: `cannot be read: ${(error as Error).message}` }, error);
  }
}

function parseMetadata(model: string, file: string, bytes: Buffer): NgramMetadata {
  const malformed = (problem: string, cause?: unknown) => proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model, file, problem }, cause);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw malformed(`is not valid JSON: ${(error as Error).message}`, error);
  }
  const meta = value as Partial<NgramMetadata> | null;
  if (meta === null || typeof meta !== 'object') throw malformed('is not a JSON object');
  if (meta.format !== NGRAM_FORMAT) throw malformed(`has format ${JSON.stringify(meta.format)}, expected "${NGRAM_FORMAT}"`);
  if (meta.formatVersion !== NGRAM_FORMAT_VERSION) throw malformed(`has format version ${String(meta.formatVersion)}; this Proctor reads ${NGRAM_FORMAT_VERSION}`);
  if (typeof meta.name !== 'string' || !Number.isInteger(meta.order) || (meta.order as number) < 1) throw malformed('lacks a name or an integer order');
  return meta as NgramMetadata;
}

/** Reads unsigned LEB128 integers from a byte section. */
class VarintReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  next(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.bytes.length) throw new Error('a varint section ends early');
      const byte = this.bytes[this.offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
      if (shift > 35) throw new Error('a varint is too long');
    }
  }
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}

interface BinaryHeader {
  order: number;
  vocabularySize: number;
  counts: number[];
  logStep: number;
  sections: { name: string; bytes: number }[];
}

/** Decodes the decompressed `ngrams.bin`; throws a plain Error with the problem when it is inconsistent. */
export function decodeNgramTables(bin: Buffer): NgramTables {
  if (bin.length < 8 || bin.toString('latin1', 0, 4) !== NGRAM_MAGIC) throw new Error(`does not start with ${NGRAM_MAGIC}`);
  const headerLength = bin.readUInt32LE(4);
  const header = JSON.parse(bin.toString('utf8', 8, 8 + headerLength)) as BinaryHeader;
  const { order, vocabularySize, counts, logStep } = header;
  const consistent = Number.isInteger(order) && order >= 1 && Array.isArray(counts) && counts.length === order && counts[0] === vocabularySize
    && counts.every((n) => Number.isInteger(n) && n >= 0) && typeof logStep === 'number' && logStep > 0 && Array.isArray(header.sections);
  if (!consistent) throw new Error('has an inconsistent header');
  const sections = new Map<string, Buffer>();
  let offset = 8 + headerLength;
  for (const { name, bytes } of header.sections) {
    if (offset + bytes > bin.length) throw new Error(`ends inside section ${name}`);
    sections.set(name, bin.subarray(offset, offset + bytes));
    offset += bytes;
  }
  if (offset !== bin.length) throw new Error('has bytes after its last section');
  const section = (name: string, expectedBytes?: number): Buffer => {
    const bytes = sections.get(name);
    if (!bytes) throw new Error(`lacks section ${name}`);
    if (expectedBytes !== undefined && bytes.length !== expectedBytes) throw new Error(`section ${name} has ${bytes.length} bytes, expected ${expectedBytes}`);
    return bytes;
  };
  const codes = (bytes: Buffer): Uint16Array => {
    const values = new Uint16Array(bytes.length / 2);
    for (let i = 0; i < values.length; i++) values[i] = bytes.readUInt16LE(2 * i);
    return values;
  };
  const WordIds = vocabularySize <= 0x10000 ? Uint16Array : Uint32Array;

  const vocabulary = section('vocabulary').toString('utf8').split('\n');
  if (vocabulary.length !== vocabularySize) throw new Error(`has ${vocabulary.length} words, the header says ${vocabularySize}`);
  const unigrams = new WordIds(vocabularySize);
  for (let id = 0; id < vocabularySize; id++) unigrams[id] = id;
  const words: (Uint16Array | Uint32Array)[] = [unigrams];
  const logProb: Uint16Array[] = [];
  const backoff: Uint16Array[] = [];
  const childStart: Uint32Array[] = [];
  for (let n = 1; n <= order; n++) {
    const count = counts[n - 1];
    logProb.push(codes(section(`logProb.${n}`, 2 * count)));
    if (n < order) {
      backoff.push(codes(section(`backoff.${n}`, 2 * count)));
      const reader = new VarintReader(section(`children.${n}`));
      const starts = new Uint32Array(count + 1);
      for (let i = 0; i < count; i++) starts[i + 1] = starts[i] + reader.next();
      if (!reader.done || starts[count] !== counts[n]) throw new Error(`section children.${n} does not add up to ${counts[n]} entries`);
      childStart.push(starts);
    }
    if (n >= 2) {
      const reader = new VarintReader(section(`words.${n}`));
      const parents = childStart[n - 2];
      const ids = new WordIds(count);
      for (let parent = 0; parent < counts[n - 2]; parent++) {
        let previous = -1;
        for (let i = parents[parent]; i < parents[parent + 1]; i++) {
          previous += reader.next() + 1;
          if (previous >= vocabularySize) throw new Error(`section words.${n} names a word outside the vocabulary`);
          ids[i] = previous;
        }
      }
      if (!reader.done) throw new Error(`section words.${n} has bytes left over`);
      words.push(ids);
    }
  }
  for (const special of [UNKNOWN, SENTENCE_START, SENTENCE_END]) {
    if (!vocabulary.includes(special)) throw new Error(`lacks the token ${special}`);
  }
  return { order, vocabulary, logStep, words, logProb, backoff, childStart };
}

const loaded = new Map<string, Promise<NgramModel>>();

async function load(dir: string): Promise<NgramModel> {
  const model = basename(dir);
  const metadataPath = resolve(dir, METADATA_FILE);
  const metadata = parseMetadata(model, metadataPath, await readModelFile(model, metadataPath));
  const binPath = resolve(dir, NGRAM_FILE);
  const gz = await readModelFile(metadata.name, binPath);
  let tables: NgramTables;
  try {
    tables = decodeNgramTables(gunzipSync(gz));
  } catch (error) {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: metadata.name, file: binPath, problem: (error as Error).message }, error);
  }
  if (tables.order !== metadata.order) {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: metadata.name, file: binPath, problem: `has order ${tables.order}, ${METADATA_FILE} says ${metadata.order}` });
  }
  return new NgramModel(metadata, tables);
}

/**
 * Loads an n-gram model folder (default: the bundled `ngram-kn`), once per thread and folder.
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
