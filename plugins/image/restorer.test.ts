/** The reference restorations on generated tasks, scored by the real evaluators: a better level scores higher, the naive ones 0. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Task } from '../../core/plugin-api.js';
import { generateRestorationTasks } from '../../datasets/image/restoration.js';
import imageFidelity from '../../evaluators/image-fidelity/image-fidelity.js';
import imageValidity from '../../evaluators/image-validity/image-validity.js';
import { RESTORATION_KINDS } from '../../datasets/image/degrade.js';
import { RESTORATION_LEVELS, restoreImage, type RestorationLevel } from './restorer.js';

const tasks = generateRestorationTasks({ seed: 'beef', count: 20, round: 1 });
/** scores[kind][level] = the image-fidelity values of that level on the tasks of that kind. */
const scores: Record<string, Record<RestorationLevel, number[]>> = {};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const meanOf = (kind: string, level: RestorationLevel) => mean(scores[kind][level]);

before(async () => {
  const options = imageFidelity.options!.defaults;
  const state = await imageFidelity.setup!({ options, log: () => {} });
  for (const task of tasks) {
    for (const level of RESTORATION_LEVELS) {
      const response = await restoreImage(task, level);
      const validity = await imageValidity.score({ options: imageValidity.options!.defaults, log: () => {} }, { task, response }, undefined);
      assert.equal(typeof validity === 'object' && validity.value, 1, `${task.id} ${level}: ${JSON.stringify(validity)}`);
      const verdict = await imageFidelity.score({ options, log: () => {} }, { task, response }, state);
      ((scores[task.kind] ??= {} as Record<RestorationLevel, number[]>)[level] ??= []).push((verdict as { value: number }).value);
    }
  }
});

const levelsOf = (task: Task) => RESTORATION_LEVELS.map((level) => scores[task.kind][level]);

describe('restoreImage', () => {
  it('answers every task at every level with a valid image of the asked size', () => {
    assert.deepEqual(Object.keys(scores).sort(), [...RESTORATION_KINDS].sort());
    for (const task of tasks) for (const values of levelsOf(task)) assert.equal(values.length, 5);
  });

  it('scores 0 where it does what the naive baseline does: bicubic super-resolution, echoed noise and JPEG, border-mean inpainting', () => {
    assert.deepEqual(scores['super-resolution'].bicubic, [0, 0, 0, 0, 0]);
    assert.deepEqual(scores.denoise.nearest, [0, 0, 0, 0, 0]);
    assert.deepEqual(scores['jpeg-artifacts'].nearest, [0, 0, 0, 0, 0]);
    assert.deepEqual(scores.inpaint.nearest, [0, 0, 0, 0, 0]);
  });

  it('scores each better level higher on average, kind by kind', () => {
    for (const kind of RESTORATION_KINDS) {
      const means = RESTORATION_LEVELS.map((level) => meanOf(kind, level));
      const report = `${kind}: ${RESTORATION_LEVELS.map((l, i) => `${l} ${means[i].toFixed(3)}`).join(', ')}`;
      assert.ok(means[3] > means[2] && means[2] > means[1] && means[2] > means[0], report);
      assert.ok(means[3] > 0.1, report);
    }
    // Where the middle levels do something different, they are strictly ordered too.
    assert.ok(meanOf('denoise', 'lanczos-sharpen') > meanOf('denoise', 'bicubic') && meanOf('denoise', 'bicubic') > 0);
    assert.ok(meanOf('super-resolution', 'lanczos-sharpen') > 0.05);
  });

  it('gives the same image for the same task and level', async () => {
    const task = tasks.find((t) => t.kind === 'denoise')!;
    assert.deepEqual(await restoreImage(task, 'good'), await restoreImage(task, 'good'));
  });
});
