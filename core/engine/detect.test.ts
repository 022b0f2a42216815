import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defineDetector, type Json, type Task } from '../plugin-api.js';
import { runDetectors, type DetectableResponse } from './detect.js';

const task = (id: string): Task => ({ id, kind: 'k', prompt: 'p', payload: null, answer: null, meta: {} });
const response = (t: Task, uid: number, answer: string): DetectableResponse => ({ plugin: 'p', task: t, view: { uid, hotkey: `hk${uid}`, receivedAtMs: uid, latencyMs: 10, response: { answer } } });

describe('runDetectors', () => {
  const tasks = [task('1-p-0'), task('1-p-1')];
  const responses = [response(tasks[0], 1, 'a'), response(tasks[0], 2, 'a'), response(tasks[1], 1, 'b'), response(tasks[1], 2, 'c')];

  it('applies per-task and whole-round findings to the named (task, uid) only, multiplying penalties', async () => {
    const perTask = defineDetector({ name: 'same', version: '1', inspect: (_ctx, _t, views) => (views.length > 1 && views.every((v) => JSON.stringify(v.response) === JSON.stringify(views[0].response)) ? [{ uids: [2], evidence: {}, penalty: 0.5 }] : []) });
    const round = defineDetector({ name: 'round', version: '1', inspectRound: (_ctx, all) => [{ taskId: all[0].task.id, uids: [2], evidence: { tasks: all.length }, penalty: 0.5 }] });
    const { findings, penalty } = await runDetectors(tasks.map((t) => ({ plugin: 'p', task: t })), responses, {
      round: 1,
      detectorsByPlugin: new Map([['p', ['same', 'round']]]),
      detectors: new Map([['same', perTask], ['round', round]]),
      memory: new Map(),
      log: () => {},
    });
    assert.deepEqual(findings.map((f) => [f.detector, f.taskKey, f.uids]), [['same', '1-p-0', [2]], ['round', '1-p-0', [2]]]);
    assert.equal(penalty('1-p-0', 2), 0.25);
    assert.equal(penalty('1-p-0', 1), 1);
    assert.equal(penalty('1-p-1', 2), 1);
  });

  it('calls a round-level detector once with the tasks of every plugin naming it, findings on any of them kept', async () => {
    const other = task('1-q-0');
    const calls: string[][] = [];
    const round = defineDetector({
      name: 'round',
      version: '1',
      inspectRound: (_ctx, all) => {
        calls.push(all.map((t) => t.task.id));
        return [{ taskId: '1-q-0', uids: [1], evidence: {}, penalty: 0 }, { taskId: '1-p-1', uids: [2], evidence: {}, penalty: 0 }];
      },
    });
    const { findings, penalty } = await runDetectors([...tasks.map((t) => ({ plugin: 'p', task: t })), { plugin: 'q', task: other }], [...responses, { ...response(other, 1, 'z'), plugin: 'q' }], {
      round: 1,
      detectorsByPlugin: new Map([['p', ['round']], ['q', ['round']]]),
      detectors: new Map([['round', round]]),
      memory: new Map(),
      log: () => {},
    });
    assert.deepEqual(calls, [['1-p-0', '1-p-1', '1-q-0']]);
    assert.deepEqual(findings.map((f) => f.taskKey), ['1-q-0', '1-p-1']);
    assert.equal(penalty('1-q-0', 1), 0);
  });

  it('keeps a detector’s memory between rounds of a run', async () => {
    const counting = defineDetector({
      name: 'counting',
      version: '1',
      inspectRound: (ctx) => {
        const seen = ((ctx.memory.get('rounds') as number | undefined) ?? 0) + 1;
        ctx.memory.set('rounds', seen);
        return seen >= 2 ? [{ taskId: '1-p-1', uids: [1], evidence: { seen }, penalty: 0 }] : [];
      },
    });
    const memory = new Map<string, Map<string, Json>>();
    const options = { round: 1, detectorsByPlugin: new Map([['p', ['counting']]]), detectors: new Map([['counting', counting]]), memory, log: () => {} };
    const plan = tasks.map((t) => ({ plugin: 'p', task: t }));
    assert.equal((await runDetectors(plan, responses, options)).findings.length, 0);
    assert.equal((await runDetectors(plan, responses, { ...options, round: 2 })).penalty('1-p-1', 1), 0);
  });

  it('logs a throwing detector and a finding on a task not in the round, and goes on', async () => {
    const logs: string[] = [];
    const throws = defineDetector({ name: 'throws', version: '1', inspect: () => { throw new Error('boom'); } });
    const stray = defineDetector({ name: 'stray', version: '1', inspectRound: () => [{ taskId: 'elsewhere', uids: [1], evidence: {}, penalty: 0 }] });
    const { findings } = await runDetectors(tasks.map((t) => ({ plugin: 'p', task: t })), responses, {
      round: 1,
      detectorsByPlugin: new Map([['p', ['throws', 'stray']]]),
      detectors: new Map([['throws', throws], ['stray', stray]]),
      memory: new Map(),
      log: (m) => logs.push(m),
    });
    assert.deepEqual(findings, []);
    assert.equal(logs.filter((l) => /throws failed on 1-p-\d: boom/.test(l)).length, 2);
    assert.ok(logs.some((l) => /named task elsewhere/.test(l)));
  });

  it('never lets a penalty raise a score: whatever detectors return, factors stay in [0, 1]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.double(), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity)), { minLength: 1, maxLength: 5 }), async (raw) => {
        const wild = defineDetector({ name: 'wild', version: '1', inspect: (_c, t) => (t.id === '1-p-0' ? raw.map((p) => ({ uids: [1], evidence: {}, penalty: p })) : []) });
        const { penalty } = await runDetectors([{ plugin: 'p', task: tasks[0] }], responses.slice(0, 1), { round: 1, detectorsByPlugin: new Map([['p', ['wild']]]), detectors: new Map([['wild', wild]]), memory: new Map(), log: () => {} });
        const factor = penalty('1-p-0', 1);
        assert.ok(factor >= 0 && factor <= 1, String(factor));
      }),
    );
  });

  it('refuses a detector with nothing to call', () => {
    assert.throws(() => defineDetector({ name: 'empty', version: '1' }), /needs inspect/);
  });
});
