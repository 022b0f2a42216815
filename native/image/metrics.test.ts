/** PSNR, SSIM and MS-SSIM: known properties, hand-computed values, values from an independent NumPy implementation, and a naive reference. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { msSsim, msSsimScales, psnr, ssim, ssimPlanes } from './metrics.js';
import { createImage, luminance, type RgbImage } from './raster.js';

/** The test pattern of the NumPy script below, `m` its perturbation period (0: none). */
function pattern(width: number, height: number, m: number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const base = [(i * 7 + j * 13) % 256, (i * j) % 256, (((255 - i * 5 - j * 2) % 256) + 256) % 256];
      const delta = m > 0 ? ((i * j) % m) - Math.floor(m / 2) : 0;
      for (let c = 0; c < 3; c++) img.data[3 * (i * width + j) + c] = Math.min(255, Math.max(0, base[c] + delta * (c + 1)));
    }
  }
  return img;
}

/** A deterministic noisy copy (LCG, uniform noise of amplitude `amount`). */
function noisy(img: RgbImage, amount: number, seed = 1): RgbImage {
  let state = seed;
  const out = createImage(img.width, img.height);
  for (let i = 0; i < img.data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.data[i] = Math.min(255, Math.max(0, Math.round(img.data[i] + (state / 2 ** 32 - 0.5) * 2 * amount)));
  }
  return out;
}

/** SSIM straight from the paper's definition: every window position, 2-D weights, float64, no tricks. */
function referenceSsim(a: RgbImage, b: RgbImage, size = 11): { ssim: number; cs: number } {
  const [x, y] = [luminance(a), luminance(b)];
  const g = Array.from({ length: size }, (_, k) => Math.exp(-((k - (size - 1) / 2) ** 2) / (2 * 1.5 ** 2)));
  const total = g.reduce((s, v) => s + v, 0) ** 2;
  const [C1, C2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  let [sum, csSum, n] = [0, 0, 0];
  for (let top = 0; top + size <= a.height; top++) {
    for (let left = 0; left + size <= a.width; left++) {
      let [mx, my, xx, yy, xy] = [0, 0, 0, 0, 0];
      for (let u = 0; u < size; u++) {
        for (let v = 0; v < size; v++) {
          const w = (g[u] * g[v]) / total;
          const [p, q] = [x[(top + u) * a.width + left + v], y[(top + u) * a.width + left + v]];
          [mx, my, xx, yy, xy] = [mx + w * p, my + w * q, xx + w * p * p, yy + w * q * q, xy + w * p * q];
        }
      }
      const cs = (2 * (xy - mx * my) + C2) / (xx - mx * mx + yy - my * my + C2);
      sum += ((2 * mx * my + C1) / (mx * mx + my * my + C1)) * cs;
      csSum += cs;
      n++;
    }
  }
  return { ssim: sum / n, cs: csSum / n };
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance})`);

describe('psnr, ssim and msSsim', () => {
  const x = pattern(64, 48, 0);

  it('give ∞ dB and exactly 1 for identical images', () => {
    assert.equal(psnr(x, x), Infinity);
    assert.equal(ssim(x, x), 1);
    assert.equal(msSsim(x, x), 1);
  });

  it('match hand-computed values for a flat image shifted by 10 levels', () => {
    const [a, b] = [createImage(32, 32, [100, 100, 100]), createImage(32, 32, [110, 110, 110])];
    // Flat: σ = 0, so cs = C2 / C2 = 1 and SSIM = l = (2·100·110 + C1) / (100² + 110² + C1), C1 = 6.5025.
    close(ssim(a, b), (22000 + 6.5025) / (10000 + 12100 + 6.5025), 1e-6, 'ssim');
    // MSE 100: 10·log10(255² / 100) = 28.1308 dB.
    close(psnr(a, b), 10 * Math.log10(65025 / 100), 1e-4, 'psnr');
  });

  it('match an independent NumPy/SciPy implementation (convolve2d "valid", Wang et al. 2004)', () => {
    // Values printed by a 30-line NumPy script: the same pattern, luminance 0.299/0.587/0.114,
    // fspecial-style 11×11 Gaussian σ 1.5 via scipy.signal.convolve2d(mode="valid"), MS-SSIM
    // over 3 scales (48 → 24 → 12 px) with the first three weights renormalised, 2×2 means.
    const mild = pattern(64, 48, 11);
    close(ssim(x, mild), 0.9874970165262419, 1e-5, 'ssim m=11');
    close(psnr(x, mild), 32.74900937487994, 1e-4, 'psnr m=11');
    close(msSsim(x, mild), 0.9963433224409248, 1e-5, 'ms-ssim m=11');
    const strong = pattern(64, 48, 41);
    close(ssim(x, strong), 0.8688116550956813, 1e-5, 'ssim m=41');
    close(psnr(x, strong), 21.9473127697341, 1e-4, 'psnr m=41');
    close(msSsim(x, strong), 0.9705379585063267, 1e-5, 'ms-ssim m=41');
  });

  it('agrees with the naive window-by-window reference on odd sizes and on images narrower than the window', () => {
    for (const [w, h] of [[37, 29], [11, 11], [9, 20], [5, 5]]) {
      const a = pattern(w, h, 0);
      const b = noisy(a, 30, w * h);
      const fast = ssimPlanes(luminance(a), luminance(b), w, h);
      const size = Math.min(11, w - ((w + 1) % 2), h - ((h + 1) % 2));
      const slow = referenceSsim(a, b, size);
      close(fast.ssim, slow.ssim, 1e-5, `ssim ${w}×${h}`);
      close(fast.cs, slow.cs, 1e-5, `cs ${w}×${h}`);
    }
  });

  it('is symmetric', () => {
    const y = noisy(x, 40);
    close(ssim(x, y), ssim(y, x), 1e-9, 'ssim');
    close(msSsim(x, y), msSsim(y, x), 1e-9, 'ms-ssim');
    assert.equal(psnr(x, y), psnr(y, x));
  });

  it('falls strictly as noise grows', () => {
    const photo = pattern(96, 96, 0);
    const levels = [2, 5, 10, 20, 40, 80].map((amount) => noisy(photo, amount, 7));
    const series = (metric: (a: RgbImage, b: RgbImage) => number) => levels.map((img) => metric(photo, img));
    for (const [name, values] of [['psnr', series(psnr)], ['ssim', series(ssim)], ['ms-ssim', series(msSsim)]] as const) {
      for (let k = 1; k < values.length; k++) assert.ok(values[k] < values[k - 1], `${name} ${values.join(', ')}`);
    }
  });

  it('uses up to 5 MS-SSIM scales while the coarsest stays at least 11 px', () => {
    assert.deepEqual([176, 175, 128, 88, 32, 21, 16].map((side) => msSsimScales(side, side)), [5, 4, 4, 4, 2, 1, 1]);
    const [a, b] = [pattern(16, 16, 0), noisy(pattern(16, 16, 0), 20)];
    close(msSsim(a, b), Math.max(0, ssim(a, b)), 1e-12, 'one scale is SSIM');
  });

  it('refuses images of different sizes', () => {
    assert.throws(() => ssim(createImage(8, 8), createImage(8, 9)), /ssim of a 8×8 and a 8×9 image/);
  });
});
