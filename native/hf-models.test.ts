import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isProctorError, type ErrorCode } from '../core/errors.js';
import { loadCausalLm, loadEmbedder, loadTextGenerator, onnxRuntimeResolution } from './hf-models.js';
import { bundledModelNames, checkModelFolder, REQUIRED_FILES, resolveModel } from './model-registry.js';
import { createOnnxSession, SESSION_OPTIONS } from './onnx-session.js';
import {
  TINY_EMBEDDER_TOKEN_TYPES, TINY_EMBEDDER_TOKENS, TINY_EMBEDDER_VOCAB, TINY_LM_BIGRAM_LOGITS, TINY_LM_BOS_ID, TINY_LM_VOCAB,
  writeTinyCausalLm, writeTinyEmbedder,
} from './tiny-models.js';

let root: string;
let embedderDir: string;
let lmDir: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'proctor-models-'));
  embedderDir = join(root, 'tiny-bert');
  lmDir = join(root, 'tiny-gpt');
  await writeTinyEmbedder(embedderDir);
  await writeTinyCausalLm(lmDir);
});
after(() => rm(root, { recursive: true, force: true }));

/** Resolves to the error a promise (or function) rejects with; fails when it does not. */
async function failure(run: () => unknown): Promise<{ code: ErrorCode; data: Record<string, unknown>; message: string }> {
  try {
    await run();
  } catch (error) {
    assert.ok(isProctorError(error), `a ProctorError, got ${String(error)}`);
    return { code: error.code, data: error.data as Record<string, unknown>, message: error.message };
  }
  assert.fail('expected a failure');
}

/** A copy of a tiny model folder for a test to break. */
async function copyOf(dir: string, name: string): Promise<string> {
  const copy = join(root, name);
  await cp(dir, copy, { recursive: true });
  return copy;
}

const idOf = (vocab: readonly string[], token: string) => {
  const id = vocab.indexOf(token);
  assert.ok(id >= 0, token);
  return id;
};

/** By hand: the mean of the rows of [CLS], the words and [SEP], each plus token type 0, normalised. */
function expectedEmbedding(words: string[]): number[] {
  const tokens = ['[CLS]', ...words, '[SEP]'].map((t) => idOf(TINY_EMBEDDER_VOCAB, t));
  const mean = [0, 1, 2, 3].map((d) => tokens.reduce((sum, id) => sum + TINY_EMBEDDER_TOKENS[id][d] + TINY_EMBEDDER_TOKEN_TYPES[0][d], 0) / tokens.length);
  const norm = Math.hypot(...mean);
  return mean.map((x) => x / norm);
}

