/**
 * Procedural originals drawn from the round's stream: a background (gradient, stripes, checker or
 * a fractal noise texture) under three to eight shapes (discs, rings, ellipses, rotated rectangles,
 * triangles), each filled flat, with a gradient, stripes, a checker or a texture, then a faint
 * grain. Hard edges, periodic patterns and texture at several scales are what a restoration can
 * get right or wrong, so every image has all three. The space is unbounded: every parameter is a
 * continuous draw.
 *
 * Rendered at twice the size and area-downscaled, so edges are anti-aliased like a photograph's.
 */
import { createImage, type RgbImage } from '../../native/image/raster.js';
import { resizeArea } from '../../native/image/resample.js';
import type { Random } from '../seeded-random.js';

type Rgb = [number, number, number];
/** A fill: the colour at (u, v) in [0, 1)² image coordinates. */
type Paint = (u: number, v: number) => Rgb;
/** A shape: true where (u, v) is inside. */
type Inside = (u: number, v: number) => boolean;

const colour = (random: Random): Rgb => [random.int(0, 255), random.int(0, 255), random.int(0, 255)];
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const between = (random: Random, lo: number, hi: number) => lo + (hi - lo) * random.next();

/** Fractal value noise in [0, 1]: `octaves` lattices, each twice as fine and half as strong. */
function fbm(random: Random, baseCells: number, octaves: number): (u: number, v: number) => number {
  const layers = Array.from({ length: octaves }, (_, o) => {
    const cells = baseCells << o;
    const lattice = Float64Array.from({ length: (cells + 1) * (cells + 1) }, () => random.next());
    return { cells, lattice, weight: 0.5 ** o };
  });
  const total = layers.reduce((s, l) => s + l.weight, 0);
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (u, v) => {
    let sum = 0;
    for (const { cells, lattice, weight } of layers) {
      const [x, y] = [u * cells, v * cells];
      const [x0, y0] = [Math.min(cells - 1, Math.floor(x)), Math.min(cells - 1, Math.floor(y))];
      const [tx, ty] = [smooth(x - x0), smooth(y - y0)];
      const at = (i: number, j: number) => lattice[j * (cells + 1) + i];
      const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * tx;
      const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * tx;
      sum += weight * (top + (bottom - top) * ty);
    }
    return sum / total;
  };
}

/** A random fill: flat, linear or radial gradient, stripes (hard or soft), checker, or texture. */
function drawPaint(random: Random, allowFlat: boolean): Paint {
  const [a, b] = [colour(random), colour(random)];
  const kind = random.int(allowFlat ? 0 : 1, 5);
  const angle = between(random, 0, Math.PI);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  if (kind === 0) return () => a;
  if (kind === 1) return (u, v) => mix(a, b, Math.min(1, Math.max(0, 0.5 + (u - 0.5) * cos + (v - 0.5) * sin)));
  if (kind === 2) {
    const [cx, cy, r] = [random.next(), random.next(), between(random, 0.3, 0.9)];
    return (u, v) => mix(a, b, Math.min(1, Math.sqrt((u - cx) ** 2 + (v - cy) ** 2) / r));
  }
  if (kind === 3) {
    const period = between(random, 0.03, 0.2);
    const hard = random.next() < 0.5;
    return (u, v) => {
      const phase = 0.5 + 0.5 * Math.sin((2 * Math.PI * (u * cos + v * sin)) / period);
      return mix(a, b, hard ? (phase > 0.5 ? 1 : 0) : phase);
    };
  }
  if (kind === 4) {
    const cell = between(random, 0.04, 0.15);
    return (u, v) => {
      const [s, t] = [(u * cos + v * sin) / cell, (v * cos - u * sin) / cell];
      return (Math.floor(s) + Math.floor(t)) % 2 === 0 ? a : b;
    };
  }
  const noise = fbm(random, random.int(3, 6), 4);
  const c = colour(random);
  return (u, v) => {
    const n = noise(u, v);
    return n < 0.5 ? mix(a, b, n * 2) : mix(b, c, n * 2 - 1);
  };
}

/** A random shape of a size between 10 % and 50 % of the image. */
function drawShape(random: Random): Inside {
  const [cx, cy] = [random.next(), random.next()];
  const size = between(random, 0.1, 0.5);
  const angle = between(random, 0, Math.PI);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const local = (u: number, v: number): [number, number] => [(u - cx) * cos + (v - cy) * sin, (v - cy) * cos - (u - cx) * sin];
  const kind = random.int(0, 4);
  if (kind === 0) return (u, v) => Math.sqrt((u - cx) ** 2 + (v - cy) ** 2) < size / 2;
  if (kind === 1) {
    const inner = between(random, 0.4, 0.8) * (size / 2);
    return (u, v) => {
      const d = Math.sqrt((u - cx) ** 2 + (v - cy) ** 2);
      return d < size / 2 && d > inner;
    };
  }
  if (kind === 2) {
    const ratio = between(random, 0.3, 1);
    return (u, v) => {
      const [s, t] = local(u, v);
      return (s / (size / 2)) ** 2 + (t / ((size * ratio) / 2)) ** 2 < 1;
    };
  }
  if (kind === 3) {
    const ratio = between(random, 0.2, 1);
    return (u, v) => {
      const [s, t] = local(u, v);
      return Math.abs(s) < size / 2 && Math.abs(t) < (size * ratio) / 2;
    };
  }
  const corners = Array.from({ length: 3 }, () => [cx + between(random, -size, size) / 2, cy + between(random, -size, size) / 2]);
  return (u, v) => {
    const side = (i: number) => {
      const [[x1, y1], [x2, y2]] = [corners[i], corners[(i + 1) % 3]];
      return (x2 - x1) * (v - y1) - (y2 - y1) * (u - x1);
    };
    const [d0, d1, d2] = [side(0), side(1), side(2)];
    return (d0 >= 0 && d1 >= 0 && d2 >= 0) || (d0 <= 0 && d1 <= 0 && d2 <= 0);
  };
}

/**
 * One procedural original of `size` × `size` pixels.
 *
 * @example
 * ```ts
 * const img = proceduralOriginal(seededRandom(seed, 'image-tasks'), 128);
 * ```
 */
export function proceduralOriginal(random: Random, size: number): RgbImage {
  const background = drawPaint(random, false);
  const layers = Array.from({ length: random.int(3, 8) }, () => ({ inside: drawShape(random), paint: drawPaint(random, true), opacity: between(random, 0.6, 1) }));
  const grain = fbm(random, 32, 2);
  const grainAmplitude = between(random, 4, 16);
  const big = createImage(2 * size, 2 * size);
  for (let y = 0; y < big.height; y++) {
    for (let x = 0; x < big.width; x++) {
      const [u, v] = [(x + 0.5) / big.width, (y + 0.5) / big.height];
      let rgb = background(u, v);
      for (const layer of layers) if (layer.inside(u, v)) rgb = mix(rgb, layer.paint(u, v), layer.opacity);
      const g = (grain(u, v) - 0.5) * grainAmplitude;
      const i = 3 * (y * big.width + x);
      for (let c = 0; c < 3; c++) big.data[i + c] = Math.min(255, Math.max(0, Math.round(rgb[c] + g)));
    }
  }
  return resizeArea(big, size, size);
}
