/**
 * Tiny models in the Hugging Face ONNX layout, written by the project: test fixtures whose every
 * weight is known, so tests can compute the expected numbers by hand. They are generated into a
 * temporary folder at test time (no binaries committed). The helpers that write a folder are
 * shared with `native/build/build-glove-embedder.ts`.
 *
 * Needs `onnx-proto` (a dev dependency): import this module from tests and build scripts only.
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'proctor-'));
 * await writeTinyEmbedder(join(dir, 'tiny-bert'));
 * const embedder = await loadEmbedder(join(dir, 'tiny-bert'));
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** The opset and IR version every project-written model uses (what transformers.js 4.3.1 accepts). */
export const OPSET = 14;
export const IR_VERSION = 7;

/** A graph input or output: name, element type, dims (a string is a symbolic dim). */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): InstanceType<typeof onnx.ValueInfoProto> {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

/** One node; `ints` attributes only, which is all these graphs need. */
export function node(opType: string, input: string[], output: string[], ints: Record<string, number> = {}): InstanceType<typeof onnx.NodeProto> {
  const attribute = Object.entries(ints).map(([name, i]) => ({ name, i, type: onnx.AttributeProto.AttributeType.INT }));
  return onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] });
}

/** A float32 initialiser from rows of numbers. */
export function floatTensor(name: string, rows: readonly (readonly number[])[] | readonly number[], dims: number[]): InstanceType<typeof onnx.TensorProto> {
  const flat = (rows as readonly (number | readonly number[])[]).flat() as number[];
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: flat });
}

/** An int64 initialiser (shapes, axes). */
export function int64Tensor(name: string, values: number[], dims: number[]): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({ name, dims, dataType: INT64, int64Data: values });
}

/** Serialises a graph as an opset-14, IR-7 model. */
export function encodeModel(graph: InstanceType<typeof onnx.GraphProto>, docString: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'proctor',
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface WordPieceOptions {
  /** Adds `[CLS] … [SEP]` around every text, as a BERT tokenizer does. */
  clsSep: boolean;
}

/**
 * A `tokenizer.json` for a whole-word WordPiece vocabulary: BERT normaliser (lower-casing, accents
 * kept), BERT pre-tokeniser (whitespace and punctuation), and, since no `##` pieces exist, any word
 * not in the vocabulary becomes `[UNK]`.
 */
export function wordPieceTokenizer(vocab: readonly string[], { clsSep }: WordPieceOptions): Record<string, unknown> {
  const ids = Object.fromEntries(vocab.map((token, id) => [token, id]));
  const special = vocab.filter((token) => /^\[[A-Z]+\]$/.test(token));
  const cls = ids['[CLS]'];
  const sep = ids['[SEP]'];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: clsSep
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
          pair: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
          ],
          special_tokens: {
            '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
            '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
          },
        }
      : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

export interface HfFolder {
  config: Record<string, unknown>;
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  model: Uint8Array;
  /** Extra files, path relative to the folder → text. */
  extra?: Record<string, string>;
}

/** Writes the Hugging Face ONNX layout: config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx. */
export async function writeHfFolder(dir: string, folder: HfFolder): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dir, 'config.json'), json(folder.config));
  // One line: the vocabulary of a real model is tens of thousands of entries.
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(folder.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), json(folder.tokenizerConfig));
  if (folder.generationConfig) await writeFile(join(dir, 'generation_config.json'), json(folder.generationConfig));
  for (const [file, text] of Object.entries(folder.extra ?? {})) await writeFile(join(dir, file), text);
  await writeFile(join(dir, 'onnx', 'model.onnx'), folder.model);
}

