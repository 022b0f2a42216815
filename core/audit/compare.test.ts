import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createComparer, parseColumn } from './compare.js';

describe('stored versus recomputed', () => {
  it('takes numbers within the relative tolerance as equal and records the largest deviation', () => {
    const cmp = createComparer(1e-9);
    assert.equal(cmp.cell('scores', 'r', 'value', 0.5, 0.5 + 4e-10), true);
    assert.equal(cmp.cell('weight_inputs', 'r', 'value', 1e6, 1e6 + 1e-4), true, 'relative above 1');
    assert.equal(cmp.cell('scores', 'r', 'value', 0.5, 0.5 + 2e-9), false);
    assert.equal(cmp.differences.length, 1);
    assert.ok(Math.abs(cmp.maxDeviation - 1e-4) < 1e-9, String(cmp.maxDeviation));
    assert.equal(cmp.cells, 3);
  });

  it('never lets a u16 weight, a count or a tier move by one', () => {
    const cmp = createComparer(1e-9);
    assert.equal(cmp.cell('weight_submissions', 'r', 'weights', [65535, 1200], [65535, 1201]), false);
    assert.equal(cmp.cell('miner_round_scores', 'r', 'tasks', 14, 13), false);
  });

  it('compares JSON deeply: keys on one side only, array lengths, null against a number', () => {
    const cmp = createComparer();
    assert.equal(cmp.cell('scores', 'r', 'details', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), true, 'key order is not a difference');
    assert.equal(cmp.cell('scores', 'r', 'details', { a: 1 }, { a: 1, b: 0 }), false);
    assert.equal(cmp.cell('scores', 'r', 'details', [1, 2], [1, 2, 3]), false);
    assert.equal(cmp.cell('scores', 'r', 'value', null, 0), false);
    assert.equal(cmp.cell('scores', 'r', 'status', 'ok', 'error'), false);
    assert.deepEqual(cmp.differences.at(-1), { table: 'scores', row: 'r', column: 'status', stored: 'ok', recomputed: 'error' });
  });

  it('records a row found on one side only', () => {
    const cmp = createComparer();
    cmp.missing('findings', 'round 2, task 2-text-1', 'stored', { penalty: 0.5 });
    assert.deepEqual(cmp.differences, [{ table: 'findings', row: 'round 2, task 2-text-1', column: '(row)', stored: { penalty: 0.5 }, recomputed: null }]);
  });

  it('parses stored JSON columns and keeps text that is not JSON', () => {
    assert.deepEqual(parseColumn('{"answer":"4"}'), { answer: '4' });
    assert.equal(parseColumn('not json'), 'not json');
    assert.equal(parseColumn(null), null);
  });
});
