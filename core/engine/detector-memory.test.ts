import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { defineDetector, type Json, type Task } from '../plugin-api.js';
import { openStore } from '../store/store.js';
import type { RoundRecord } from '../store/records.js';
import { runDetectors } from './detect.js';
import { createDetectorMemoryKeeper, DETECTOR_MEMORY_MAX_BYTES, detectorMemoryRows, restoreDetectorMemory, type DetectorMemory } from './detector-memory.js';

/** Counts the rounds it saw and remembers every answer, keyed by task: memory that grows with what miners send. */
const hoarder = defineDetector({
  name: 'hoarder',
  version: '1.0.0',
  inspectRound(ctx, tasks) {
    ctx.memory.set('rounds', ((ctx.memory.get('rounds') as number | undefined) ?? 0) + 1);
    for (const { task, responses } of tasks) ctx.memory.set(task.id, responses.map((r) => r.response));
    // A finding that depends on memory: from the second round on, every answer is "seen before".
    return (ctx.memory.get('rounds') as number) > 1 ? [{ taskId: tasks[0].task.id, uids: [1], evidence: { rounds: ctx.memory.get('rounds') as number }, penalty: 0.5 }] : [];
  },
});
const detectors = new Map([['hoarder', hoarder]]);
const task = (id: string): Task => ({ id, kind: 'k', prompt: 'p', payload: null, answer: null, meta: {} });

/** A round that stored nothing but its memory. */
function emptyRecord(roundId: number): RoundRecord {
  return { roundId, seed: 's', finishedAt: 'now', tasks: [], responses: [], scores: [], responseScores: [], findings: [], minerScores: [], movingAverages: [], weightSubmission: null, consensusPreview: null, epoch: null, chainSnapshot: null };
}

async function round(memory: DetectorMemory, n: number, answer: Json) {
  const t = task(`${n}-p-0`);
  return runDetectors([{ plugin: 'p', task: t }], [{ plugin: 'p', task: t, view: { uid: 1, hotkey: 'hk1', receivedAtMs: 1, latencyMs: 1, response: answer } }], {
    round: n,
    detectorsByPlugin: new Map([['p', ['hoarder']]]),
    detectors,
    memory,
    log: () => {},
  });
}

describe('detector memory rows', () => {
  it('round-trips any JSON memory exactly, in its order, through a row', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.jsonValue()), { maxLength: 8 }), (entries) => {
        const memory: DetectorMemory = new Map([['hoarder', new Map(entries as [string, Json][])]]);
        const rows = detectorMemoryRows(memory, detectors, 1, () => {});
        const back = restoreDetectorMemory(rows, detectors, 1, () => {});
        assert.deepEqual([...(back.get('hoarder') ?? new Map())], JSON.parse(JSON.stringify([...memory.get('hoarder')!])));
      }),
      { numRuns: 200 },
    );
  });

  it('stores one row per loaded detector, an unused one as empty', () => {
    const other = defineDetector({ name: 'aaa-quiet', version: '2.0.0', inspect: () => [] });
    const rows = detectorMemoryRows(new Map(), new Map([['hoarder', hoarder], ['aaa-quiet', other]]), 1, () => {});
    assert.deepEqual(rows.map((r) => [r.detector, r.version, r.memoryJson, r.status]), [['aaa-quiet', '2.0.0', '[]', 'kept'], ['hoarder', '1.0.0', '[]', 'kept']]);
  });

  it('drops a memory over the cap with a coded warning, and the detector starts empty', () => {
    const logs: string[] = [];
    const memory: DetectorMemory = new Map([['hoarder', new Map<string, Json>([['big', 'x'.repeat(2000)]])]]);
    const [row] = detectorMemoryRows(memory, detectors, 7, (m) => logs.push(m), 1000);
    assert.deepEqual([row.status, row.memoryJson, row.errorCode], ['dropped', '[]', 'PROCTOR_ERR_DETECTOR_MEMORY_TOO_LARGE']);
    assert.ok(row.bytes > 2000);
    assert.match(logs.join('\n'), /^\[PROCTOR_ERR_DETECTOR_MEMORY_TOO_LARGE\] detector hoarder's memory after round 7/);
    assert.equal(restoreDetectorMemory([row], detectors, 7, () => {}).has('hoarder'), false);
    assert.equal(DETECTOR_MEMORY_MAX_BYTES, 32 * 1024 * 1024);
  });

  it('drops a memory JSON cannot hold (a BigInt) instead of failing the round', () => {
    const logs: string[] = [];
    const memory = new Map([['hoarder', new Map([['n', 1n as unknown as Json]])]]);
    const [row] = detectorMemoryRows(memory, detectors, 2, (m) => logs.push(m));
    assert.deepEqual([row.status, row.errorCode], ['dropped', 'PROCTOR_ERR_DETECTOR_MEMORY_INVALID']);
    assert.match(logs[0], /^\[PROCTOR_ERR_DETECTOR_MEMORY_INVALID\]/);
  });

  it('starts empty from a row written by another version of the detector, or from a malformed row, and says why', () => {
    const logs: string[] = [];
    const old = { detector: 'hoarder', version: '0.9.0', memoryJson: '[["rounds",3]]', bytes: 14, status: 'kept' as const, errorCode: null };
    const broken = { ...old, version: '1.0.0', memoryJson: '{"rounds":3}' };
    assert.equal(restoreDetectorMemory([old], detectors, 4, (m) => logs.push(m)).size, 0);
    assert.equal(restoreDetectorMemory([broken], detectors, 4, (m) => logs.push(m)).size, 0);
    assert.match(logs[0], /hoarder 1\.0\.0 starts empty: the memory stored with round 4 was written by version 0\.9\.0/);
    assert.match(logs[1], /^\[PROCTOR_ERR_DETECTOR_MEMORY_INVALID\]/);
  });
});