/** By hand: log p(next | current) = logits[next] − log Σ exp(logits), from the bigram table. */
function expectedLogProb(current: string, next: string): number {
  const row = TINY_LM_BIGRAM_LOGITS[idOf(TINY_LM_VOCAB, current)];
  return row[idOf(TINY_LM_VOCAB, next)] - Math.log(row.reduce((sum, x) => sum + Math.exp(x), 0));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const hex = (vectors: Float32Array[]) => vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'));

describe('the model registry', () => {
  it('finds the bundled glove-sif in the committed source folder when running from dist', () => {
    assert.ok(bundledModelNames().includes('glove-sif'));
    const { name, dir } = resolveModel('glove-sif');
    assert.equal(name, 'glove-sif');
    assert.match(dir, /native[\\/]models[\\/]glove-sif$/);
    assert.doesNotMatch(dir, /[\\/]dist[\\/]/);
    assert.equal(checkModelFolder(dir, 'embedder').config.model_type, 'bert');
  });

  it('resolves a configured name first, then a bundled name, then a folder path', () => {
    assert.deepEqual(resolveModel('mine', { mine: embedderDir }), { name: 'mine', dir: embedderDir });
    assert.deepEqual(resolveModel('glove-sif', { 'glove-sif': lmDir }), { name: 'glove-sif', dir: lmDir }, 'a configured name replaces a bundled one');
    assert.deepEqual(resolveModel(embedderDir), { name: embedderDir, dir: embedderDir });
  });

  it('refuses an unknown name with PROCTOR_ERR_MODEL_NOT_FOUND listing the bundled and configured names', async () => {
    const error = await failure(() => resolveModel('mini-lm', { 'my-lm': lmDir }));
    assert.equal(error.code, 'PROCTOR_ERR_MODEL_NOT_FOUND');
    const known = error.data.known as string[];
    assert.ok(known.includes('glove-sif') && known.includes('my-lm'), known.join(', '));
    assert.deepEqual(known, [...known].sort());
    assert.equal((await failure(() => resolveModel(join(root, 'no-such-folder')))).code, 'PROCTOR_ERR_MODEL_NOT_FOUND');
  });

  it('names each missing file of the Hugging Face layout with PROCTOR_ERR_MODEL_FILE_MISSING', async () => {
    for (const file of REQUIRED_FILES) {
      const dir = await copyOf(embedderDir, `missing-${file.replace('/', '-')}`);
      await unlink(join(dir, file));
      const error = await failure(() => loadEmbedder(dir));
      assert.equal(error.code, 'PROCTOR_ERR_MODEL_FILE_MISSING', file);
      assert.equal(error.data.file, file);
      assert.match(error.message, new RegExp(file.replace('.', '\\.')));
    }
  });

  it('names the file with PROCTOR_ERR_MODEL_MALFORMED: unparseable JSON, a config without model_type, a graph ONNX Runtime refuses', async () => {
    const cases: [string, string, string | Uint8Array, RegExp][] = [
      ['bad-json', 'config.json', '{ "model_type": "bert", ', /not valid JSON/],
      ['no-type', 'config.json', '{ "hidden_size": 4 }', /model_type/],
      ['bad-tokenizer', 'tokenizer_config.json', '[1, 2]', /not a JSON object/],
      ['bad-graph', 'onnx/model.onnx', new Uint8Array([8, 7, 18, 3, 1, 2]), /cannot be loaded/],
    ];
    for (const [name, file, content, problem] of cases) {
      const dir = await copyOf(lmDir, name);
      await writeFile(join(dir, file), content);
      const error = await failure(() => loadCausalLm(dir));
      assert.equal(error.code, 'PROCTOR_ERR_MODEL_MALFORMED', name);
      assert.ok(String(error.data.file).endsWith(file), `${name}: names ${file}, got ${String(error.data.file)}`);
      assert.match(String(error.data.problem), problem);
    }
  });

  it('refuses a graph without the output its kind needs', async () => {
    const error = await failure(() => loadCausalLm(embedderDir));
    assert.equal(error.code, 'PROCTOR_ERR_MODEL_MALFORMED');
    assert.match(String(error.data.problem), /no "logits" output/);
  });
});

describe('ONNX Runtime sessions', () => {
  it('use fixed settings: one thread each way, sequential, a fixed optimisation level, no arena', () => {
    assert.deepEqual(
      { ...SESSION_OPTIONS },
      { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'basic', enableCpuMemArena: false, enableMemPattern: false, logSeverityLevel: 3 },
    );
  });

  it('are cached per model file and provider on a thread', async () => {
    const path = join(embedderDir, 'onnx', 'model.onnx');
    const first = await createOnnxSession(path);
    assert.equal(await createOnnxSession(path, { executionProvider: 'cpu' }), first);
    assert.notEqual(await createOnnxSession(join(lmDir, 'onnx', 'model.onnx')), first);
  });

  it('report cuda as PROCTOR_ERR_MODEL_PROVIDER when ONNX Runtime cannot attach it', async (t) => {
    const path = join(lmDir, 'onnx', 'model.onnx');
    try {
      await createOnnxSession(path, { executionProvider: 'cuda' });
      t.diagnostic('CUDA is available on this machine: the session was created');
    } catch (error) {
      assert.ok(isProctorError(error));
      assert.equal(error.code, 'PROCTOR_ERR_MODEL_PROVIDER');
      assert.equal((error.data as { provider: string }).provider, 'cuda');
    }
  });
});

describe('loading a user model folder (project-written tiny models)', () => {
  it('uses the onnxruntime-node the project pins, the same that @huggingface/transformers resolves', () => {
    const resolution = onnxRuntimeResolution();
    assert.ok(resolution.same, JSON.stringify(resolution));
  });

  it('loads an embedder and a causal LM configured by name', async () => {
    const configured = { 'my-encoder': embedderDir, 'my-lm': lmDir };
    const encoder = resolveModel('my-encoder', configured);
    const embedder = await loadEmbedder(encoder.dir, { name: encoder.name });
    assert.equal(embedder.name, 'my-encoder');
    assert.equal(embedder.dimensions, 4);
    const lm = resolveModel('my-lm', configured);
    assert.equal((await loadCausalLm(lm.dir, { name: lm.name })).name, 'my-lm');
    assert.equal(await loadEmbedder(encoder.dir, { name: encoder.name }), embedder, 'loaded once per thread');
  });

  it('embeds a text as the normalised mean of its known token rows, [CLS] and [SEP] included', async () => {
    const embedder = await loadEmbedder(embedderDir);
    const [catSat, dogRuns, unknown] = await embedder.embed(['The cat sat', 'a DOG runs', 'zebra']);
    assertClose(catSat, expectedEmbedding(['the', 'cat', 'sat']), 1e-7, 'the cat sat');
    assertClose(dogRuns, expectedEmbedding(['a', 'dog', 'runs']), 1e-7, 'a dog runs (lower-cased)');
    assertClose(unknown, expectedEmbedding(['[UNK]']), 1e-7, 'an unknown word is [UNK]');
    assert.ok(Math.abs(Math.hypot(...catSat) - 1) < 1e-6, 'unit length');
  });

  it('gives a text the same bits whatever it is batched with, and each caller its own array', async () => {
    const embedder = await loadEmbedder(embedderDir);
    const [alone] = await embedder.embed(['the cat sat on the mat']);
    const crowd = await embedder.embed(['a dog', 'the cat sat on the mat', 'the dog sat on a mat', '', 'cat']);
    assert.deepEqual(hex([crowd[1]]), hex([alone]));
    const [one, two] = await Promise.all([embedder.embed(['cat']), embedder.embed(['cat'])]);
    one[0][0] = 42;
    assert.notEqual(two[0][0], 42);
  });

  it('coalesces concurrent embed calls into one model run, at most maxBatchSize texts each', async () => {
    const embedder = await loadEmbedder(embedderDir, { maxBatchSize: 2 });
    const session = await createOnnxSession(join(embedderDir, 'onnx', 'model.onnx'));
    const run = session.run.bind(session);
    const batchSizes: number[] = [];
    session.run = ((feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => {
      batchSizes.push(feeds.input_ids.dims[0]);
      return (run as (...args: unknown[]) => unknown)(feeds, ...rest);
    }) as typeof session.run;
    try {
      await Promise.all([embedder.embed(['the cat']), embedder.embed(['a dog'])]);
      assert.deepEqual(batchSizes, [2], 'two calls, one run');
      batchSizes.length = 0;
      await Promise.all(['the cat', 'a dog', 'a mat', 'the dog', 'cat runs'].map((text) => embedder.embed([text])));
      assert.deepEqual(batchSizes, [2, 2, 1]);
      batchSizes.length = 0;
      await embedder.embed(['cat', 'cat', 'cat']);
      assert.deepEqual(batchSizes, [1], 'identical texts run once');
    } finally {
      session.run = run;
    }
  });

  it('generates greedily: each new token is the argmax of the bigram row of the one before, computed by hand', async () => {
    const lm = await loadTextGenerator(lmDir);
    // By hand: from the prompt's last token, follow the largest logit of each row (ties to the lowest
    // id), stopping at the end-of-text id or after the requested number of tokens.
    const expected: string[] = [];
    let current = TINY_LM_VOCAB.indexOf('cat');
    for (let step = 0; step < 5; step++) {
      const row = TINY_LM_BIGRAM_LOGITS[current];
      let best = 0;
      for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
      if (best === TINY_LM_BOS_ID) break;
      expected.push(TINY_LM_VOCAB[best]);
      current = best;
    }
    assert.ok(expected.length > 0);
    const text = await lm.generate('the cat', 5);
    const words = (t: string) => t.replace(/\s+([.])/g, '$1').split(/\s+/).join(' ');
    assert.equal(words(text), words(expected.join(' ')));
    assert.equal(await lm.generate('the cat', 5), text, 'deterministic');
    assert.equal(await lm.generate('the cat', 0), '');
  });

  it('scores each token by the log-softmax of the bigram table, computed by hand', async () => {
    const lm = await loadCausalLm(lmDir);
    const [scored] = await lm.logProbs(['The cat sat on the mat.']);
    const words = ['the', 'cat', 'sat', 'on', 'the', 'mat', '.'];
    assert.deepEqual(scored.tokens, words);
    const expected = words.map((word, i) => expectedLogProb(i === 0 ? TINY_LM_VOCAB[TINY_LM_BOS_ID] : words[i - 1], word));
    assertClose(scored.logProbs, expected, 1e-12, 'log-probabilities');
    assert.ok(scored.logProbs.every((lp) => lp < 0));
  });

  it('scores nothing in an empty text, an unknown word as [UNK], and texts of different lengths in one call', async () => {
    const lm = await loadCausalLm(lmDir);
    const [empty, unknown, short, long] = await lm.logProbs(['', 'zebra', 'cat', 'the cat sat on the mat']);
    assert.deepEqual(empty, { tokens: [], logProbs: [] });
    assert.deepEqual(unknown.tokens, ['[UNK]']);
    assertClose(unknown.logProbs, [expectedLogProb('[BOS]', '[UNK]')], 1e-12, 'unknown');
    assertClose(short.logProbs, [expectedLogProb('[BOS]', 'cat')], 1e-12, 'short');
    assert.equal(long.tokens.length, 6);
  });

  it('feeds a decoder exported "with past" positions, an empty cache and the cache branch off', async () => {
    const dir = join(root, 'tiny-gpt-with-past');
    await writeTinyCausalLm(dir, { decoderInputs: true });
    const texts = ['the cat sat on the mat.', 'cat', 'the mat'];
    assert.deepEqual(await (await loadCausalLm(dir)).logProbs(texts), await (await loadCausalLm(lmDir)).logProbs(texts));
  });

  it('pools the first token when the folder\'s sentence-transformers pooling says CLS', async () => {
    const dir = await copyOf(embedderDir, 'tiny-bert-cls');
    await mkdir(join(dir, '1_Pooling'));
    await writeFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
    const [vector] = await (await loadEmbedder(dir)).embed(['the cat sat']);
    const cls = TINY_EMBEDDER_TOKENS[idOf(TINY_EMBEDDER_VOCAB, '[CLS]')].map((x, d) => x + TINY_EMBEDDER_TOKEN_TYPES[0][d]);
    assertClose(vector, cls.map((x) => x / Math.hypot(...cls)), 1e-7, 'CLS');
  });

  it('agrees with @huggingface/transformers running the same folders through its own pipeline and model class', async () => {
    const { env, pipeline, AutoModelForCausalLM, AutoTokenizer, Tensor } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = `${root}/`;
    const extractor = await pipeline('feature-extraction', 'tiny-bert', { dtype: 'fp32' });
    const texts = ['The cat sat', 'a dog runs on the mat'];
    const theirs = (await extractor(texts, { pooling: 'mean', normalize: true })).tolist() as number[][];
    const ours = await (await loadEmbedder(embedderDir)).embed(texts);
    ours.forEach((vector, i) => assertClose(vector, theirs[i], 1e-6, `pipeline vector ${i}`));

    const tokenizer = await AutoTokenizer.from_pretrained('tiny-gpt');
    const model = await AutoModelForCausalLM.from_pretrained('tiny-gpt', { dtype: 'fp32' });
    const ids = [TINY_LM_BOS_ID, ...tokenizer.encode('the cat sat')];
    const tensor = (values: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
    const { logits } = await model({ input_ids: tensor(ids), attention_mask: tensor(ids.map(() => 1)) });
    const vocab = TINY_LM_VOCAB.length;
    const data = logits.data as Float32Array;
    const fromTransformers = ids.slice(1).map((next, t) => {
      const row = Array.from(data.subarray(t * vocab, (t + 1) * vocab));
      return row[next] - Math.log(row.reduce((sum, x) => sum + Math.exp(x), 0));
    });
    const [scored] = await (await loadCausalLm(lmDir)).logProbs(['the cat sat']);
    assertClose(scored.logProbs, fromTransformers, 1e-12, 'log-probabilities');
  });
});

const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(async ({ loadEmbedder, loadCausalLm }) => {
  const embedder = await loadEmbedder(workerData.embedderDir);
  const vectors = await embedder.embed(workerData.texts);
  const lm = workerData.lmDir ? await loadCausalLm(workerData.lmDir) : null;
  const logProbs = lm ? (await lm.logProbs(workerData.texts)).map((r) => r.logProbs) : null;
  parentPort.postMessage({ vectors: vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')), logProbs });
});
`;

function inWorker(data: Record<string, unknown>): Promise<{ vectors: string[]; logProbs: number[][] | null }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SCRIPT, { eval: true, workerData: { module: new URL('./hf-models.js', import.meta.url).href, ...data } });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('determinism across worker threads', () => {
  const texts = ['The cat sat on the mat.', 'A kitten was resting on the rug!', '', 'Stock prices fell sharply today; zebras unknown.'];

  it('gives bit-identical vectors and log-probabilities in two workers and the main thread (tiny models)', async () => {
    const [a, b] = await Promise.all([inWorker({ embedderDir, lmDir, texts }), inWorker({ embedderDir, lmDir, texts })]);
    assert.deepEqual(a.vectors, b.vectors);
    assert.deepEqual(a.logProbs, b.logProbs);
    assert.deepEqual(a.vectors, hex(await (await loadEmbedder(embedderDir)).embed(texts)));
  });

  it('gives bit-identical glove-sif vectors in two workers and the main thread', async () => {
    const { dir } = resolveModel('glove-sif');
    const [a, b] = await Promise.all([inWorker({ embedderDir: dir, texts }), inWorker({ embedderDir: dir, texts })]);
    assert.deepEqual(a.vectors, b.vectors);
    assert.deepEqual(a.vectors, hex(await (await loadEmbedder(dir)).embed(texts)));
  });
});

describe('the bundled glove-sif embedder', () => {
  const paraphrases: [string, string][] = [
    ['The cat sat on the mat.', 'A kitten was sitting on the rug.'],
    ['Stock prices fell sharply today.', 'Shares dropped steeply on the market this afternoon.'],
    ['The meeting has been postponed until Friday.', 'The meeting was delayed to Friday.'],
    ['Our flight was cancelled because of fog.', 'The airline cancelled the flight due to foggy weather.'],
    ['Doctors recommend drinking plenty of water.', 'Physicians advise people to drink lots of water.'],
    ['The volcano erupted, covering the town in ash.', 'Ash from the eruption of the volcano blanketed the town.'],
  ];

  it('has 100 dimensions and scores every paraphrase above every mismatched pair', async () => {
    const embedder = await loadEmbedder(resolveModel('glove-sif').dir, { name: 'glove-sif' });
    assert.equal(embedder.dimensions, 100);
    const left = await embedder.embed(paraphrases.map((p) => p[0]));
    const right = await embedder.embed(paraphrases.map((p) => p[1]));
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);
    const matched = left.map((v, i) => cos(v, right[i]));
    const mismatched = left.flatMap((v, i) => right.filter((_, j) => j !== i).map((w) => cos(v, w)));
    assert.ok(Math.min(...matched) > Math.max(...mismatched), `paraphrases ${matched.map((x) => x.toFixed(2))} vs unrelated up to ${Math.max(...mismatched).toFixed(2)}`);
    assert.ok(Math.min(...matched) > 0.6);
    assert.ok(mismatched.reduce((a, b) => a + b) / mismatched.length < 0.2, 'no high similarity floor');
  });
});
