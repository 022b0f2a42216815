/**
 * `npm run bench -- consensus`: time per epoch at 64 to 4096 uids, 64 validators with weights and
 * bonds on every uid (the dense worst case of a real subnet), Yuma3 with liquid alpha (the default
 * of new subnets) and original Yuma. Sparse float64 is the baseline; fixed point and the dense
 * variant are printed as ratios against it, measured in the same process.
 */
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
      weights: Array.from({ length: n }, (_, i) => (i < v ? row() : [])),
      bonds: Array.from({ length: n }, (_, i) => (i < v ? row() : [])),
      yuma3,
      liquid_alpha: yuma3,
    },
    '$',
  );
}

export function runConsensusBench(args: string[]): void {
  const sizes = args.length > 0 ? args.map(Number) : [64, 256, 1024, 4096];
  for (const yuma3 of [true, false]) {
    console.log(`\nconsensus: one epoch, 64 validators weighting every uid, ${yuma3 ? 'Yuma3 + liquid alpha' : 'original Yuma'} (median ms)`);
    const rows: string[][] = [];
    for (const n of sizes) {
      const state = benchState(n, 64, yuma3);
      const float = time(() => runEpoch({ ...state, numerics: 'float' }));
      const fixed = time(() => runEpoch({ ...state, numerics: 'fixed' }), 3000, 1, 20);
      const dense = time(() => runEpoch({ ...state, numerics: 'float', variant: 'dense' }), 3000, 1, 50);
      rows.push([
        String(n),
        formatMs(float.medianMs),
        formatMs(fixed.medianMs),
        formatMs(dense.medianMs),
        `${(fixed.medianMs / float.medianMs).toFixed(1)}×`,
        `${(dense.medianMs / float.medianMs).toFixed(1)}×`,
      ]);
    }
    printTable(['uids', 'sparse float', 'sparse fixed', 'dense float', 'fixed/float', 'dense/float'], rows);
  }
}
