/** decodeImage on real sharp: what it accepts, and the coded error for everything else. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { isProctorError } from '../../core/errors.js';
import { decodeImage, DEFAULT_IMAGE_LIMITS, encodePng, type ImageLimits } from './decode.js';
import { crc32, encodePngSync } from './png.js';
import { createImage, type RgbImage } from './raster.js';

function gradient(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < width * height; i++) {
    const [x, y] = [i % width, Math.floor(i / width)];
    img.data.set([(x * 255) / width, (y * 255) / height, (x * y * 31) % 256], 3 * i);
  }
  return img;
}

async function rejects(input: Uint8Array | string, code: string, message: RegExp, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<void> {
  await assert.rejects(decodeImage(input, limits), (error: unknown) => {
    assert.ok(isProctorError(error), `a ProctorError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

/** A valid PNG whose header declares `width` × `height` but whose data is a few bytes. */
function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(out, 4, 8 + body.length), 8 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([encodePngSync(createImage(1, 1)).subarray(0, 8), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

describe('decodeImage', () => {
  it('decodes a PNG, from bytes or bare base64, to the same RGB pixels', async () => {
    const img = gradient(40, 30);
    const png = encodePngSync(img);
    for (const input of [png, png.toString('base64'), await encodePng(img)]) {
      const got = await decodeImage(input, DEFAULT_IMAGE_LIMITS);
      assert.deepEqual([got.width, got.height, got.format], [40, 30, 'png']);
      assert.deepEqual(Buffer.from(got.data), Buffer.from(img.data));
    }
  });

  it('decodes lossless WebP exactly, and 16-bit, grey and palette PNGs to 8-bit RGB', async () => {
    const img = gradient(24, 16);
    const raw = () => sharp(Buffer.from(img.data), { raw: { width: 24, height: 16, channels: 3 } });
    const webp = await decodeImage(await raw().webp({ lossless: true }).toBuffer(), DEFAULT_IMAGE_LIMITS);
    assert.equal(webp.format, 'webp');
    assert.deepEqual(Buffer.from(webp.data), Buffer.from(img.data));
    const deep = await decodeImage(await raw().toColourspace('rgb16').png().toBuffer(), DEFAULT_IMAGE_LIMITS);
    assert.deepEqual(Buffer.from(deep.data), Buffer.from(img.data));
    const grey = await decodeImage(await raw().greyscale().png().toBuffer(), DEFAULT_IMAGE_LIMITS);
    assert.equal(grey.data.length, 24 * 16 * 3);
    assert.ok(grey.data[3] === grey.data[4] && grey.data[4] === grey.data[5], 'grey stays grey in RGB');
    const palette = await decodeImage(await raw().png({ palette: true, colours: 8 }).toBuffer(), DEFAULT_IMAGE_LIMITS);
    assert.equal(palette.data.length, 24 * 16 * 3);
  });

  it('flattens alpha onto white', async () => {
    const transparent = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const half = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    assert.deepEqual([...(await decodeImage(transparent, DEFAULT_IMAGE_LIMITS)).data.subarray(0, 3)], [255, 255, 255]);
    const mid = (await decodeImage(half, DEFAULT_IMAGE_LIMITS)).data[0];
    assert.ok(mid >= 126 && mid <= 128, `half-transparent black over white is mid grey, got ${mid}`);
  });

  it('refuses bytes over the cap before decoding, and base64 over the cap before decoding the base64', async () => {
    const png = encodePngSync(gradient(64, 64));
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxBytes: png.length - 1 };
    await rejects(png, 'PROCTOR_ERR_IMAGE_TOO_LARGE', /size in bytes \(\d+\) exceeds the limit/, limits);
    await rejects('A'.repeat(8 * 1024 * 1024), 'PROCTOR_ERR_IMAGE_TOO_LARGE', /size in bytes \(6291456\) exceeds the limit of 4194304/);
  });

  it('refuses a tiny file that declares a huge canvas from its header, before decoding pixels', async () => {
    const wide = bombPng(100_000, 100_000);
    assert.ok(wide.length < 200, 'the bomb is tiny');
    await rejects(wide, 'PROCTOR_ERR_IMAGE_TOO_LARGE', /width \(100000\) exceeds the limit of 8192/);
    await rejects(bombPng(5000, 5000), 'PROCTOR_ERR_IMAGE_TOO_LARGE', /pixel count \(25000000\) exceeds the limit of 16777216/);
    await rejects(bombPng(64, 64), 'PROCTOR_ERR_IMAGE_TOO_LARGE', /pixel count \(4096\)/, { ...DEFAULT_IMAGE_LIMITS, maxPixels: 1000 });
  });

  it('refuses a truncated PNG and one with a corrupt chunk', async () => {
    const png = encodePngSync(gradient(64, 64));
    await rejects(png.subarray(0, Math.floor(png.length / 2)), 'PROCTOR_ERR_IMAGE_INVALID', /cannot be decoded/);
    await rejects(png.subarray(0, 40), 'PROCTOR_ERR_IMAGE_INVALID', /cannot be decoded/);
    const corrupt = Buffer.from(png);
    corrupt[60] ^= 0xff; // inside IDAT: its CRC no longer matches
    await rejects(corrupt, 'PROCTOR_ERR_IMAGE_INVALID', /cannot be decoded/);
  });

  it('refuses bytes that are no image, empty input, a data: prefix and malformed base64', async () => {
    await rejects(Buffer.from('{"hello": "world"} this is not an image'), 'PROCTOR_ERR_IMAGE_INVALID', /no PNG or WebP signature/);
    await rejects(new Uint8Array(0), 'PROCTOR_ERR_IMAGE_INVALID', /empty/);
    await rejects('', 'PROCTOR_ERR_IMAGE_INVALID', /empty/);
    await rejects(`data:image/png;base64,${encodePngSync(createImage(2, 2)).toString('base64')}`, 'PROCTOR_ERR_IMAGE_INVALID', /"data:" prefix/);
    await rejects('iVBORw0KGgo!!!!', 'PROCTOR_ERR_IMAGE_INVALID', /not valid base64/);
  });

  it('names the format of a JPEG, GIF or SVG, which the protocol does not accept', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } });
    await rejects(await base.clone().jpeg().toBuffer(), 'PROCTOR_ERR_IMAGE_FORMAT', /the image is JPEG; only PNG or WebP is accepted/);
    await rejects(await base.clone().gif().toBuffer(), 'PROCTOR_ERR_IMAGE_FORMAT', /GIF/);
    await rejects(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'), 'PROCTOR_ERR_IMAGE_FORMAT', /SVG/);
  });

  it('refuses an animated WebP', async () => {
    const frame = (colour: string) => sharp({ create: { width: 8, height: 8, channels: 3, background: colour } }).png().toBuffer();
    const animated = await sharp([await frame('red'), await frame('blue')], { join: { animated: true } }).webp().toBuffer();
    await rejects(animated, 'PROCTOR_ERR_IMAGE_INVALID', /animated \(2 frames\)/);
  });
});
