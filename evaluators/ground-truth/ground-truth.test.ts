import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import groundTruth, { normaliseText, parseLenientNumber, type GroundTruthOptions } from './ground-truth.js';

const defaults = groundTruth.options!.defaults;

function task(answer: Json, meta: { [key: string]: Json }): Task {
  return { id: '1-text-0', kind: 'test', prompt: 'a question', payload: null, answer, meta };
}

function score(sample: Sample, options: GroundTruthOptions = defaults): Verdict {
  const verdict = groundTruth.score({ options, log: () => {} }, sample, undefined);
  assert.ok(typeof verdict === 'object' && !(verdict instanceof Promise), 'scores synchronously, with details');
  return verdict as Verdict;
}

const numberTask = (answer: Json, tolerance = 0) => task(answer, { answerType: 'number', tolerance });
const valueOf = (t: Task, answer: Json) => score({ task: t, response: { answer } }).value;

describe('ground-truth', () => {
  it('reads numbers leniently: thousands separators, surrounding spaces, a trailing .0, a plus sign, quotes', () => {
    for (const written of ['1,234', ' 1234 ', '1234.0', '+1234', '"1234"', '1234.', '1234.000', '1.234e3']) {
      assert.equal(valueOf(numberTask(1234), written), 1, written);
    }
    assert.equal(valueOf(numberTask(-3), '−3'), 1, 'a Unicode minus');
    assert.equal(valueOf(numberTask('42'), '42'), 1, 'a task answer stored as a string');
  });

  it('scores 0 for a number that is not written as one or is misgrouped', () => {
    for (const written of ['42 apples', 'forty-two', '', '4 2', '0x2a', '42,0', '4,20', 'Infinity', 'NaN', '--42']) {
      assert.equal(valueOf(numberTask(42), written), 0, written);
    }
  });

  it('compares numbers within the larger of the task tolerance and the numericTolerance option', () => {
    assert.equal(valueOf(numberTask(10), '11'), 0);
    assert.equal(valueOf(numberTask(10), '10.0000000001'), 1, 'within the default 1e-9');
    assert.equal(valueOf(numberTask(10, 0.5), '10.4'), 1);
    assert.equal(valueOf(numberTask(10, 0.5), '10.6'), 0);
    assert.equal(score({ task: numberTask(10), response: { answer: '10.3' } }, { numericTolerance: 0.5 }).value, 1);
    assert.equal(valueOf(task(10, { answerType: 'number', tolerance: 'huge' }), '12'), 0, 'a malformed tolerance counts as 0');
  });

  it('matches strings after trimming, collapsing whitespace, ignoring case, surrounding quotes and a trailing period', () => {
    const t = task('fox dog cat', { answerType: 'string' });
    for (const written of ['fox dog cat', '  Fox   DOG\tcat ', '"fox dog cat"', '"fox dog cat".', '"fox dog cat."', '“fox dog cat”', "'fox dog cat'", 'fox dog cat.']) {
      assert.equal(valueOf(t, written), 1, written);
    }
  });

  it('does not forgive content: a changed letter, a missing word, an extra word or two periods', () => {
    const t = task('fox dog cat', { answerType: 'string' });
    for (const written of ['fox dog cab', 'fox dog', 'the fox dog cat', 'fox dog cat..', 'foxdogcat', '"fox dog cat']) {
      assert.equal(valueOf(t, written), 0, written);
    }
  });

  it('matches dates and times with or without zero padding, and weekdays in any case', () => {
    assert.equal(valueOf(task('2024-03-05', { answerType: 'date' }), '2024-3-5'), 1);
    assert.equal(valueOf(task('2024-03-05', { answerType: 'date' }), '2024-03-06'), 0);
    assert.equal(valueOf(task('2024-03-05', { answerType: 'date' }), '05/03/2024'), 0, 'only the ISO format asked for');
    assert.equal(valueOf(task('09:05', { answerType: 'time' }), '9:05'), 1);
    assert.equal(valueOf(task('09:05', { answerType: 'time' }), '09:06'), 0);
    assert.equal(valueOf(task('Tuesday', { answerType: 'weekday' }), ' tuesday.'), 1);
    assert.equal(valueOf(task('Tuesday', { answerType: 'weekday' }), 'Tue'), 0);
  });

  it('compares as strings when the task names no answer type', () => {
    assert.equal(valueOf(task('Blue', {}), 'blue'), 1);
    assert.equal(valueOf(task(7, {}), '7'), 1);
  });

  it('scores 0 with a reason when the answer is not a string or the response not an object', () => {
    for (const response of [{ answer: 42 }, { answer: null }, { answer: ['42'] }, {}, '42', 42, null, [{ answer: '42' }]] as Json[]) {
      const verdict = score({ task: numberTask(42), response });
      assert.equal(verdict.value, 0, JSON.stringify(response));
      assert.equal(verdict.details?.reason, 'the response has no string "answer"');
    }
  });

  it('explains its verdict: expected, got and both normalised', () => {
    assert.deepEqual(score({ task: numberTask(1234), response: { answer: '1,234' } }).details, {
      expected: 1234, got: '1,234', normalised: { expected: 1234, got: 1234 },
    });
    assert.deepEqual(score({ task: task('Enots', { answerType: 'string' }), response: { answer: ' "enots". ' } }).details, {
      expected: 'Enots', got: ' "enots". ', normalised: { expected: 'enots', got: 'enots' },
    });
  });

  it('never throws on arbitrary JSON, stays in {0, 1}, agrees with itself and leaves the sample as it was', () => {
    const answerType = fc.constantFrom<Json>('number', 'string', 'date', 'time', 'weekday', 'other', 3, null);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), answerType, fc.jsonValue(), (response, answer, type, tolerance) => {
        const sample: Sample = { task: task(answer as Json, { answerType: type, tolerance: tolerance as Json }), response: response as Json };
        const before = structuredClone(sample);
        const first = score(sample);
        assert.ok(first.value === 0 || first.value === 1);
        assert.deepEqual(score(sample), first);
        assert.deepEqual(sample, before);
        assert.doesNotThrow(() => JSON.stringify(first));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text as the answer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        for (const type of ['number', 'string', 'date', 'time', 'weekday']) {
          const value = valueOf(task('x', { answerType: type }), text);
          assert.ok(value === 0 || value === 1);
        }
      }),
    );
  });

  it('has an options schema that accepts the defaults and refuses a negative tolerance or an unknown option', () => {
    const { schema } = groundTruth.options!;
    assert.deepEqual(schema.parse(defaults), defaults);
    assert.equal(schema.safeParse({ numericTolerance: -1 }).success, false);
    assert.equal(schema.safeParse({ numericTolerance: 1e-9, extra: 1 }).success, false);
  });

  it('declares its name, version, inputs and output range', () => {
    assert.equal(groundTruth.name, 'ground-truth');
    assert.match(groundTruth.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(groundTruth.inputs, ['response', 'answer']);
    assert.deepEqual(groundTruth.output, { range: [0, 1], higherIsBetter: true });
  });
});

describe('the normalisations of ground-truth', () => {
  it('parseLenientNumber returns null for anything that is not a plain number', () => {
    assert.equal(parseLenientNumber('1,234,567.5'), 1234567.5);
    assert.equal(parseLenientNumber(true), null);
    assert.equal(parseLenientNumber({}), null);
    assert.equal(parseLenientNumber('1e999'), null);
  });

  it('normaliseText removes one layer of quotes and one trailing period, no more', () => {
    assert.equal(normaliseText('  "Hello  World". '), 'hello world');
    assert.equal(normaliseText('""x""'), '"x"');
    assert.equal(normaliseText('x..'), 'x.');
    assert.equal(normaliseText('"'), '"');
  });
});
