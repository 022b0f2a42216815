/**
 * The epoch reuses its intermediate arrays from one epoch to the next (`withScratch` in
 * `core/consensus/numerics.ts`). Reuse must be invisible: an epoch gives what it gives with fresh
 * arrays, whatever ran before it, and its result does not change when later epochs reuse the arrays.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConsensusInput } from '../core/consensus/input.js';
import { runEpoch, sparseEpoch } from '../core/consensus/epoch.js';
import { fixedNumerics, floatNumerics, type NumericsName } from '../core/consensus/numerics.js';
import { epochOutput } from '../core/consensus/emission.js';
import type { EpochState } from '../core/consensus/state.js';
import { epochState } from './consensus-arbitrary.js';

function state(json: Record<string, unknown>, numerics: NumericsName): EpochState {
  const request = parseConsensusInput(json, numerics);
  assert.equal(request.kind, 'epoch');
  return (request as Extract<typeof request, { kind: 'epoch' }>).state;
}

/** The epoch with fresh arrays: `sparseEpoch` called outside `withScratch` allocates every one. */
function fresh(s: EpochState): string {
  const result = s.numerics === 'fixed' ? sparseEpoch(fixedNumerics, s) : sparseEpoch(floatNumerics, s);
  return JSON.stringify(epochOutput(result));
}

describe('epoch array reuse', () => {
  it('gives each epoch what fresh arrays give, and leaves earlier results alone', () => {
    fc.assert(
      fc.property(epochState({ maxN: 12 }), epochState({ maxN: 12 }), fc.constantFrom<NumericsName>('float', 'fixed'), (a, b, numerics) => {
        const first = state(a, numerics);
        const second = state(b, numerics);
        // The first result's bond rows are built when read: read them only after the second epoch.
        const firstResult = runEpoch(first);
        const secondOut = JSON.stringify(epochOutput(runEpoch(second)));
        assert.equal(JSON.stringify(epochOutput(firstResult)), fresh(first), 'the first epoch, read after the second');
        assert.equal(secondOut, fresh(second), 'the second epoch, after the first');
        assert.equal(JSON.stringify(epochOutput(runEpoch(first))), fresh(first), 'the first epoch again');
      }),
      { numRuns: 120 },
    );
  });

  it('gives a 256-uid epoch the same after a smaller and a larger one', () => {
    const dense = (n: number, seed: number) => {
      const row = (i: number) => Array.from({ length: n }, (_, j) => [j, 1 + ((i * 7919 + j * 104729 + seed) % 65535)]);
      return {
        n,
        stake: Array.from({ length: n }, (_, i) => (i < 64 ? 1e12 + i * 1e9 : 1e6)),
        validator_permits: Array.from({ length: n }, (_, i) => i < 64),
        max_allowed_validators: 64,
        current_block: 10_000,
        tempo: 360,
        last_update: Array.from({ length: n }, (_, i) => (i < 64 ? 9_990 : 1)),
        block_at_registration: new Array(n).fill(0),
        weights: Array.from({ length: n }, (_, i) => (i < 64 ? row(i) : [])),
        bonds: Array.from({ length: n }, (_, i) => (i < 64 ? row(i + 1) : [])),
        yuma3: true,
        liquid_alpha: true,
      };
    };
    for (const numerics of ['float', 'fixed'] as const) {
      const target = state(dense(256, 1), numerics);
      const expected = fresh(target);
      runEpoch(state(dense(80, 2), numerics));
      assert.equal(JSON.stringify(epochOutput(runEpoch(target))), expected, `${numerics}: after a smaller epoch`);
      runEpoch(state(dense(300, 3), numerics));
      assert.equal(JSON.stringify(epochOutput(runEpoch(target))), expected, `${numerics}: after a larger epoch`);
    }
  });
});
