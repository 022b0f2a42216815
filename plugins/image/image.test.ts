import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin } from '../../core/plugin-loader.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import plugin from './image.js';
import { pickLevel } from './image-miner.js';

describe('the image plugin', () => {
  it('loads with its evaluators and detector, and draws the same tasks from the same seed', async () => {
    const loaded = await loadPlugin('image');
    assert.deepEqual(loaded.evaluators.map((e) => e.name).sort(), ['image-fidelity', 'image-validity', 'ocr-match']);
    assert.deepEqual(plugin.detectors, ['near-duplicate-image']);
    const a = plugin.tasks.generate({ seed: 'a1b2c3', count: plugin.tasks.perRound, round: 4 });
    const b = plugin.tasks.generate({ seed: 'a1b2c3', count: plugin.tasks.perRound, round: 4 });
    assert.deepEqual(a, b);
    assert.deepEqual(a.map((t) => t.id), a.map((_, i) => `4-image-${i}`));
    const kinds = new Set(a.map((t) => t.kind));
    assert.ok(kinds.has('render-text') && kinds.size >= 3, [...kinds].join(','));
    assert.notDeepEqual(plugin.tasks.generate({ seed: 'a1b2c4', count: plugin.tasks.perRound, round: 4 }), a);
  });

  it('gives an invalid image 0 whatever the other evaluators say, and a valid one their weighted mean', () => {
    const combine = plugin.combine!;
    assert.equal(combine({ 'image-validity': 0, 'image-fidelity': 1 }, { 'image-validity': 0, 'image-fidelity': 1 }), 0);
    assert.equal(combine({ 'image-validity': null, 'ocr-match': 1 }, { 'image-validity': 0, 'ocr-match': 1 }), 0);
    assert.equal(combine({ 'image-validity': 1, 'ocr-match': 0.7 }, { 'image-validity': 0, 'ocr-match': 1 }), 0.7);
  });

  it('has its reference miners answer in the plugin’s schema, each with its own pixels', async () => {
    const [task] = plugin.tasks.generate({ seed: 'a1b2c3', count: plugin.tasks.perRound, round: 1 });
    const draws = (label: string) => {
      const random = seededRandom('abcdef', label);
      return () => random.next();
    };
    const one = await plugin.miner.answer(task, 1, draws('m1'));
    const two = await plugin.miner.answer(task, 1, draws('m2'));
    assert.ok(plugin.protocol.response.safeParse(one).success);
    assert.notEqual((one as { image: string }).image, (two as { image: string }).image);
  });

  it('picks the best level with probability skill', () => {
    let state = 0;
    const random = () => ((state = (state * 9301 + 49297) % 233280) / 233280);
    const picks = Array.from({ length: 4000 }, () => pickLevel(['best', 'mid', 'low'], 0.7, random));
    const best = picks.filter((p) => p === 'best').length / picks.length;
    assert.ok(Math.abs(best - 0.7) < 0.04, String(best));
    assert.ok(picks.includes('mid') && picks.includes('low'));
    assert.ok(Array.from({ length: 200 }, () => pickLevel(['best', 'low'], 1, random)).every((p) => p === 'best'));
  });
});
