/**
 * `npm run bench -- consensus [sizes…]`: time per epoch at 64 to 4096 uids, 64 validators with
 * weights and bonds on every uid (the densest a real subnet gets), in Yuma3 with liquid alpha (the
 * default of new subnets) and in original Yuma. Sparse float64 is the baseline; fixed point and the
 * dense variant are printed as ratios against it. Each measurement runs in a child process of its
 * own, so that one numerics' JIT state never slows another's, as in a real validator which uses one.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildState } from '../core/consensus/input.js';
import { runEpoch } from '../core/consensus/epoch.js';
import type { EpochState } from '../core/consensus/state.js';
import { formatMs, printTable, time } from './timing.js';

/** A deterministic pseudo-random generator (mulberry32), so that every run times the same state. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchState(n: number, validators: number, yuma3: boolean, seed = 7): EpochState {
  const rnd = random(seed + n);
  const v = Math.min(validators, n);
  const row = () => Array.from({ length: n }, (_, j) => [j, 1 + Math.floor(rnd() * 65535)]);
  const weights = Array.from({ length: n }, (_, i) => (i < v ? row() : []));
  // Yuma3 stores each bond as an EMA of the validator's own normalised weight, so in a steady state a
  // bond is about that weight; original Yuma stores column-max-upscaled bonds, any u16.
  const yuma3Bond = (r: number[][]) => {
    const total = r.reduce((acc, [, w]) => acc + w, 0);
    return r.map(([j, w]) => [j, Math.floor((w / total) * 65535 * (0.8 + 0.4 * rnd()))]);
  };
  return buildState(
    {
      n,
      stake: Array.from({ length: n }, (_, i) => (i < v ? 1e12 * (0.5 + rnd()) : 1e9 * rnd())),
      validator_permits: Array.from({ length: n }, (_, i) => i < v),
      max_allowed_validators: v,
      current_block: 10_000,
      tempo: 360,
      last_update: Array.from({ length: n }, (_, i) => (i < v ? 9_990 : 1)),
      block_at_registration: new Array(n).fill(0),
      weights,
      bonds: weights.map((r) => (r.length === 0 ? [] : yuma3 ? yuma3Bond(r) : row())),
      yuma3,
      liquid_alpha: yuma3,
    },
    '$',
  );
}

interface Case {
  n: number;
  yuma3: boolean;
  numerics: 'float' | 'fixed';
  variant: 'sparse' | 'dense';
}

/** Runs in the child: times one case and prints the median in ms. */
export function measureCase(c: Case): number {
  const state: EpochState = { ...benchState(c.n, 64, c.yuma3), numerics: c.numerics, variant: c.variant };
  const slow = c.numerics === 'fixed' || c.variant === 'dense';
  return time(() => runEpoch(state), slow ? 4000 : 2000, slow ? 1 : 5, slow ? 30 : 500).medianMs;
}

function measureInChild(c: Case): number {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [script, JSON.stringify(c)], { encoding: 'utf8' });
  return Number(out.trim());
}

export function runConsensusBench(args: string[]): void {
  const sizes = args.length > 0 ? args.map(Number) : [64, 256, 1024, 4096];
  console.log(`node ${process.version}, one core per measurement, median of repeated epochs after a warm-up`);
  for (const yuma3 of [true, false]) {
    console.log(`\nconsensus: one epoch, 64 validators weighting every uid, ${yuma3 ? 'Yuma3 + liquid alpha' : 'original Yuma'} (ms)`);
    const rows: string[][] = [];
    for (const n of sizes) {
      const float = measureInChild({ n, yuma3, numerics: 'float', variant: 'sparse' });
      const fixed = measureInChild({ n, yuma3, numerics: 'fixed', variant: 'sparse' });
      const dense = measureInChild({ n, yuma3, numerics: 'float', variant: 'dense' });
      rows.push([String(n), formatMs(float), formatMs(fixed), formatMs(dense), `${(fixed / float).toFixed(1)}×`, `${(dense / float).toFixed(1)}×`]);
    }
    printTable(['uids', 'sparse float', 'sparse fixed', 'dense float', 'fixed/float', 'dense/float'], rows);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  console.log(measureCase(JSON.parse(process.argv[2]) as Case));
}
