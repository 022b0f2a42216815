/**
 * `ocr-match`: how legibly the miner's `{ image }` shows the task's hidden string, read back with
 * PP-OCRv4 (`native/ocr`): 1 − the character error rate of what OCR reads against the string,
 * floored at 0. Images are decoded with caps first (`native/image/decode.ts`); a bad image, a blank
 * one or one without the string scores 0 and says why.
 *
 * Both texts are compared after Unicode NFKC (the recogniser's dictionary holds full-width forms),
 * with all white space removed (the recogniser drops the space between groups often: 38 of 90 gaps
 * in 60 clean reference renderings; spacing is not what this measures), and case-folded unless the task says
 * `meta.caseSensitive: true` (c/C, o/O, s/S, v/V, w/W, x/X, z/Z differ by size alone, which a
 * recogniser reading one line cannot judge). No confusion table (l→I, 0→O): the render-text
 * alphabet holds neither member of any confusable pair, so a misread glyph is an error that a
 * cleaner rendering avoids, and forgiving it would only reward ambiguous renderings.
 */
import { editDistance } from '../../core/edit-distance.js';
import { z } from 'zod';
import { isProctorError, proctorError } from '../../core/errors.js';
import { defineEvaluator, type Json, type Sample, type Verdict } from '../../core/plugin-api.js';
import type { ImageLimits } from '../../native/image/decode.js';
import type { Ocr } from '../../native/ocr/ocr.js';

export type OcrMatchOptions = ImageLimits;

const schema = z
  .object({
    maxBytes: z.number().int().min(1).max(64 * 1024 * 1024),
    maxPixels: z.number().int().min(1).max(8192 * 8192),
    maxDimension: z.number().int().min(1).max(16384),
  })
  .strict();

/** `native/image`'s defaults (4 MiB, 16 megapixels, 8192 px a side), restated: importing them would load sharp at import time. */
const DEFAULT_LIMITS: OcrMatchOptions = { maxBytes: 4 * 1024 * 1024, maxPixels: 4096 * 4096, maxDimension: 8192 };

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The text as compared: NFKC, no white space, upper case unless `caseSensitive`. */
export function normaliseForOcr(text: string, caseSensitive: boolean): string {
  const plain = text.normalize('NFKC').replace(/\s+/gu, '');
  return caseSensitive ? plain : plain.toUpperCase();
}

/** The edit distance `ocr-match` scores with (re-exported for its tests and users). */
export { editDistance };


function imageOf({ response }: Sample): string | null {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return null;
  return typeof response.image === 'string' ? response.image : null;
}

async function judge(options: Readonly<OcrMatchOptions>, sample: Sample, ocr: Ocr): Promise<Verdict> {
  const expected: Json = sample.task?.answer ?? null;
  if (typeof expected !== 'string' || expected.trim() === '') {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INPUT_MISSING', { evaluator: 'ocr-match', input: 'answer (the string to render)' });
  }
  const caseSensitive = sample.task?.meta?.caseSensitive === true;
  const base64 = imageOf(sample);
  if (base64 === null) return { value: 0, details: { expected, reason: 'the response has no string "image"' } };

  const { decodeImage } = await import('../../native/image/decode.js');
  let reading;
  let size: { width: number; height: number; format: string };
  try {
    const image = await decodeImage(base64, options);
    size = { width: image.width, height: image.height, format: image.format };
    reading = await ocr.read(image);
  } catch (error) {
    // A miner's bad image is a verdict (0, with the reason), not an evaluation error.
    if (isProctorError(error) && error.code.startsWith('PROCTOR_ERR_IMAGE_')) {
      return { value: 0, details: { expected, reason: error.message, code: error.code } };
    }
    throw error;
  }

  const want = Array.from(normaliseForOcr(expected, caseSensitive));
  const have = Array.from(normaliseForOcr(reading.text, caseSensitive));
  // The distance is at least the difference in length: skip the quadratic work when that alone gives 0.
  const distance = Math.abs(want.length - have.length) >= want.length ? want.length : editDistance(want, have);
  const cer = distance / want.length;
  const details: { [key: string]: Json } = {
    expected,
    read: reading.text,
    normalised: { expected: want.join(''), read: have.join('') },
    distance,
    cer: round6(cer),
    lines: reading.lines.map((line) => ({ text: line.text, score: round6(line.score) })),
    ...size,
    model: ocr.model,
  };
  if (have.length === 0) details.reason = 'OCR found no text in the image';
  return { value: round6(Math.max(0, 1 - cer)), details };
}

/**
 * Legibility of a rendered string, by OCR against the hidden string.
 *
 * @example
 * ```ts
 * // task.answer "K7M HXRA", response { image: <PNG of "K7M HXRA"> } → 1
 * // response { image: <PNG of "K7M HXRN"> } → 1 − 1/7; a blank PNG → 0 (details.reason)
 * ```
 */
export default defineEvaluator<OcrMatchOptions, Ocr>({
  name: 'ocr-match',
  version: '1.0.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  options: { schema, defaults: DEFAULT_LIMITS },
  async setup(ctx) {
    // Imported here, not at module load: evaluator modules do no work at import time.
    const { createOcr } = await import('../../native/ocr/ocr.js');
    const ocr = await createOcr({ threads: 1 });
    ctx.log(`reading with ${ocr.model}, one ONNX Runtime thread`);
    return ocr;
  },
  score: (ctx, sample, ocr) => judge(ctx.options, sample, ocr),
});
