/** The TypeScript baseline JPEG decoder and JPEG simulation, checked against libjpeg (mozjpeg) through sharp. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { isProctorError } from '../../core/errors.js';
import { NATURAL_IMAGE_PACKAGES } from '../../datasets/image/natural.js';
import { jpegRoundTrip } from './jpeg-compress.js';
import { quantisationTable } from './jpeg-dct.js';
import { decodeJpegSync } from './jpeg-decode.js';
import { psnr } from './metrics.js';
import { cropImage, type RgbImage } from './raster.js';
import { resizeArea } from './resample.js';

const require = createRequire(import.meta.url);
const photoBytes = (name: string) => (require(name) as () => Buffer)();

async function sharpPixels(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data, format: 'png' };
}

describe('decodeJpegSync', () => {
  it('decodes the nine bundled photographs as libjpeg does, to within 3 levels', async () => {
    for (const name of NATURAL_IMAGE_PACKAGES) {
      const bytes = photoBytes(name);
      const [mine, theirs] = [decodeJpegSync(bytes), await sharpPixels(bytes)];
      assert.deepEqual([mine.width, mine.height], [theirs.width, theirs.height], name);
      let [worst, sum] = [0, 0];
      for (let i = 0; i < mine.data.length; i++) {
        const d = Math.abs(mine.data[i] - theirs.data[i]);
        [worst, sum] = [Math.max(worst, d), sum + d];
      }
      assert.ok(worst <= 3 && sum / mine.data.length < 0.1, `${name}: worst ${worst}, mean ${sum / mine.data.length}`);
    }
  });

  it('decodes 4:2:0 and grey files', async () => {
    const photo = resizeArea(decodeJpegSync(photoBytes(NATURAL_IMAGE_PACKAGES[8])), 200, 160);
    const raw = () => sharp(Buffer.from(photo.data), { raw: { width: 200, height: 160, channels: 3 } });
    for (const [name, bytes] of [
      ['4:2:0', await raw().jpeg({ quality: 80, chromaSubsampling: '4:2:0' }).toBuffer()],
      ['grey', await raw().greyscale().jpeg({ quality: 80 }).toBuffer()],
    ] as const) {
      const [mine, theirs] = [decodeJpegSync(bytes), await sharpPixels(bytes)];
      // libjpeg upsamples chroma with a triangle filter, this decoder by replication: compare luminance.
      assert.ok(psnr(mine, theirs) > 40, `${name}: ${psnr(mine, theirs)} dB`);
    }
  });

  it('refuses progressive and truncated files with PROCTOR_ERR_IMAGE_INVALID', async () => {
    const progressive = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'teal' } }).jpeg({ progressive: true }).toBuffer();
    const bytes = photoBytes(NATURAL_IMAGE_PACKAGES[0]);
    for (const [name, input, message] of [
      ['progressive', progressive, /SOF2/],
      ['truncated', bytes.subarray(0, bytes.length >> 1), /truncated|Huffman|past/],
      ['not a JPEG', Buffer.from('not a jpeg'), /no SOI/],
    ] as const) {
      assert.throws(() => decodeJpegSync(input), (error: unknown) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_INVALID' && message.test(error.message), name);
    }
  });
});

describe('jpegRoundTrip', () => {
  it('uses the Annex K tables scaled as libjpeg scales them', () => {
    assert.equal(quantisationTable('luma', 50)[0], 16);
    assert.equal(quantisationTable('chroma', 50)[63], 99);
    assert.equal(quantisationTable('luma', 10)[0], 80); // scale 500: (16·500 + 50) / 100
    assert.ok(quantisationTable('luma', 100).every((q) => q === 1));
    assert.ok(quantisationTable('chroma', 1).every((q) => q === 255));
  });

  it('gives what mozjpeg at the same quality (Annex K tables, 4:2:0) decodes to, within 45 dB', async () => {
    const crop = resizeArea(cropImage(decodeJpegSync(photoBytes(NATURAL_IMAGE_PACKAGES[8])), { x: 300, y: 200, width: 256, height: 256 }), 128, 128);
    for (const quality of [8, 15, 25, 60]) {
      const simulated = jpegRoundTrip(crop, quality);
      const encoded = await sharp(Buffer.from(crop.data), { raw: { width: 128, height: 128, channels: 3 } })
        .jpeg({ quality, chromaSubsampling: '4:2:0', quantisationTable: 0, trellisQuantisation: false, overshootDeringing: false })
        .toBuffer();
      const real = decodeJpegSync(encoded);
      const [toReal, loss] = [psnr(simulated, real), psnr(crop, simulated)];
      assert.ok(toReal > 45, `quality ${quality}: simulation vs mozjpeg ${toReal} dB`);
      assert.ok(loss < 40, `quality ${quality}: the simulation does degrade (${loss} dB)`);
    }
  });
});
