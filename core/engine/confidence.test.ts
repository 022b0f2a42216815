import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bootstrapInterval, confidentScores, DEFAULT_CONFIDENCE, type RoundScore } from './confidence.js';
import type { MovingAverage } from './weights.js';

const average = (uid: number, value: number): MovingAverage => ({ uid, hotkey: `hk${uid}`, value, alpha: 0.1 });
const rounds = (scores: number[], tasks = 8): RoundScore[] => scores.map((score) => ({ score, tasks }));

describe('uncertainty-aware weights', () => {
  it('gives a bootstrap interval that contains the mean, narrows with more rounds, and is the same for the same seed', () => {
    const noisy = [0.2, 0.8, 0.5, 0.6, 0.3, 0.7, 0.4, 0.5];
    const a = bootstrapInterval(noisy, DEFAULT_CONFIDENCE, 'ab');
    assert.deepEqual(bootstrapInterval(noisy, DEFAULT_CONFIDENCE, 'ab'), a);
    assert.ok(a.low <= 0.5 && 0.5 <= a.high, JSON.stringify(a));
    const longer = bootstrapInterval([...noisy, ...noisy, ...noisy, ...noisy], DEFAULT_CONFIDENCE, 'ab');
    assert.ok(longer.high - longer.low < a.high - a.low);
    assert.deepEqual(bootstrapInterval([0.4], DEFAULT_CONFIDENCE, 'ab'), { low: 0.4, high: 0.4 });
  });

  it('does not rank apart miners whose intervals overlap, and still ranks a clearly better miner higher', () => {
    const history = new Map([
      ['hk1', rounds([0.62, 0.55, 0.7, 0.5, 0.66, 0.58])],
      ['hk2', rounds([0.6, 0.52, 0.68, 0.49, 0.63, 0.57])],
      ['hk3', rounds([0.9, 0.92, 0.88, 0.91, 0.93, 0.9])],
    ]);
    const out = confidentScores([average(1, 0.6), average(2, 0.58), average(3, 0.9)], history, DEFAULT_CONFIDENCE, 'cd');
    const [one, two, three] = out;
    assert.equal(one.tier, two.tier);
    assert.equal(one.value, two.value, 'tied by noise: the same weight input');
    assert.ok(three.tier < one.tier && three.value > one.value);
  });

  it('gives a miner with fewer than minTasks scored tasks proportionally less', () => {
    const history = new Map([
      ['hk1', rounds([0.8, 0.8, 0.8], 8)],
      ['hk2', rounds([0.8], 6)],
    ]);
    const [full, fresh] = confidentScores([average(1, 0.8), average(2, 0.8)], history, { ...DEFAULT_CONFIDENCE, minTasks: 24 }, 'ef');
    assert.equal(full.evidence, 1);
    assert.equal(fresh.evidence, 0.25);
    assert.ok(Math.abs(fresh.value - 0.25 * full.value) < 1e-12);
  });

  it('keeps every weight input in [0, max average], never above the best average, whatever the history', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.double({ min: 0, max: 1, noNaN: true }), scores: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }) }), { minLength: 1, maxLength: 8 }),
        (miners) => {
          const averages = miners.map((m, i) => average(i, m.value));
          const history = new Map(miners.map((m, i) => [`hk${i}`, rounds(m.scores)]));
          const out = confidentScores(averages, history, DEFAULT_CONFIDENCE, 'aa');
          const best = Math.max(...miners.map((m) => m.value));
          for (const o of out) assert.ok(o.value >= 0 && o.value <= best + 1e-12 && o.evidence >= 0 && o.evidence <= 1);
          // Tiers follow the ranking: a better tier never has a lower tier average.
          for (const a of out) for (const b of out) if (a.tier < b.tier) assert.ok(a.tierAverage >= b.tierAverage - 1e-12);
        },
      ),
    );
  });
});
