/**
 * Duplicate images across miners on one task: a miner that relays another's image — the same
 * bytes, or the same pixels re-encoded losslessly (PNG ↔ WebP lossless, other PNG settings) —
 * gains nothing. The **earliest** response keeps its credit; every later copy gets the penalty,
 * and the finding names the pair, how alike they are and both arrival times.
 *
 * Two responses are copies when their bytes are identical, or when their perceptual hashes differ
 * in at most `maxHammingBits` bits **and** no channel of any pixel differs by more than
 * `maxChannelDiff`. Similarity alone cannot go further: good restorations of one hidden original
 * converge on it, and independent restorations were measured as close as 57 dB PSNR (an inpainted
 * patch is a small part of the image) while lossy WebP copies measured 36–48 dB — no threshold
 * separates them. Lossy relays are therefore left to the sybil detector (answers that coincide
 * across many tasks) and to the fidelity they lose; docs/anti-gaming.md lists the limit.
 */
import { createHash } from 'node:crypto';
import { defineDetector, type Finding, type Json, type ResponseView } from '../../core/plugin-api.js';
import { DEFAULT_IMAGE_LIMITS } from '../../native/image/decode.js';
import { hammingDistance, phash, phashHex } from '../../native/image/phash.js';
import type { RgbImage } from '../../native/image/raster.js';
import { readResponseImage } from '../../native/image/response.js';

/** The thresholds; see the README for how they were chosen. */
export const NEAR_DUPLICATE_IMAGE_DEFAULTS = Object.freeze({ maxHammingBits: 4, maxChannelDiff: 1, penalty: 0 });

interface Decoded {
  view: ResponseView;
  sha256: string;
  image: RgbImage | null;
  hash: bigint | null;
}

async function decode(view: ResponseView): Promise<Decoded> {
  const raw = view.response !== null && typeof view.response === 'object' && !Array.isArray(view.response) ? view.response.image : undefined;
  const sha256 = createHash('sha256').update(typeof raw === 'string' ? raw : JSON.stringify(raw ?? null)).digest('hex');
  const got = await readResponseImage(view.response, DEFAULT_IMAGE_LIMITS);
  return got.ok ? { view, sha256, image: got.image, hash: phash(got.image) } : { view, sha256, image: null, hash: null };
}

/** Why `later` copies `earlier`, or null when it does not. */
function likeness(earlier: Decoded, later: Decoded): { [key: string]: Json } | null {
  if (earlier.sha256 === later.sha256) return { match: 'identical-bytes', sha256: later.sha256 };
  if (earlier.image === null || later.image === null || earlier.hash === null || later.hash === null) return null;
  const distance = hammingDistance(earlier.hash, later.hash);
  if (distance > NEAR_DUPLICATE_IMAGE_DEFAULTS.maxHammingBits) return null;
  const [a, b] = [earlier.image, later.image];
  if (a.width !== b.width || a.height !== b.height) return null;
  let largest = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d > NEAR_DUPLICATE_IMAGE_DEFAULTS.maxChannelDiff) return null;
    if (d > largest) largest = d;
  }
  return { match: 'same-pixels', hammingBits: distance, maxChannelDiff: largest, phash: [phashHex(earlier.hash), phashHex(later.hash)] };
}

/** Arrival order: earliest first; ties go to the lower latency, then the lower uid. */
function byArrival(a: ResponseView, b: ResponseView): number {
  return a.receivedAtMs - b.receivedAtMs || a.latencyMs - b.latencyMs || a.uid - b.uid;
}

export default defineDetector({
  name: 'near-duplicate-image',
  version: '1.0.0',
  async inspect(_ctx, task, responses) {
    const decoded = await Promise.all([...responses].sort(byArrival).map(decode));
    const findings: Finding[] = [];
    for (let k = 1; k < decoded.length; k++) {
      const later = decoded[k];
      for (let e = 0; e < k; e++) {
        const earlier = decoded[e];
        const why = likeness(earlier, later);
        if (why === null) continue;
        findings.push({
          uids: [later.view.uid],
          penalty: NEAR_DUPLICATE_IMAGE_DEFAULTS.penalty,
          evidence: {
            task: task.id,
            original: { uid: earlier.view.uid, hotkey: earlier.view.hotkey, receivedAtMs: earlier.view.receivedAtMs },
            copy: { uid: later.view.uid, hotkey: later.view.hotkey, receivedAtMs: later.view.receivedAtMs },
            ...why,
          },
        });
        break; // one finding per copy: against the earliest response it copies
      }
    }
    return findings;
  },
});
