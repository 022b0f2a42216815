/**
 * The inference layer's contracts: what evaluators call. Implementations live beside this file and
 * load models only from local folders (never the network).
 */

export type ExecutionProvider = 'cpu' | 'cuda';

export interface InferenceOptions {
  /** `cpu` (default) or `cuda` for validators who installed ONNX Runtime's GPU binaries. */
  executionProvider?: ExecutionProvider;
}

/** A sentence embedder: unit-length vectors, one per text, in input order. */
export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** A language model scoring text: the natural-log probability of each token given those before it. */
export interface TokenScorer {
  readonly name: string;
  /** Per text, the log-probability of each scored token (the first token may be unscored). */
  logProbs(texts: readonly string[]): Promise<{ tokens: string[]; logProbs: number[] }[]>;
}

/** A causal LM that writes: greedy decoding, so the same prompt gives the same text everywhere. */
export interface TextGenerator {
  readonly name: string;
  /** Up to `maxNewTokens` tokens after `prompt`, stopping at the model's end-of-text token. */
  generate(prompt: string, maxNewTokens: number): Promise<string>;
}
