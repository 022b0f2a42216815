/**
 * Loading models in the Hugging Face ONNX layout: the tokenizer through `@huggingface/transformers`
 * (local files only), the graph through this project's ONNX Runtime session (`onnx-session.ts`) so
 * that every model runs with the same fixed settings, and the pooling or log-softmax in plain
 * JavaScript doubles, in a fixed order. See native/README.md for why the graph does not run
 * through transformers' own model classes.
 *
 * Texts are batched only with texts of the same token length, so no padding ever enters a model
 * run: a text's numbers never depend on what it happened to be batched with.
 */
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { proctorError } from '../core/errors.js';
import type { Embedder, InferenceOptions, TextGenerator, TokenScorer } from './api.js';
import { checkModelFolder, type ModelFolder, type ModelKind } from './model-registry.js';
import { createOnnxSession, ort, runOnnxSession, type OnnxSession } from './onnx-session.js';

export interface ModelLoadOptions extends InferenceOptions {
  /** The name errors and results use (default: the folder's name). */
  name?: string;
  /** Most texts in one model run (default 32). */
  maxBatchSize?: number;
}

export interface EmbedderLoadOptions extends ModelLoadOptions {
  /**
   * `mean` over the tokens (MiniLM, the bundled glove-sif) or `cls` (the first token: bge). Default:
   * what the folder's sentence-transformers `1_Pooling/config.json` says, else `mean`.
   */
  pooling?: 'mean' | 'cls';
}

const DEFAULT_MAX_BATCH = 32;
const FALLBACK_MAX_LENGTH = 512;

/** Loads are cached per thread: the promise, so concurrent loads of one folder share it. */
const loaded = new Map<string, Promise<Embedder | TokenScorer>>();

/**
 * Where `onnxruntime-node` resolves from this project and from `@huggingface/transformers`. They must
 * be the same file: one native runtime per process, the version the project pins.
 */
export function onnxRuntimeResolution(): { project: string; transformers: string; same: boolean } {
  const require = createRequire(import.meta.url);
  const project = require.resolve('onnxruntime-node');
  const transformers = createRequire(require.resolve('@huggingface/transformers')).resolve('onnxruntime-node');
  return { project, transformers, same: realpathSync(project) === realpathSync(transformers) };
}

// `env` is global to the thread and loading is asynchronous: loads take turns.
let tokenizerTurn: Promise<unknown> = Promise.resolve();

