/** image-fidelity on generated restoration tasks: the naive restoration scores 0, the original 1, closer scores higher; in the real worker pool too. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isProctorError } from '../../core/errors.js';
import type { Json, Task, Verdict } from '../../core/plugin-api.js';
import type { EvaluationJob } from '../../core/pool/evaluation.js';
import { createEvaluatorPool, type EvaluatorPool } from '../../core/pool/pool.js';
import { builtinEvaluators } from '../../core/registry.js';
import { generateRestorationTasks } from '../../datasets/image/restoration.js';
import { decodePngSync, encodePngSync } from '../../native/image/png.js';
import { borderMean, createImage, fillRect, type RgbImage } from '../../native/image/raster.js';
import { resizeImage } from '../../native/image/resample.js';
import imageFidelity, { type ImageFidelityOptions } from './image-fidelity.js';

const defaults = imageFidelity.options!.defaults;
const tasks = generateRestorationTasks({ seed: 'face', count: 8, round: 2 });
const byKind = (kind: string) => tasks.find((t) => t.kind === kind)!;
const decode = (base64: string) => decodePngSync(Buffer.from(base64, 'base64'));
const encode = (img: RgbImage) => encodePngSync(img).toString('base64');
const originalOf = (task: Task) => (task.answer as { original: string }).original;
const inputOf = (task: Task) => (task.payload as { image: string }).image;

function withNoise(img: RgbImage, amount: number): RgbImage {
  let state = 12345;
  const data = img.data.map((v) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.min(255, Math.max(0, Math.round(v + (state / 2 ** 32 - 0.5) * 2 * amount)));
  });
  return { ...img, data };
}

let state: Awaited<ReturnType<NonNullable<typeof imageFidelity.setup>>>;
before(async () => {
  state = await imageFidelity.setup!({ options: defaults, log: () => {} });
});

async function score(task: Task, response: Json, options: ImageFidelityOptions = defaults): Promise<Verdict> {
  const v = await imageFidelity.score({ options, log: () => {} }, { task, response }, state);
  assert.ok(typeof v === 'object');
  return v;
}

describe('image-fidelity', () => {
  it('scores the hidden original 1 and the echoed input 0 on every kind', async () => {
    for (const task of tasks) {
      assert.equal((await score(task, { image: originalOf(task) })).value, 1, task.id);
      const echo = await score(task, { image: inputOf(task) });
      assert.equal(echo.value, 0, `${task.id} (${task.kind}) echo: ${JSON.stringify(echo.details)}`);
    }
  });

  it('scores a plain bicubic upscale 0 on super-resolution, and records the metrics of both', async () => {
    const task = byKind('super-resolution');
    const bicubic = resizeImage(decode(inputOf(task)), 128, 128, 'cubic');
    const v = await score(task, { image: encode(bicubic) });
    assert.equal(v.value, 0);
    assert.deepEqual(v.details?.naiveMethods, ['bicubic-upscale']);
    assert.deepEqual(v.details?.response, v.details?.naive);
    assert.deepEqual(Object.keys(v.details?.naive as object), ['ssim', 'msSsim', 'psnr']);
    assert.equal(v.details?.msSsimScales, 4);
  });

  it('scores the mask filled with its border mean 0 on inpainting, as well as the mask left grey', async () => {
    for (const task of tasks.filter((t) => t.kind === 'inpaint')) {
      const mask = (task.payload as { mask: { x: number; y: number; width: number; height: number } }).mask;
      const input = decode(inputOf(task));
      const v = await score(task, { image: encode(fillRect(input, mask, borderMean(input, mask))) });
      assert.deepEqual([v.value, v.details?.naiveMethods], [0, ['input', 'border-mean-fill']]);
    }
  });

  it('scores higher the closer the response is to the original', async () => {
    for (const kind of ['denoise', 'jpeg-artifacts']) {
      const task = byKind(kind);
      const original = decode(originalOf(task));
      const values = [];
      for (const amount of [1, 3, 6, 12]) values.push((await score(task, { image: encode(withNoise(original, amount)) })).value);
      for (let k = 1; k < values.length; k++) assert.ok(values[k] < values[k - 1], `${kind}: ${values.join(', ')}`);
      assert.ok(values[0] > 0.5 && values[0] < 1, `${kind}: ${values[0]}`);
    }
  });

  it('scores 0 with a reason, not an error, for the wrong size and for bad bytes', async () => {
    const task = byKind('denoise');
    const small = await score(task, { image: encode(createImage(64, 64, [9, 9, 9])) });
    assert.deepEqual([small.value, small.details?.reason], [0, 'the image is 64×64; the task asks for 128×128']);
    const truncated = Buffer.from(originalOf(task), 'base64').subarray(0, 500).toString('base64');
    const bad = await score(task, { image: truncated });
    assert.deepEqual([bad.value, bad.details?.code], [0, 'PROCTOR_ERR_IMAGE_INVALID']);
    const none = await score(task, { answer: 'a picture' });
    assert.deepEqual([none.value, none.details?.reason], [0, 'the response has no string "image"']);
  });

  it('throws EVALUATOR_INPUT_MISSING when the task lacks its original or payload (the plugin\'s fault, not the miner\'s)', async () => {
    const task = byKind('denoise');
    const broken: Task[] = [{ ...task, answer: { picture: 'x' } }, { ...task, payload: { width: 128, height: 128 } }, { ...task, payload: { image: inputOf(task) } }];
    for (const t of broken) {
      await assert.rejects(score(t, { image: originalOf(task) }), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_EVALUATOR_INPUT_MISSING');
    }
  });

  it('weighs the metrics as the options say', async () => {
    const task = byKind('denoise');
    const response = { image: encode(withNoise(decode(originalOf(task)), 4)) };
    const all = await score(task, response);
    const n = all.details?.normalised as { ssim: number; msSsim: number; psnr: number };
    const psnrOnly = await score(task, response, { ...defaults, weights: { ssim: 0, msSsim: 0, psnr: 1 } });
    assert.equal(psnrOnly.value, n.psnr);
    assert.ok(Math.abs(all.value - (0.4 * n.ssim + 0.4 * n.msSsim + 0.2 * n.psnr)) < 1e-5);
    assert.equal(imageFidelity.options!.schema.safeParse({ ...defaults, weights: { ssim: 0, msSsim: 0, psnr: 0 } }).success, false);
  });

  it('leaves out a metric by which the naive restoration is already perfect, and says so when all are', async () => {
    const task = byKind('denoise');
    const clean: Task = { ...task, payload: { ...(task.payload as object), image: originalOf(task) } };
    const v = await score(clean, { image: originalOf(task) });
    assert.equal(v.value, 0);
    assert.match(String(v.details?.reason), /naive restoration already matches/);
  });

  it('does not mix up two tasks with the same id', async () => {
    const [a, b] = [byKind('denoise'), byKind('jpeg-artifacts')];
    const impostor: Task = { ...b, id: a.id, kind: a.kind };
    assert.equal((await score(a, { image: originalOf(a) })).value, 1);
    assert.equal((await score(impostor, { image: originalOf(b) })).value, 1);
    assert.equal((await score(impostor, { image: originalOf(a) })).details?.reason ?? null, null);
    assert.ok((await score(impostor, { image: originalOf(a) })).value < 0.5);
  });
});

describe('image-fidelity in the worker pool', () => {
  let pool: EvaluatorPool;
  before(() => {
    pool = createEvaluatorPool({ size: 2, timeoutMs: 60_000 });
  });
  after(() => pool.close());

  it('loads sharp in worker threads and gives the verdicts of the inline evaluator', async () => {
    const evaluator = { name: 'image-fidelity', version: imageFidelity.version, module: builtinEvaluators['image-fidelity'], options: {} };
    const samples = tasks.flatMap((task) => [
      { task, response: { image: originalOf(task) } as Json },
      { task, response: { image: inputOf(task) } as Json },
      { task, response: { image: encode(withNoise(decode(originalOf(task)), 5)) } as Json },
    ]);
    const jobs: EvaluationJob[] = samples.map((sample, id) => ({ id, evaluator, sample }));
    const results = await pool.evaluate(jobs);
    for (const [k, result] of results.entries()) {
      assert.equal(result.status, 'ok', JSON.stringify(result));
      const inline = await score(samples[k].task, samples[k].response);
      assert.equal(result.status === 'ok' && result.value, inline.value, `job ${k}`);
    }
  });
});
