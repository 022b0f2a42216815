/**
 * A deterministic pseudo-random generator keyed by the round's seed and a stream label, so that an
 * auditor who learns a round's revealed seed regenerates exactly the tasks the validator drew.
 *
 * The recipe, to reimplement it in another language:
 * 1. normalise the seed: strip an optional `0x`, lower-case it; it must then be non-empty hex;
 * 2. `digest = sha256(utf8(seed + ':' + label))`;
 * 3. the xoshiro128** state is the digest's first 16 bytes read as four little-endian u32
 *    (s0 = bytes 0–3, …, s3 = bytes 12–15);
 * 4. every draw advances xoshiro128** once and yields its u32 output `u`:
 *    `next()` = u / 2³²; `int(min, max)` rejects `u ≥ ⌊2³² / n⌋·n` (n = max − min + 1) and returns
 *    `min + u mod n`; `pick(xs)` = `xs[int(0, len − 1)]`; `shuffle` is Fisher–Yates from the last
 *    index down, swapping `i` with `int(0, i)`.
 *
 * Different labels give independent streams from one seed (`text-tasks`, `image-tasks`, …).
 *
 * @example
 * ```ts
 * const random = seededRandom('9f3c…', 'text-tasks');
 * random.int(1, 6); // the same value every time for this seed and label
 * ```
 */
import { createHash } from 'node:crypto';
import { proctorError } from '../core/errors.js';

/** A stream of deterministic draws; every method advances the same underlying state. */
export interface Random {
  /** A float in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** An integer in [min, max], both inclusive; unbiased. */
  int(min: number, max: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(xs: readonly T[]): T;
  /** A uniformly shuffled copy; the input is left as it was. */
  shuffle<T>(xs: readonly T[]): T[];
}

const TWO_TO_32 = 2 ** 32;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function normaliseSeed(seedHex: string): string {
  const seed = seedHex.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]+$/.test(seed)) {
    throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `seededRandom needs a hex seed, got ${JSON.stringify(seedHex)}` });
  }
  return seed;
}

/** A generator for `label`'s stream of the round seeded with `seedHex` (see the module comment for the recipe). */
export function seededRandom(seedHex: string, label: string): Random {
  const digest = createHash('sha256').update(`${normaliseSeed(seedHex)}:${label}`, 'utf8').digest();
  const s = [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
  // xoshiro128** is undefined on an all-zero state; sha256 does not give one in practice.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;

  function nextU32(): number {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  function int(min: number, max: number): number {
    const span = max - min + 1;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || span < 1 || span > TWO_TO_32) {
      throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `Random.int(${min}, ${max}) needs integers with min ≤ max and at most 2^32 values` });
    }
    const limit = Math.floor(TWO_TO_32 / span) * span;
    let u = nextU32();
    while (u >= limit) u = nextU32();
    return min + (u % span);
  }

  return {
    next: () => nextU32() / TWO_TO_32,
    int,
    pick<T>(xs: readonly T[]): T {
      if (xs.length === 0) throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: 'Random.pick of an empty array' });
      return xs[int(0, xs.length - 1)];
    },
    shuffle<T>(xs: readonly T[]): T[] {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
