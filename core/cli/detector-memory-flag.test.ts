import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keepDetectorMemoryFlag } from './detector-memory-flag.js';
import { DETECTOR_MEMORY_KEEP_ROUNDS } from '../engine/detector-memory.js';

describe('--keep-detector-memory', () => {
  it('takes a round count, 0 or all (keep everything: 0), and defaults to 32', () => {
    assert.equal(keepDetectorMemoryFlag('2'), 2);
    assert.equal(keepDetectorMemoryFlag('0'), 0);
    assert.equal(keepDetectorMemoryFlag('all'), 0);
    assert.equal(keepDetectorMemoryFlag('ALL'), 0);
    assert.equal(keepDetectorMemoryFlag(undefined), DETECTOR_MEMORY_KEEP_ROUNDS);
    assert.equal(DETECTOR_MEMORY_KEEP_ROUNDS, 32);
  });

  it('refuses anything else with PROCTOR_ERR_RUN_OPTIONS naming the flag', () => {
    for (const bad of ['-1', '1.5', 'some', '', '1000001', '0x10', '1e2', '2.0', ' 5', '-0', '0x0']) {
      assert.throws(() => keepDetectorMemoryFlag(bad), (err: Error & { code?: string }) => err.code === 'PROCTOR_ERR_RUN_OPTIONS' && err.message.includes('--keep-detector-memory'), bad);
    }
  });
});
