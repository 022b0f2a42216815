import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { updateMovingAverages, weightsFromAverages } from './weights.js';

describe('updateMovingAverages', () => {
  it('starts a hotkey never seen from zero, even on a uid another hotkey held', () => {
    const previous = new Map([['old-hotkey', 0.9]]);
    const [next] = updateMovingAverages(previous, [{ uid: 4, hotkey: 'new-hotkey', score: 1 }], 0.1);
    assert.equal(next.value, 0.1);
    assert.equal(next.uid, 4);
  });

  it('moves a known hotkey by α toward its new score, whatever uid it now has', () => {
    const [next] = updateMovingAverages(new Map([['hk', 0.5]]), [{ uid: 9, hotkey: 'hk', score: 1 }], 0.2);
    assert.ok(Math.abs(next.value - 0.6) < 1e-12);
  });

  it('keeps averages within [0, 1] for scores within [0, 1]', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), (prev, score, alpha) => {
        const [next] = updateMovingAverages(new Map([['hk', prev]]), [{ uid: 1, hotkey: 'hk', score }], alpha);
        assert.ok(next.value >= 0 && next.value <= 1 + 1e-12);
      }),
    );
  });
});

describe('weightsFromAverages', () => {
  it('gives the best miner 65535 and the rest in proportion, as the SDK emits them', () => {
    const { uids, values } = weightsFromAverages(
      [
        { uid: 4, hotkey: 'a', value: 0.8, alpha: 0.1 },
        { uid: 5, hotkey: 'b', value: 0.4, alpha: 0.1 },
        { uid: 6, hotkey: 'c', value: 0, alpha: 0.1 },
      ],
      { n: 7, minAllowedWeights: 1, maxWeightLimit: 65535 },
    );
    assert.deepEqual(uids, [4, 5]);
    assert.deepEqual(values, [65535, 32768]);
  });

  it('spreads weight over every uid when nobody has scored yet', () => {
    const { uids, values } = weightsFromAverages([{ uid: 2, hotkey: 'a', value: 0, alpha: 0.1 }], { n: 3, minAllowedWeights: 1, maxWeightLimit: 65535 });
    assert.deepEqual(uids, [0, 1, 2]);
    assert.deepEqual(values, [65535, 65535, 65535]);
  });
});
