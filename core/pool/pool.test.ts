/** The evaluator pool with real piscina workers, fed the misbehaving evaluators of test/fixtures. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Json, Sample } from '../plugin-api.js';
import type { EvaluationJob, EvaluationResult, EvaluatorLogRecord, EvaluatorRef } from './evaluation.js';
import { EVALUATOR_LOG_LINES_PER_BATCH, EVALUATOR_LOG_MAX } from './evaluation.js';
import { createInlineEvaluator } from './inline.js';
import { createEvaluatorPool } from './pool.js';
import type { EvaluatorPool } from './pool.js';

function fixture(name: string, options: Record<string, Json> = {}): EvaluatorRef {
  const module = new URL(`../../test/fixtures/evaluators/${name}.js`, import.meta.url).href;
  return { name, version: '1.0.0', module, options };
}

function sample(response: Json): Sample {
  return { task: { id: '1-fixture-0', kind: 'fixture', prompt: 'say hi', payload: null, answer: 'hi', meta: {} }, response };
}

function jobsFor(evaluator: EvaluatorRef, responses: Json[], firstId = 0): EvaluationJob[] {
  return responses.map((response, index) => ({ id: firstId + index, evaluator, sample: sample(response) }));
}

function values(results: EvaluationResult[]): (number | string)[] {
  return results.map((result) => (result.status === 'ok' ? result.value : result.code));
}

/** A result without the facts that depend on which thread scored it, and when. */
function withoutThreadFacts(result: EvaluationResult): EvaluationResult {
  const { ms: _ms, ...rest } = result;
  if (rest.status !== 'ok') return rest;
  const { threadId: _thread, setups: _setups, setupOfThisState: _state, ...details } = rest.details;
  return { ...rest, details };
}

