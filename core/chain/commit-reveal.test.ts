import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newSalt, revealDecision } from './commit-reveal.js';

const commit = (a: bigint, b: bigint, c: bigint) => ({ hash: '0x00', fields: [a, b, c] as [bigint, bigint, bigint] });

describe('revealDecision', () => {
  it('on current runtimes reveals exactly in epoch commit_epoch + RevealPeriodEpochs (spec §1.2)', () => {
    const c = commit(4n, 1450n, 0n); // (hash, commit_epoch, commit_block, 0)
    const at = (epoch: bigint, period = 1n) => revealDecision(c, { kind: 'epoch', currentEpoch: epoch, revealPeriodEpochs: period }).action;
    assert.deepEqual([at(4n), at(5n), at(6n)], ['wait', 'reveal', 'expired']);
    assert.deepEqual([at(5n, 3n), at(7n, 3n), at(8n, 3n)], ['wait', 'reveal', 'expired']);
    assert.deepEqual(revealDecision(c, { kind: 'epoch', currentEpoch: 4n, revealPeriodEpochs: 1n }), { action: 'wait', until: 'epoch 5' });
  });

  it('on early-2025 runtimes reveals between first_reveal_block and last_reveal_block (spec-218 tuple [hash,45,52,62])', () => {
    const c = commit(45n, 52n, 62n);
    const at = (block: bigint) => revealDecision(c, { kind: 'block', currentBlock: block }).action;
    assert.deepEqual([at(51n), at(52n), at(62n), at(63n)], ['wait', 'reveal', 'reveal', 'expired']);
  });
});

describe('newSalt', () => {
  it('gives u16 values of the asked length, different each time', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), (n) => newSalt(n).length === n && newSalt(n).every((x) => Number.isInteger(x) && x >= 0 && x <= 65535)));
    assert.notDeepEqual(newSalt(), newSalt());
    assert.equal(newSalt().length, 8);
  });
});
