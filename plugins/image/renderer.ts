/**
 * Reference miners for `render-text` tasks: real text drawn through SVG by sharp (librsvg, with the
 * fonts fontconfig finds), at four quality levels:
 * - `clean`: dark bold sans-serif on white, scaled to fill the box with a margin (PNG);
 * - `small-blurry`: the same text shrunk to 22 % of the box, Gaussian-blurred (σ 1.3) (PNG);
 * - `noisy`: mid-grey text on a light grey background under ±45 grey noise (lossless WebP);
 * - `wrong`: a different string of the same alphabet and length, drawn cleanly (PNG).
 *
 * The font is a list ending in the generic `sans-serif`, so any machine with one sans-serif font
 * renders; the glyphs are drawn large, trimmed and scaled into the box, so the result does not
 * depend on a font's metrics. With no font at all Pango draws empty boxes: that is detected and
 * reported as an error naming the cause, not returned as an image no one can read.
 *
 * Noise and the wrong string are drawn from the task id, so a level gives the same bytes for the
 * same task every time. The levels were tuned against `ocr-match` 1.0.0 so that the middle two
 * fall between: over 40 tasks of seed `1234abcd`, means clean 0.996 (39 exact), small-blurry 0.62,
 * noisy 0.60, wrong 0.02 — each middle level reads some strings exactly and misses others.
 */
import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { proctorError } from '../../core/errors.js';
import type { Json, PublicTask } from '../../core/plugin-api.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import { TEXT_RENDER_ALPHABET } from '../../datasets/image/text-render.js';

export type RenderLevel = 'clean' | 'small-blurry' | 'noisy' | 'wrong';

export const RENDER_LEVELS: readonly RenderLevel[] = Object.freeze(['clean', 'small-blurry', 'noisy', 'wrong']);

/** Tried in order by fontconfig; the generic family last, so some sans-serif face is always chosen. */
export const RENDER_FONT_FAMILY = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";

/** The largest image a reference miner draws, per side: a task asking for more gets this. */
const MAX_SIDE = 2048;

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The task's string and size, with sane fallbacks for a payload that lacks them. */
function requestOf(task: PublicTask): { text: string; width: number; height: number } {
  const payload = task.payload !== null && typeof task.payload === 'object' && !Array.isArray(task.payload) ? task.payload : {};
  const side = (value: Json | undefined, fallback: number) =>
    typeof value === 'number' && Number.isInteger(value) && value >= 16 ? Math.min(value, MAX_SIDE) : fallback;
  return { text: typeof payload.text === 'string' ? payload.text : '', width: side(payload.width, 320), height: side(payload.height, 64) };
}

let fontCheck: Promise<void> | null = null;

/**
 * Whether fontconfig found a face for `RENDER_FONT_FAMILY`. Without one, Pango draws every
 * character as the same empty "tofu" box, so two different letters come out pixel-identical:
 * reported once, as an error naming the cause, rather than as images no OCR can read.
 */
function checkFonts(): Promise<void> {
  const draw = (letter: string) =>
    sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><text x="8" y="72" font-family="${escapeXml(RENDER_FONT_FAMILY)}" font-size="64">${letter}</text></svg>`))
      .raw()
      .toBuffer();
  fontCheck ??= Promise.all([draw('A'), draw('W')]).then(([a, w]) => {
    if (a.equals(w)) {
      fontCheck = null;
      throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', {
        detail: `no font for ${RENDER_FONT_FAMILY}: librsvg draws "A" and "W" as the same box. Install a sans-serif font fontconfig finds (e.g. Debian's fonts-dejavu-core)`,
      });
    }
  });
  return fontCheck;
}

/**
 * The text's glyphs, dark on transparent, trimmed to their ink and scaled to fit inside
 * `boxWidth` × `boxHeight`. Drawn at 96 px first so the scaling only ever shrinks.
 */
