/**
 * Untrusted image bytes → pixels, through `sharp`, with caps checked in the cheapest order: the
 * encoded size first, then the signature (PNG or WebP only), then the dimensions read from the
 * header, and only then the pixels. A tiny file that declares a 100 000 × 100 000 canvas is
 * refused before anything is allocated for it.
 */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { isProctorError, proctorError } from '../../core/errors.js';
import { encodePngSync } from './png.js';
import type { ImageFormat, RgbImage } from './raster.js';

/** Caps on one image; every decode of a miner's bytes names them. */
export interface ImageLimits {
  /** Largest encoded size, bytes (after base64 decoding). */
  maxBytes: number;
  /** Largest width × height. */
  maxPixels: number;
  /** Largest width and largest height. */
  maxDimension: number;
}

/** 4 MiB, 16 megapixels, 8192 px a side: far above the 128² images of the restoration tasks. */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({ maxBytes: 4 * 1024 * 1024, maxPixels: 4096 * 4096, maxDimension: 8192 });


/** Formats recognised by their first bytes, to say "this is a JPEG" rather than "not an image". */
function sniff(b: Uint8Array): string | null {
  const ascii = (start: number, end: number) => String.fromCharCode(...b.subarray(start, end));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (ascii(0, 4) === 'GIF8') return 'GIF';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'TIFF';
  if (ascii(0, 2) === 'BM') return 'BMP';
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') return `ISO media (${ascii(8, 12).trim()}: AVIF or HEIF)`;
  if (/^\s*(<\?xml|<svg)/i.test(ascii(0, Math.min(b.length, 64)))) return 'SVG';
  return null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 text → bytes, refusing a `data:` prefix, stray characters, and oversize before decoding. */
function fromBase64(text: string, maxBytes: number): Uint8Array {
  if (text.startsWith('data:')) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: 'the base64 has a "data:" prefix; send the bare base64 of the file' });
  const approximate = Math.floor((text.length * 3) / 4);
  if (approximate > maxBytes + 2) throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'size in bytes', value: approximate, limit: maxBytes });
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: 'the image is not valid base64 (standard alphabet, padded, no white space)' });
  return Buffer.from(text, 'base64');
}

function wrapSharp(error: unknown, stage: string): Error {
  if (isProctorError(error)) return error;
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: `${stage} failed: ${detail}` }, error);
}

/**
 * Decodes a PNG or WebP (bytes, or their bare base64) into RGB, alpha flattened onto white.
 * Throws `PROCTOR_ERR_IMAGE_TOO_LARGE` (bytes, width, height, pixels), `PROCTOR_ERR_IMAGE_FORMAT`
 * (a JPEG, GIF, …) or `PROCTOR_ERR_IMAGE_INVALID` (not base64, not an image, truncated, corrupt,
 * animated).
 *
 * @example
 * ```ts
 * const img = await decodeImage(response.image, DEFAULT_IMAGE_LIMITS);
 * img.width; img.height; img.format; // 128 128 'png'
 * ```
 */
export async function decodeImage(input: Uint8Array | string, limits: ImageLimits): Promise<RgbImage> {
  const bytes = typeof input === 'string' ? fromBase64(input, limits.maxBytes) : input;
  if (bytes.length === 0) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: 'the image is empty' });
  if (bytes.length > limits.maxBytes) throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'size in bytes', value: bytes.length, limit: limits.maxBytes });
  const found = sniff(bytes);
  if (found === null) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: 'the bytes are not an image (no PNG or WebP signature)' });
  if (found !== 'png' && found !== 'webp') throw proctorError('PROCTOR_ERR_IMAGE_FORMAT', { format: found, accepted: ['PNG', 'WebP'] });
  const format: ImageFormat = found;

  // The header alone: metadata() decodes no pixels. Its own pixel limit is lifted so that the
  // caps below, not a generic sharp message, say what is too large.
  const options = { limitInputPixels: limits.maxPixels, failOn: 'truncated' as const };
  const meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata().catch((error: unknown) => Promise.reject(wrapSharp(error, 'reading the header')));
  const { width, height } = meta;
  if (!width || !height) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: 'the header has no dimensions' });
  if (width > limits.maxDimension) throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'width', value: width, limit: limits.maxDimension });
  if (height > limits.maxDimension) throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'height', value: height, limit: limits.maxDimension });
  if (width * height > limits.maxPixels) throw proctorError('PROCTOR_ERR_IMAGE_TOO_LARGE', { what: 'pixel count', value: width * height, limit: limits.maxPixels });
  if ((meta.pages ?? 1) > 1) throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: `the image is animated (${meta.pages} frames); send one still image` });

  const { data, info } = await sharp(bytes, options)
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => Promise.reject(wrapSharp(error, 'decoding the pixels')));
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw proctorError('PROCTOR_ERR_IMAGE_INVALID', { problem: `decoded to ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3` });
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), format };
}

/**
 * The base64 (no `data:` prefix) of the image's PNG bytes (`encodePngSync`): what a task payload
 * or a miner's `{ image }` carries.
 *
 * @example
 * ```ts
 * const response = { image: await encodePng(restored) };
 * ```
 */
export async function encodePng(img: RgbImage): Promise<string> {
  return encodePngSync(img).toString('base64');
}

/** A sharp pipeline whose input is the image's raw pixels. */
export function toSharp(img: RgbImage): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** The RGB pixels a sharp pipeline produces. */
export async function fromSharp(pipeline: Sharp, format: ImageFormat = 'png'): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), format };
}
