import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../datasets/seeded-random.js';
import { buildChain, chainTokens, detokenise } from './ngram-chain.js';

const draws = (label: string) => {
  const random = seededRandom('abcdef', label);
  return () => random.next();
};

describe('the n-gram chain', () => {
  it('tokenises words, numbers with separators and sentence punctuation, and puts them back together', () => {
    assert.deepEqual(chainTokens('Aye, the whale—20,000 tons—sounded! "Pull," he said.'), ['Aye', ',', 'the', 'whale', '—', '20,000', 'tons', '—', 'sounded', '!', 'Pull', ',', 'he', 'said', '.']);
    assert.deepEqual(chainTokens('In the 1970s, 3.5 percent.'), ['In', 'the', '1970s', ',', '3.5', 'percent', '.']);
    assert.equal(detokenise(['aye', ',', 'the', 'whale', '—', 'sounded', '!']), 'Aye, the whale—sounded!');
  });

  it('follows the only successor a three-word context has, and backs off to two words and then one', () => {
    const chain = buildChain([chainTokens('the old man sailed. the old dog slept. a young man sailed.')]);
    const random = draws('follow');
    assert.ok(['man', 'dog'].includes(chain.next(['the', 'old'], 3, random)));
    assert.equal(chain.next(['old', 'dog'], 3, random), 'slept');
    assert.equal(chain.next(['unknown', 'dog'], 3, random), 'slept', 'backs off to the last word');
    assert.ok(chainTokens('the old man sailed dog slept a young .').includes(chain.next(['never', 'seen'], 3, random)), 'falls back to a word of the text');
  });

  it('draws successors with their training frequency', () => {
    const chain = buildChain([chainTokens(`${'go west. '.repeat(30)}${'go east. '.repeat(10)}`)]);
    const random = draws('frequency');
    const west = Array.from({ length: 2000 }, () => chain.next(['.', 'go'], 3, random)).filter((w) => w === 'west').length;
    assert.ok(Math.abs(west / 2000 - 0.75) < 0.04, `${west} of 2000`);
  });

  it('measures how familiar a text is: the share of its word pairs seen in training', () => {
    const chain = buildChain([chainTokens('call me ishmael. some years ago.')]);
    assert.equal(chain.familiarity(chainTokens('call me ishmael')), 1);
    assert.equal(chain.familiarity(chainTokens('call me later')), 0.5);
    assert.equal(chain.familiarity([]), 0);
  });
});
