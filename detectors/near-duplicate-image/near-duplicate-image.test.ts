import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { ResponseView, Task } from '../../core/plugin-api.js';
import { generateRestorationTasks } from '../../datasets/image/restoration.js';
import { decodeImage, DEFAULT_IMAGE_LIMITS } from '../../native/image/decode.js';
import { restoreImage, RESTORATION_LEVELS } from '../../plugins/image/restorer.js';
import detector from './near-duplicate-image.js';

const ctx = { round: 1, log: () => {}, memory: new Map() };
const view = (uid: number, receivedAtMs: number, image: string): ResponseView => ({ uid, hotkey: `hk${uid}`, receivedAtMs, latencyMs: receivedAtMs, response: { image } });

async function reencode(base64: string, format: 'webp-lossless' | 'webp-lossy' | 'png-slow'): Promise<string> {
  const img = await decodeImage(base64, DEFAULT_IMAGE_LIMITS);
  const pipeline = sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });
  const out = format === 'webp-lossless' ? pipeline.webp({ lossless: true }) : format === 'webp-lossy' ? pipeline.webp({ quality: 75 }) : pipeline.png({ compressionLevel: 9, palette: false });
  return (await out.toBuffer()).toString('base64');
}

describe('near-duplicate-image', () => {
  const tasks = generateRestorationTasks({ seed: 'c0ffee', count: 4, round: 1 });
  const restored = new Map<string, string[]>();
  before(async () => {
    for (const task of tasks) restored.set(task.id, await Promise.all(RESTORATION_LEVELS.map(async (level) => ((await restoreImage(task, level)) as { image: string }).image)));
  });

  it('penalises a byte-for-byte relay and leaves the earliest response its credit', async () => {
    const task = tasks[0];
    const good = restored.get(task.id)!.at(-1)!;
    const findings = await detector.inspect!(ctx, task, [view(7, 900, good), view(3, 400, good)]);
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0].uids, [7]);
    assert.equal(findings[0].penalty, 0);
    assert.equal(findings[0].evidence.match, 'identical-bytes');
    assert.deepEqual(findings[0].evidence.original, { uid: 3, hotkey: 'hk3', receivedAtMs: 400 });
  });

  it('sees through lossless re-encoding (PNG → WebP lossless, PNG with other settings)', async () => {
    for (const task of tasks) {
      const good = restored.get(task.id)!.at(-1)!;
      const responses = [view(1, 100, good), view(2, 200, await reencode(good, 'webp-lossless')), view(3, 300, await reencode(good, 'png-slow'))];
      const findings = await detector.inspect!(ctx, task, responses);
      assert.deepEqual(findings.map((f) => f.uids[0]).sort(), [2, 3], task.kind);
      for (const f of findings) assert.equal(f.evidence.match, 'same-pixels');
      assert.ok(findings.every((f) => (f.evidence.original as { uid: number }).uid === 1));
    }
  });

  it('does not flag different restorations of the same input, however alike they look', async () => {
    for (const task of tasks) {
      // nearest and bicubic inpaint with the same flat fill: only the levels with distinct code are compared.
      const images = restored.get(task.id)!.slice(1);
      const findings = await detector.inspect!(ctx, task, images.map((img, k) => view(k + 1, 100 * (k + 1), img)));
      assert.deepEqual(findings, [], task.kind);
    }
  });

  it('lets a lossy relay through: a documented limit, so that a change in it is noticed', async () => {
    const task = tasks[0];
    const good = restored.get(task.id)!.at(-1)!;
    assert.deepEqual(await detector.inspect!(ctx, task, [view(1, 100, good), view(2, 200, await reencode(good, 'webp-lossy'))]), []);
  });

  it('ignores undecodable responses instead of failing the task', async () => {
    const task: Task = tasks[1];
    const good = restored.get(task.id)!.at(-1)!;
    const findings = await detector.inspect!(ctx, task, [view(1, 100, 'not base64 at all!'), view(2, 200, good), { ...view(3, 300, ''), response: { image: 42 } }]);
    assert.deepEqual(findings, []);
  });
});
