/** image-validity on real encoded images: 1 for a usable image, 0 with the reason for everything else, never a throw. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import { generateRestorationTasks } from '../../datasets/image/restoration.js';
import { encodePngSync } from '../../native/image/png.js';
import { createImage } from '../../native/image/raster.js';
import imageValidity, { type ImageValidityOptions } from './image-validity.js';

const defaults = imageValidity.options!.defaults;
const [task] = generateRestorationTasks({ seed: 'aa55', count: 1, round: 1 });
const original = (task.answer as { original: string }).original;

async function verdict(response: Json, options: ImageValidityOptions = defaults, t: Task = task): Promise<Verdict> {
  const v = await imageValidity.score({ options, log: () => {} }, { task: t, response }, undefined);
  assert.ok(typeof v === 'object');
  return v;
}

async function rejected(response: Json, reason: RegExp, code: string | null, options = defaults): Promise<void> {
  const v = await verdict(response, options);
  assert.equal(v.value, 0, JSON.stringify(v.details));
  assert.match(String(v.details?.reason), reason);
  assert.equal(v.details?.code ?? null, code);
}

describe('image-validity', () => {
  it('accepts a PNG or a WebP of the asked size, and reports what it found', async () => {
    const v = await verdict({ image: original });
    assert.equal(v.value, 1);
    assert.deepEqual({ ...v.details, lumaStdDev: undefined }, { expected: { width: 128, height: 128 }, format: 'png', width: 128, height: 128, bytes: Buffer.from(original, 'base64').length, lumaStdDev: undefined });
    const webp = await sharp(Buffer.from(original, 'base64')).webp({ quality: 80 }).toBuffer();
    assert.equal((await verdict({ image: webp.toString('base64') })).value, 1);
  });

  it('scores 0 an image of the wrong size, naming both sizes', async () => {
    const small = encodePngSync(createImage(64, 128, [10, 200, 30])).toString('base64');
    await rejected({ image: small }, /the image is 64×128; the task asks for 128×128/, null);
  });

  it('scores 0 a blank image, and one that is nearly blank', async () => {
    await rejected({ image: encodePngSync(createImage(128, 128, [255, 255, 255])).toString('base64') }, /blank: luminance standard deviation 0 < 2/, null);
    const faint = createImage(128, 128, [120, 120, 120]);
    faint.data[0] = 121; // one pixel a level off: still blank to the eye
    await rejected({ image: encodePngSync(faint).toString('base64') }, /blank/, null);
  });

  it('scores 0 with the decoder\'s code for JPEG, truncated, too many bytes or pixels, and non-image bytes', async () => {
    const jpeg = await sharp(Buffer.from(original, 'base64')).jpeg().toBuffer();
    await rejected({ image: jpeg.toString('base64') }, /the image is JPEG/, 'PROCTOR_ERR_IMAGE_FORMAT');
    const bytes = Buffer.from(original, 'base64');
    await rejected({ image: bytes.subarray(0, bytes.length >> 1).toString('base64') }, /cannot be decoded/, 'PROCTOR_ERR_IMAGE_INVALID');
    await rejected({ image: original }, /size in bytes/, 'PROCTOR_ERR_IMAGE_TOO_LARGE', { ...defaults, maxBytes: 1000 });
    await rejected({ image: original }, /pixel count \(16384\)/, 'PROCTOR_ERR_IMAGE_TOO_LARGE', { ...defaults, maxPixels: 10_000 });
    await rejected({ image: Buffer.from('GET / HTTP/1.1').toString('base64') }, /not an image/, 'PROCTOR_ERR_IMAGE_INVALID');
    await rejected({ image: 'not base64 at all!' }, /not valid base64/, 'PROCTOR_ERR_IMAGE_INVALID');
  });

  it('scores 0 a response without a string image, whatever its shape', async () => {
    for (const response of [null, 'iVBOR', [original], {}, { image: 42 }, { picture: original }] as Json[]) {
      await rejected(response, /no string "image"/, null);
    }
  });

  it('checks no size when the task states none', async () => {
    const free: Task = { ...task, payload: { text: 'anything' } };
    const v = await verdict({ image: encodePngSync(createImage(30, 20, [0, 0, 0])).toString('base64') }, { ...defaults, minStdDev: 0 }, free);
    assert.equal(v.value, 1);
    assert.equal(v.details?.expected, null);
  });

  it('gives the same verdict twice and leaves the sample as it was', async () => {
    const sample: Sample = { task, response: { image: original } };
    const before = JSON.stringify(sample);
    const [a, b] = [await imageValidity.score({ options: defaults, log: () => {} }, sample, undefined), await imageValidity.score({ options: defaults, log: () => {} }, sample, undefined)];
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(sample), before);
  });

  it('refuses options out of range', () => {
    assert.equal(imageValidity.options!.schema.safeParse({ ...defaults, minStdDev: -1 }).success, false);
    assert.equal(imageValidity.options!.schema.safeParse({ ...defaults, maxBytes: 0 }).success, false);
    assert.equal(imageValidity.options!.schema.safeParse(defaults).success, true);
  });
});
