/**
 * ocr-match on real images: the reference renderers' PNG and WebP, decoded with the protocol's
 * caps and read by PP-OCRv4 on ONNX Runtime, in this thread and through the real worker pool.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isProctorError } from '../../core/errors.js';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import { createEvaluatorPool, type EvaluatorPool } from '../../core/pool/pool.js';
import { generateTextRenderTasks } from '../../datasets/image/text-render.js';
import { renderTextImage, type RenderLevel } from '../../plugins/image/renderer.js';
import ocrMatch, { editDistance, normaliseForOcr, type OcrMatchOptions } from './ocr-match.js';

const defaults = ocrMatch.options!.defaults;
type State = Awaited<ReturnType<NonNullable<typeof ocrMatch.setup>>>;
let state: State;

before(async () => {
  state = await ocrMatch.setup!({ options: defaults, log: () => {} });
});

const tasks: Task[] = generateTextRenderTasks({ seed: '0dd5eed', count: 8, round: 9 });

async function score(sample: Sample, options: OcrMatchOptions = defaults): Promise<Verdict> {
  const verdict = await ocrMatch.score({ options, log: () => {} }, sample, state);
  assert.ok(typeof verdict === 'object', 'a verdict with details');
  assert.ok(verdict.value >= 0 && verdict.value <= 1, `value ${verdict.value} in [0, 1]`);
  return verdict;
}

const rendered = (task: Task, level: RenderLevel) => renderTextImage(task, level);
const png = (image: Buffer) => ({ image: image.toString('base64') });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** `text` drawn by sharp from SVG in `case` as given, dark on white. */
async function drawn(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="64"><rect width="100%" height="100%" fill="#fff"/><text x="160" y="44" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="32">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const valuesByLevel = new Map<RenderLevel, Promise<number[]>>();

/** The values of the 8 tasks rendered at `level`, computed once for all the tests that read them. */
function valuesAt(level: RenderLevel): Promise<number[]> {
  let values = valuesByLevel.get(level);
  if (values === undefined) {
    values = (async () => {
      const out: number[] = [];
      for (const task of tasks) out.push((await score({ task, response: await rendered(task, level) })).value);
      return out;
    })();
    valuesByLevel.set(level, values);
  }
  return values;
}

describe('ocr-match', () => {
  it('reads back the strings the clean reference renderer draws', async () => {
    const values = await valuesAt('clean');
    assert.ok(values.every((value) => value >= 0.8), `clean values ${values}`);
    assert.ok(mean(values) >= 0.95, `clean mean ${mean(values)}`);
  });

  it('ranks clean above small-blurry and noisy, and those above a different string', async () => {
    const [clean, smallBlurry, noisy, wrong] = await Promise.all([valuesAt('clean'), valuesAt('small-blurry'), valuesAt('noisy'), valuesAt('wrong')]);
    const means = { clean: mean(clean), smallBlurry: mean(smallBlurry), noisy: mean(noisy), wrong: mean(wrong) };
    assert.ok(means.clean > means.smallBlurry + 0.2 && means.clean > means.noisy + 0.2, JSON.stringify(means));
    assert.ok(means.smallBlurry > means.wrong + 0.2 && means.noisy > means.wrong + 0.2, JSON.stringify(means));
    assert.ok(wrong.every((value) => value <= 0.3), `wrong values ${wrong}`);
  });

  it('scores a blank image 0 and says OCR found nothing', async () => {
    const blank = await sharp({ create: { width: 320, height: 64, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const verdict = await score({ task: tasks[0], response: png(blank) });
    assert.equal(verdict.value, 0);
    assert.equal(verdict.details?.read, '');
    assert.match(String(verdict.details?.reason), /no text/);
  });

  it('reports what OCR read, and the character error rate against the string without spaces', async () => {
    const verdict = await score({ task: { ...tasks[0], answer: 'K7M HXRA' }, response: png(await drawn('K7M HXRN')) });
    assert.equal(verdict.details?.expected, 'K7M HXRA');
    assert.equal(String(verdict.details?.read).replace(/\s/g, ''), 'K7MHXRN');
    assert.deepEqual(verdict.details?.normalised, { expected: 'K7MHXRA', read: 'K7MHXRN' });
    assert.equal(verdict.details?.distance, 1);
    assert.equal(verdict.value, Math.round((1 - 1 / 7) * 1e6) / 1e6);
    assert.deepEqual([verdict.details?.width, verdict.details?.height, verdict.details?.format], [320, 64, 'png']);
  });

  it('folds case unless the task says it is case-sensitive', async () => {
    const lower = png(await drawn('hex cat'));
    const folded = await score({ task: { ...tasks[0], answer: 'HEX CAT' }, response: lower });
    assert.equal(folded.value, 1, JSON.stringify(folded.details));
    const strict = await score({ task: { ...tasks[0], answer: 'HEX CAT', meta: { caseSensitive: true } }, response: lower });
    assert.ok(strict.value < 0.5, JSON.stringify(strict.details));
  });

  it('gives the same verdict twice', async () => {
    const sample = { task: tasks[1], response: await rendered(tasks[1], 'noisy') };
    assert.deepEqual(await score(sample), await score(sample));
  });

  describe('refuses bad images with 0 and the reason', () => {
    const refused = async (response: Json, code: string, options?: OcrMatchOptions) => {
      const verdict = await score({ task: tasks[0], response }, options);
      assert.equal(verdict.value, 0);
      assert.equal(verdict.details?.code, code, JSON.stringify(verdict.details));
      assert.ok(String(verdict.details?.reason).length > 10);
    };

    it('over the byte cap', async () => {
      await refused(await rendered(tasks[0], 'clean'), 'PROCTOR_ERR_IMAGE_TOO_LARGE', { ...defaults, maxBytes: 500 });
    });

    it('a header declaring a canvas over the pixel or side cap (a decompression bomb)', async () => {
      const declaring = async (width: number, height: number) => {
        const bomb = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer());
        bomb.writeUInt32BE(width, 16);
        bomb.writeUInt32BE(height, 20);
        bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
        return png(bomb);
      };
      await refused(await declaring(5000, 5000), 'PROCTOR_ERR_IMAGE_TOO_LARGE');
      await refused(await declaring(30_000, 10), 'PROCTOR_ERR_IMAGE_TOO_LARGE');
    });

    it('a page of small print, more text regions than OCR recognises', async () => {
      let words = '';
      for (let i = 0; i < 24; i++) words += `<text x="${(i % 4) * 120 + 4}" y="${Math.floor(i / 4) * 53 + 26}" font-family="DejaVu Sans, sans-serif" font-size="22">W${i}K</text>`;
      const page = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320"><rect width="100%" height="100%" fill="#fff"/>${words}</svg>`)).png().toBuffer();
      await refused(png(page), 'PROCTOR_ERR_IMAGE_TOO_LARGE');
    });

    it('a truncated PNG and a truncated WebP', async () => {
      const whole = Buffer.from(((await rendered(tasks[0], 'clean')) as { image: string }).image, 'base64');
      await refused(png(whole.subarray(0, Math.floor(whole.length / 2))), 'PROCTOR_ERR_IMAGE_INVALID');
      const webp = Buffer.from(((await rendered(tasks[0], 'noisy')) as { image: string }).image, 'base64');
      await refused(png(webp.subarray(0, Math.floor(webp.length / 2))), 'PROCTOR_ERR_IMAGE_INVALID');
    });

    it('bytes that are no image, a JPEG, a data: URL and broken base64', async () => {
      await refused(png(Buffer.from('these bytes are not an image')), 'PROCTOR_ERR_IMAGE_INVALID');
      const jpeg = await sharp(await drawn('JPG')).jpeg().toBuffer();
      await refused(png(jpeg), 'PROCTOR_ERR_IMAGE_FORMAT');
      await refused({ image: `data:image/png;base64,${png(await drawn('URL')).image}` }, 'PROCTOR_ERR_IMAGE_INVALID');
      await refused({ image: 'not base64 at all!' }, 'PROCTOR_ERR_IMAGE_INVALID');
    });

    it('a response without a string image', async () => {
      for (const response of [null, 'iVBORw0KGgo=', { image: 42 }, { picture: 'x' }, []] as Json[]) {
        const verdict = await score({ task: tasks[0], response });
        assert.equal(verdict.value, 0);
        assert.match(String(verdict.details?.reason), /no string "image"/);
      }
    });
  });

  it('throws EVALUATOR_INPUT_MISSING for a task without a string to compare with', async () => {
    await assert.rejects(
      Promise.resolve(ocrMatch.score({ options: defaults, log: () => {} }, { task: { ...tasks[0], answer: null }, response: png(await drawn('X')) }, state)),
      (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_EVALUATOR_INPUT_MISSING',
    );
  });

  it('measures edits by code point after NFKC, without white space', () => {
    assert.equal(normaliseForOcr(' k7m\tＨＸ ra ', false), 'K7MHXRA');
    assert.equal(normaliseForOcr('k7m HX', true), 'k7mHX');
    assert.equal(editDistance([...'KITTEN'], [...'SITTING']), 3);
    assert.equal(editDistance([], [...'ABC']), 3);
  });
});

describe('ocr-match in the worker pool', () => {
  let pool: EvaluatorPool;
  before(() => {
    pool = createEvaluatorPool({ size: 2, timeoutMs: 60_000, batchSize: 2 });
  });
  after(() => pool.close());

  it('scores in worker threads exactly as in this thread', async () => {
    const evaluator = { name: 'ocr-match', version: ocrMatch.version, module: new URL('./ocr-match.js', import.meta.url).href, options: {} };
    const samples: Sample[] = [];
    for (const task of tasks.slice(0, 4)) {
      for (const level of ['clean', 'wrong'] as const) samples.push({ task, response: await rendered(task, level) });
    }
    samples.push({ task: tasks[0], response: png(Buffer.from('truncated')) });
    const results = await pool.evaluate(samples.map((sample, id) => ({ id, evaluator, sample })));
    for (const [index, result] of results.entries()) {
      assert.equal(result.status, 'ok', JSON.stringify(result));
      const here = await score(samples[index]);
      assert.deepEqual({ value: result.status === 'ok' && result.value, details: result.status === 'ok' && result.details }, { value: here.value, details: here.details });
    }
    assert.ok(results[0].status === 'ok' && results[0].value >= 0.8, 'a clean image scored high in a worker');
    assert.equal(pool.stats().workersReplaced, 0);
  });
});
