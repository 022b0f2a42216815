import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isProctorError } from '../../core/errors.js';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import embeddingSimilarity, { FILLERS, type EmbeddingSimilarityOptions } from './embedding-similarity.js';

const defaults = embeddingSimilarity.options!.defaults;
const ctx = { options: defaults, log: () => {} };
type State = Awaited<ReturnType<NonNullable<typeof embeddingSimilarity.setup>>>;
let state: State;

before(async () => {
  state = await embeddingSimilarity.setup!(ctx); // the bundled glove-sif, real inference
});

const SKY_PROMPT = 'Why is the sky blue?';
const SKY_REFERENCE = 'Sunlight is scattered by the molecules of the air, and blue light is scattered more than red light because of its shorter wavelength.';

function task(answer: Json, prompt = SKY_PROMPT, meta: { [key: string]: Json } = {}): Task {
  return { id: '1-text-0', kind: 'explain', prompt, payload: null, answer, meta };
}

async function score(sample: Sample, options: EmbeddingSimilarityOptions = defaults): Promise<Verdict> {
  const verdict = await embeddingSimilarity.score({ options, log: () => {} }, sample, state);
  assert.ok(typeof verdict === 'object', 'a verdict with details');
  return verdict;
}

const valueOf = async (answer: Json, t: Task = task(SKY_REFERENCE)) => (await score({ task: t, response: { answer } })).value;

