/** PP-OCRv4 through `@gutenye/ocr-node` on real ONNX Runtime, fed images sharp draws from SVG. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isProctorError } from '../../core/errors.js';
import type { RgbImage } from '../image/raster.js';
import { createOcr, OCR_LIMITS, type Ocr } from './ocr.js';

/** `text` in DejaVu Sans (or the machine's sans-serif) at `fontSize`, dark on `background` (transparent if null). */
async function drawText(text: string, width: number, height: number, fontSize: number, background: string | null = '#ffffff'): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    (background === null ? '' : `<rect width="100%" height="100%" fill="${background}"/>`) +
    `<text x="50%" y="50%" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#111111">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function rgbOf(png: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(png).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data), format: 'png' };
}

/** A 1×1 PNG whose header declares `width` × `height` (with a correct CRC): the canvas a decompression bomb claims. */
async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } }).png().toBuffer());
  // Signature (8 bytes), IHDR length (4), type (4), then width and height; the CRC covers type and data.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

const flat = (text: string) => text.replace(/\s+/g, '');

describe('createOcr', () => {
  let ocr: Ocr;
  const listenersBefore = { uncaught: process.listenerCount('uncaughtException'), rejection: process.listenerCount('unhandledRejection') };
  before(async () => {
    ocr = await createOcr();
  });

  it('leaves the process error listeners as they were (OpenCV installs its own on import)', () => {
    assert.deepEqual({ uncaught: process.listenerCount('uncaughtException'), rejection: process.listenerCount('unhandledRejection') }, listenersBefore);
  });

  it('reads clean dark-on-light strings', async () => {
    for (const text of ['K7M HXRA', 'QUARTZ 7X9 DELTA', 'W3T4 NPN3 AER']) {
      const reading = await ocr.read(await drawText(text, 320, 64, 30));
      assert.equal(flat(reading.text), flat(text), JSON.stringify(reading));
      assert.equal(reading.lines.length, 1);
      assert.ok(reading.lines[0].score > 0.8 && reading.lines[0].score <= 1, JSON.stringify(reading));
    }
  });

  it('reads two lines top to bottom', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="128"><rect width="100%" height="100%" fill="#fff"/>' +
      '<text x="20" y="50" font-family="DejaVu Sans, sans-serif" font-size="32">FIRST 349</text>' +
      '<text x="20" y="110" font-family="DejaVu Sans, sans-serif" font-size="32">NEXT 7AC</text></svg>';
    const reading = await ocr.read(await sharp(Buffer.from(svg)).png().toBuffer());
    assert.deepEqual(reading.lines.map((line) => flat(line.text)), ['FIRST349', 'NEXT7AC']);
    assert.equal(flat(reading.text), 'FIRST349NEXT7AC');
  });

  it('reads RGB pixels as it reads the PNG they came from, and the same image identically twice', async () => {
    const png = await drawText('HEX 94 CAT', 320, 64, 30);
    const fromBytes = await ocr.read(png);
    assert.deepEqual(await ocr.read(await rgbOf(png)), fromBytes);
    assert.deepEqual(await ocr.read(png), fromBytes);
  });

  it('reads text on a transparent background as on white', async () => {
    const reading = await ocr.read(await drawText('MAP 47 YUK', 320, 64, 30, null));
    assert.equal(flat(reading.text), 'MAP47YUK');
  });

  it('finds nothing in a blank image', async () => {
    const blank = await sharp({ create: { width: 320, height: 64, channels: 3, background: '#ffffff' } }).png().toBuffer();
    assert.deepEqual(await ocr.read(blank), { text: '', lines: [] });
  });

  it('scales an image larger than the detector limit down instead of running it at full size', async () => {
    const reading = await ocr.read(await drawText('WIDE 379', 3000, 600, 300));
    assert.equal(flat(reading.text), 'WIDE379');
  });

  it('answers reads issued together, each with its own image', async () => {
    const texts = ['ONE 3', 'TWO 4', 'SIX 7'];
    const images = await Promise.all(texts.map((text) => drawText(text, 320, 64, 30)));
    const readings = await Promise.all(images.map((image) => ocr.read(image)));
    assert.deepEqual(readings.map((reading) => flat(reading.text)), texts.map(flat));
  });

  it('refuses a header declaring more than the pixel cap before decoding it', async () => {
    const bomb = await pngDeclaring(20_000, 20_000);
    assert.ok(20_000 * 20_000 > OCR_LIMITS.maxInputPixels);
    await assert.rejects(ocr.read(bomb), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_TOO_LARGE' && /400000000/.test(error.message));
  });

  it('refuses RGB pixels over the cap, pixels that do not match their size, and bytes that are no image', async () => {
    const huge: RgbImage = { width: 5000, height: 5000, data: new Uint8Array(3), format: 'png' };
    huge.data = { length: 5000 * 5000 * 3 } as Uint8Array; // the size check comes before any pixel is read
    await assert.rejects(ocr.read(huge), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_TOO_LARGE');
    await assert.rejects(ocr.read({ width: 10, height: 10, data: new Uint8Array(7), format: 'png' }), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_INVALID');
    await assert.rejects(ocr.read(new TextEncoder().encode('not an image at all')), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_INVALID');
    const truncated = (await drawText('CUT', 320, 64, 30)).subarray(0, 200);
    await assert.rejects(ocr.read(truncated), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_INVALID');
  });

  it('refuses, before recognising any, more text regions than the cap or regions too wide in total', async () => {
    const page = (width: number, height: number, rows: number, cols: number, fontSize: number, word: (row: number, col: number) => string) => {
      let texts = '';
      for (let row = 0; row < rows; row++) {
        for (let col = 0; col < cols; col++) {
          texts += `<text x="${(col * width) / cols + 4}" y="${(row * height) / rows + fontSize + 2}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}">${word(row, col)}</text>`;
        }
      }
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${texts}</svg>`;
      return sharp(Buffer.from(svg)).png().toBuffer();
    };
    const many = await page(480, 320, 6, 4, 22, (row, col) => `W${row}K${col}`);
    await assert.rejects(ocr.read(many), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_TOO_LARGE' && /text regions \(2\d\)/.test(error.message));
    const longLines = await page(960, 320, 10, 1, 13, (row) => `${'HEXAGON KEY '.repeat(11)}${row}`);
    assert.ok(10 <= OCR_LIMITS.maxRegions);
    await assert.rejects(ocr.read(longLines), (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_IMAGE_TOO_LARGE' && /recognition height/.test(error.message));
  });

  it('reads as the library\'s own Ocr.detect does, with the same session settings', async () => {
    const { default: Library } = await import('@gutenye/ocr-node');
    const { SESSION_OPTIONS } = await import('../onnx-session.js');
    const library = await Library.create({ onnxOptions: { ...SESSION_OPTIONS, executionProviders: [{ name: 'cpu', useArena: false }] } });
    for (const text of ['K7M HXRA', 'FIRST 349']) {
      // 320 × 64 is already a multiple of 32 and opaque: the library sees the same pixels.
      const png = await drawText(text, 320, 64, 30);
      const theirs = (await library.detect(png as unknown as string)) as { text: string; mean: number }[];
      const ours = await ocr.read(png);
      assert.deepEqual(ours.lines, theirs.map(({ text, mean }) => ({ text, score: mean })));
    }
  });

  it('keeps one reader per thread count, and refuses a nonsensical thread count', async () => {
    assert.equal(await createOcr(), ocr);
    assert.equal(await createOcr({ threads: 1 }), ocr);
    await assert.rejects(createOcr({ threads: 0 }), (error) => isProctorError(error) && /threads/.test(error.message));
  });
});
