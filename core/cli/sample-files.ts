/**
 * `validator score` samples may name files instead of carrying their bytes: anywhere in a sample,
 * an object that is exactly `{ "file": "<path>" }` is replaced by the base64 of that file, so an
 * image evaluator can be run on images on disk:
 *
 * ```json
 * {"task": {"kind": "denoise", "payload": {"image": {"file": "noisy.png"}, "width": 128, "height": 128},
 *           "answer": {"original": {"file": "original.png"}}}, "response": {"image": {"file": "mine.webp"}}}
 * ```
 *
 * Paths are relative to the current directory. A missing, unreadable or oversized file is the
 * sample's error, reported on its line; the other lines are still scored.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Json } from '../plugin-api.js';

/** Larger files are refused: an image evaluator's own caps are far below this. */
export const SAMPLE_FILE_MAX_BYTES = 32 * 1024 * 1024;

function isFileRef(value: Json): value is { file: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof value.file === 'string';
}

function readAsBase64(path: string): string {
  const full = resolve(path);
  let size: number;
  try {
    size = statSync(full).size;
  } catch (err) {
    throw new Error(`cannot read file "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > SAMPLE_FILE_MAX_BYTES) throw new Error(`file "${path}" is ${size} bytes, more than the ${SAMPLE_FILE_MAX_BYTES} a sample may name`);
  return readFileSync(full).toString('base64');
}

/**
 * A copy of `value` with every `{ "file": path }` replaced by the file's base64; throws an Error
 * naming the file when one cannot be read.
 *
 * @example
 * ```ts
 * inlineFiles({ image: { file: 'a.png' } }); // { image: 'iVBORw0KGgo…' }
 * ```
 */
export function inlineFiles(value: Json): Json {
  if (isFileRef(value)) return readAsBase64(value.file);
  if (Array.isArray(value)) return value.map(inlineFiles);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inlineFiles(v)]));
  return value;
}
