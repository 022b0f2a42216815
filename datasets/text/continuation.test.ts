import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../seeded-random.js';
import { continuationTask } from './continuation.js';
import { corpusDocuments, documentSentences } from './corpora.js';

const drafts = Array.from({ length: 4 }, (_, i) => seededRandom('c0ffee', `continuation-${i}`)).flatMap((random) => Array.from({ length: 15 }, (_, i) => continuationTask(random, i)));
const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('the continuation family', () => {
  it('draws passages from held-out documents of both corpora only', () => {
    const corpora = new Set<string>();
    for (const draft of drafts) {
      const { corpus, document } = draft.meta.source as { corpus: string; document: string };
      const doc = corpusDocuments().find((d) => d.corpus === corpus && d.name === document);
      assert.ok(doc?.heldOut, `${corpus}/${document} is held out`);
      corpora.add(corpus);
    }
    assert.deepEqual([...corpora].sort(), ['moby-dick', 'sotu']);
  });

  it('hides exactly the sentences that follow the passage in the document, as many as the prompt asks for', () => {
    const asked = ['', 'the next sentence,', 'the next two sentences,', 'the next three sentences,'];
    for (const draft of drafts) {
      const { corpus, document, sentence } = draft.meta.source as { corpus: string; document: string; sentence: number };
      const sentences = documentSentences(corpusDocuments().find((d) => d.corpus === corpus && d.name === document)!);
      const count = draft.meta.sentences as number;
      assert.equal(draft.answer, sentences.slice(sentence, sentence + count).map((s) => s.text).join(' '));
      assert.equal(draft.meta.reference, draft.answer);
      const passage = (draft.payload as { passage: string }).passage;
      assert.ok(passage.endsWith(sentences[sentence - 1].text), 'the passage ends right before the hidden text');
      assert.ok(draft.prompt.includes(asked[count]), draft.prompt);
      assert.equal(draft.meta.answerType, 'text');
    }
  });

  it('shows 40–180 words of prose and hides 8–90 words', () => {
    for (const draft of drafts) {
      const passage = (draft.payload as { passage: string }).passage;
      assert.ok(wordCount(passage) >= 40 && wordCount(passage) <= 180, `${wordCount(passage)} passage words`);
      assert.ok(wordCount(draft.answer as string) >= 8 && wordCount(draft.answer as string) <= 90, `${wordCount(draft.answer as string)} hidden words`);
    }
  });
});
