/** The reference text renderers, drawn by real sharp/librsvg and decoded back with the protocol's caps. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PublicTask } from '../../core/plugin-api.js';
import { generateTextRenderTasks } from '../../datasets/image/text-render.js';
import { decodeImage, DEFAULT_IMAGE_LIMITS } from '../../native/image/decode.js';
import type { RgbImage } from '../../native/image/raster.js';
import { renderTextImage, RENDER_LEVELS, wrongStringFor, type RenderLevel } from './renderer.js';

const tasks: PublicTask[] = generateTextRenderTasks({ seed: 'fade', count: 3, round: 2 }).map(({ id, kind, prompt, payload }) => ({ id, kind, prompt, payload }));

async function render(task: PublicTask, level: RenderLevel): Promise<{ base64: string; image: RgbImage }> {
  const response = (await renderTextImage(task, level)) as { image: string };
  return { base64: response.image, image: await decodeImage(response.image, DEFAULT_IMAGE_LIMITS) };
}

/** The bounding box of pixels darker than `threshold` (luminance), as shares of the image's width and height. */
function inkBox(image: RgbImage, threshold: number): { width: number; height: number } {
  let [left, right, top, bottom] = [image.width, -1, image.height, -1];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = 3 * (y * image.width + x);
      if (0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2] < threshold) {
        [left, right, top, bottom] = [Math.min(left, x), Math.max(right, x), Math.min(top, y), Math.max(bottom, y)];
      }
    }
  }
  return right < 0 ? { width: 0, height: 0 } : { width: (right - left + 1) / image.width, height: (bottom - top + 1) / image.height };
}

describe('renderTextImage', () => {
  it('answers every level with a valid image of the requested size: PNG, and lossless WebP when noisy', async () => {
    for (const task of tasks) {
      const { width, height } = task.payload as { width: number; height: number };
      for (const level of RENDER_LEVELS) {
        const { image } = await render(task, level);
        assert.deepEqual([image.width, image.height, image.format], [width, height, level === 'noisy' ? 'webp' : 'png'], `${task.id} ${level}`);
      }
    }
  });

  it('fills the box when clean and draws small when small-blurry', async () => {
    for (const task of tasks) {
      const clean = inkBox((await render(task, 'clean')).image, 128);
      assert.ok(clean.width >= 0.85 || clean.height >= 0.85, `clean ink covers ${JSON.stringify(clean)}`);
      assert.ok(clean.width <= 0.95 && clean.height <= 0.95, `clean keeps a margin: ${JSON.stringify(clean)}`);
      const small = inkBox((await render(task, 'small-blurry')).image, 200);
      assert.ok(small.width > 0 && small.width <= 0.3 && small.height <= 0.3, `small-blurry ink covers ${JSON.stringify(small)}`);
    }
  });

  it('gives the same bytes for the same task and level', async () => {
    for (const level of RENDER_LEVELS) {
      assert.equal((await render(tasks[0], level)).base64, (await render(tasks[0], level)).base64, level);
    }
  });

  it('draws, when wrong, another string of the alphabet that differs at every character but keeps the spaces', () => {
    for (const task of tasks) {
      const text = (task.payload as { text: string }).text;
      const wrong = wrongStringFor(task, text);
      assert.equal(wrong.length, text.length);
      for (let i = 0; i < text.length; i++) assert.ok(text[i] === ' ' ? wrong[i] === ' ' : wrong[i] !== text[i] && wrong[i] !== ' ', `${text} → ${wrong}`);
    }
  });

  it('caps an absurd requested size and falls back to 320×64 without one', async () => {
    const huge = await render({ ...tasks[0], payload: { text: 'BIG', width: 100_000, height: 50 } }, 'clean');
    assert.deepEqual([huge.image.width, huge.image.height], [2048, 50]);
    const none = await render({ ...tasks[0], payload: null }, 'clean');
    assert.deepEqual([none.image.width, none.image.height], [320, 64]);
  });

  it('says which font is missing on a machine without one, instead of drawing empty boxes', async () => {
    // A child process whose fontconfig knows no font directory: what a bare container looks like.
    const dir = mkdtempSync(join(tmpdir(), 'proctor-nofont-'));
    try {
      const config = join(dir, 'fonts.conf');
      writeFileSync(config, `<?xml version="1.0"?><fontconfig><dir>${join(dir, 'none')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>`);
      const script =
        `const { renderTextImage } = await import(${JSON.stringify(new URL('./renderer.js', import.meta.url).href)});` +
        `await renderTextImage({ id: 'x', kind: 'render-text', prompt: '', payload: { text: 'ABC', width: 320, height: 64 } }, 'clean')` +
        `.then(() => console.log('rendered'), (error) => console.log(error.code, error.message));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FONTCONFIG_FILE: config } });
      assert.match(stdout, /PROCTOR_ERR_INTERNAL_UNEXPECTED .*no font for .*sans-serif.*fonts-dejavu-core/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
