/** The DCT perceptual hash: agreement with SciPy's DCT, stability under re-encoding, spread between unrelated images. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, DEFAULT_IMAGE_LIMITS } from './decode.js';
import { hammingDistance, phash, phashHex } from './phash.js';
import { createImage, type RgbImage } from './raster.js';
import { proceduralOriginal } from '../../datasets/image/procedural.js';
import { seededRandom } from '../../datasets/seeded-random.js';

function pattern(size: number): RgbImage {
  const img = createImage(size, size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) img.data.set([(i * 7 + j * 13) % 256, (i * j) % 256, (((255 - i * 5 - j * 2) % 256) + 256) % 256], 3 * (i * size + j));
  return img;
}

describe('phash', () => {
  it('matches the imagehash recipe computed with scipy.fftpack.dct on a 32 × 32 image', () => {
    // lum = 0.299 r + 0.587 g + 0.114 b; d = dct(dct(lum, axis=0), axis=1); bits = d[:8, :8] > median(d[:8, :8])
    assert.equal(phashHex(phash(pattern(32))), '802f58736d5b52b5');
  });

  it('barely moves under lossy re-encoding and resizing, and differs in many bits between unrelated images', async () => {
    const random = seededRandom('5eed', 'phash-test');
    const photos = Array.from({ length: 6 }, () => proceduralOriginal(random, 128));
    for (const photo of photos) {
      const jpeg = await sharp(Buffer.from(photo.data), { raw: { width: 128, height: 128, channels: 3 } }).resize(100, 100).webp({ quality: 60 }).toBuffer();
      const copy = await decodeImage(jpeg, DEFAULT_IMAGE_LIMITS);
      assert.ok(hammingDistance(phash(photo), phash(copy)) <= 6, `re-encoded copy at ${hammingDistance(phash(photo), phash(copy))}`);
    }
    const distances = photos.flatMap((a, i) => photos.slice(i + 1).map((b) => hammingDistance(phash(a), phash(b))));
    assert.ok(Math.min(...distances) >= 12, `unrelated images: ${distances.join(', ')}`);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits of 64-bit hashes', () => {
    assert.equal(hammingDistance(0b1011n, 0b0001n), 2);
    assert.equal(hammingDistance(0n, 2n ** 64n - 1n), 64);
    assert.equal(hammingDistance(0x802f58736d5b52b5n, 0x802f58736d5b52b5n), 0);
  });
});