async function glyphs(text: string, fill: string, boxWidth: number, boxHeight: number): Promise<{ data: Buffer; width: number; height: number }> {
  const size = 96;
  const canvasWidth = Math.max(size, Math.ceil(size * 0.9 * Math.max(1, text.length)));
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasWidth}" height="${size * 2}">` +
    `<text x="${size / 4}" y="${size * 1.35}" font-family="${escapeXml(RENDER_FONT_FAMILY)}" font-weight="bold" font-size="${size}" fill="${fill}" xml:space="preserve">${escapeXml(text)}</text></svg>`;
  const drawn = await sharp(Buffer.from(svg)).png().toBuffer();
  const alpha = (await sharp(drawn).stats()).channels[3];
  if (alpha === undefined || alpha.max === 0) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `librsvg drew no ink for ${JSON.stringify(text)} in ${RENDER_FONT_FAMILY}` });
  }
  const { data, info: out } = await sharp(drawn)
    .trim({ background: { r: 0, g: 0, b: 0, alpha: 0 }, threshold: 1 })
    .resize({ width: Math.max(1, Math.floor(boxWidth)), height: Math.max(1, Math.floor(boxHeight)), fit: 'inside', kernel: 'lanczos3' })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { data, width: out.width, height: out.height };
}

/** `text` centred on a `background` canvas, its ink box at most `share` of the canvas on each side. */
async function drawCentred(text: string, width: number, height: number, share: number, fill: string, background: string): Promise<Sharp> {
  const ink = await glyphs(text, fill, width * share, height * share);
  return sharp({ create: { width, height, channels: 3, background } }).composite([
    { input: ink.data, left: Math.floor((width - ink.width) / 2), top: Math.floor((height - ink.height) / 2) },
  ]);
}

/** A deterministic stream for this task and purpose. */
function streamFor(task: PublicTask, label: string) {
  return seededRandom(createHash('sha256').update(task.id).digest('hex'), `renderer-${label}`);
}

/** The `wrong` level's string: the same length and spacing as `text`, a different character at every position. */
export function wrongStringFor(task: PublicTask, text: string): string {
  const random = streamFor(task, 'wrong');
  const letters = [...TEXT_RENDER_ALPHABET];
  return [...(text || 'WRONG')]
    .map((c) => (c === ' ' ? ' ' : random.pick(letters.filter((other) => other !== c.toUpperCase()))))
    .join('');
}

/** Adds zero-mean uniform grey noise of ±`amplitude` to every pixel. */
async function withNoise(image: Sharp, task: PublicTask, amplitude: number): Promise<Sharp> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const random = streamFor(task, 'noise');
  const channels = info.channels;
  for (let pixel = 0; pixel < data.length; pixel += channels) {
    // Grey noise (one offset for all channels of a pixel): film grain, not colour speckle.
    const offset = Math.round((random.next() * 2 - 1) * amplitude);
    for (let c = 0; c < channels; c++) data[pixel + c] = Math.max(0, Math.min(255, data[pixel + c] + offset));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

/**
 * A reference miner's response to a `render-text` task at `level`: `{ image: <base64> }`.
 *
 * @example
 * ```ts
 * const response = await renderTextImage(task, 'clean'); // { image: 'iVBORw0KGgo…' }
 * ```
 */
export async function renderTextImage(task: PublicTask, level: RenderLevel): Promise<Json> {
  const { text, width, height } = requestOf(task);
  await checkFonts();
  let bytes: Buffer;
  if (text.trim() === '') {
    // Nothing to draw (a payload without a string): a plain white image.
    bytes = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).png().toBuffer();
  } else if (level === 'clean' || level === 'wrong') {
    const shown = level === 'wrong' ? wrongStringFor(task, text) : text;
    bytes = await (await drawCentred(shown, width, height, 0.9, '#101010', '#ffffff')).png().toBuffer();
  } else if (level === 'small-blurry') {
    const blurred = (await drawCentred(text, width, height, 0.22, '#101010', '#ffffff')).png();
    bytes = await sharp(await blurred.toBuffer()).blur(1.3).png().toBuffer();
  } else {
    const faint = await drawCentred(text, width, height, 0.9, '#8c8c8c', '#c8c8c8');
    const noisy = await withNoise(sharp(await faint.png().toBuffer()).removeAlpha(), task, 45);
    bytes = await noisy.webp({ lossless: true }).toBuffer();
  }
  return { image: bytes.toString('base64') };
}