function loadTokenizer(folder: ModelFolder): Promise<PreTrainedTokenizer> {
  const load = tokenizerTurn.then(async () => {
    const { env, AutoTokenizer } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${dirname(folder.dir)}${sep}`;
    try {
      return await AutoTokenizer.from_pretrained(basename(folder.dir), { local_files_only: true });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: folder.name, file: 'tokenizer.json', problem: `cannot be loaded: ${detail}` }, error);
    }
  });
  tokenizerTurn = load.catch(() => undefined);
  return load;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1e6 ? value : null;
}

/** The longest token sequence the model accepts: the tokenizer's limit, else the position table's. */
function maxLengthOf(folder: ModelFolder): number {
  const candidates = [folder.tokenizerConfig.model_max_length, folder.config.max_position_embeddings, folder.config.n_positions].map(positiveInteger);
  return candidates.find((value) => value !== null) ?? FALLBACK_MAX_LENGTH;
}

/** Token ids of `text`, cut to `maxLength` keeping a closing special token (`[SEP]`) in place. */
function encode(tokenizer: PreTrainedTokenizer, text: string, maxLength: number): number[] {
  const ids = tokenizer.encode(text);
  if (ids.length <= maxLength) return ids;
  const last = ids[ids.length - 1];
  return tokenizer.all_special_ids.includes(last) ? [...ids.slice(0, maxLength - 1), last] : ids.slice(0, maxLength);
}

function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
}

/** Inputs Proctor knows how to feed; a graph needing anything else is refused at load. */
function isKnownInput(name: string): boolean {
  return ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'use_cache_branch'].includes(name) || name.startsWith('past_key_values.');
}

/**
 * The feeds of one run over `rows` token sequences of equal length `length`: ids, an all-ones mask
 * (there is never padding), zero token types, positions 0…length−1, and, for decoders exported
 * "with past", an empty cache (past length 0) with the cache branch off.
 */
function feedsFor(session: OnnxSession, folder: ModelFolder, rows: readonly number[][], length: number): Record<string, ort.Tensor> {
  const count = rows.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    const { name } = meta;
    if (name === 'input_ids') feeds[name] = int64(rows.flat(), [count, length]);
    else if (name === 'attention_mask') feeds[name] = int64(new Array(count * length).fill(1), [count, length]);
    else if (name === 'token_type_ids') feeds[name] = int64(new Array(count * length).fill(0), [count, length]);
    else if (name === 'position_ids') feeds[name] = int64(Array.from({ length: count * length }, (_, i) => i % length), [count, length]);
    else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', [false], [1]);
    else if (name.startsWith('past_key_values.') && meta.isTensor) feeds[name] = emptyPast(folder, meta.shape, meta.type, count);
  }
  return feeds;
}

/** An empty key/value cache tensor: `[batch, heads, 0, head_dim]` with symbolic dims filled from config.json. */
function emptyPast(folder: ModelFolder, shape: readonly (number | string)[], type: string, batch: number): ort.Tensor {
  const c = folder.config;
  const heads = positiveInteger(c.num_key_value_heads) ?? positiveInteger(c.num_attention_heads) ?? positiveInteger(c.n_head) ?? 1;
  const hidden = positiveInteger(c.hidden_size) ?? positiveInteger(c.n_embd) ?? heads;
  const headDim = positiveInteger(c.head_dim) ?? Math.floor(hidden / heads);
  const dims = shape.map((dim, axis) => (typeof dim === 'number' ? dim : [batch, heads, 0, headDim][axis] ?? 0));
  const tensorType = type === 'float16' ? 'float16' : 'float32';
  return new ort.Tensor(tensorType, tensorType === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims);
}

function checkInputs(session: OnnxSession, folder: ModelFolder, output: string): void {
  const problem = (text: string) => proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: folder.name, file: 'onnx/model.onnx', problem: text });
  if (!session.inputNames.includes('input_ids')) throw problem('has no "input_ids" input');
  const unknown = session.inputNames.find((name) => !isKnownInput(name));
  if (unknown !== undefined) throw problem(`needs an input "${unknown}" that Proctor cannot feed`);
  if (!session.outputNames.includes(output)) throw problem(`has no "${output}" output (outputs: ${session.outputNames.join(', ')})`);
}

/** Groups indices by the length of their token sequence, then cuts each group to `maxBatch`. */
function batchesByLength(sequences: readonly number[][], maxBatch: number): number[][] {
  const groups = new Map<number, number[]>();
  sequences.forEach((ids, index) => {
    const group = groups.get(ids.length) ?? [];
    group.push(index);
    groups.set(ids.length, group);
  });
  const batches: number[][] = [];
  for (const length of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(length)!;
    for (let start = 0; start < group.length; start += maxBatch) batches.push(group.slice(start, start + maxBatch));
  }
  return batches;
}

function floatOutput(result: ort.InferenceSession.ReturnType, name: string, folder: ModelFolder): { data: Float32Array; dims: readonly number[] } {
  const tensor = result[name] as ort.Tensor;
  if (tensor.type !== 'float32') {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', {
      model: folder.name, file: 'onnx/model.onnx', problem: `outputs "${name}" as ${tensor.type}; Proctor loads the fp32 export (onnx/model.onnx)`,
    });
  }
  return { data: tensor.data as Float32Array, dims: tensor.dims };
}

/** Unit length in float64, then float32; the zero vector stays zero (a text with no known token). */
function normalised(sum: Float64Array): Float32Array {
  let squares = 0;
  for (let i = 0; i < sum.length; i++) squares += sum[i] * sum[i];
  const norm = Math.sqrt(squares);
  const out = new Float32Array(sum.length);
  if (norm > 0) for (let i = 0; i < sum.length; i++) out[i] = sum[i] / norm;
  return out;
}

interface Waiting {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

async function readPooling(folder: ModelFolder): Promise<'mean' | 'cls'> {
  try {
    const pooling = JSON.parse(await readFile(join(folder.dir, '1_Pooling', 'config.json'), 'utf8')) as Record<string, unknown>;
    return pooling.pooling_mode_cls_token === true && pooling.pooling_mode_mean_tokens !== true ? 'cls' : 'mean';
  } catch {
    return 'mean';
  }
}

/**
 * A sentence embedder over a folder's `last_hidden_state`: pooled (mean or CLS), L2-normalised.
 * Concurrent `embed` calls on one thread are coalesced: texts wait in a queue flushed once the
 * current turn of the event loop has finished (`setImmediate`), identical texts run once, and the
 * rest run in batches of equal token length, at most `maxBatchSize` each.
 */
class HfEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly #tokenizer: PreTrainedTokenizer;
  readonly #session: OnnxSession;
  readonly #folder: ModelFolder;
  readonly #output: string;
  readonly #pooling: 'mean' | 'cls';
  readonly #maxBatch: number;
  readonly #maxLength: number;
  #queue: Waiting[] = [];

  constructor(parts: { folder: ModelFolder; tokenizer: PreTrainedTokenizer; session: OnnxSession; output: string; dimensions: number; pooling: 'mean' | 'cls'; maxBatch: number }) {
    this.name = parts.folder.name;
    this.dimensions = parts.dimensions;
    this.#folder = parts.folder;
    this.#tokenizer = parts.tokenizer;
    this.#session = parts.session;
    this.#output = parts.output;
    this.#pooling = parts.pooling;
    this.#maxBatch = parts.maxBatch;
    this.#maxLength = maxLengthOf(parts.folder);
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.all(
      texts.map(
        (text) =>
          new Promise<Float32Array>((resolve, reject) => {
            if (this.#queue.length === 0) setImmediate(() => void this.#flush());
            this.#queue.push({ text: String(text), resolve, reject });
          }),
      ),
    );
  }

  async #flush(): Promise<void> {
    const waiting = this.#queue;
    this.#queue = [];
    const unique = [...new Set(waiting.map((w) => w.text))];
    const byText = new Map<string, Float32Array | { error: unknown }>();
    try {
      const vectors = await this.embedNow(unique);
      unique.forEach((text, i) => byText.set(text, vectors[i]));
    } catch {
      // One text the model cannot run must not fail the callers queued with it: retry one by one.
      for (const text of unique) {
        try {
          byText.set(text, (await this.embedNow([text]))[0]);
        } catch (error) {
          byText.set(text, { error });
        }
      }
    }
    for (const w of waiting) {
      const outcome = byText.get(w.text)!;
      // Each caller gets its own copy: one caller writing into its vector cannot change another's.
      if (outcome instanceof Float32Array) w.resolve(Float32Array.from(outcome));
      else w.reject(outcome.error);
    }
  }

  /** Embeds now, without the queue. */
  async embedNow(texts: readonly string[]): Promise<Float32Array[]> {
    const sequences = texts.map((text) => encode(this.#tokenizer, text, this.#maxLength));
    const vectors: Float32Array[] = sequences.map(() => new Float32Array(this.dimensions));
    for (const batch of batchesByLength(sequences, this.#maxBatch)) {
      const length = sequences[batch[0]].length;
      if (length === 0) continue; // no token at all: the zero vector
      const rows = batch.map((i) => sequences[i]);
      const result = await runOnnxSession(this.#session, feedsFor(this.#session, this.#folder, rows, length), this.name);
      const { data, dims } = floatOutput(result, this.#output, this.#folder);
      const width = dims[2];
      if (dims.length !== 3 || width !== this.dimensions) {
        throw proctorError('PROCTOR_ERR_MODEL_INFERENCE', { model: this.name, detail: `"${this.#output}" has shape [${dims.join(', ')}], expected [${rows.length}, ${length}, ${this.dimensions}]` });
      }
      batch.forEach((index, row) => {
        const sum = new Float64Array(width);
        const tokens = this.#pooling === 'cls' ? 1 : length;
        for (let t = 0; t < tokens; t++) {
          const offset = (row * length + t) * width;
          for (let d = 0; d < width; d++) sum[d] += data[offset + d];
        }
        vectors[index] = normalised(sum);
      });
    }
    return vectors;
  }
}

/**
 * Per text, the natural-log probability of each token given those before it: logits → log-softmax
 * (in float64, max-shifted). When config.json names a `bos_token_id` the tokenizer did not add, it
 * is put in front so that the first real token is scored too; otherwise the first token is not.
 */
class HfCausalLm implements TokenScorer, TextGenerator {
  readonly name: string;
  readonly #tokenizer: PreTrainedTokenizer;
  readonly #session: OnnxSession;
  readonly #folder: ModelFolder;
  readonly #maxBatch: number;
  readonly #maxLength: number;
  readonly #bos: number | null;
  readonly #tokenOf: Map<number, string>;

  constructor(parts: { folder: ModelFolder; tokenizer: PreTrainedTokenizer; session: OnnxSession; maxBatch: number }) {
    this.name = parts.folder.name;
    this.#folder = parts.folder;
    this.#tokenizer = parts.tokenizer;
    this.#session = parts.session;
    this.#maxBatch = parts.maxBatch;
    this.#maxLength = maxLengthOf(parts.folder);
    const bos = parts.folder.config.bos_token_id;
    this.#bos = typeof bos === 'number' && Number.isInteger(bos) && bos >= 0 ? bos : null;
    this.#tokenOf = new Map([...parts.tokenizer.get_vocab()].map(([token, id]) => [id, token]));
  }

  async logProbs(texts: readonly string[]): Promise<{ tokens: string[]; logProbs: number[] }[]> {
    const sequences = texts.map((text) => {
      const ids = encode(this.#tokenizer, String(text), this.#maxLength);
      const withBos = this.#bos !== null && ids[0] !== this.#bos ? [this.#bos, ...ids] : ids;
      return withBos.slice(0, this.#maxLength);
    });
    const results = sequences.map(() => ({ tokens: [] as string[], logProbs: [] as number[] }));
    for (const batch of batchesByLength(sequences, this.#maxBatch)) {
      const length = sequences[batch[0]].length;
      if (length < 2) continue; // nothing to predict
      const rows = batch.map((i) => sequences[i]);
      const result = await runOnnxSession(this.#session, feedsFor(this.#session, this.#folder, rows, length), this.name);
      const { data, dims } = floatOutput(result, 'logits', this.#folder);
      const vocab = dims[2];
      if (dims.length !== 3 || dims[0] !== rows.length || dims[1] !== length) {
        throw proctorError('PROCTOR_ERR_MODEL_INFERENCE', { model: this.name, detail: `"logits" has shape [${dims.join(', ')}], expected [${rows.length}, ${length}, vocab]` });
      }
      batch.forEach((index, row) => {
        const ids = rows[row];
        for (let t = 0; t + 1 < length; t++) {
          const offset = (row * length + t) * vocab;
          let max = -Infinity;
          for (let v = 0; v < vocab; v++) if (data[offset + v] > max) max = data[offset + v];
          let total = 0;
          for (let v = 0; v < vocab; v++) total += Math.exp(data[offset + v] - max);
          const next = ids[t + 1];
          results[index].logProbs.push(data[offset + next] - max - Math.log(total));
          results[index].tokens.push(this.#tokenOf.get(next) ?? `<${next}>`);
        }
      });
    }
    return results;
  }

  /**
   * Greedy decoding (argmax at every step, ties to the lowest id), one model run on the whole
   * sequence per token: no cache, so any causal LM export works; meant for short references.
   */
  async generate(prompt: string, maxNewTokens: number): Promise<string> {
    const encoded = encode(this.#tokenizer, String(prompt), this.#maxLength);
    const ids = this.#bos !== null && encoded[0] !== this.#bos ? [this.#bos, ...encoded] : encoded;
    const eos = this.#folder.config.eos_token_id;
    const generated: number[] = [];
    for (let step = 0; step < maxNewTokens && ids.length > 0 && ids.length < this.#maxLength; step++) {
      const result = await runOnnxSession(this.#session, feedsFor(this.#session, this.#folder, [ids], ids.length), this.name);
      const { data, dims } = floatOutput(result, 'logits', this.#folder);
      const vocab = dims[2];
      const offset = (ids.length - 1) * vocab;
      let best = 0;
      for (let v = 1; v < vocab; v++) if (data[offset + v] > data[offset + best]) best = v;
      if (best === eos) break;
      ids.push(best);
      generated.push(best);
    }
    return generated.length === 0 ? '' : this.#tokenizer.decode(generated, { skip_special_tokens: true }).trim();
  }
}

/**
 * A greedy text generator from a causal LM folder (the same loaded model as `loadCausalLm`).
 *
 * @example
 * ```ts
 * const lm = await loadTextGenerator('/models/smollm-135m');
 * await lm.generate('The capital of France is', 8);
 * ```
 */
export async function loadTextGenerator(dir: string, options: ModelLoadOptions = {}): Promise<TextGenerator> {
  return (await loadCausalLm(dir, options)) as unknown as TextGenerator;
}

async function loadParts(dir: string, kind: ModelKind, options: ModelLoadOptions, output: string) {
  const folder = checkModelFolder(dir, kind, options.name ?? basename(dir));
  const tokenizer = await loadTokenizer(folder);
  const session = await createOnnxSession(folder.modelPath, options, folder.name);
  checkInputs(session, folder, output);
  const maxBatch = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatch}`);
  return { folder, tokenizer, session, maxBatch };
}

function cached<T extends Embedder | TokenScorer>(kind: ModelKind, dir: string, options: object, load: () => Promise<T>): Promise<T> {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    real = dir; // missing: let the load report it
  }
  const key = JSON.stringify([kind, real, options]);
  let model = loaded.get(key);
  if (model === undefined) {
    model = load();
    loaded.set(key, model);
    model.catch(() => loaded.delete(key));
  }
  return model as Promise<T>;
}

