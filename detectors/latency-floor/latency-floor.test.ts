import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ResponseView, Task } from '../../core/plugin-api.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import detector, { createLatencyFloor, LATENCY_FLOOR_DEFAULTS } from './latency-floor.js';

const logs: string[] = [];
const ctx = { round: 1, log: (m: string) => logs.push(m), memory: new Map() };
const view = (uid: number, latencyMs: number): ResponseView => ({ uid, hotkey: `hk${uid}`, receivedAtMs: latencyMs + 3, latencyMs, response: { image: 'x' } });
const task = (kind: string, meta: Task['meta'] = {}): Task => ({ id: `1-p-${kind}`, kind, prompt: 'p', payload: null, answer: null, meta });

describe('latency-floor', () => {
  it('penalises an image answer faster than the floor in proportion, and leaves the others', async () => {
    const findings = await detector.inspect!(ctx, task('denoise'), [view(1, 0), view(2, 1.5), view(3, 3), view(4, 250)]);
    assert.deepEqual(findings.map((f) => [f.uids[0], f.penalty]), [[1, 0], [2, 0.5]]);
    assert.deepEqual(findings[1].evidence, { task: '1-p-denoise', kind: 'denoise', latencyMs: 1.5, floorMs: 3, floorFrom: 'kind', hotkey: 'hk2', receivedAtMs: 4.5 });
  });

  it('has no floor for text kinds: a reference miner\'s work there is microseconds', async () => {
    for (const t of generateTextTasks({ seed: 'aa', count: 7, round: 1 })) assert.deepEqual(await detector.inspect!(ctx, t, [view(1, 0.2)]), [], t.kind);
  });

  it('takes the task\'s own floor from meta.minLatencyMs, over the kind\'s', async () => {
    const findings = await detector.inspect!(ctx, task('continuation', { minLatencyMs: 40 }), [view(1, 10), view(2, 45)]);
    assert.deepEqual(findings.map((f) => [f.uids[0], f.penalty, f.evidence.floorFrom]), [[1, 0.25, 'task']]);
    assert.deepEqual(await detector.inspect!(ctx, task('denoise', { minLatencyMs: 0 }), [view(1, 0)]), [], 'a stated 0 turns the floor off');
  });

  it('ignores a floor a task states badly, says so, and keeps the kind\'s', async () => {
    logs.length = 0;
    for (const bad of [-1, 'fast', 1e9, null]) {
      const findings = await detector.inspect!(ctx, task('inpaint', { minLatencyMs: bad }), [view(1, 1.5)]);
      assert.deepEqual(findings.map((f) => [f.penalty, f.evidence.floorFrom]), [[0.5, 'kind']], String(bad));
    }
    assert.equal(logs.length, 4);
    assert.match(logs[0], /minLatencyMs -1/);
  });

  it('uses options: per-kind floors and a default for unknown kinds', async () => {
    const strict = createLatencyFloor({ floorsMs: { ...LATENCY_FLOOR_DEFAULTS.floorsMs, summary: 20 }, defaultFloorMs: 10 });
    assert.deepEqual((await strict.inspect!(ctx, task('summary'), [view(1, 5)])).map((f) => f.penalty), [0.25]);
    assert.deepEqual((await strict.inspect!(ctx, task('new-kind'), [view(1, 5)])).map((f) => [f.penalty, f.evidence.floorFrom]), [[0.5, 'default']]);
  });

  it('property: every penalty is in [0, 1) and only responses under the floor get one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.double({ min: -10, max: 100 }), fc.constant(Number.NaN), fc.constant(Infinity)), { maxLength: 8 }), fc.double({ min: 0, max: 50, noNaN: true }), async (latencies, floor) => {
        const findings = await detector.inspect!(ctx, task('x', { minLatencyMs: floor }), latencies.map((l, i) => view(i, l)));
        for (const f of findings) {
          assert.ok(f.penalty >= 0 && f.penalty < 1, String(f.penalty));
          assert.ok((f.evidence.latencyMs as number) < floor);
        }
        const under = latencies.filter((l) => Number.isFinite(l) && Math.max(0, l) < floor).length;
        assert.equal(findings.length, floor > 0 ? under : 0);
      }),
    );
  });
});
