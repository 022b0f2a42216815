import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createComparer } from './compare.js';
import { compareDetectorMemory } from './replay-compare.js';
import type { DetectorMemoryRow } from '../store/records.js';

const row = (detector: string): DetectorMemoryRow => ({ detector, version: '1.0.0', memoryJson: '[["k",1]]', bytes: 9, status: 'kept', errorCode: null });

describe('compareDetectorMemory', () => {
  it('compares nothing for a round stored before detector memory existed (a run without any rows)', () => {
    const cmp = createComparer();
    compareDetectorMemory(cmp, 3, [], [row('cache-probe')], false);
    assert.deepEqual(cmp.differences, []);
  });

  it('reports each detector of a round without rows when its run stored rows with other rounds (deleted rows)', () => {
    const cmp = createComparer();
    compareDetectorMemory(cmp, 3, [], [row('cache-probe'), row('sybil-cluster')], true);
    assert.deepEqual(
      cmp.differences.map((d) => [d.table, d.row, d.stored, d.recomputed]),
      [
        ['detector_memory', 'round 3, detector cache-probe', null, { version: '1.0.0', status: 'kept', bytes: 9 }],
        ['detector_memory', 'round 3, detector sybil-cluster', null, { version: '1.0.0', status: 'kept', bytes: 9 }],
      ],
    );
  });

  it('reports a stored row that differs, and one the replay did not produce', () => {
    const cmp = createComparer();
    compareDetectorMemory(cmp, 3, [{ ...row('cache-probe'), memoryJson: '[["k",2]]' }, row('gone')], [row('cache-probe')]);
    assert.deepEqual(cmp.differences.map((d) => [d.row, d.column]), [
      ['round 3, detector cache-probe', 'memory_json (sha256)'],
      ['round 3, detector gone', '(row)'],
    ]);
  });
});

