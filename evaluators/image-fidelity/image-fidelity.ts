/**
 * `image-fidelity`: how much closer a miner's restored image is to the task's hidden original than
 * the validator's own naive restorations of the degraded input (`baseline.ts`), by SSIM, MS-SSIM
 * and PSNR on luminance. Each metric m is normalised between the best naive restoration (0) and
 * the original itself (1): max(0, (m(response) − m(naive)) / (m(perfect) − m(naive))), PSNR
 * capped; the value is their weighted mean. Echoing the input, or a plain bicubic upscale, scores 0.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { proctorError } from '../../core/errors.js';
import { defineEvaluator, type Json, type Task, type Verdict } from '../../core/plugin-api.js';
import { DEFAULT_IMAGE_LIMITS, decodeImage, type ImageLimits } from '../../native/image/decode.js';
import { msSsim, msSsimScales, psnr, ssim } from '../../native/image/metrics.js';
import type { RgbImage } from '../../native/image/raster.js';
import { imageLimitsShape, readResponseImage } from '../../native/image/response.js';
import { naiveRestorations, readMask, type NaiveMethod } from './baseline.js';

export interface ImageFidelityOptions extends ImageLimits {
  /** Weights of the normalised metrics in the value; they need not sum to 1. */
  weights: { ssim: number; msSsim: number; psnr: number };
  /** PSNR (dB) that counts as perfect; higher PSNRs are capped to it. */
  psnrCap: number;
}

const schema = z
  .object({
    weights: z.object({ ssim: z.number().min(0), msSsim: z.number().min(0), psnr: z.number().min(0) }).strict()
      .refine((w) => w.ssim + w.msSsim + w.psnr > 0, 'must not all be 0'),
    psnrCap: z.number().min(10).max(100),
    ...imageLimitsShape,
  })
  .strict();

type Metrics = { ssim: number; msSsim: number; psnr: number };
const METRICS = ['ssim', 'msSsim', 'psnr'] as const;

/** What every response to one task is compared with, computed once per worker. */
interface Reference {
  original: RgbImage;
  /** Metric by metric, the best of the naive restorations. */
  naive: Metrics;
  methods: NaiveMethod[];
}

interface State {
  references: Map<string, Promise<Reference>>;
}

const CACHED_TASKS = 64;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function measure(original: RgbImage, img: RgbImage, psnrCap: number): Metrics {
  return { ssim: ssim(original, img), msSsim: msSsim(original, img), psnr: Math.min(psnrCap, psnr(original, img)) };
}

const missing = (input: string) => proctorError('PROCTOR_ERR_EVALUATOR_INPUT_MISSING', { evaluator: 'image-fidelity', input });

async function buildReference(task: Task, options: Readonly<ImageFidelityOptions>): Promise<Reference> {
  const payload = task.payload as { [key: string]: Json };
  const [width, height] = [payload.width as number, payload.height as number];
  const answer = task.answer as { [key: string]: Json };
  const original = await decodeImage(answer.original as string, options);
  if (original.width !== width || original.height !== height) throw missing(`task.answer.original of payload.width × payload.height (${width}×${height}), not ${original.width}×${original.height}`);
  const input = await decodeImage(payload.image as string, options);
  const restorations = naiveRestorations(task.kind, input, width, height, readMask(payload.mask));
  const measured = restorations.map((r) => measure(original, r.image, options.psnrCap));
  const naive = Object.fromEntries(METRICS.map((m) => [m, Math.max(...measured.map((x) => x[m]))])) as Metrics;
  return { original, naive, methods: restorations.map((r) => r.method) };
}

/** The reference of a task, from the worker's cache when the same task was scored before. */
function referenceOf(task: Task, options: Readonly<ImageFidelityOptions>, state: State): Promise<Reference> {
  const payload = task.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || typeof payload.image !== 'string') throw missing('task.payload.image');
  if (!Number.isInteger(payload.width) || !Number.isInteger(payload.height)) throw missing('task.payload.width and .height');
  const answer = task.answer;
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || typeof answer.original !== 'string') throw missing('task.answer.original');
  const key = createHash('sha256').update(JSON.stringify([task.kind, payload, answer.original, options])).digest('hex');
  let reference = state.references.get(key);
  if (reference === undefined) {
    reference = buildReference(task, options);
    state.references.set(key, reference);
    reference.catch(() => state.references.delete(key));
    if (state.references.size > CACHED_TASKS) state.references.delete(state.references.keys().next().value!);
  }
  return reference;
}

/**
 * (m − naive) / (perfect − naive) clamped to [0, 1]; null when the naive restoration is already
 * perfect by this metric (PSNR at the cap), which then tells nothing and is left out.
 */
function normalise(value: number, naive: number, perfect: number): number | null {
  const span = perfect - naive;
  return span <= 1e-9 ? null : Math.min(1, Math.max(0, (value - naive) / span));
}

/**
 * Restoration fidelity against the hidden original, above the naive restoration.
 *
 * @example
 * ```ts
 * // task: a super-resolution task from generateRestorationTasks; response { image: <bicubic upscale> } → 0
 * // response { image: task.answer.original } → 1
 * ```
 */
export default defineEvaluator<ImageFidelityOptions, State>({
  name: 'image-fidelity',
  version: '1.0.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: {
    schema,
    defaults: { weights: { ssim: 0.4, msSsim: 0.4, psnr: 0.2 }, psnrCap: 50, ...DEFAULT_IMAGE_LIMITS },
  },
  setup: () => ({ references: new Map() }),
  async score(ctx, { task, response }, state): Promise<Verdict> {
    const reference = await referenceOf(task, ctx.options, state);
    const { original, naive, methods } = reference;
    const base = { kind: task.kind, naiveMethods: methods, naive: rounded(naive) };
    const got = await readResponseImage(response, ctx.options);
    if (!got.ok) return { value: 0, details: { ...base, reason: got.reason, code: got.code } };
    if (got.image.width !== original.width || got.image.height !== original.height) {
      return { value: 0, details: { ...base, reason: `the image is ${got.image.width}×${got.image.height}; the task asks for ${original.width}×${original.height}` } };
    }
    const metrics = measure(original, got.image, ctx.options.psnrCap);
    const perfect: Metrics = { ssim: 1, msSsim: 1, psnr: ctx.options.psnrCap };
    const weights = ctx.options.weights;
    const normalised: { [metric: string]: number | null } = {};
    let [sum, total] = [0, 0];
    for (const m of METRICS) {
      const n = normalise(metrics[m], naive[m], perfect[m]);
      normalised[m] = n === null ? null : round6(n);
      if (n !== null) [sum, total] = [sum + weights[m] * n, total + weights[m]];
    }
    const details = { ...base, response: rounded(metrics), normalised, msSsimScales: msSsimScales(original.width, original.height) };
    if (total === 0) return { value: 0, details: { ...details, reason: 'the naive restoration already matches the original by every weighted metric' } };
    return { value: round6(sum / total), details };
  },
});

function rounded(m: Metrics): { [key: string]: Json } {
  return { ssim: round6(m.ssim), msSsim: round6(m.msSsim), psnr: round6(m.psnr) };
}
