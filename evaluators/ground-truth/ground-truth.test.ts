import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import groundTruth, { normaliseText, parseItems, parseLenientNumber, type GroundTruthOptions } from './ground-truth.js';

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

describe('ground-truth with partial credit and relative tolerance', () => {
  const setTask = (answer: Json) => task(answer, { answerType: 'set' });
  const listTask = (answer: Json) => task(answer, { answerType: 'list' });
  const cerTask = (answer: Json) => task(answer, { answerType: 'cer' });

  it('scores a set by the Jaccard index of its items, in any order, comma- or newline-separated', () => {
    assert.equal(valueOf(setTask(['Red', 'blue', 'green']), 'green, RED,blue'), 1);
    assert.equal(valueOf(setTask('red, blue, green'), 'green\nred\nblue'), 1, 'the answer may be a string too');
    assert.equal(valueOf(setTask(['red', 'blue']), 'blue, green'), 1 / 3);
    assert.equal(valueOf(setTask(['red', 'blue']), 'blue'), 1 / 2);
    assert.equal(valueOf(setTask(['red', 'blue']), 'blue, blue, red'), 1, 'a repeated item counts once');
    assert.equal(valueOf(setTask(['red', 'blue']), 'yellow'), 0);
    assert.equal(valueOf(setTask(['red', 'blue']), ''), 0);
    assert.equal(valueOf(setTask([]), ' , '), 1, 'both empty');
  });

  it('scores a list position by position, over the longer of the two lists', () => {
    assert.equal(valueOf(listTask(['one', 'two', 'three']), 'one, two, three'), 1);
    assert.equal(valueOf(listTask(['one', 'two', 'three']), 'three, two, one'), 1 / 3);
    assert.equal(valueOf(listTask(['one', 'two', 'three']), 'one, two'), 2 / 3);
    assert.equal(valueOf(listTask(['one', 'two']), 'one, two, three, four'), 1 / 2, 'extra items cost credit');
    assert.equal(valueOf(listTask([1, 2, 3]), '1\n2\n3'), 1, 'numbers as items');
  });

  it('explains a set verdict with both item lists, and refuses an answer that is not a list', () => {
    assert.deepEqual(score({ task: setTask(['a', 'b']), response: { answer: ' B ,c' } }).details, {
      expected: ['a', 'b'], got: ' B ,c', normalised: { expected: ['a', 'b'], got: ['b', 'c'] },
    });
    const verdict = score({ task: setTask({ a: 1 }), response: { answer: 'a' } });
    assert.equal(verdict.value, 0);
    assert.equal(verdict.details?.reason, "the task's answer is not a set");
    assert.deepEqual(parseItems([true]), null);
  });

  it('accepts a number within a relative tolerance of the task, or of the option, whichever is larger', () => {
    const relative = (answer: number, share: Json) => task(answer, { answerType: 'number', tolerance: 0, relativeTolerance: share });
    assert.equal(valueOf(relative(1000, 0.01), '1009'), 1);
    assert.equal(valueOf(relative(1000, 0.01), '1011'), 0);
    assert.equal(valueOf(relative(-1000, 0.01), '-991'), 1, 'relative to the magnitude');
    assert.equal(valueOf(relative(0, 0.5), '0.1'), 0, 'nothing is relative to zero');
    assert.equal(valueOf(relative(1000, 'lots'), '1001'), 0, 'a malformed relative tolerance counts as 0');
    assert.equal(score({ task: numberTask(1000), response: { answer: '1040' } }, { numericTolerance: 0, relativeTolerance: 0.05 }).value, 1);
    assert.equal(score({ task: numberTask(1000), response: { answer: '1060' } }, { numericTolerance: 0, relativeTolerance: 0.05 }).value, 0);
  });

  it('scores a transcription by 1 − character error rate, floored at 0, case-sensitive, whitespace runs collapsed', () => {
    assert.equal(valueOf(cerTask('kitten'), 'kitten'), 1);
    assert.equal(valueOf(cerTask('kitten'), 'sitten'), 1 - 1 / 6);
    assert.equal(valueOf(cerTask('kitten'), 'sitting'), 1 - 3 / 6);
    assert.equal(valueOf(cerTask('kitten'), 'Kitten'), 1 - 1 / 6, 'case counts');
    assert.equal(valueOf(cerTask('two  words'), ' two words '), 1);
    assert.equal(valueOf(cerTask('abc'), 'a completely different and much longer text'), 0);
    assert.equal(valueOf(cerTask('abc'), ''), 0);
    assert.equal(valueOf(cerTask(''), ''), 1);
    assert.equal(valueOf(cerTask('naïve café'), 'naive cafe'), 1 - 2 / 10, 'by code point, after NFC');
  });

  it('the character error score falls as edits accumulate', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(40), (text, cut) => {
        const shorter = text.slice(0, Math.max(0, text.length - cut));
        const value = valueOf(cerTask(text), shorter);
        assert.ok(value >= 0 && value <= 1);
        assert.ok(valueOf(cerTask(text), text) >= value);
      }),
    );
  });

  it('never throws and stays in [0, 1] for sets, lists and transcriptions on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.constantFrom('set', 'list', 'cer'), (response, answer, answerType) => {
        const sample: Sample = { task: task(answer as Json, { answerType }), response: response as Json };
        const first = score(sample);
        assert.ok(first.value >= 0 && first.value <= 1, String(first.value));
        assert.deepEqual(score(sample), first);
        assert.doesNotThrow(() => JSON.stringify(first));
      }),
      { numRuns: 300 },
    );
  });

  it('is version 1.1.0 and keeps accepting options without relativeTolerance', () => {
    assert.equal(groundTruth.version, '1.1.0');
    assert.equal(groundTruth.options!.schema.safeParse({ numericTolerance: 0 }).success, true);
    assert.equal(groundTruth.options!.schema.safeParse({ numericTolerance: 0, relativeTolerance: -0.1 }).success, false);
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
