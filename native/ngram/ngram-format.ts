/**
 * The bundled n-gram model's files (`model.json` + `ngrams.bin.gz`, written by `build-ngram.ts`):
 * their constants, and reading a folder into typed arrays with coded errors for what is missing or
 * corrupt. Scoring with the tables is `ngram-model.ts`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { proctorError } from '../../core/errors.js';
import { SENTENCE_END, SENTENCE_START, UNKNOWN } from './tokenize.js';

export const NGRAM_FORMAT = 'proctor-ngram-kn';
export const NGRAM_FORMAT_VERSION = 1;
export const METADATA_FILE = 'model.json';
export const NGRAM_FILE = 'ngrams.bin.gz';
/** The first bytes of the decompressed `ngrams.bin`. */
export const NGRAM_MAGIC = 'PKN1';
/** Log-probabilities and log backoffs are stored as `round(-ln x / LOG_STEP)` in 16 bits (ln x ≥ −65.5). */
export const LOG_STEP = 1 / 1000;
export const LOG_MAX_CODE = 0xffff;

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

type ArrayType<A> = { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number };

/** A zeroed array over a `SharedArrayBuffer`, so that worker threads can be handed the tables without a copy. */
function shared<A>(Type: ArrayType<A>, length: number): A {
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

/** Decodes the decompressed `ngrams.bin` into shared arrays (see `ngram-share.ts`); throws a plain Error with the problem when it is inconsistent. */
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
    const values = shared(Uint16Array, bytes.length / 2);
    for (let i = 0; i < values.length; i++) values[i] = bytes.readUInt16LE(2 * i);
    return values;
  };
  const wordIds = (length: number): Uint16Array | Uint32Array => (vocabularySize <= 0x10000 ? shared(Uint16Array, length) : shared(Uint32Array, length));

  const vocabulary = section('vocabulary').toString('utf8').split('\n');
  if (vocabulary.length !== vocabularySize) throw new Error(`has ${vocabulary.length} words, the header says ${vocabularySize}`);
  const unigrams = wordIds(vocabularySize);
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
      const starts = shared(Uint32Array, count + 1);
      for (let i = 0; i < count; i++) starts[i + 1] = starts[i] + reader.next();
      if (!reader.done || starts[count] !== counts[n]) throw new Error(`section children.${n} does not add up to ${counts[n]} entries`);
      childStart.push(starts);
    }
    if (n >= 2) {
      const reader = new VarintReader(section(`words.${n}`));
      const parents = childStart[n - 2];
      const ids = wordIds(count);
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

/**
 * Reads a model folder: its metadata and decoded tables. A missing file throws
 * PROCTOR_ERR_MODEL_FILE_MISSING naming it; a corrupt one PROCTOR_ERR_MODEL_MALFORMED.
 *
 * @example const { metadata, tables } = await readNgramFolder(bundledNgramModelDir());
 */
export async function readNgramFolder(dir: string): Promise<{ metadata: NgramMetadata; tables: NgramTables }> {
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
  return { metadata, tables };
}
