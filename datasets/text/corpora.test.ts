import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { corpusDocuments, documentParagraphs, documentSentences, splitSentences } from './corpora.js';

describe('the text corpora', () => {
  it('lists Moby-Dick chapters then State of the Union speeches, in code-unit order, the same on every call', () => {
    const docs = corpusDocuments();
    assert.equal(docs, corpusDocuments());
    const moby = docs.filter((d) => d.corpus === 'moby-dick');
    const sotu = docs.filter((d) => d.corpus === 'sotu');
    assert.equal(moby.length + sotu.length, docs.length);
    assert.ok(moby.length >= 130 && sotu.length >= 200, `${moby.length} chapters, ${sotu.length} speeches`);
    assert.deepEqual(docs.slice(0, moby.length), moby, 'Moby-Dick first');
    for (const list of [moby, sotu]) assert.deepEqual(list.map((d) => d.name), list.map((d) => d.name).sort());
    assert.ok(!moby.some((d) => /contents|etymology|extracts|data/.test(d.name)), 'no front matter and no whole-book file');
  });

  it('holds out about a quarter of each corpus for tasks, by a fixed hash of the name', () => {
    for (const corpus of ['moby-dick', 'sotu']) {
      const docs = corpusDocuments().filter((d) => d.corpus === corpus);
      const share = docs.filter((d) => d.heldOut).length / docs.length;
      assert.ok(share > 0.15 && share < 0.35, `${corpus}: ${share}`);
    }
    // Pinned: a change here changes every continuation task.
    assert.deepEqual(corpusDocuments().filter((d) => d.heldOut).slice(0, 3).map((d) => d.name), ['chapter_111', 'chapter_112', 'chapter_117']);
  });

  it('splits sentences at . ! ? before a capital, but not after Mr., an initial or U.S.', () => {
    assert.deepEqual(splitSentences('Call me Ishmael. Some years ago—never mind how long—I went! Did I? Yes.'), [
      'Call me Ishmael.', 'Some years ago—never mind how long—I went!', 'Did I?', 'Yes.',
    ]);
    assert.deepEqual(splitSentences('Mr. Starbuck met J. Smith in the U.S. Congress. "Aye," he said. Then he left.'), [
      'Mr. Starbuck met J. Smith in the U.S. Congress.', '"Aye," he said.', 'Then he left.',
    ]);
  });

  it('cleans a document: no chapter heading, no audience reactions, whitespace collapsed, paragraphs kept', () => {
    const chapter = corpusDocuments().find((d) => d.name === 'chapter_1')!;
    const paragraphs = documentParagraphs(chapter);
    assert.ok(paragraphs[0].startsWith('Call me Ishmael.'), paragraphs[0].slice(0, 40));
    assert.ok(paragraphs.length > 10 && paragraphs.every((p) => !/\s{2}|\n/.test(p)));
    const speech = corpusDocuments().find((d) => d.name === '2021_joseph_r_biden_d')!;
    const text = documentParagraphs(speech).join(' ');
    assert.ok(!/applause|laughter/i.test(text));
    assert.ok(text.includes('Madam Vice President—no President has ever said those words'));
    const sentences = documentSentences(speech);
    assert.equal(sentences[0].paragraphStart, true);
    assert.equal(documentSentences(speech), sentences, 'recent documents are kept');
  });
});
