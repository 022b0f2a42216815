import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json, PublicTask, Task, Verdict } from '../../core/plugin-api.js';
import { isProctorError } from '../../core/errors.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import groundTruth from '../../evaluators/ground-truth/ground-truth.js';
import { solveTextTask, textMiner } from './solver.js';

const hexSeed = fc.uint8Array({ minLength: 8, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));

/** What a miner receives: the public fields only, copied, so nothing hidden can leak through. */
function publicPart(task: Task): PublicTask {
  return structuredClone({ id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload });
}

function judged(task: Task, response: Json): Verdict {
  return groundTruth.score({ options: groundTruth.options!.defaults, log: () => {} }, { task, response }, undefined) as Verdict;
}

/** 400 tasks over 50 rounds, with the same mix of families as a real run. */
const tasks = Array.from({ length: 50 }, (_, round) => generateTextTasks({ seed: `${round.toString(16)}5eed`, count: 8, round })).flat();

async function rightFraction(skill: number, label: string): Promise<number> {
  const random = seededRandom('abcdef', label);
  let right = 0;
  for (const task of tasks) right += judged(task, await textMiner.answer(publicPart(task), skill, () => random.next())).value;
  return right / tasks.length;
}

describe('solveTextTask', () => {
  it('answers every generated task correctly from its public part, as judged by ground-truth (640 tasks across seeds)', () => {
    let solved = 0;
    fc.assert(
      fc.property(hexSeed, fc.nat(1000), (seed, round) => {
        for (const task of generateTextTasks({ seed, count: 8, round })) {
          const verdict = judged(task, { answer: solveTextTask(publicPart(task)) });
          assert.equal(verdict.value, 1, `${task.prompt}\n${JSON.stringify(task.payload)}\n${JSON.stringify(verdict.details)}`);
          solved++;
        }
      }),
      { numRuns: 80 },
    );
    assert.ok(solved >= 500);
  });

  it('computes calendar facts from its own arithmetic: leap days, century years and weekdays', () => {
    const dates = (payload: Json) => solveTextTask({ id: 't', kind: 'dates', prompt: '', payload });
    assert.equal(dates({ operation: 'add-days', date: '2000-02-28', days: 1 }), '2000-02-29');
    assert.equal(dates({ operation: 'add-days', date: '1900-02-28', days: 1 }), '1900-03-01');
    assert.equal(dates({ operation: 'add-days', date: '2024-01-01', days: -1 }), '2023-12-31');
    assert.equal(dates({ operation: 'weekday', date: '2000-01-01' }), 'Saturday');
    assert.equal(dates({ operation: 'weekday', date: '1969-07-20' }), 'Sunday');
    assert.equal(dates({ operation: 'days-between', from: '2023-03-01', to: '2024-03-01' }), '366');
    assert.equal(dates({ operation: 'add-duration', time: '22:50', hours: 25, minutes: 15 }), '00:05');
  });

  it('reads the asked fact off the right company, not a partner that mentions it', () => {
    const document = [
      'Aro Labs is a toy company. It is based in Nimport. Aro Labs works closely with Belu Works.',
      'Belu Works is a seed company. Its head office is in Tamford. The company was founded by Ada Voss. It works closely with Aro Labs.',
    ].join('\n\n');
    const ask = (prompt: string) => solveTextTask({ id: 't', kind: 'lookup', prompt, payload: { document } });
    assert.equal(ask('In which city is Belu Works headquartered? Answer with the city name only.'), 'Tamford');
    assert.equal(ask('In which city is Aro Labs headquartered? Answer with the city name only.'), 'Nimport');
    assert.equal(ask('Who founded Belu Works? Answer with the founder\'s full name only.'), 'Ada Voss');
  });

  it('refuses a task it cannot read with a coded error', () => {
    const refuses = (task: PublicTask) => assert.throws(() => solveTextTask(task), (err) => isProctorError(err) && err.code === 'PROCTOR_ERR_INTERNAL_UNEXPECTED');
    refuses({ id: 't', kind: 'poetry', prompt: '', payload: null });
    refuses({ id: 't', kind: 'dates', prompt: '', payload: { operation: 'add-days', date: 'yesterday', days: 1 } });
    refuses({ id: 't', kind: 'lookup', prompt: 'Who founded Nobody Inc? Answer.', payload: { document: 'Aro Labs is a toy company.' } });
  });
});

describe('textMiner', () => {
  it('with skill 1 is right on every task', async () => {
    assert.equal(await rightFraction(1, 'skill-1'), 1);
  });

  it('with skill 0 is wrong on every task', async () => {
    assert.equal(await rightFraction(0, 'skill-0'), 0);
  });

  it('with skill 0.5 is right on about half the tasks (400 tasks, within ±0.1)', async () => {
    const fraction = await rightFraction(0.5, 'skill-half');
    assert.ok(Math.abs(fraction - 0.5) <= 0.1, `right on ${fraction}`);
  });

  it('answers in the protocol\'s shape, and its wrong answers are near misses of the same type', async () => {
    const random = seededRandom('abcdef', 'shape');
    for (const task of tasks) {
      const response = (await textMiner.answer(publicPart(task), 0, () => random.next())) as { answer: string };
      assert.deepEqual(Object.keys(response), ['answer']);
      assert.equal(typeof response.answer, 'string');
      if (task.meta.answerType === 'number' && task.kind !== 'lookup') {
        assert.ok(Number.isInteger(Number(response.answer)), response.answer);
      }
      if (task.meta.answerType === 'date') assert.match(response.answer, /^\d{4}-\d{2}-\d{2}$/);
      if (task.meta.answerType === 'time') assert.match(response.answer, /^\d{2}:\d{2}$/);
    }
  });
});
