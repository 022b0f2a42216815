import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isProctorError } from '../../core/errors.js';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import type { TokenScorer } from '../../native/api.js';
import { buildNgramModel, splitCorpora, splitPassages, writeNgramModel } from '../../native/ngram/build-ngram.js';
import { loadNgramModel } from '../../native/ngram/ngram-model.js';
import perplexity, { bandValue, loadScorer, type PerplexityOptions } from './perplexity.js';
import { mulberry32 as seeded, shuffleWords } from '../../datasets/quality/shuffle.js';

const defaults = perplexity.options!.defaults;
const task: Task = { id: '1-text-0', kind: 'essay', prompt: 'Write a paragraph.', payload: null, answer: null, meta: {} };
const log = () => {};


let state: Promise<{ scorer: TokenScorer }> | undefined;
function setup(): Promise<{ scorer: TokenScorer }> {
  state ??= Promise.resolve(perplexity.setup!({ options: defaults, log }));
  return state;
}

async function score(response: Json, options: PerplexityOptions = defaults): Promise<Verdict> {
  const verdict = await perplexity.score({ options, log }, { task, response }, await setup());
  assert.ok(typeof verdict === 'object', 'a verdict with details');
  return verdict;
}

const answer = (text: string) => score({ answer: text });

/** The first 100-word passage of each held-out document: 6 State of the Union addresses, 4 chapters. */
const firstPassages = () => splitCorpora().heldOut.map((doc) => splitPassages(doc.text, 100)[0]);
const allPassages = () => splitCorpora().heldOut.flatMap((doc) => splitPassages(doc.text, 100));

async function wordSalad(random: () => number, words: number): Promise<string> {
  const { vocabulary } = await loadNgramModel();
  const real = vocabulary.slice(3);
  return Array.from({ length: words }, () => real[Math.floor(random() * real.length)]).join(' ');
}

describe('perplexity', () => {
  it('gives natural held-out passages at least 0.8, flagged ok', async () => {
    for (const passage of firstPassages()) {
      const { value, details } = await answer(passage);
      assert.ok(value >= 0.8, `${value} (perplexity ${details?.perplexity}): ${passage.slice(0, 60)}`);
      assert.equal(details?.flag, 'ok');
    }
  });

  it('gives the same passages with their words shuffled at most 0.2, flagged word_salad', async () => {
    const random = seeded(1);
    for (const passage of firstPassages()) {
      const { value, details } = await answer(shuffleWords(passage, random));
      assert.ok(value <= 0.2, `${value} (perplexity ${details?.perplexity})`);
      assert.equal(details?.flag, 'word_salad');
    }
  });

  it('separates natural from shuffled text on at least 95% of all 320 held-out passages', async () => {
    const random = seeded(2);
    const passages = allPassages();
    assert.equal(passages.length, 320);
    let natural = 0;
    let shuffled = 0;
    for (const passage of passages) {
      if ((await answer(passage)).value >= 0.8) natural++;
      if ((await answer(shuffleWords(passage, random))).value <= 0.2) shuffled++;
    }
    assert.ok(natural / passages.length >= 0.95, `natural ≥ 0.8: ${natural}/${passages.length}`);
    assert.ok(shuffled / passages.length >= 0.95, `shuffled ≤ 0.2: ${shuffled}/${passages.length}`);
  });

  it('flags random words from the vocabulary as word_salad and scores them 0', async () => {
    const random = seeded(3);
    for (const words of [12, 40, 150]) {
      const { value, details } = await answer(await wordSalad(random, words));
      assert.equal(details?.flag, 'word_salad');
      assert.ok(value <= 0.2, `${value}`);
    }
  });

  it('flags a sentence repeated 20 times as repetition and scores it at most 0.2', async () => {
    const sentences = [
      'We remain in peace and friendship with foreign powers.',
      'I am a helpful assistant.',
      'The whale is white.',
      ...firstPassages().map((p) => p.split(/(?<=[.!?])\s+/)[0]),
    ];
    for (const sentence of sentences) {
      const { value, details } = await answer(Array(20).fill(sentence).join(' '));
      assert.equal(details?.flag, 'repetition', sentence);
      assert.ok(value <= 0.2, `${value} (perplexity ${details?.perplexity}): ${sentence}`);
    }
  });

  it('scores 0 as too_short an answer of fewer than minTokens tokens, and an empty one', async () => {
    const short = await answer('Yes.');
    assert.deepEqual({ value: short.value, flag: short.details?.flag, tokens: short.details?.tokens }, { value: 0, flag: 'too_short', tokens: 3 });
    const empty = await answer('   ');
    assert.deepEqual(empty.details, { perplexity: null, tokens: 0, meanLogProb: null, flag: 'too_short', model: 'ngram-kn' });
    assert.equal((await score({ answer: 'Yes.' }, { ...defaults, minTokens: 3 })).details?.flag, 'ok');
  });

  it('scores 0 with a reason when the response has no string answer', async () => {
    for (const response of [{ answer: 42 }, {}, 'text', null, [{ answer: 'a b c d e f' }]] as Json[]) {
      const verdict = await score(response);
      assert.equal(verdict.value, 0);
      assert.equal(verdict.details?.reason, 'the response has no string "answer"');
    }
  });

  it('explains its verdict and gives the same one twice without touching the sample', async () => {
    const sample: Sample = { task, response: { answer: firstPassages()[0] } };
    const before = structuredClone(sample);
    const first = await perplexity.score({ options: defaults, log }, sample, await setup());
    assert.deepEqual(await perplexity.score({ options: defaults, log }, sample, await setup()), first);
    assert.deepEqual(sample, before);
    const details = (first as Verdict).details!;
    assert.deepEqual(Object.keys(details).sort(), ['flag', 'meanLogProb', 'model', 'perplexity', 'tokens']);
    assert.ok(Math.abs(Math.exp(-(details.meanLogProb as number)) - (details.perplexity as number)) < 1e-9);
  });

  it('never throws on arbitrary text and stays in [0, 1]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (text) => {
        const { value } = await answer(text);
        assert.ok(value >= 0 && value <= 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the band of perplexity', () => {
  const band = { low: 15, high: 400, falloff: 2 };

  it('is 1 inside [low, high], 0 beyond high × falloff or below low / falloff, 0.5 halfway in log', () => {
    assert.deepEqual(bandValue(15, band), { value: 1, flag: 'ok' });
    assert.deepEqual(bandValue(400, band), { value: 1, flag: 'ok' });
    assert.deepEqual(bandValue(800, band), { value: 0, flag: 'word_salad' });
    assert.deepEqual(bandValue(7.5, band), { value: 0, flag: 'repetition' });
    assert.ok(Math.abs(bandValue(400 * Math.SQRT2, band).value - 0.5) < 1e-12);
    assert.deepEqual(bandValue(Number.NaN, band), { value: 0, flag: 'word_salad' });
    assert.deepEqual(bandValue(Infinity, band), { value: 0, flag: 'word_salad' });
  });

  it('never rises as the perplexity moves away from the band (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), (a, b) => {
        const [near, far] = a < b ? [a, b] : [b, a];
        const [vNear, vFar] = [bandValue(near, band).value, bandValue(far, band).value];
        assert.ok(vNear >= 0 && vNear <= 1);
        if (near >= band.high) assert.ok(vFar <= vNear);
        if (far <= band.low) assert.ok(vNear <= vFar);
      }),
    );
  });
});

