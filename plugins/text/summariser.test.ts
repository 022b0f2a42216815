import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { namedItems, summarise } from './summariser.js';

const DOCUMENT =
  'Aro Labs will open a new bakery in Nimport. Local officials welcomed the news.\n\nIt will create 40 jobs. The project will cost 12 million dollars. Some residents worry about traffic.\n\nChief executive Ada Voss called it a vote of confidence.';

describe('the extractive summariser', () => {
  it('counts numbers and names, and a capitalised first word only when the document names it elsewhere', () => {
    const items = namedItems(['Aro Labs will open a bakery.', 'The staff of Aro Labs grew to 40.', 'Local news.']);
    assert.deepEqual([...items[0]], ['Aro', 'Labs']);
    assert.deepEqual([...items[1]], ['Aro', 'Labs', '40']);
    assert.deepEqual([...items[2]], []);
  });

  it('at the extract level picks the sentences with the most new names and numbers, in document order', () => {
    assert.equal(
      summarise(DOCUMENT, 'extract', Math.random),
      'Aro Labs will open a new bakery in Nimport. It will create 40 jobs. The project will cost 12 million dollars. Chief executive Ada Voss called it a vote of confidence.',
    );
  });

  it('at the poor levels gives the first sentence, or random words of the document', () => {
    assert.equal(summarise(DOCUMENT, 'first-sentence', Math.random), 'Aro Labs will open a new bakery in Nimport.');
    const words = summarise(DOCUMENT, 'random-words', () => 0.5).split(' ');
    assert.ok(words.length >= 10 && words.length <= 25);
    for (const word of words) assert.ok(DOCUMENT.includes(word));
    assert.equal(summarise('', 'random-words', Math.random), '');
  });
});
