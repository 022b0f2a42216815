/** `validator score` on image evaluators, with the images as files on disk ({"file": path}) or base64. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRestorationTasks } from '../datasets/image/restoration.js';
import { generateTextRenderTasks } from '../datasets/image/text-render.js';
import { renderTextImage } from '../plugins/image/renderer.js';
import { restoreImage } from '../plugins/image/restorer.js';
import { runCli } from './cli.js';

type Line = { line: number; status: string; value?: number; code?: string; details?: Record<string, unknown> };
const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);

describe('validator score on images', () => {
  let dir: string;
  const file = (name: string, base64: string) => {
    writeFileSync(join(dir, name), Buffer.from(base64, 'base64'));
    return { file: name };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-score-images-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads rendered text back with ocr-match from image files, and scores a wrong string low', async () => {
    const [task] = generateTextRenderTasks({ seed: '5eed', count: 1, round: 1 });
    const clean = (await renderTextImage(task, 'clean')) as { image: string };
    const wrong = (await renderTextImage(task, 'wrong')) as { image: string };
    const sample = (image: unknown) => JSON.stringify({ task: { kind: task.kind, payload: task.payload, answer: task.answer, meta: task.meta }, response: { image } });
    const input = [sample(file('clean.png', clean.image)), sample(wrong.image), sample({ file: 'missing.png' })].join('\n') + '\n';
    const { code, stdout, stderr } = await runCli(['score', '--evaluator', 'ocr-match'], { input, cwd: dir });
    assert.equal(code, 2, stderr);
    const lines = parse(stdout);
    assert.equal(lines[0].status, 'ok', JSON.stringify(lines[0]));
    assert.ok(lines[0].value! >= 0.9, `clean rendering read back: ${JSON.stringify(lines[0])}`);
    assert.ok(lines[1].value! <= 0.3, `wrong string: ${JSON.stringify(lines[1])}`);
    assert.equal(lines[2].code, 'PROCTOR_ERR_SCORE_INPUT');
    assert.match(stderr, /1 line\(s\) could not be read/);
  });

  it('scores a restoration above the echoed input with image-fidelity, all three images from files', async () => {
    const task = generateRestorationTasks({ seed: '5eed', count: 2, round: 1 }).find((t) => t.kind === 'denoise' || t.kind === 'super-resolution')!;
    const good = (await restoreImage(task, 'good')) as { image: string };
    const payload = { ...(task.payload as Record<string, unknown>), image: file('input.png', (task.payload as { image: string }).image) };
    const answer = { original: file('original.png', (task.answer as { original: string }).original) };
    const sample = (image: unknown) => JSON.stringify({ task: { kind: task.kind, payload, answer, meta: task.meta }, response: { image } });
    const echo = task.kind === 'denoise' ? file('echo.png', (task.payload as { image: string }).image) : ((await restoreImage(task, 'bicubic')) as { image: string }).image;
    const input = [sample(file('good.png', good.image)), sample(echo)].join('\n') + '\n';
    const { code, stdout, stderr } = await runCli(['score', '--evaluator', 'image-fidelity'], { input, cwd: dir });
    assert.equal(code, 0, stderr);
    const [restored, echoed] = parse(stdout);
    assert.equal(restored.status, 'ok', JSON.stringify(restored));
    assert.ok(restored.value! > 0.2, `restoration: ${JSON.stringify(restored)}`);
    assert.ok(echoed.value! < 0.05, `echo / naive baseline: ${JSON.stringify(echoed)}`);
  });
});
