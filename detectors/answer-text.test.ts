import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../core/plugin-api.js';
import { answerText, hiddenAnswerText, MAX_TEXT_CHARS, normaliseText, ownWords, publicTexts, shingles, wordsOf } from './answer-text.js';

describe('answer-text', () => {
  it('reads a string answer, capped, and nothing else', () => {
    assert.equal(answerText({ answer: 'Call me Ishmael.' }), 'Call me Ishmael.');
    assert.equal(answerText({ answer: 'x'.repeat(MAX_TEXT_CHARS + 5) })?.length, MAX_TEXT_CHARS);
    const others: Json[] = [null, 'bare', ['a'], { answer: 42 }, { image: 'AAAA' }];
    for (const other of others) assert.equal(answerText(other), null);
  });

  it('normalises case, width, punctuation, symbols and whitespace', () => {
    assert.equal(normaliseText('  The Whale,\tthe WHALE!\n'), 'the whale the whale');
    assert.equal(normaliseText('ＡＢＣ — “quoted” $5'), 'abc quoted 5');
    assert.deepEqual(wordsOf('...'), []);
  });

  it('counts as lifted only words inside a three-word run of the public text', () => {
    const lifted = shingles(['The sea was calm that night.']);
    assert.equal(ownWords(wordsOf('the sea was calm and grey'), lifted), 2);
    assert.equal(ownWords(wordsOf('The sea was calm that night'), lifted), 0);
    assert.equal(ownWords(wordsOf('sea calm'), lifted), 2, 'a short answer has no run long enough to be lifted');
  });

  it('reads the prompt first, then every payload string depth first, within the cap', () => {
    assert.deepEqual(publicTexts({ prompt: 'p', payload: { a: 'x', b: [{ c: 'y' }, 3, null] } }), ['p', 'x', 'y']);
    const huge = publicTexts({ prompt: 'p', payload: { a: 'z'.repeat(3 * MAX_TEXT_CHARS), b: 'late' } });
    assert.ok(huge.join('').length <= MAX_TEXT_CHARS + 1);
  });

  it('gives the hidden answer in normal form when it is text or a number', () => {
    assert.equal(hiddenAnswerText({ answer: 'Nimport.' }), 'nimport');
    assert.equal(hiddenAnswerText({ answer: 42 }), '42');
    assert.equal(hiddenAnswerText({ answer: { original: 'AAAA' } }), null);
  });
});