describe('the evaluator pool', () => {
  let pool: EvaluatorPool;
  before(() => {
    pool = createEvaluatorPool({ size: 2, timeoutMs: 500 });
  });
  after(() => pool.close());

  it('scores a batch and returns the results in the order of the jobs, across evaluators', async () => {
    const quarter = fixture('constant', { value: 0.25 });
    const jobs: EvaluationJob[] = [
      { id: 10, evaluator: quarter, sample: sample('a') },
      { id: 3, evaluator: fixture('throws'), sample: sample('b') },
      { id: 7, evaluator: fixture('constant'), sample: sample('c') },
      { id: 1, evaluator: quarter, sample: sample('d') },
      { id: 5, evaluator: fixture('out-of-range'), sample: sample('e') },
    ];
    const results = await pool.evaluate(jobs);
    assert.deepEqual(results.map((result) => result.id), [10, 3, 7, 1, 5]);
    assert.deepEqual(values(results), [0.25, 1, 0.5, 0.25, 'PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE']);
  });

  it('scores the same input identically in two workers', async () => {
    const jobs = jobsFor(fixture('constant', { value: 0.75 }), Array(8).fill('same answer'));
    const results = await pool.evaluate(jobs);
    const threads = new Set(results.map((result) => (result.status === 'ok' ? result.details.threadId : null)));
    assert.equal(threads.size, 2, 'both workers scored');
    const first = withoutThreadFacts(results[0]);
    for (const result of results) assert.deepEqual(withoutThreadFacts(result), { ...first, id: result.id });
  });

  it('records a throwing evaluator as an error for that sample only and scores its neighbours', async () => {
    const results = await pool.evaluate(jobsFor(fixture('throws'), ['x', { boom: true }, 'y', 'z']));
    assert.deepEqual(values(results), [1, 'PROCTOR_ERR_EVALUATOR_FAILED', 1, 1]);
    assert.match((results[1] as { message: string }).message, /throws@1\.0\.0 threw: boom/);
  });

  it('records a value outside the declared range as EVALUATOR_OUT_OF_RANGE', async () => {
    const [result] = await pool.evaluate(jobsFor(fixture('out-of-range'), ['x']));
    assert.equal(result.status, 'error');
    assert.equal(result.status === 'error' && result.code, 'PROCTOR_ERR_EVALUATOR_OUT_OF_RANGE');
    assert.match((result as { message: string }).message, /returned 7, outside its declared range \[0, 1\]/);
  });

  it('records EVALUATOR_INPUT_MISSING for a sample without a declared input', async () => {
    const { answer: _answer, ...taskWithoutAnswer } = sample('x').task;
    const jobs: EvaluationJob[] = [
      { id: 0, evaluator: fixture('throws'), sample: { task: taskWithoutAnswer as Sample['task'], response: { boom: true } } },
      { id: 1, evaluator: fixture('constant'), sample: { task: sample('x').task } as Sample },
      { id: 2, evaluator: fixture('constant'), sample: sample(null) },
    ];
    const results = await pool.evaluate(jobs);
    assert.deepEqual(values(results), ['PROCTOR_ERR_EVALUATOR_INPUT_MISSING', 'PROCTOR_ERR_EVALUATOR_INPUT_MISSING', 0.5]);
    assert.match((results[0] as { message: string }).message, /needs "answer"/);
    assert.match((results[1] as { message: string }).message, /needs "response"/);
  });

  it('gives every sample EVALUATOR_SETUP when setup throws, and scores the other evaluators', async () => {
    const jobs = [...jobsFor(fixture('bad-setup'), ['a', 'b', 'c', 'd', 'e']), ...jobsFor(fixture('constant'), ['f'], 5)];
    const results = await pool.evaluate(jobs);
    assert.deepEqual(values(results), [...Array(5).fill('PROCTOR_ERR_EVALUATOR_SETUP'), 0.5]);
    assert.match((results[0] as { message: string }).message, /the model file is missing/);
  });

  it('gives every sample EVALUATOR_INVALID when the module is not an evaluator', async () => {
    const results = await pool.evaluate(jobsFor(fixture('not-an-evaluator'), ['a', 'b', 'c']));
    assert.deepEqual(values(results), Array(3).fill('PROCTOR_ERR_EVALUATOR_INVALID'));
    assert.match((results[0] as { message: string }).message, /default export is string/);
  });

  it('gives EVALUATOR_INVALID when the module declares another version than the one asked for', async () => {
    const [result] = await pool.evaluate(jobsFor({ ...fixture('throws'), version: '2.0.0' }, ['a']));
    assert.equal(result.status === 'error' && result.code, 'PROCTOR_ERR_EVALUATOR_INVALID');
    assert.match((result as { message: string }).message, /declares throws@1\.0\.0, but throws@2\.0\.0 was asked for/);
  });

  it('gives EVALUATOR_INVALID naming the option when the options fail the schema', async () => {
    const [result] = await pool.evaluate(jobsFor(fixture('constant', { value: 2 }), ['a']));
    assert.equal(result.status === 'error' && result.code, 'PROCTOR_ERR_EVALUATOR_INVALID');
    assert.match((result as { message: string }).message, /options\.value/);
  });

  it('reports progress as results settle, ending at the number of jobs', async () => {
    const seen: number[] = [];
    await pool.evaluate(jobsFor(fixture('constant'), Array(10).fill('a')), (done) => seen.push(done));
    assert.ok(seen.length >= 2);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    assert.equal(seen.at(-1), 10);
  });

  it('records EVALUATOR_TIMEOUT for a sample that hangs, within bounded time, and keeps working', async () => {
    const replacedBefore = pool.stats().workersReplaced;
    const started = performance.now();
    const results = await pool.evaluate(jobsFor(fixture('hangs'), ['a', 'b', { hang: true }, 'c', 'd', 'e']));
    const elapsed = performance.now() - started;
    assert.deepEqual(values(results), [1, 1, 'PROCTOR_ERR_EVALUATOR_TIMEOUT', 1, 1, 1]);
    assert.match((results[2] as { message: string }).message, /took longer than 500 ms/);
    // The batch times out, then the hanging sample alone: about two timeouts, not a stuck round.
    assert.ok(elapsed < 5000, `took ${Math.round(elapsed)} ms`);
    assert.ok(pool.stats().workersReplaced >= replacedBefore + 1);
    // The looping threads were terminated, not abandoned: the idle process burns almost no CPU.
    const cpuBefore = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cpuMs = process.cpuUsage(cpuBefore).user / 1000;
    assert.ok(cpuMs < 150, `${Math.round(cpuMs)} ms of CPU in 300 ms idle`);
    const next = await pool.evaluate(jobsFor(fixture('constant'), ['a', 'b', 'c', 'd']));
    assert.deepEqual(values(next), [0.5, 0.5, 0.5, 0.5]);
  });

  it('records EVALUATOR_WORKER_EXIT for a sample that exits its worker, replaces the worker, and keeps working', async () => {
    const replacedBefore = pool.stats().workersReplaced;
    const results = await pool.evaluate(jobsFor(fixture('exits'), ['a', { exit: true }, 'b', 'c']));
    assert.deepEqual(values(results), [1, 'PROCTOR_ERR_EVALUATOR_WORKER_EXIT', 1, 1]);
    assert.match((results[1] as { message: string }).message, /exited with code: 3/);
    assert.ok(pool.stats().workersReplaced >= replacedBefore + 1);
    const next = await pool.evaluate(jobsFor(fixture('constant'), ['a', 'b', 'c', 'd']));
    assert.deepEqual(values(next), [0.5, 0.5, 0.5, 0.5]);
  });

  it('gives the same results inline as in the pool for well-behaved evaluators', async () => {
    const { answer: _answer, ...taskWithoutAnswer } = sample('x').task;
    const jobs: EvaluationJob[] = [
      ...jobsFor(fixture('constant', { value: 0.125 }), ['a', 'b']),
      ...jobsFor(fixture('throws'), ['c', { boom: true }], 2),
      ...jobsFor(fixture('out-of-range'), ['d'], 4),
      ...jobsFor(fixture('bad-setup'), ['e'], 5),
      ...jobsFor(fixture('not-an-evaluator'), ['f'], 6),
      { id: 7, evaluator: fixture('throws'), sample: { task: taskWithoutAnswer as Sample['task'], response: 'g' } },
    ];
    const inline = createInlineEvaluator();
    try {
      const [inPool, inThread] = await Promise.all([pool.evaluate(jobs), inline.evaluate(jobs)]);
      assert.deepEqual(inThread.map(withoutThreadFacts), inPool.map(withoutThreadFacts));
    } finally {
      await inline.close();
    }
  });

  it('refuses to evaluate once closed', async () => {
    const closed = createEvaluatorPool({ size: 1 });
    await closed.close();
    await assert.rejects(closed.evaluate([]), /closed evaluator pool/);
  });
});

