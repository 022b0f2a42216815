import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../seeded-random.js';
import { splitSentences } from './corpora.js';
import { mentions } from './family.js';
import { summaryTask } from './summary.js';

const random = seededRandom('beef', 'summary');
const drafts = Array.from({ length: 150 }, (_, i) => summaryTask(random, i));

describe('the summary family', () => {
  it('writes every key fact into both the document and the one-sentence reference summary', () => {
    for (const draft of drafts) {
      const document = (draft.payload as { document: string }).document;
      const facts = draft.meta.facts as string[];
      assert.ok(facts.length >= 6, `${facts.length} facts`);
      for (const fact of facts) {
        assert.ok(mentions(document, fact, 'string') >= 1, `${fact} is not in the document`);
        assert.ok(mentions(draft.answer as string, fact, 'string') >= 1, `${fact} is not in the summary`);
      }
      assert.equal(splitSentences(draft.answer as string).length, 1);
      assert.equal(draft.meta.reference, draft.answer);
      assert.equal(draft.meta.answerType, 'summary');
    }
  });

  it('hides the facts among 3–5 filler sentences after a lead, in paragraphs, and never states the summary itself', () => {
    const genres = new Set<string>();
    for (const draft of drafts) {
      const document = (draft.payload as { document: string }).document;
      const sentences = document.split(/\n\n/).flatMap((p) => splitSentences(p));
      assert.ok(sentences.length >= 7 && sentences.length <= 10, `${sentences.length} sentences`);
      assert.ok(document.includes('\n\n'));
      assert.ok(!document.includes(draft.answer as string));
      genres.add(draft.meta.genre as string);
    }
    assert.deepEqual([...genres].sort(), ['expansion', 'expedition', 'festival']);
  });
});