/**
 * A sentence embedder from a folder in the Hugging Face ONNX layout (`config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx` with a `last_hidden_state` output).
 * Loaded once per folder and options per thread.
 *
 * @example
 * ```ts
 * const { name, dir } = resolveModel('glove-sif');
 * const embedder = await loadEmbedder(dir, { name });
 * const [a, b] = await embedder.embed(['A cat sat on the mat.', 'A kitten rested on the rug.']);
 * ```
 */
export function loadEmbedder(dir: string, options: EmbedderLoadOptions = {}): Promise<Embedder> {
  return cached('embedder', dir, options, async () => {
    const { folder, tokenizer, session, maxBatch } = await loadParts(dir, 'embedder', options, 'last_hidden_state');
    const pooling = options.pooling ?? (await readPooling(folder));
    const meta = session.outputMetadata.find((m) => m.name === 'last_hidden_state');
    const declared = meta?.isTensor ? meta.shape[2] : undefined;
    const hidden = typeof declared === 'number' ? declared : positiveInteger(folder.config.hidden_size) ?? positiveInteger(folder.config.n_embd);
    if (hidden === null) {
      throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: folder.name, file: 'config.json', problem: 'has no "hidden_size" and the graph does not declare its width' });
    }
    return new HfEmbedder({ folder, tokenizer, session, output: 'last_hidden_state', dimensions: hidden, pooling, maxBatch });
  });
}

/**
 * A token scorer from a causal LM folder in the Hugging Face ONNX layout (a GPT-2 or SmolLM export:
 * `onnx/model.onnx` with a `logits` output; a "with past" export gets an empty cache).
 *
 * @example
 * ```ts
 * const lm = await loadCausalLm('/models/smollm-135m');
 * const [{ tokens, logProbs }] = await lm.logProbs(['The cat sat on the mat.']);
 * ```
 */
export function loadCausalLm(dir: string, options: ModelLoadOptions = {}): Promise<TokenScorer> {
  return cached('causal-lm', dir, options, async () => {
    const parts = await loadParts(dir, 'causal-lm', options, 'logits');
    return new HfCausalLm(parts);
  });
}
