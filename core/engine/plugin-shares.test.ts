import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isProctorError } from '../errors.js';
import { combinePluginScores, equalShares, parsePluginShares } from './plugin-shares.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return isProctorError(err) ? `${err.code}: ${err.message}` : String(err);
  }
  return 'no error';
};

describe('plugin shares', () => {
  it('gives every plugin of the run an equal share by default', () => {
    assert.deepEqual(equalShares(['text', 'image']), { text: 0.5, image: 0.5 });
  });

  it('normalises name=value shares so that they sum to one', () => {
    assert.deepEqual(parsePluginShares('text=3, image=1', ['text', 'image']), { text: 0.75, image: 0.25 });
    assert.deepEqual(parsePluginShares('image=0,text=2', ['text', 'image']), { text: 1, image: 0 });
  });

  it('refuses unknown, repeated, missing, negative and all-zero shares with the option named', () => {
    const plugins = ['text', 'image'];
    assert.match(codeOf(() => parsePluginShares('text=1,audio=1', plugins)), /PROCTOR_ERR_RUN_OPTIONS.*"audio" is not a plugin of this run/);
    assert.match(codeOf(() => parsePluginShares('text=1,text=2,image=1', plugins)), /given twice/);
    assert.match(codeOf(() => parsePluginShares('text=1', plugins)), /gives no share to image/);
    assert.match(codeOf(() => parsePluginShares('text=-1,image=1', plugins)), /≥ 0/);
    assert.match(codeOf(() => parsePluginShares('text=x,image=1', plugins)), /≥ 0/);
    assert.match(codeOf(() => parsePluginShares('text=0,image=0', plugins)), /sum to 0/);
    assert.match(codeOf(() => parsePluginShares('text:1,image=1', plugins)), /not name=value/);
  });

  it('scores a miner as the share-weighted mean of its per-plugin means, whatever each plugin’s task count', () => {
    const { score, byPlugin } = combinePluginScores(
      [
        { plugin: 'text', tasks: 8, answered: 8, total: 8 },
        { plugin: 'image', tasks: 2, answered: 2, total: 0 },
      ],
      { text: 0.5, image: 0.5 },
    );
    // A plain mean over the 10 tasks would give 0.8; equal shares give the image plugin its half.
    assert.equal(score, 0.5);
    assert.deepEqual(byPlugin.map((p) => [p.plugin, p.score, p.share]), [['text', 1, 0.5], ['image', 0, 0.5]]);
  });

  it('keeps the combined score in [0, 1] and monotone in each plugin score', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b, share) => {
        const shares = { text: share, image: 1 - share };
        const at = (x: number) => combinePluginScores([{ plugin: 'text', tasks: 4, answered: 4, total: 4 * x }, { plugin: 'image', tasks: 2, answered: 2, total: 2 * b }], shares).score;
        const s = at(a);
        assert.ok(s >= 0 && s <= 1);
        assert.ok(at(Math.min(1, a + 0.1)) >= s - 1e-12);
      }),
    );
  });
});
