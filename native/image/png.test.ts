/** The synchronous PNG encoder and decoder, checked against libpng through sharp. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { isProctorError } from '../../core/errors.js';
import { decodePngSync, encodePngSync } from './png.js';
import { createImage, type RgbImage } from './raster.js';

function texture(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  let state = 99;
  for (let i = 0; i < img.data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    img.data[i] = (i % 3 === 0 ? (i / 3) % width : state >>> 24) & 255;
  }
  return img;
}

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return isProctorError(error) ? error.code : String(error);
  }
  return 'no error';
};

describe('encodePngSync and decodePngSync', () => {
  it('write a PNG that libpng reads back pixel for pixel', async () => {
    const img = texture(37, 21);
    const { data, info } = await sharp(encodePngSync(img)).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [37, 21, 3]);
    assert.deepEqual(Buffer.from(data), Buffer.from(img.data));
  });

  it('round-trip their own output and give the same bytes for the same pixels', () => {
    const img = texture(16, 9);
    const png = encodePngSync(img);
    assert.deepEqual(Buffer.from(decodePngSync(png).data), Buffer.from(img.data));
    assert.deepEqual(encodePngSync(texture(16, 9)), png);
  });

  it('read what libpng writes: RGBA over white, grey, 16-bit and palette', async () => {
    const img = texture(12, 10);
    const raw = () => sharp(Buffer.from(img.data), { raw: { width: 12, height: 10, channels: 3 } });
    for (const [name, png] of [
      ['16-bit', await raw().toColourspace('rgb16').png().toBuffer()],
      ['grey', await raw().greyscale().png().toBuffer()],
      ['palette', await raw().png({ palette: true, colours: 16 }).toBuffer()],
      ['rgba', await raw().ensureAlpha(0.25).png().toBuffer()],
    ] as const) {
      const expected = await sharp(png).flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer();
      const got = decodePngSync(png).data;
      const worst = got.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i])), 0);
      assert.ok(worst <= 1, `${name}: off by ${worst}`);
    }
  });

  it('refuses a truncated file, a bad CRC, a huge canvas and a non-PNG with coded errors', () => {
    const png = encodePngSync(texture(32, 32));
    assert.equal(codeOf(() => decodePngSync(png.subarray(0, png.length - 30))), 'PROCTOR_ERR_IMAGE_INVALID');
    const corrupt = Buffer.from(png);
    corrupt[50] ^= 1;
    assert.equal(codeOf(() => decodePngSync(corrupt)), 'PROCTOR_ERR_IMAGE_INVALID');
    assert.equal(codeOf(() => decodePngSync(png, 100)), 'PROCTOR_ERR_IMAGE_TOO_LARGE');
    assert.equal(codeOf(() => decodePngSync(Buffer.from('GIF89a not a png at all'))), 'PROCTOR_ERR_IMAGE_INVALID');
  });
});
