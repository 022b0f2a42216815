/**
 * What an image miner must send: `{ "image": "<base64 of a PNG or WebP file>" }`. Checked at the
 * boundary, before any evaluator runs, as far as it can be without decoding: the field, base64
 * characters, the decoded size, and the file signature. A response that fails is recorded as
 * `invalid_response` with the reason and scores 0. What needs the pixels — a truncated or corrupt
 * file, dimensions, a blank image — is `image-validity`'s to find (0 with the reason).
 */
import { z } from 'zod';
import { DEFAULT_IMAGE_LIMITS } from '../../native/image/decode.js';

/** Base64 of the largest file accepted (4 MiB) is 4/3 of it, rounded up to whole quads. */
export const MAX_IMAGE_BASE64_CHARS = Math.ceil(DEFAULT_IMAGE_LIMITS.maxBytes / 3) * 4;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `png`, `webp`, or what the signature says otherwise (`jpeg`, `gif`, `unknown`). */
export function signatureOf(head: Uint8Array): string {
  if (PNG.every((b, i) => head[i] === b)) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (head[0] === 0xff && head[1] === 0xd8) return 'jpeg';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  return 'unknown';
}

export const imageResponse = z
  .object({ image: z.string().min(1, { message: 'is empty' }).max(MAX_IMAGE_BASE64_CHARS, { message: `is larger than ${DEFAULT_IMAGE_LIMITS.maxBytes} bytes once decoded` }) })
  .strict()
  .superRefine(({ image }, ctx) => {
    if (image.startsWith('data:')) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'must be bare base64, without a data: URL prefix' });
      return;
    }
    if (image.length % 4 === 1 || !BASE64.test(image)) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'is not base64' });
      return;
    }
    const kind = signatureOf(Buffer.from(image.slice(0, 24), 'base64'));
    if (kind !== 'png' && kind !== 'webp') ctx.addIssue({ code: 'custom', path: ['image'], message: `must be a PNG or WebP file, not ${kind === 'unknown' ? 'bytes of no image format' : `a ${kind.toUpperCase()}`}` });
  });
