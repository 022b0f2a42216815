/**
 * A compact word n-gram chain (orders 1–3) for the reference miners' continuations. Instead of
 * maps of counts it keeps, for every position of the training text, one number encoding
 * (context, next word), sorted: the successors of a context are one contiguous run, found by
 * binary search, and drawing a uniform position in the run draws the next word with its
 * maximum-likelihood probability. About 30 bytes per training token.
 */

/** Numbers (with their separators), words (inner apostrophes and hyphens kept) and the punctuation that shapes sentences. */
const TOKEN = /\p{N}+(?:[.,:]\p{N}+)*(?![\p{L}\p{N}])|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[.,;:!?]|—/gu;

export function chainTokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export const isSentenceEnd = (token: string): boolean => token === '.' || token === '!' || token === '?';
const isPunctuation = (token: string): boolean => /^[.,;:!?—]$/.test(token);

/** Tokens as text: no space before punctuation, none around a dash, the first letter capitalised. */
export function detokenise(tokens: readonly string[]): string {
  let text = '';
  for (const token of tokens) {
    if (text === '' || /^[.,;:!?]$/.test(token) || token === '—' || text.endsWith('—')) text += token;
    else text += ` ${token}`;
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface NgramChain {
  /** How many training tokens it holds. */
  readonly size: number;
  /**
   * The next token after `context` (its last two tokens, as text), backing off from three words to
   * two to one; `order` caps the context used (1 = unigram).
   */
  next(context: readonly string[], order: 1 | 2 | 3, random: () => number): string;
  /** A random word of the training text, drawn by frequency (no punctuation). */
  randomWord(random: () => number): string;
  /** The share of the text's word pairs that occur in the training text: how familiar its style is. */
  familiarity(tokens: readonly string[]): number;
}

function lowerBound(keys: Float64Array, value: number): number {
  let [lo, hi] = [0, keys.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Builds the chain from documents, each a token array (`chainTokens`); documents are kept apart by
 * a boundary that behaves like a sentence end.
 *
 * @example
 * ```ts
 * const chain = buildChain([chainTokens('Call me Ishmael. Some years ago I went to sea.')]);
 * chain.next(['me'], 2, Math.random); // 'Ishmael'
 * ```
 */
export function buildChain(documents: Iterable<readonly string[]>): NgramChain {
  const ids = new Map<string, number>([['.', 0]]);
  const vocabulary = ['.'];
  const stream: number[] = [0];
  for (const tokens of documents) {
    for (const token of tokens) {
      let id = ids.get(token);
      if (id === undefined) {
        id = vocabulary.length;
        ids.set(token, id);
        vocabulary.push(token);
      }
      stream.push(id);
    }
    stream.push(0);
  }
  const v = vocabulary.length;
  const bigrams = new Float64Array(stream.length - 1);
  const trigrams = new Float64Array(Math.max(0, stream.length - 2));
  for (let i = 1; i < stream.length; i++) bigrams[i - 1] = stream[i - 1] * v + stream[i];
  for (let i = 2; i < stream.length; i++) trigrams[i - 2] = (stream[i - 2] * v + stream[i - 1]) * v + stream[i];
  bigrams.sort();
  trigrams.sort();
  const words = Int32Array.from(stream.filter((id) => !isPunctuation(vocabulary[id])));

  /** A uniform successor of the context key `prefix` in `keys`, or -1 when it has none. */
  const successor = (keys: Float64Array, prefix: number, random: () => number): number => {
    const [lo, hi] = [lowerBound(keys, prefix * v), lowerBound(keys, (prefix + 1) * v)];
    return hi > lo ? keys[lo + Math.floor(random() * (hi - lo))] - prefix * v : -1;
  };

  const successorCount = (keys: Float64Array, prefix: number, id: number): number =>
    lowerBound(keys, prefix * v + id + 1) - lowerBound(keys, prefix * v + id);

  return {
    size: stream.length,
    next(context, order, random) {
      const [a, b] = [ids.get(context[context.length - 2] ?? '.'), ids.get(context[context.length - 1] ?? '.')];
      let id = -1;
      if (order >= 3 && a !== undefined && b !== undefined) id = successor(trigrams, a * v + b, random);
      if (id < 0 && order >= 2 && b !== undefined) id = successor(bigrams, b, random);
      if (id < 0) id = stream[Math.floor(random() * stream.length)];
      return vocabulary[id];
    },
    randomWord: (random) => vocabulary[words[Math.floor(random() * words.length)]],
    familiarity(tokens) {
      let known = 0;
      for (let i = 1; i < tokens.length; i++) {
        const [a, b] = [ids.get(tokens[i - 1]), ids.get(tokens[i])];
        if (a !== undefined && b !== undefined && successorCount(bigrams, a, b)) known++;
      }
      return tokens.length > 1 ? known / (tokens.length - 1) : 0;
    },
  };
}