describe('embedding-similarity', () => {
  it('ranks a paraphrase of the reference above an unrelated sentence', async () => {
    const paraphrase = await valueOf('Air molecules scatter the short blue wavelengths of sunlight much more strongly than the longer red ones.');
    const unrelated = await valueOf('The stock market fell sharply today.');
    assert.ok(paraphrase > 0.8, `paraphrase ${paraphrase}`);
    assert.ok(unrelated < 0.2, `unrelated ${unrelated}`);
    assert.equal(await valueOf(SKY_REFERENCE), 1, 'the reference itself');
  });

  it('scores the empty answer, the prompt echoed back and generic filler below 0.1', async () => {
    for (const answer of ['', '   ', SKY_PROMPT, 'why is the SKY blue', FILLERS[0], 'Good question! Let me explain this for you.', "I don't know."]) {
      const value = await valueOf(answer);
      assert.ok(value < 0.1, `${JSON.stringify(answer)} scored ${value}`);
    }
  });

  it('does not pay for the payload document echoed back: it scores below a good summary', async () => {
    const document = 'The city council voted on Tuesday to build a new bridge over the river, costing 40 million dollars, to ease traffic in the centre.';
    const t: Task = { ...task('The council approved a 40 million dollar bridge to reduce traffic downtown.', 'Summarise the document in the payload.'), payload: { document } };
    const summary = await valueOf('Councillors agreed to spend 40 million on a new river bridge to cut congestion in the city centre.', t);
    const echo = await valueOf(document, t);
    assert.ok(echo < 0.1, `the payload copied back scored ${echo}`);
    assert.ok(summary > echo + 0.2, `summary ${summary}, echo ${echo}`);
  });

  it('credits a good summary although the prompt holds the document, and zeroes the document copied back', async () => {
    const document = 'Summarise: The city council voted on Tuesday to build a new bridge over the river, costing 40 million dollars, to ease traffic in the centre.';
    const t = task('The council approved a 40 million dollar bridge to reduce traffic downtown.', document);
    const summary = await valueOf('Councillors agreed to spend 40 million on a new river bridge to cut congestion in the city centre.', t);
    assert.ok(summary > 0.3, `summary ${summary}`);
    assert.ok((await valueOf(document, t)) < 0.1, 'the prompt copied back');
    assert.ok((await valueOf('The weather was sunny and warm all week.', t)) < 0.1, 'unrelated');
  });

  it('compares with task.meta.reference when the task has one, else with task.answer', async () => {
    const withMeta = task('B', SKY_PROMPT, { reference: SKY_REFERENCE });
    assert.equal(await valueOf(SKY_REFERENCE, withMeta), 1);
    const answer = 'Blue light is scattered more.';
    assert.equal(await valueOf(answer, task(SKY_REFERENCE, SKY_PROMPT, { reference: 42 })), await valueOf(answer), 'a non-string meta.reference is ignored');
  });

  it('explains its verdict: cosine, baseline and where it came from, the prompt cosine and the copy penalty', async () => {
    const verdict = await score({ task: task(SKY_REFERENCE), response: { answer: 'Blue light is scattered more by the air.' } });
    const details = verdict.details!;
    assert.deepEqual(Object.keys(details).sort(), ['baseline', 'baselineFrom', 'copy', 'cosine', 'model', 'promptCosine']);
    assert.ok(['empty', 'filler'].includes(details.baselineFrom as string));
    assert.equal(details.model, 'glove-sif');
    const { cosine, baseline, copy } = details as { cosine: number; baseline: number; copy: number };
    assert.ok(Math.abs(verdict.value - Math.max(0, (cosine - baseline) / (1 - baseline)) * (1 - copy)) < 1e-5);
  });

  it('gives the same verdict twice, and the same when scored concurrently with other samples', async () => {
    const sample: Sample = { task: task(SKY_REFERENCE), response: { answer: 'Because blue light gets scattered more by the atmosphere.' } };
    const first = await score(sample);
    assert.deepEqual(await score(sample), first);
    const crowd = await Promise.all([
      score({ task: task('Paris is the capital of France.', 'What is the capital of France?'), response: { answer: 'Paris.' } }),
      score(sample),
      score({ task: task(SKY_REFERENCE), response: { answer: 'the sky' } }),
    ]);
    assert.deepEqual(crowd[1], first);
  });

  it('scores 0 with a reason when the response has no string answer', async () => {
    for (const response of [null, 42, 'Blue light scatters.', [], {}, { answer: 7 }, { answer: null }] as Json[]) {
      const verdict = await score({ task: task(SKY_REFERENCE), response });
      assert.equal(verdict.value, 0, JSON.stringify(response));
      assert.equal(verdict.details?.reason, 'the response has no string "answer"');
    }
  });

  it('fails with PROCTOR_ERR_EVALUATOR_INPUT_MISSING when the task has no text reference', async () => {
    await assert.rejects(score({ task: task(null), response: { answer: 'x' } }), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_EVALUATOR_INPUT_MISSING');
  });

  it('never throws on odd answers, stays in [0, 1] and leaves the sample as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('\u0000', '🙂🙂', '[CLS] [SEP] [UNK]', 'x'.repeat(20000), 'a '.repeat(10000))), async (answer) => {
        const sample: Sample = { task: task(SKY_REFERENCE), response: { answer } };
        const before = structuredClone(sample);
        const verdict = await score(sample);
        assert.ok(verdict.value >= 0 && verdict.value <= 1, `${verdict.value}`);
        assert.deepEqual(sample, before);
        assert.doesNotThrow(() => JSON.stringify(verdict));
      }),
      { numRuns: 150 },
    );
  });

  it('has an options schema that accepts the defaults and refuses unknown providers and options', () => {
    const { schema } = embeddingSimilarity.options!;
    assert.deepEqual(schema.parse(defaults), defaults);
    assert.deepEqual(defaults, { model: 'glove-sif', models: {}, executionProvider: 'cpu' });
    assert.equal(schema.safeParse({ ...defaults, executionProvider: 'tpu' }).success, false);
    assert.equal(schema.safeParse({ ...defaults, extra: 1 }).success, false);
    assert.equal(schema.safeParse({ ...defaults, models: { mine: '' } }).success, false);
  });

  it('fails its setup with PROCTOR_ERR_MODEL_NOT_FOUND for an unknown model', async () => {
    await assert.rejects(
      async () => embeddingSimilarity.setup!({ options: { ...defaults, model: 'no-such-model' }, log: () => {} }),
      (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_MODEL_NOT_FOUND',
    );
  });

  it('declares its name, version, inputs and output range', () => {
    assert.equal(embeddingSimilarity.name, 'embedding-similarity');
    assert.match(embeddingSimilarity.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(embeddingSimilarity.inputs, ['response', 'answer']);
    assert.deepEqual(embeddingSimilarity.output, { range: [0, 1], higherIsBetter: true });
  });
});