describe('evaluator setup in the pool', () => {
  let pool: EvaluatorPool;
  before(() => {
    pool = createEvaluatorPool({ size: 2, batchSize: 2 });
  });
  after(() => pool.close());

  it('runs setup once per worker and reuses its state across batches and calls', async () => {
    const evaluator = fixture('constant');
    const results = [
      ...(await pool.evaluate(jobsFor(evaluator, Array(12).fill('a')))),
      ...(await pool.evaluate(jobsFor(evaluator, Array(12).fill('b')))),
    ];
    const threads = new Set<Json>();
    for (const result of results) {
      assert.equal(result.status, 'ok');
      if (result.status !== 'ok') continue;
      assert.equal(result.details.setups, 1, 'setup ran once in this worker');
      assert.equal(result.details.setupOfThisState, 1);
      threads.add(result.details.threadId);
    }
    assert.equal(threads.size, 2, 'both workers took part');
    assert.equal(pool.stats().batches, 12);
  });
});

describe('evaluator logs from the workers', () => {
  it("posts each ctx.log line to the pool's sink, tagged with the evaluator, live and capped, with each score call's time", async () => {
    const records: EvaluatorLogRecord[] = [];
    const pool = createEvaluatorPool({ size: 2, batchSize: 2, log: (r) => records.push(r) });
    try {
      const results = await pool.evaluate(jobsFor(fixture('chatty'), ['a', 'b', 'c', 'long']));
      assert.deepEqual(values(results), [1, 1, 1, 1]);
      for (const r of results) assert.ok(typeof r.ms === 'number' && r.ms >= 0, `ms of job ${r.id}: ${r.ms}`);
      // Records travel on their own channel: wait for the six lines (two setups, four scores) to arrive.
      for (let i = 0; i < 400 && records.length < 6; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(records.length, 6, JSON.stringify(records));
      for (const r of records) assert.deepEqual([r.level, r.evaluator, r.version], ['info', 'chatty', '1.0.0']);
      const messages = records.map((r) => r.message);
      assert.equal(messages.filter((m) => m.startsWith('loading in thread ')).length, 2, 'one setup line per worker');
      for (const m of ['scoring "a"', 'scoring "b"', 'scoring "c"']) assert.ok(messages.includes(m), m);
      const long = messages.find((m) => m.startsWith('xxx'))!;
      assert.equal(long.length, EVALUATOR_LOG_MAX + 1, 'cut at the cap, with an ellipsis');
    } finally {
      await pool.close();
    }
  });

  it('sends at most EVALUATOR_LOG_LINES_PER_BATCH lines of one batch, then one line saying how many were dropped', async () => {
    const records: EvaluatorLogRecord[] = [];
    const pool = createEvaluatorPool({ size: 1, batchSize: 2, log: (r) => records.push(r) });
    try {
      // One batch: setup writes one line, the two score calls 150 each (301 in all).
      const results = await pool.evaluate(jobsFor(fixture('chatty'), [{ lines: 150 }, { lines: 150 }]));
      assert.deepEqual(values(results), [1, 1]);
      const expected = EVALUATOR_LOG_LINES_PER_BATCH + 1;
      for (let i = 0; i < 400 && records.length < expected; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(records.length, expected);
      assert.equal(records.at(-1)!.message, `${301 - EVALUATOR_LOG_LINES_PER_BATCH} log line(s) dropped: past ${EVALUATOR_LOG_LINES_PER_BATCH} lines in one batch`);
      assert.equal(records.at(-1)!.evaluator, 'chatty');
    } finally {
      await pool.close();
    }
  });

  it('sends the inline evaluator\'s lines to its sink too, and a timed-out job reports the limit as its time', async () => {
    const records: EvaluatorLogRecord[] = [];
    const inline = createInlineEvaluator({ log: (r) => records.push(r) });
    try {
      await inline.evaluate(jobsFor(fixture('chatty'), ['z']));
      assert.deepEqual(records.map((r) => r.message), [records[0].message, 'scoring "z"']);
      assert.match(records[0].message, /^loading in thread /);
    } finally {
      await inline.close();
    }
    const pool = createEvaluatorPool({ size: 1, timeoutMs: 200 });
    try {
      const [hung] = await pool.evaluate(jobsFor(fixture('hangs'), [{ hang: true }]));
      assert.equal(hung.status, 'error');
      assert.equal(hung.ms, 200);
    } finally {
      await pool.close();
    }
  });
});
