import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json, PublicTask, Task, Verdict } from '../../core/plugin-api.js';
import { isProctorError } from '../../core/errors.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import groundTruth from '../../evaluators/ground-truth/ground-truth.js';
import referenceComparison, { type ReferenceComparisonOptions } from '../../evaluators/reference-comparison/reference-comparison.js';
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
const allTasks = Array.from({ length: 50 }, (_, round) => generateTextTasks({ seed: `${round.toString(16)}5eed`, count: 8, round })).flat();
const OPEN_KINDS = ['continuation', 'summary'];
/** The tasks with one right answer, which ground-truth judges. */
const tasks = allTasks.filter((task) => !OPEN_KINDS.includes(task.kind));

async function rightFraction(skill: number, label: string): Promise<number> {
  const random = seededRandom('abcdef', label);
  let right = 0;
  for (const task of tasks) right += judged(task, await textMiner.answer(publicPart(task), skill, () => random.next())).value;
  return right / tasks.length;
}

describe('solveTextTask', () => {
  it('answers every generated task with one right answer correctly from its public part, as judged by ground-truth (1120 tasks across seeds)', () => {
    let solved = 0;
    fc.assert(
      fc.property(hexSeed, fc.nat(1000), (seed, round) => {
        for (const task of generateTextTasks({ seed, count: 14, round }).filter((t) => !OPEN_KINDS.includes(t.kind))) {
          const verdict = judged(task, { answer: solveTextTask(publicPart(task)) });
          assert.equal(verdict.value, 1, `${task.prompt}\n${JSON.stringify(task.payload)}\n${JSON.stringify(verdict.details)}`);
          solved++;
        }
      }),
      { numRuns: 80 },
    );
    assert.ok(solved >= 750, `${solved} solved`);
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

  it('answers qa questions that combine facts or word them differently from the document', () => {
    const document = [
      'Aro Labs is a toy company. It is based in Nimport. It was founded in 1901. It has a staff of 40. Its logo is teal. It was started by Ada Voss. It opened a second office in Tamwick in 1950. Aro Labs works closely with Belu Works.',
      'Belu Works is a seed company. Its head office is in Tamford. The company was established in 1890. Belu Works employs 700 people. It brands everything in amber. The company was founded by Omar Quell.',
    ].join('\n\n');
    const ask = (question: string) => solveTextTask({ id: 't', kind: 'qa', prompt: `Read the document and answer from it alone. ${question}`, payload: { document } });
    assert.equal(ask("Which of the companies in the document is the oldest? Answer with the company's name only."), 'Belu Works');
    assert.equal(ask("Which company in the document employs the fewest people? Answer with the company's name only."), 'Aro Labs');
    assert.equal(ask('Where is the head office of the company that Omar Quell started? Answer with the city name only.'), 'Tamford');
    assert.equal(ask('Which colour does the company headquartered in Nimport use for its brand? Answer with the colour only.'), 'teal');
    assert.equal(ask("Who started the company whose signature colour is amber? Answer with the person's full name only."), 'Omar Quell');
    assert.equal(ask('Aro Labs works closely with another company. In which city is that partner headquartered? Answer with the city name only.'), 'Tamford');
    assert.equal(ask('How many years after its founding did Aro Labs open its second office? Answer with a whole number only.'), '49');
  });

  it('refuses a task it cannot read with a coded error', () => {
    const refuses = (task: PublicTask) => assert.throws(() => solveTextTask(task), (err) => isProctorError(err) && err.code === 'PROCTOR_ERR_INTERNAL_UNEXPECTED');
    refuses({ id: 't', kind: 'poetry', prompt: '', payload: null });
    refuses({ id: 't', kind: 'dates', prompt: '', payload: { operation: 'add-days', date: 'yesterday', days: 1 } });
    refuses({ id: 't', kind: 'lookup', prompt: 'Who founded Nobody Inc? Answer.', payload: { document: 'Aro Labs is a toy company.' } });
    refuses({ id: 't', kind: 'qa', prompt: 'How many years after its founding did Aro Labs open its second office?', payload: { document: 'Aro Labs is a toy company.' } });
    refuses({ id: 't', kind: 'continuation', prompt: 'Continue.', payload: { passage: 'Call me Ishmael.' } });
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

describe('textMiner on open-ended tasks', () => {
  const open = allTasks.filter((task) => OPEN_KINDS.includes(task.kind));
  const lexical: ReferenceComparisonOptions = { ...referenceComparison.options!.defaults, embedder: null };

  /** Each open-ended task answered at `skill`, with the miner's own seeded draws. */
  async function answers(skill: number, label: string): Promise<{ task: Task; answer: string }[]> {
    const random = seededRandom('abcdef', label);
    const out: { task: Task; answer: string }[] = [];
    for (const task of open) out.push({ task, answer: ((await textMiner.answer(publicPart(task), skill, () => random.next())) as { answer: string }).answer });
    return out;
  }

  /** Mean reference-comparison value per kind. */
  async function meanScores(skill: number, options: ReferenceComparisonOptions, state: unknown): Promise<Record<string, number>> {
    const sums: Record<string, number[]> = {};
    for (const { task, answer } of await answers(skill, `open-${skill}`)) {
      const verdict = (await referenceComparison.score({ options, log: () => {} }, { task, response: { answer } }, state as never)) as Verdict;
      (sums[task.kind] ??= []).push(verdict.value);
    }
    return Object.fromEntries(Object.entries(sums).map(([kind, values]) => [kind, values.reduce((a, b) => a + b, 0) / values.length]));
  }

  it('covers both open-ended kinds in the sample (at least 40 tasks each)', () => {
    for (const kind of OPEN_KINDS) assert.ok(open.filter((t) => t.kind === kind).length >= 40, kind);
  });

  it('answers from the public part alone: the same draws give the same text whatever the hidden answer and meta say', async () => {
    for (const task of open.slice(0, 20)) {
      const draws = (label: string) => { const r = seededRandom('abcdef', label); return () => r.next(); };
      const tampered = { ...publicPart(task), answer: 'planted answer', meta: { reference: 'planted reference', facts: ['planted'] } };
      assert.deepEqual(await textMiner.answer(tampered as PublicTask, 1, draws(task.id)), await textMiner.answer(publicPart(task), 1, draws(task.id)));
    }
  });

  it('writes text, never the hidden continuation: no high-skill continuation contains its reference or shares most of its words', async () => {
    for (const { task, answer } of (await answers(1, 'never-copies')).filter((a) => a.task.kind === 'continuation')) {
      assert.ok(answer.length > 0 && !answer.includes(task.meta.reference as string));
      const verdict = (await referenceComparison.score({ options: lexical, log: () => {} }, { task, response: { answer } }, { vectors: null, generated: new Map() })) as Verdict;
      assert.ok((verdict.details!.components as { overlap: number }).overlap < 0.5, answer);
    }
  });

  it('writes as many sentences as the continuation prompt asks for at high skill', async () => {
    for (const { task, answer } of (await answers(1, 'sentences')).filter((a) => a.task.kind === 'continuation')) {
      const ends = answer.match(/[.!?](?=\s|$)/g) ?? [];
      assert.equal(ends.length, task.meta.sentences, `${task.prompt}\n${answer}`);
    }
  });

  it('summarises by extraction at high skill: whole sentences of the document, at most four', async () => {
    for (const { task, answer } of (await answers(1, 'extract')).filter((a) => a.task.kind === 'summary')) {
      const document = (task.payload as { document: string }).document.replace(/\s+/g, ' ');
      const sentences = answer.split(/(?<=[.!?]["”]?) (?=[A-Z"“])/);
      assert.ok(sentences.length >= 1 && sentences.length <= 4, answer);
      for (const sentence of sentences) assert.ok(document.includes(sentence), `${sentence} is not in the document`);
    }
  });

  it('scores better at high skill than at low skill under reference-comparison without an embedder (summaries)', async () => {
    const state = await referenceComparison.setup!({ options: lexical, log: () => {} });
    const [high, low] = [await meanScores(1, lexical, state), await meanScores(0, lexical, state)];
    assert.ok(high.summary > low.summary + 0.1, `summary: skill 1 ${high.summary}, skill 0 ${low.summary}`);
    assert.ok(high.continuation >= low.continuation, `continuation: skill 1 ${high.continuation}, skill 0 ${low.continuation}`);
  });

  it('scores better at high skill than at low skill under reference-comparison with glove-sif, for both kinds', async (t) => {
    const options = referenceComparison.options!.defaults;
    let state: unknown;
    try {
      state = await referenceComparison.setup!({ options, log: () => {} });
    } catch (error) {
      return t.skip(`glove-sif is not available in this build, so the semantic comparison is skipped: ${(error as Error).message}`);
    }
    const [high, low] = [await meanScores(1, options, state), await meanScores(0, options, state)];
    for (const kind of OPEN_KINDS) assert.ok(high[kind] > low[kind] + 0.03, `${kind}: skill 1 ${high[kind]}, skill 0 ${low[kind]}`);
  });

  it('writes continuations that read more fluently at high skill than random words, under the bundled n-gram model', async (t) => {
    let model: { logProbs(texts: readonly string[]): Promise<{ logProbs: number[] }[]> };
    try {
      const ngram = (await import(new URL('../../native/ngram/ngram-model.js', import.meta.url).href)) as { loadNgramModel(): Promise<typeof model> };
      model = await ngram.loadNgramModel();
    } catch (error) {
      return t.skip(`the bundled n-gram model is not available in this build, so fluency is not measured: ${(error as Error).message}`);
    }
    const meanLogProb = async (skill: number) => {
      const texts = (await answers(skill, `fluency-${skill}`)).filter((a) => a.task.kind === 'continuation').map((a) => a.answer);
      const scored = (await model.logProbs(texts)).flatMap((s) => s.logProbs);
      return scored.reduce((a, b) => a + b, 0) / scored.length;
    };
    const [high, low] = [await meanLogProb(1), await meanLogProb(0)];
    assert.ok(high > low, `mean log-probability per token: skill 1 ${high}, skill 0 ${low}`);
  });
});