describe('the run keeps detector memory in its database', () => {
  it('continues, after a restart, from exactly the memory stored with the last completed round', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-detector-memory-'));
    const path = join(dir, 'proctor.db');
    try {
      // Process 1: two rounds, each completed with its memory; round 3 opened and never completed (a crash).
      let store = openStore(path);
      const runId = store.startRun({ engineVersion: 't', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: {} });
      const keeper = createDetectorMemoryKeeper(store.latestDetectorMemory(), detectors, () => {});
      let afterTwo: DetectorMemory = new Map();
      for (const n of [1, 2]) {
        const memory = keeper.forRound();
        await round(memory, n, { answer: `a${n}`, score: n / 3 });
        const rows = keeper.rowsAfter(memory, n);
        store.completeRound({ ...emptyRecord(store.openRound(runId, n, n, 'h')), detectorMemory: rows });
        keeper.commit(rows, n);
        afterTwo = memory;
      }
      const crashed = keeper.forRound();
      await round(crashed, 3, { answer: 'lost' });
      store.openRound(runId, 3, 3, 'h');
      store.close();

      // Process 2: the crashed round is abandoned; round 4 starts from round 2's memory, not round 3's.
      store = openStore(path);
      store.abandonOpenRounds();
      const logs: string[] = [];
      const resumed = createDetectorMemoryKeeper(store.latestDetectorMemory(), detectors, (m) => logs.push(m)).forRound();
      assert.deepEqual([...resumed.get('hoarder')!], [...afterTwo.get('hoarder')!]);
      assert.equal(resumed.get('hoarder')!.has('3-p-0'), false, 'nothing of the abandoned round');
      assert.match(logs.join('\n'), /detector memory: continuing from round 2 \(hoarder\)/);
      const { findings } = await round(resumed, 4, { answer: 'a4' });
      assert.deepEqual(findings.map((f) => f.evidence), [{ rounds: 3 }], 'the third completed round for the detector');
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives each round a fresh copy, so a round that is not committed changes nothing', async () => {
    const keeper = createDetectorMemoryKeeper(null, detectors, () => {});
    const first = keeper.forRound();
    await round(first, 1, 'one');
    keeper.commit(keeper.rowsAfter(first, 1), 1);
    const abandoned = keeper.forRound();
    await round(abandoned, 2, 'two');
    const next = keeper.forRound();
    assert.equal(next.get('hoarder')!.get('rounds'), 1);
    assert.notEqual(next.get('hoarder'), first.get('hoarder'));
  });
});
