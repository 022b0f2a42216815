import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateRestorationTasks } from '../../datasets/image/restoration.js';
import { encodePngSync, decodePngSync } from '../../native/image/png.js';
import { resizeImage } from '../../native/image/resample.js';
import { createNaiveScorer, loadNaiveEmbedder, referenceText, type NaiveScorer } from './naive-scorer.js';

let scorer: NaiveScorer;
before(async () => {
  scorer = createNaiveScorer(await loadNaiveEmbedder());
});

const summary = { kind: 'summary', answer: 'A storm closed the harbour of Vandzowick for three days, the port authority said.', meta: { reference: 'A storm closed the harbour of Vandzowick for three days, the port authority said.' } };

describe('the naive scorer', () => {
  it('pays the reference 1 and a related answer more than an unrelated one, with no baseline or length control', async () => {
    const [same, related, padded, unrelated] = await scorer.scoreAll([
      { task: summary, response: { answer: 'a storm closed the harbour of Vandzowick for three days, the port authority said' }, stored: {} },
      { task: summary, response: { answer: 'Bad weather shut the port of Vandzowick for several days.' }, stored: {} },
      { task: summary, response: { answer: `${summary.meta.reference} `.repeat(8) }, stored: {} },
      { task: summary, response: { answer: 'Chocolate cake recipes need butter and sugar.' }, stored: {} },
    ]);
    assert.equal(same, 1);
    assert.ok(related > unrelated, `${related} vs ${unrelated}`);
    // The reference pasted eight times: Proctor's length factor would cut it; the naive scorer does not.
    assert.ok(padded > 0.95, String(padded));
    for (const v of [related, unrelated]) assert.ok(v >= 0 && v <= 1);
  });

  it('compares closed answers as text, and gives a refused or missing response 0', async () => {
    const task = { kind: 'arithmetic', answer: 122, meta: { answerType: 'number' } };
    assert.equal(referenceText(task), '122');
    const [right, missing, other] = await scorer.scoreAll([
      { task, response: { answer: '122.' }, stored: {} },
      { task, response: null, stored: {} },
      { task: { kind: 'x', answer: { a: 1 }, meta: {} }, response: { a: 1 }, stored: {} },
    ]);
    assert.deepEqual([right, missing, other], [1, 0, 1]);
  });

  it('scores an image by plain SSIM with the hidden original: the degraded input earns most of it, another size nothing', async () => {
    const [task] = generateRestorationTasks({ seed: 'feed', count: 4, round: 1 }).filter((t) => t.kind === 'denoise');
    const original = (task.answer as { original: string }).original;
    const input = (task.payload as { image: string }).image;
    const small = encodePngSync(resizeImage(decodePngSync(Buffer.from(original, 'base64')), 64, 64, 'cubic')).toString('base64');
    const [exact, echo, wrongSize, broken] = await scorer.scoreAll([
      { task, response: { image: original }, stored: {} },
      { task, response: { image: input }, stored: {} },
      { task, response: { image: small }, stored: {} },
      { task, response: { image: 'iVBORw0KGgoAAAA' }, stored: {} },
    ]);
    assert.equal(exact, 1);
    assert.ok(echo > 0.2 && echo < 1, String(echo));
    assert.deepEqual([wrongSize, broken], [0, 0]);
  });

  it('takes the stored OCR similarity for a text-rendering task', async () => {
    const task = { kind: 'render-text', answer: 'K7M HXRA', meta: {} };
    const [value, none] = await scorer.scoreAll([
      { task, response: { image: 'iVBORw0KGgo' }, stored: { 'ocr-match': 0.75 } },
      { task, response: { image: 'iVBORw0KGgo' }, stored: {} },
    ]);
    assert.deepEqual([value, none], [0.75, 0]);
  });
});
