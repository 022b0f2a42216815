import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadPlugin } from '../../core/plugin-loader.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import plugin from './image.js';
import { pickLevel } from './image-miner.js';
import { MAX_IMAGE_BASE64_CHARS } from './response-schema.js';

describe('the image plugin', () => {
  it('loads with its evaluators and detectors, and draws the same tasks from the same seed', async () => {
    const loaded = await loadPlugin('image');
    assert.deepEqual(loaded.evaluators.map((e) => e.name).sort(), ['image-fidelity', 'image-validity', 'ocr-match']);
    assert.deepEqual(plugin.detectors, ['latency-floor', 'near-duplicate-image', 'sybil-cluster']);
    assert.equal(plugin.version, '1.0.1');
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

  it('refuses at the boundary what is not a PNG or WebP in base64, saying why', () => {
    const reason = (body: unknown) => {
      const r = plugin.protocol.response.safeParse(body);
      return r.success ? 'accepted' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');
    const webp = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8L', 'latin1').toString('base64');
    assert.equal(reason({ image: png }), 'accepted');
    assert.equal(reason({ image: webp }), 'accepted');
    assert.match(reason({ image: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]).toString('base64') }), /image: must be a PNG or WebP file, not a JPEG/);
    assert.match(reason({ image: Buffer.from('hello, validator').toString('base64') }), /not bytes of no image format/);
    assert.match(reason({ image: 'not base64!' }), /image: is not base64/);
    assert.match(reason({ image: `data:image/png;base64,${png}` }), /without a data: URL prefix/);
    assert.match(reason({ image: 'A'.repeat(MAX_IMAGE_BASE64_CHARS + 4) }), /larger than 4194304 bytes/);
    assert.match(reason({ image: png, caption: 'extra' }), /caption|unrecognized/i);
    assert.match(reason({ answer: 'x' }), /image/);
  });
});