/** The tiny embedder's vocabulary: BERT's special tokens, then eight words. */
export const TINY_EMBEDDER_VOCAB: readonly string[] = Object.freeze(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the', 'cat', 'dog', 'sat', 'on', 'mat', 'a', 'runs']);

/** Its token embeddings, one row of 4 per vocabulary entry (exact in float32: multiples of 1/8). */
export const TINY_EMBEDDER_TOKENS: readonly (readonly number[])[] = Object.freeze(
  TINY_EMBEDDER_VOCAB.map((_, id) => Object.freeze([0, 1, 2, 3].map((j) => (((id * 5 + j * 3) % 9) - 4) / 8))),
);

/** Its token-type embeddings: row 0 is added to every token (the loader feeds token_type_ids = 0). */
export const TINY_EMBEDDER_TOKEN_TYPES: readonly (readonly number[])[] = Object.freeze([Object.freeze([0.125, -0.25, 0, 0.5]), Object.freeze([1, 1, 1, 1])]);

/**
 * A BERT-shaped embedder: `last_hidden_state[b, s] = (tokens[input_ids[b, s]] +
 * token_types[token_type_ids[b, s]]) · attention_mask[b, s]`. Mean pooling over the mask then gives
 * the mean of known rows.
 */
export async function writeTinyEmbedder(dir: string): Promise<void> {
  const vocabSize = TINY_EMBEDDER_VOCAB.length;
  const hidden = TINY_EMBEDDER_TOKENS[0].length;
  const graph = onnx.GraphProto.create({
    name: 'tiny-embedder',
    initializer: [
      floatTensor('tokens', TINY_EMBEDDER_TOKENS, [vocabSize, hidden]),
      floatTensor('token_types', TINY_EMBEDDER_TOKEN_TYPES, [2, hidden]),
      int64Tensor('axis_last', [2], [1]),
    ],
    node: [
      node('Gather', ['tokens', 'input_ids'], ['token_vectors'], { axis: 0 }),
      node('Gather', ['token_types', 'token_type_ids'], ['type_vectors'], { axis: 0 }),
      node('Add', ['token_vectors', 'type_vectors'], ['summed']),
      node('Cast', ['attention_mask'], ['mask_float'], { to: FLOAT }),
      node('Unsqueeze', ['mask_float', 'axis_last'], ['mask_column']),
      node('Mul', ['summed', 'mask_column'], ['last_hidden_state']),
    ],
    input: [
      valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
      valueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']),
    ],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', hidden])],
  });
  await writeHfFolder(dir, {
    config: {
      model_type: 'bert', architectures: ['BertModel'], vocab_size: vocabSize, hidden_size: hidden,
      num_hidden_layers: 0, num_attention_heads: 1, max_position_embeddings: 64, type_vocab_size: 2,
      pad_token_id: 0, use_cache: false,
    },
    tokenizer: wordPieceTokenizer(TINY_EMBEDDER_VOCAB, { clsSep: true }),
    tokenizerConfig: {
      tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 64,
      cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]',
    },
    model: encodeModel(graph, 'Proctor tiny embedder: token + token-type embeddings, masked'),
  });
}

/** The tiny causal LM's vocabulary: padding, unknown, beginning of text, then six words. */
export const TINY_LM_VOCAB: readonly string[] = Object.freeze(['[PAD]', '[UNK]', '[BOS]', 'the', 'cat', 'sat', 'on', 'mat', '.']);
export const TINY_LM_BOS_ID = 2;

/**
 * Its bigram table: the logits of the next token given the current one, `[vocab, vocab]`. Row `i`
 * favours token `i + 1` (so "the cat sat on the mat ." is likely), with a spread that makes every
 * log-probability distinct.
 */
export const TINY_LM_BIGRAM_LOGITS: readonly (readonly number[])[] = Object.freeze(
  TINY_LM_VOCAB.map((_, current) =>
    Object.freeze(TINY_LM_VOCAB.map((__, next) => (next === current + 1 ? 3 : 0) + ((current * 3 + next * 2) % 7) / 4 - 0.75)),
  ),
);

export interface TinyCausalLmOptions {
  /**
   * Also declare the inputs of a decoder exported "with past" (position_ids, one layer's
   * past_key_values.0.key/value `[batch, 1 head, past, 2]`, use_cache_branch), which the graph
   * ignores: a test of what the loader feeds such exports.
   */
  decoderInputs?: boolean;
}

/** A bigram causal LM: `logits[b, s] = bigram[input_ids[b, s]]` (attention_mask is accepted, not needed). */
export async function writeTinyCausalLm(dir: string, { decoderInputs = false }: TinyCausalLmOptions = {}): Promise<void> {
  const vocabSize = TINY_LM_VOCAB.length;
  const graph = onnx.GraphProto.create({
    name: 'tiny-bigram-lm',
    initializer: [floatTensor('bigram', TINY_LM_BIGRAM_LOGITS, [vocabSize, vocabSize])],
    node: [node('Gather', ['bigram', 'input_ids'], ['logits'], { axis: 0 })],
    input: [
      valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
      ...(decoderInputs
        ? [
            valueInfo('position_ids', INT64, ['batch_size', 'sequence_length']),
            valueInfo('past_key_values.0.key', FLOAT, ['batch_size', 1, 'past_sequence_length', 2]),
            valueInfo('past_key_values.0.value', FLOAT, ['batch_size', 1, 'past_sequence_length', 2]),
            valueInfo('use_cache_branch', onnx.TensorProto.DataType.BOOL, [1]),
          ]
        : []),
    ],
    output: [valueInfo('logits', FLOAT, ['batch_size', 'sequence_length', vocabSize])],
  });
  await writeHfFolder(dir, {
    config: {
      model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: vocabSize, n_embd: 2,
      n_layer: decoderInputs ? 1 : 0, n_head: 1, n_positions: 64, bos_token_id: TINY_LM_BOS_ID, eos_token_id: TINY_LM_BOS_ID,
      pad_token_id: 0, use_cache: false,
    },
    tokenizer: wordPieceTokenizer(TINY_LM_VOCAB, { clsSep: false }),
    tokenizerConfig: {
      tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 64,
      bos_token: '[BOS]', eos_token: '[BOS]', pad_token: '[PAD]', unk_token: '[UNK]',
    },
    generationConfig: { bos_token_id: TINY_LM_BOS_ID, eos_token_id: TINY_LM_BOS_ID, pad_token_id: 0 },
    model: encodeModel(graph, 'Proctor tiny causal LM: a bigram table'),
  });
}
