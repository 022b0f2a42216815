import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../seeded-random.js';
import { mentions, type AnswerType } from './family.js';
import { qaTask } from './qa.js';

const random = seededRandom('beef', 'qa');
const drafts = Array.from({ length: 300 }, (_, i) => qaTask(random, i));

describe('the qa family', () => {
  it('asks every kind of question, worded unlike the document', () => {
    const questions = new Set(drafts.map((d) => d.meta.question));
    assert.equal(questions.size, 9);
    for (const draft of drafts) {
      const document = (draft.payload as { document: string }).document;
      // The question's own phrase never appears in the document: reading one sentence is not enough.
      const phrase = /(founded first|is the oldest|most recently|the youngest|largest workforce|the most people|smallest workforce|the fewest people|that .+? started|use for its brand|whose signature colour is|another company|after its founding)/.exec(draft.prompt)?.[1];
      assert.ok(phrase !== undefined, draft.prompt);
      assert.ok(!document.includes(phrase), `${phrase} is in the document`);
    }
  });

  it('answers with a name, city, colour or person read off the document, or a number it never states', () => {
    for (const draft of drafts) {
      const type = draft.meta.answerType as AnswerType;
      const document = (draft.payload as { document: string }).document;
      assert.equal(mentions(draft.prompt, draft.answer, type), 0, draft.prompt);
      if (type === 'number') {
        assert.equal(draft.meta.question, 'branch-gap');
        assert.equal(draft.meta.tolerance, 0);
        assert.ok(Number.isInteger(draft.answer) && (draft.answer as number) > 0);
        assert.equal(mentions(document, draft.answer, type), 0);
      } else {
        assert.equal(type, 'string');
        assert.ok(mentions(document, draft.answer, type) >= 1);
      }
    }
  });
});
