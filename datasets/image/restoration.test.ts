/** Restoration tasks: deterministic from the seed, the payload a faithful degradation of the hidden original, nothing hidden leaked. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Task } from '../../core/plugin-api.js';
import { jpegRoundTrip } from '../../native/image/jpeg-compress.js';
import { psnr, ssim } from '../../native/image/metrics.js';
import { decodePngSync } from '../../native/image/png.js';
import { cropImage, luminanceStdDev, type RgbImage } from '../../native/image/raster.js';
import { resizeArea } from '../../native/image/resample.js';
import { seededRandom } from '../seeded-random.js';
import { MASK_FILL, RESTORATION_KINDS } from './degrade.js';
import { NATURAL_IMAGE_PACKAGES, naturalOriginal, naturalPhotograph } from './natural.js';
import { DEFAULT_ORIGINAL_SIZE, generateRestorationTasks, IMAGE_DATASET_VERSION } from './restoration.js';

const tasks = generateRestorationTasks({ seed: 'c0ffee', count: 16, round: 7 });
const png = (base64: string): RgbImage => decodePngSync(Buffer.from(base64, 'base64'));
const payloadOf = (task: Task) => task.payload as { image: string; width: number; height: number; scale?: number; mask?: { x: number; y: number; width: number; height: number } };
const originalOf = (task: Task) => png((task.answer as { original: string }).original);
const inputOf = (task: Task) => png(payloadOf(task).image);

describe('generateRestorationTasks', () => {
  it('gives the same tasks for the same seed, other tasks for another seed, and a longer draw extends a shorter one', () => {
    assert.equal(IMAGE_DATASET_VERSION, '1.0.0');
    assert.deepEqual(generateRestorationTasks({ seed: 'c0ffee', count: 16, round: 7 }), tasks);
    const other = generateRestorationTasks({ seed: 'c0ffef', count: 16, round: 7 });
    assert.notDeepEqual(other.map((t) => t.answer), tasks.map((t) => t.answer));
    assert.deepEqual(generateRestorationTasks({ seed: 'c0ffee', count: 5, round: 7 }), tasks.slice(0, 5));
  });

  it('draws the four kinds in shuffled blocks, both sources, ids by round and index', () => {
    for (let block = 0; block < 4; block++) assert.deepEqual(tasks.slice(4 * block, 4 * block + 4).map((t) => t.kind).sort(), [...RESTORATION_KINDS].sort());
    assert.deepEqual(tasks.map((t) => t.id).slice(0, 3), ['7-image-0', '7-image-1', '7-image-2']);
    const sources = new Set(tasks.map((t) => t.meta.source));
    assert.ok(sources.has('procedural') && [...sources].some((s) => NATURAL_IMAGE_PACKAGES.includes(s as string)), [...sources].join(', '));
  });

  it('states the size to return, and the hidden original has it and enough detail', () => {
    for (const task of tasks) {
      const { width, height } = payloadOf(task);
      assert.deepEqual([width, height], [DEFAULT_ORIGINAL_SIZE, DEFAULT_ORIGINAL_SIZE]);
      assert.match(task.prompt, new RegExp(`exactly ${width}×${height} pixels`));
      assert.match(task.prompt, /"image"/);
      const original = originalOf(task);
      assert.deepEqual([original.width, original.height], [width, height]);
      assert.ok(luminanceStdDev(original) >= 12, `${task.id} is flat`);
      assert.equal(task.meta.originalSha256, createHash('sha256').update(Buffer.from((task.answer as { original: string }).original, 'base64')).digest('hex'));
    }
  });

  it('never puts the original in the public task', () => {
    for (const task of tasks) {
      const original = (task.answer as { original: string }).original;
      assert.ok(!JSON.stringify({ prompt: task.prompt, payload: task.payload }).includes(original.slice(0, 200)), task.id);
      const input = inputOf(task);
      if (input.width === originalOf(task).width) assert.ok(ssim(input, originalOf(task)) < 0.995, `${task.id} is barely degraded`);
    }
  });

  it('degrades exactly as meta.degradation says', () => {
    for (const task of tasks) {
      const [original, input, d] = [originalOf(task), inputOf(task), task.meta.degradation as { [key: string]: number }];
      if (task.kind === 'super-resolution') {
        assert.equal(payloadOf(task).scale, d.scale);
        assert.deepEqual(Buffer.from(input.data), Buffer.from(resizeArea(original, 128 / d.scale, 128 / d.scale).data), task.id);
      } else if (task.kind === 'jpeg-artifacts') {
        assert.deepEqual(Buffer.from(input.data), Buffer.from(jpegRoundTrip(original, d.quality).data), task.id);
        assert.ok(d.quality >= 8 && d.quality <= 25);
      } else if (task.kind === 'denoise') {
        // Clipping shrinks the noise near 0 and 255: its spread lies below σ, not far below.
        const spread = Math.sqrt(input.data.reduce((s, v, i) => s + (v - original.data[i]) ** 2, 0) / input.data.length);
        assert.ok(spread <= d.sigma * 1.05 && spread >= d.sigma * 0.6, `${task.id}: σ ${d.sigma}, measured ${spread}`);
      } else {
        const mask = payloadOf(task).mask!;
        assert.deepEqual(mask, { x: d.x, y: d.y, width: d.width, height: d.height });
        assert.ok(mask.x >= 4 && mask.y >= 4 && mask.x + mask.width <= 124 && mask.y + mask.height <= 124, JSON.stringify(mask));
        const hole = cropImage(input, mask);
        for (let i = 0; i < hole.data.length; i += 3) assert.deepEqual([...hole.data.subarray(i, i + 3)], [...MASK_FILL]);
        for (let i = 0; i < 128 * 128; i++) {
          const [x, y] = [i % 128, Math.floor(i / 128)];
          const inMask = x >= mask.x && x < mask.x + mask.width && y >= mask.y && y < mask.y + mask.height;
          if (!inMask) assert.deepEqual(input.data.subarray(3 * i, 3 * i + 3), original.data.subarray(3 * i, 3 * i + 3), `${task.id}: pixel ${x}, ${y} outside the mask changed`);
        }
      }
    }
  });

  it('cuts natural originals that can be cut again from meta.crop', () => {
    for (const task of tasks.filter((t) => t.meta.source !== 'procedural')) {
      const crop = task.meta.crop as { source: string; x: number; y: number; side: number; mirrored: boolean };
      let again = resizeArea(cropImage(naturalPhotograph(crop.source), { x: crop.x, y: crop.y, width: crop.side, height: crop.side }), 128, 128);
      if (crop.mirrored) {
        const m = { ...again, data: new Uint8Array(again.data.length) };
        for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) m.data.set(again.data.subarray(3 * (y * 128 + x), 3 * (y * 128 + x) + 3), 3 * (y * 128 + 127 - x));
        again = m;
      }
      assert.equal(psnr(again, originalOf(task)), Infinity, task.id);
    }
  });

  it('takes another original size on request, and refuses one that is not a multiple of 4', () => {
    const [big] = generateRestorationTasks({ seed: 'ab', count: 1, round: 1, size: 192 });
    assert.deepEqual([originalOf(big).width, payloadOf(big).width], [192, 192]);
    assert.throws(() => generateRestorationTasks({ seed: 'ab', count: 1, round: 1, size: 130 }), /multiple of 4/);
  });

  it('draws square crops from all nine photographs, at sizes from the task size to four times it', () => {
    const random = seededRandom('feed', 'natural-test');
    const crops = Array.from({ length: 40 }, () => naturalOriginal(random, 64));
    assert.equal(new Set(crops.map((c) => c.crop.source)).size, 9);
    for (const { image, crop } of crops) {
      assert.deepEqual([image.width, image.height], [64, 64]);
      assert.ok(crop.side >= 64 && crop.side <= 256, String(crop.side));
    }
  });
});
