/**
 * The typed-array within-text cache against a plain reference written with `Map`s (the scorer's
 * first version): the same numbers to the bit, text after text, through table growth and resets.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TextCache } from './text-cache.js';

/** The reference: string keys, a fresh cache per text. */
function referenceMix(tokens: readonly { logProb: number; word: number }[]): number[] {
  const totals = new Map<string, number>();
  const distinct = new Map<string, number>();
  const followers = new Map<string, number>();
  const out: number[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const { logProb, word } = tokens[t];
    if (t < 3) {
      out.push(logProb);
      continue;
    }
    const context = `${tokens[t - 3].word} ${tokens[t - 2].word} ${tokens[t - 1].word}`;
    const pair = `${context}|${word}`;
    const count = followers.get(pair) ?? 0;
    const total = totals.get(context) ?? 0;
    let result = logProb;
    if (total > 0) {
      const lambda = total / (total + (distinct.get(context) ?? 0) + 1);
      result = Math.log((1 - lambda) * Math.exp(logProb) + (lambda * count) / total);
    }
    followers.set(pair, count + 1);
    totals.set(context, total + 1);
    if (count === 0) distinct.set(context, (distinct.get(context) ?? 0) + 1);
    out.push(result);
  }
  return out;
}

function mixAll(cache: TextCache, tokens: readonly { logProb: number; word: number }[]): number[] {
  cache.reset();
  return tokens.map(({ logProb, word }) => cache.mix(logProb, word));
}

const token = (vocabulary: number) => fc.record({ logProb: fc.double({ min: -20, max: 0, noNaN: true }), word: fc.integer({ min: 0, max: vocabulary - 1 }) });

describe('TextCache', () => {
  it('gives the reference\'s numbers to the bit, text after text on one cache', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.array(token(4), { maxLength: 300 }), fc.array(token(2_000_000), { maxLength: 100 })), { maxLength: 6 }), (texts) => {
        const cache = new TextCache();
        for (const tokens of texts) assert.deepEqual(mixAll(cache, tokens), referenceMix(tokens));
      }),
      { numRuns: 200 },
    );
  });

  it('grows past its kept size for a long text and starts small again, with the same numbers', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const long = Array.from({ length: 150_000 }, () => ({ logProb: -(next() % 20000) / 1000, word: next() % 3000 }));
    const short = Array.from({ length: 400 }, (_, i) => ({ logProb: -1 - (i % 7), word: i % 5 }));
    const cache = new TextCache();
    assert.deepEqual(mixAll(cache, long), referenceMix(long));
    assert.deepEqual(mixAll(cache, short), referenceMix(short));
    assert.deepEqual(mixAll(cache, long.slice(0, 5000)), referenceMix(long.slice(0, 5000)));
  });
});
