/** Area and kernel resampling: exact box means, centred kernels, flat images kept flat. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createImage, type RgbImage } from './raster.js';
import { resizeArea, resizeImage, type ResizeKernel } from './resample.js';

function ramp(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < width * height; i++) img.data.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256], 3 * i);
  return img;
}

/** The brightness-weighted mean x of row `y`, channel 0. */
function centroid(img: RgbImage, y = 0): number {
  let [moment, mass] = [0, 0];
  for (let x = 0; x < img.width; x++) [moment, mass] = [moment + x * img.data[3 * (y * img.width + x)], mass + img.data[3 * (y * img.width + x)]];
  return moment / mass;
}

describe('resizeArea', () => {
  it('is the plain box mean for an integer factor', () => {
    const img = ramp(8, 8);
    const small = resizeArea(img, 2, 2);
    const at = (x: number, y: number, c: number) => img.data[3 * (y * 8 + x) + c];
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let y = 4; y < 8; y++) for (let x = 0; x < 4; x++) sum += at(x, y, c);
      assert.equal(small.data[3 * 2 + c], Math.round(sum / 16));
    }
  });

  it('weights partly covered pixels by the covered fraction (3 → 2)', () => {
    const img = createImage(3, 1);
    img.data.set([0, 0, 0, 90, 90, 90, 180, 180, 180]);
    // Output 0 covers source [0, 1.5): (0·1 + 90·0.5) / 1.5 = 30; output 1 covers [1.5, 3): (90·0.5 + 180) / 1.5 = 150.
    assert.deepEqual([...resizeArea(img, 2, 1).data], [30, 30, 30, 150, 150, 150]);
  });
});

describe('resizeImage', () => {
  it('keeps a single bright pixel centred when upscaling ×4 (at 4·3 + 1.5 = 13.5)', () => {
    const img = createImage(8, 1);
    img.data.set([255, 255, 255], 9);
    for (const kernel of ['nearest', 'cubic', 'lanczos3'] as ResizeKernel[]) {
      assert.ok(Math.abs(centroid(resizeImage(img, 32, 1, kernel)) - 13.5) < 1e-9, kernel);
    }
  });

  it('keeps a flat image flat, edges included, and gives back the input at the same size', () => {
    for (const kernel of ['nearest', 'cubic', 'lanczos3'] as ResizeKernel[]) {
      const flat = resizeImage(createImage(9, 7, [40, 120, 200]), 31, 17, kernel);
      for (let i = 0; i < flat.data.length; i += 3) assert.deepEqual([...flat.data.subarray(i, i + 3)], [40, 120, 200], kernel);
      const img = ramp(10, 6);
      assert.deepEqual(Buffer.from(resizeImage(img, 10, 6, kernel).data), Buffer.from(img.data), `${kernel} identity`);
    }
  });

  it('replicates pixels with nearest neighbour, so that a box downscale gives the input back', () => {
    const img = ramp(5, 4);
    assert.deepEqual(Buffer.from(resizeArea(resizeImage(img, 20, 16, 'nearest'), 5, 4).data), Buffer.from(img.data));
  });
});
