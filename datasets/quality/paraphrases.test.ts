import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { paraphrasePairs, rocAuc } from './paraphrases.js';

describe('paraphrasePairs', () => {
  it('gives as many paraphrase pairs as unrelated ones, the same every time', () => {
    const pairs = paraphrasePairs(50);
    assert.equal(pairs.filter((p) => p.paraphrase).length, 50);
    assert.equal(pairs.filter((p) => !p.paraphrase).length, 50);
    assert.deepEqual(paraphrasePairs(50), pairs);
  });

  it('says the same fact twice in a paraphrase pair: its numbers and names appear on both sides', () => {
    for (const { a, b } of paraphrasePairs(40).filter((p) => p.paraphrase)) {
      const tokens = (text: string) => new Set(text.match(/\b([A-Z][a-z]+|\d+)\b/g) ?? []);
      const shared = [...tokens(a)].filter((t) => /\d/.test(t) && tokens(b).has(t));
      const numbers = [...tokens(a)].filter((t) => /\d/.test(t));
      assert.equal(shared.length, numbers.length, `${a} | ${b}`);
      assert.notEqual(a, b);
    }
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect separation, 0 for a reversed one and 0.5 for ties', () => {
    assert.equal(rocAuc([0.9, 0.8, 0.1, 0.2], [true, true, false, false]), 1);
    assert.equal(rocAuc([0.1, 0.2, 0.9, 0.8], [true, true, false, false]), 0);
    assert.equal(rocAuc([0.5, 0.5], [true, false]), 0.5);
  });
});
