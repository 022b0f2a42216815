import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  drawRenderString,
  generateTextRenderTasks,
  IMAGE_TEXT_DATASET_VERSION,
  TEXT_RENDER_ALPHABET,
  TEXT_RENDER_ALPHABET_NAME,
  TEXT_RENDER_SIZES,
} from './text-render.js';
import { seededRandom } from '../seeded-random.js';

const hexSeed = fc.uint8Array({ minLength: 8, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));

/** Pairs a sans-serif font draws alike; the alphabet may hold neither member of any. */
const CONFUSABLE = ['0O', 'OQ', '1I', '1L', 'IL', '2Z', '5S', '6G', '8B'];

describe('text-render tasks', () => {
  it('gives the same tasks for the same seed, and a longer draw starts with the shorter one', () => {
    fc.assert(
      fc.property(hexSeed, fc.nat(10_000), (seed, round) => {
        const long = generateTextRenderTasks({ seed, count: 6, round });
        assert.deepEqual(generateTextRenderTasks({ seed, count: 6, round }), long);
        assert.deepEqual(generateTextRenderTasks({ seed, count: 3, round }), long.slice(0, 3));
      }),
      { numRuns: 50 },
    );
  });

  it('draws 2–3 groups of 3–6 characters of the alphabet, one space apart', () => {
    fc.assert(
      fc.property(hexSeed, (seed) => {
        const text = drawRenderString(seededRandom(seed, 'test'));
        const groups = text.split(' ');
        assert.ok(groups.length >= 2 && groups.length <= 3, text);
        for (const group of groups) {
          assert.ok(group.length >= 3 && group.length <= 6, text);
          assert.ok([...group].every((c) => TEXT_RENDER_ALPHABET.includes(c)), text);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('uses an alphabet of 22 distinct upper-case letters and digits without a confusable pair member', () => {
    assert.equal(new Set(TEXT_RENDER_ALPHABET).size, 22);
    assert.match(TEXT_RENDER_ALPHABET, /^[A-Z0-9]+$/);
    for (const pair of CONFUSABLE) {
      assert.ok(![...pair].some((c) => TEXT_RENDER_ALPHABET.includes(c)), `the alphabet holds a member of ${pair}`);
    }
  });

  it('states the string and the size in the prompt and the payload, the string as the answer', () => {
    const tasks = generateTextRenderTasks({ seed: 'c0ffee', count: 30, round: 4 });
    tasks.forEach((task, index) => {
      assert.equal(task.id, `4-image-${index}`);
      assert.equal(task.kind, 'render-text');
      const { text, width, height } = task.payload as { text: string; width: number; height: number };
      assert.equal(task.answer, text);
      assert.ok(task.prompt.includes(`"${text}"`) && task.prompt.includes(`${width}×${height}`), task.prompt);
      assert.ok(TEXT_RENDER_SIZES.some(([w, h]) => w === width && h === height));
      assert.deepEqual(task.meta, { alphabet: TEXT_RENDER_ALPHABET_NAME });
    });
    assert.ok(new Set(tasks.map((task) => task.answer)).size === tasks.length, 'strings repeat within a round');
    assert.equal(new Set(tasks.map((task) => (task.payload as { width: number }).width)).size, TEXT_RENDER_SIZES.length, 'every size is drawn');
  });

  it('draws from its own stream: the recipe of a known seed is pinned', () => {
    // A change here changes every round's tasks: bump IMAGE_TEXT_DATASET_VERSION with it.
    const tasks = generateTextRenderTasks({ seed: '00', count: 4, round: 0 });
    const digest = createHash('sha256').update(JSON.stringify(tasks)).digest('hex').slice(0, 16);
    assert.equal(IMAGE_TEXT_DATASET_VERSION, '1.0.0');
    assert.equal(digest, PINNED_DIGEST, JSON.stringify(tasks.map((task) => task.payload)));
  });
});

const PINNED_DIGEST = '48f07ca5a20d149a';
