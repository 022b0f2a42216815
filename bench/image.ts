/**
 * `npm run bench -- image [samples] [rounds]`: the image evaluators at work — SSIM, MS-SSIM and PSNR
 * of 512 × 512 restorations (`image-fidelity`) and OCR of rendered strings (`ocr-match`) — through
 * the real evaluator pool of 2 workers against the single-thread evaluator, on the same samples in
 * the same process. Also the cost of one SSIM at 512² on the main thread.
 */
import { createEvaluatorPool } from '../core/pool/pool.js';
import { createInlineEvaluator } from '../core/pool/inline.js';
import { builtinEvaluators } from '../core/registry.js';
import type { EvaluationJob, EvaluationRunner } from '../core/pool/evaluation.js';
import type { Json, Sample } from '../core/plugin-api.js';
import { generateRestorationTasks } from '../datasets/image/restoration.js';
import { generateTextRenderTasks } from '../datasets/image/text-render.js';
import { decodeImage, DEFAULT_IMAGE_LIMITS } from '../native/image/decode.js';
import { ssim } from '../native/image/metrics.js';
import { renderTextImage } from '../plugins/image/renderer.js';
import { restoreImage } from '../plugins/image/restorer.js';
import { formatMs, median, printTable } from './timing.js';

async function jobsFor(evaluator: string, samples: Sample[]): Promise<EvaluationJob[]> {
  const module = builtinEvaluators[evaluator];
  const { default: def } = (await import(module)) as { default: { version: string } };
  return samples.map((sample, id) => ({ id, evaluator: { name: evaluator, version: def.version, module, options: {} }, sample }));
}

/** The best of `rounds` timed passes, after one untimed pass (model loading, JIT). */
async function best(runner: EvaluationRunner, jobs: EvaluationJob[], rounds: number): Promise<number> {
  await runner.evaluate(jobs);
  let fastest = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const results = await runner.evaluate(jobs);
    fastest = Math.min(fastest, performance.now() - t0);
    const failed = results.find((x) => x.status !== 'ok');
    if (failed) throw new Error(`bench sample failed: ${JSON.stringify(failed)}`);
  }
  return fastest;
}

async function restorationSamples(count: number): Promise<Sample[]> {
  const tasks = generateRestorationTasks({ seed: 'be9c1a6e', count, round: 1, size: 512 });
  return Promise.all(tasks.map(async (task) => ({ task, response: (await restoreImage(task, 'lanczos-sharpen')) as Json })));
}

async function renderSamples(count: number): Promise<Sample[]> {
  const tasks = generateTextRenderTasks({ seed: 'be9c1a6e', count, round: 1 });
  return Promise.all(tasks.map(async (task) => ({ task, response: (await renderTextImage(task, 'clean')) as Json })));
}

export async function runImageBench(args: string[]): Promise<void> {
  const count = args[0] ? Number(args[0]) : 16;
  const rounds = args[1] ? Number(args[1]) : 3;
  console.log(`node ${process.version}; ${count} samples per evaluator; best of ${rounds} passes after a warm-up`);

  const fidelity = await restorationSamples(count);
  const a = await decodeImage((fidelity[0].task.answer as { original: string }).original, DEFAULT_IMAGE_LIMITS);
  const b = await decodeImage((fidelity[0].response as { image: string }).image, DEFAULT_IMAGE_LIMITS);
  const ssimTimes: number[] = [];
  ssim(a, b);
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    ssim(a, b);
    ssimTimes.push(performance.now() - t0);
  }
  console.log(`one SSIM of two 512 × 512 images on the main thread: median ${formatMs(median(ssimTimes))} ms of 20\n`);

  const cases: [string, string, Sample[]][] = [
    ['image-fidelity', '512² restorations', fidelity],
    ['ocr-match', 'rendered strings', await renderSamples(count)],
  ];
  const rows: string[][] = [];
  for (const [evaluator, what, samples] of cases) {
    const jobs = await jobsFor(evaluator, samples);
    const inline = createInlineEvaluator();
    const single = await best(inline, jobs, rounds);
    await inline.close();
    const pool = createEvaluatorPool({ size: 2, timeoutMs: 120_000 });
    const pooled = await best(pool, jobs, rounds);
    await pool.close();
    rows.push([evaluator, what, formatMs(single / jobs.length), formatMs(pooled / jobs.length), `${(single / pooled).toFixed(2)}×`]);
  }
  printTable(['evaluator', 'samples', 'one thread, ms/image', 'pool of 2, ms/image', 'pool speed-up'], rows);
}
