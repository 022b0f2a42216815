import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isProctorError } from '../core/errors.js';
import { seededRandom } from './seeded-random.js';

const hexSeed = fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const draws = (seed: string, label: string, n = 16) => {
  const random = seededRandom(seed, label);
  return Array.from({ length: n }, () => random.next());
};

describe('seededRandom', () => {
  it('follows the documented recipe: sha256(seed:label) → xoshiro128**, outputs pinned from an independent Python implementation', () => {
    const random = seededRandom('c0ffee', 'text-tasks');
    const u32 = Array.from({ length: 6 }, () => random.next() * 2 ** 32);
    assert.deepEqual(u32, [948806663, 2973508487, 3417229996, 1349366456, 3076653431, 1527277969]);
    const other = seededRandom('00', '');
    assert.deepEqual([other.next(), other.next(), other.next()].map((x) => x * 2 ** 32), [3092971193, 4034926953, 604893198]);
  });

  it('gives the same sequence for the same seed and label', () => {
    fc.assert(fc.property(hexSeed, fc.string(), (seed, label) => assert.deepEqual(draws(seed, label), draws(seed, label))));
  });

  it('gives a different sequence for a different seed or label', () => {
    fc.assert(
      fc.property(hexSeed, hexSeed, fc.string(), (a, b, label) => {
        fc.pre(a !== b);
        assert.notDeepEqual(draws(a, label), draws(b, label));
        assert.notDeepEqual(draws(a, label), draws(a, `${label}x`));
      }),
    );
  });

  it('reads a seed the same with or without 0x and in either case', () => {
    assert.deepEqual(draws('0xC0FFEE', 'l'), draws('c0ffee', 'l'));
  });

  it('refuses a seed that is not hex with a coded error', () => {
    for (const seed of ['', '0x', 'not hex', 'c0ffee!']) {
      assert.throws(() => seededRandom(seed, 'l'), (err) => isProctorError(err) && err.code === 'PROCTOR_ERR_INTERNAL_UNEXPECTED');
    }
  });

  it('keeps next() in [0, 1) and int(min, max) within its inclusive bounds, reaching both ends', () => {
    const random = seededRandom('ab', 'bounds');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = random.next();
      assert.ok(x >= 0 && x < 1);
      const k = random.int(-3, 3);
      assert.ok(Number.isInteger(k) && k >= -3 && k <= 3);
      seen.add(k);
    }
    assert.equal(seen.size, 7);
    assert.equal(random.int(5, 5), 5);
  });

  it('refuses int bounds that are not integers or are reversed', () => {
    const random = seededRandom('ab', 'bounds');
    assert.throws(() => random.int(3, 2));
    assert.throws(() => random.int(0.5, 2));
    assert.throws(() => random.pick([]));
  });

  it('shuffles into a permutation and leaves the input as it was', () => {
    fc.assert(
      fc.property(hexSeed, fc.array(fc.integer()), (seed, xs) => {
        const before = [...xs];
        const shuffled = seededRandom(seed, 'shuffle').shuffle(xs);
        assert.deepEqual(xs, before);
        assert.deepEqual([...shuffled].sort((a, b) => a - b), [...xs].sort((a, b) => a - b));
      }),
    );
  });

  it('picks every element of an array over many draws', () => {
    const random = seededRandom('ab', 'pick');
    const picked = new Set(Array.from({ length: 200 }, () => random.pick(['a', 'b', 'c', 'd'])));
    assert.equal(picked.size, 4);
  });
});
