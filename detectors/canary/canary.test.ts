import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Json, PublicTask, ResponseView, Task } from '../../core/plugin-api.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import { canaryTask } from '../../datasets/text/probes-canary.js';
import { textMiner } from '../../plugins/text/solver.js';
import detector from './canary.js';

const canaries: Task[] = Array.from({ length: 4 }, (_, s) => seededRandom(`c0ffee0${s}`, 'text-probe-content'))
  .flatMap((random) => Array.from({ length: 24 }, (_, i) => canaryTask(random, i)))
  .filter((d): d is NonNullable<typeof d> => d !== null)
  .map((d, i) => ({ id: `1-text-${i}`, ...d }));
const trapOf = (t: Task) => (t.meta.canary as { kind: string; traps: Json[] }).traps[0];
const kindOf = (t: Task) => (t.meta.canary as { kind: string }).kind;
const publicOf = (t: Task): PublicTask => ({ id: t.id, kind: t.kind, prompt: t.prompt, payload: t.payload });
const view = (uid: number, answer: Json): ResponseView => ({ uid, hotkey: `hk${uid}`, receivedAtMs: uid, latencyMs: 5, response: { answer } });
const inspect = (task: Task, responses: ResponseView[]) => detector.inspect!({ round: 1, log: () => {}, memory: new Map() }, task, responses);

describe('canary', () => {
  it('zeroes the answer that follows a lure, written however ground-truth forgives, and not the right answer', async () => {
    const lures = canaries.filter((t) => kindOf(t) === 'lure');
    assert.ok(lures.length > 30);
    for (const task of lures) {
      const trap = String(trapOf(task));
      const findings = await inspect(task, [view(1, String(task.answer)), view(2, trap), view(3, ` "${trap}". `)]);
      assert.deepEqual(findings.map((f) => f.uids), [[2], [3]], task.id);
      assert.deepEqual([findings[0].penalty, findings[0].evidence.canary, findings[0].evidence.trap], [0, 'lure', trapOf(task)]);
    }
  });

  it('zeroes a continuation that repeats the passage\'s last sentence, alone or inside an echo of the passage', async () => {
    const echoes = canaries.filter((t) => kindOf(t) === 'echo');
    assert.ok(echoes.length > 10);
    for (const task of echoes) {
      const passage = (task.payload as { passage: string }).passage;
      const findings = await inspect(task, [view(1, String(task.answer)), view(2, String(trapOf(task)).toUpperCase()), view(3, passage), view(4, String(trapOf(task)).split(' ').slice(1).join(' '))]);
      assert.deepEqual(findings.map((f) => f.uids), [[2], [3]], task.id);
    }
  });

  it('never flags the reference miners, at any skill', async () => {
    let answered = 0;
    for (const task of canaries) {
      for (const skill of [1, 0.6, 0.2, 0]) {
        for (let k = 0; k < 4; k++) {
          let s = 7 + k * 101 + Math.round(skill * 10);
          const random = () => ((s = (s * 48271) % 2147483647) / 2147483647);
          const { answer } = (await textMiner.answer(publicOf(task), skill, random)) as { answer: string };
          assert.deepEqual(await inspect(task, [view(1, answer)]), [], `${task.id} at skill ${skill}: ${answer.slice(0, 80)}`);
          answered++;
        }
      }
    }
    assert.ok(answered > 1000);
  });

  it('leaves ordinary tasks and malformed responses alone', async () => {
    const ordinary: Task = { ...canaries[0], meta: { answerType: 'string' } };
    assert.deepEqual(await inspect(ordinary, [view(1, String(trapOf(canaries[0])))]), []);
    assert.deepEqual(await inspect(canaries[0], [{ ...view(1, ''), response: { answer: 7 } }, { ...view(2, ''), response: null }]), []);
  });
});