describe('the model option', () => {
  it('refuses an unknown name with MODEL_NOT_FOUND listing ngram-kn', async () => {
    await assert.rejects(loadScorer('gpt-5'), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_NOT_FOUND' && e.message.includes('ngram-kn'));
    await assert.rejects(loadScorer('./no/such/folder'), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_NOT_FOUND');
  });

  it('loads a folder with ngrams.bin.gz as an n-gram model and any other folder as a causal LM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perplexity-models-'));
    try {
      const documents = [{ id: 'toy', text: 'The cat sat on the mat. The dog sat on the mat. The cat saw the dog.' }];
      writeNgramModel(join(dir, 'toy-ngram'), buildNgramModel('toy-ngram', documents, documents, { order: 2, minWordCount: 1 }));
      assert.equal((await loadScorer(join(dir, 'toy-ngram'))).name, 'toy-ngram');
      const fake: TokenScorer = { name: 'fake-lm', logProbs: async (texts) => texts.map(() => ({ tokens: [], logProbs: [] })) };
      let asked: string | undefined;
      const scorer = await loadScorer(dir, async () => async (folder) => ((asked = folder), fake));
      assert.equal(scorer, fake);
      assert.equal(asked, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes a causal LM\'s perplexity from its log-probs the same way', async () => {
    const logProbs = [-2, -3, -4, -5, -6, -4];
    const lm: TokenScorer = { name: 'fake-lm', logProbs: async (texts) => texts.map(() => ({ tokens: logProbs.map((_, i) => `t${i}`), logProbs })) };
    const verdict = await perplexity.score({ options: defaults, log }, { task, response: { answer: 'anything' } }, { scorer: lm });
    assert.deepEqual((verdict as Verdict).details, { perplexity: Math.exp(4), tokens: 6, meanLogProb: -4, flag: 'ok', model: 'fake-lm' });
    assert.equal((verdict as Verdict).value, 1);
  });
});

describe('the perplexity definition', () => {
  it('has an options schema that accepts the defaults and refuses a band upside down or an unknown option', () => {
    const { schema } = perplexity.options!;
    assert.deepEqual(schema.parse(defaults), defaults);
    assert.equal(schema.safeParse({ ...defaults, low: 500 }).success, false);
    assert.equal(schema.safeParse({ ...defaults, minTokens: 0 }).success, false);
    assert.equal(schema.safeParse({ ...defaults, falloff: 1 }).success, false);
    assert.equal(schema.safeParse({ ...defaults, order: 3 }).success, false);
  });

  it('declares its name, version, inputs and output range', () => {
    assert.equal(perplexity.name, 'perplexity');
    assert.match(perplexity.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(perplexity.inputs, ['response']);
    assert.deepEqual(perplexity.output, { range: [0, 1], higherIsBetter: true });
    assert.deepEqual(defaults, { model: 'ngram-kn', low: 15, high: 400, minTokens: 5, falloff: 2 });
  });
});
