import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { definePlugin, type Task, type TaskContext } from '../plugin-api.js';
import type { LoadedPlugin } from '../plugin-loader.js';
import { openStore } from '../store/store.js';
import type { RoundRecord, TaskRow } from '../store/records.js';
import { seededRandom } from '../../datasets/seeded-random.js';
import { roundTasks } from './round.js';
import { auditTaskHistory, createTaskLedger, guardTasks, REISSUE_ATTEMPTS, replayAudience, taskInputHash, type TaskHistory } from './task-guard.js';

/**
 * A plugin whose inputs come from a space of `space` values, so that repeats are frequent; slot 0
 * of every round from the second on replays an earlier input on purpose when `replays` is set.
 */
function toyPlugin(space: number, count = 4, replays = false): LoadedPlugin {
  const generate = (ctx: TaskContext): Task[] => {
    const random = seededRandom(ctx.seed, 'toy');
    return Array.from({ length: ctx.count }, (_, i): Task => {
      const value = random.int(0, space - 1);
      const earlier = ctx.previous?.[0];
      if (replays && i === 0 && earlier !== undefined) return { id: `${ctx.round}-toy-0`, kind: 'toy', prompt: 'replayed', payload: null, answer: 0, meta: { probe: { kind: 'replay', of: `${earlier.round}-toy-1`, round: earlier.round } } };
      return { id: `${ctx.round}-toy-${i}`, kind: 'toy', prompt: `What is ${value} + 1?`, payload: { value }, answer: value + 1, meta: {} };
    });
  };
  const definition = definePlugin({
    name: 'toy', version: '1.0.0', engine: '^0.1.0',
    tasks: { perRound: count, version: '1', generate },
    evaluators: { 'ground-truth': { weight: 1 } },
    protocol: { response: z.object({ answer: z.string() }), maxResponseBytes: 1024, timeoutMs: 1000 },
    miner: { answer: () => ({ answer: '0' }) },
  });
  return { definition, source: 'test:toy', evaluators: [] };
}

const hexSeed = fc.uint8Array({ minLength: 8, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));

/** Rounds 1..n of a run, each generated with the seeds and inputs of the rounds before it. */
function run(plugin: LoadedPlugin, runSeed: string, n: number): { tasks: Task[]; dropped: number }[] {
  const issued = new Set<string>();
  const seeds: { round: number; seed: string }[] = [];
  const out: { tasks: Task[]; dropped: number }[] = [];
  for (let round = 1; round <= n; round++) {
    const seed = `${runSeed}${round.toString(16).padStart(4, '0')}`;
    const [{ tasks, reissues }] = roundTasks([plugin], seed, round, { previous: [...seeds].reverse(), issued: (h) => issued.has(h) });
    for (const t of tasks) issued.add(taskInputHash('toy', t));
    seeds.push({ round, seed });
    out.push({ tasks, dropped: reissues.filter((r) => r.outcome === 'dropped').length });
  }
  return out;
}

describe('the input guard', () => {
  it('never issues an ordinary task twice in a run, whatever the seeds (a space of 120 inputs, 4 per round, 12 rounds)', () => {
    fc.assert(
      fc.property(hexSeed, (runSeed) => {
        const rounds = run(toyPlugin(120), runSeed, 12);
        const hashes = rounds.flatMap((r) => r.tasks).map((t) => taskInputHash('toy', t));
        assert.equal(new Set(hashes).size, hashes.length);
        // Every slot kept or dropped; nothing dropped while the space has plenty of room (9 failed redraws at ≤ 20 % used: < 1e-6).
        for (const r of rounds) assert.equal(r.tasks.length + r.dropped, 4);
        assert.equal(rounds.slice(0, 6).reduce((a, r) => a + r.dropped, 0), 0);
      }),
      { numRuns: 40 },
    );
  });

  it('drops a slot it cannot redraw into a new input, and keeps the others', () => {
    const rounds = run(toyPlugin(6), 'c0ffee', 4);
    const kept = rounds.flatMap((r) => r.tasks);
    assert.ok(kept.length <= 6 && kept.length >= 4, `${kept.length} tasks kept from a space of 6`);
    assert.ok(rounds.at(-1)!.dropped > 0);
    assert.equal(new Set(kept.map((t) => t.prompt)).size, kept.length);
  });

  it('redraws deterministically: the same history gives the same round, ids in the slot scheme', () => {
    fc.assert(
      fc.property(hexSeed, (runSeed) => {
        assert.deepEqual(run(toyPlugin(20), runSeed, 5), run(toyPlugin(20), runSeed, 5));
        for (const { tasks } of run(toyPlugin(20), runSeed, 5)) for (const t of tasks) assert.match(t.id, /^\d+-toy-[0-3]$/);
      }),
      { numRuns: 20 },
    );
  });

  it('lets a replay probe through even though its input was issued before', () => {
    const replay: Task = { id: '9-toy-0', kind: 'toy', prompt: 'p', payload: null, answer: 0, meta: { probe: { kind: 'replay', of: '3-toy-1', round: 3 } } };
    const ordinary: Task = { ...replay, id: '9-toy-1', meta: {} };
    const issued = new Set([taskInputHash('toy', replay)]);
    const redraws: number[] = [];
    const { tasks, reissues } = guardTasks('toy', [replay, ordinary], (h) => issued.has(h), (i, a) => (redraws.push(a), { ...ordinary, prompt: `p${a}` }));
    assert.deepEqual(tasks.map((t) => [t.id, t.prompt]), [['9-toy-0', 'p'], ['9-toy-1', 'p1']]);
    assert.deepEqual(reissues.map((r) => [r.taskId, r.outcome, r.attempts]), [['9-toy-1', 'replaced', 1]]);
    assert.ok(REISSUE_ATTEMPTS >= 4);
  });

  it('sends a replay only to hotkeys that were never sent the original, and to nobody without a ledger', () => {
    const replay = { meta: { probe: { kind: 'replay', of: '3-toy-1', round: 3 } } };
    assert.equal(replayAudience({ meta: {} }, undefined), null, 'an ordinary task goes to everyone');
    assert.equal(replayAudience(replay, undefined)!('new'), false);
    const audience = replayAudience(replay, (round, key) => new Set(round === 3 && key === '3-toy-1' ? ['old'] : []))!;
    assert.deepEqual([audience('old'), audience('new')], [false, true]);
  });
});

describe('the task ledger', () => {
  function store() {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-guard-'));
    return { path: join(dir, 'proctor.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const taskRow = (key: string, prompt: string, inputHash?: string): TaskRow => ({ key, plugin: 'toy', pluginVersion: '1.0.0', datasetVersion: '1', idx: 0, kind: 'toy', prompt, payload: { prompt }, answer: 1, meta: {}, ...(inputHash ? { inputHash } : {}) });
  const record = (roundId: number, seed: string, tasks: TaskRow[], hotkeys: string[]): RoundRecord => ({
    roundId, seed, finishedAt: new Date().toISOString(), tasks,
    responses: tasks.flatMap((t) => hotkeys.map((hotkey, uid) => ({ taskKey: t.key, uid, hotkey, status: 'timeout' as const, httpStatus: null, latencyMs: 1, receivedAtMs: null, bodyHash: null, body: null, error: null }))),
    scores: [], responseScores: [], findings: [], minerScores: [], movingAverages: [], weightSubmission: null, consensusPreview: null, epoch: null, chainSnapshot: null,
  });

  it('gives each round the seeds of the completed rounds before it and every input issued, across a restart', () => {
    const { path, done } = store();
    try {
      const s = openStore(path);
      const run = s.startRun({ engineVersion: '0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: null });
      const hashOf = (prompt: string) => taskInputHash('toy', { kind: 'toy', prompt, payload: { prompt } });
      // Round 1 written before the column was filled (no hash), round 2 with it; round 3 abandoned.
      s.completeRound(record(s.openRound(run, 1, 1, 'h1'), 'aa01', [taskRow('1-toy-0', 'one')], ['hk1']));
      s.completeRound(record(s.openRound(run, 2, 2, 'h2'), 'aa02', [taskRow('2-toy-0', 'two', hashOf('two'))], ['hk1', 'hk2']));
      s.openRound(run, 3, 3, 'h3');
      s.abandonOpenRounds();
      const ledger = createTaskLedger(s.db);
      const history = ledger.historyFor(4);
      assert.deepEqual(history.previous, [{ round: 2, seed: 'aa02' }, { round: 1, seed: 'aa01' }]);
      assert.equal(history.issued!(hashOf('one')), true, 'a row without a stored hash is hashed on load');
      assert.equal(history.issued!(hashOf('two')), true);
      assert.equal(history.issued!(hashOf('four')), false);
      ledger.record([hashOf('four')]);
      assert.equal(ledger.historyFor(5).issued!(hashOf('four')), true);
      assert.deepEqual([...ledger.sentTo(2, '2-toy-0')].sort(), ['hk1', 'hk2']);
      assert.deepEqual([...ledger.sentTo(1, '2-toy-0')], []);
      // What an auditor rebuilds for round 2 sees round 1's input and not round 2's own.
      const audit: TaskHistory = auditTaskHistory(s.db, 2);
      assert.deepEqual([audit.previous, audit.issued!(hashOf('one')), audit.issued!(hashOf('two'))], [[{ round: 1, seed: 'aa01' }], true, false]);
      s.close();
      const again = createTaskLedger(openStore(path).db);
      assert.equal(again.historyFor(4).issued!(hashOf('two')), true, 'a restarted validator still knows every stored input');
    } finally {
      done();
    }
  });

  it('regenerates a run\'s rounds exactly from the database (the auditor\'s path), replays included', () => {
    const { path, done } = store();
    try {
      const plugin = toyPlugin(30, 4, true);
      const s = openStore(path);
      const runId = s.startRun({ engineVersion: '0', network: 'local', netuid: null, validatorHotkey: 'v', plugins: [], config: null });
      const ledger = createTaskLedger(s.db);
      const issuedByRound: Task[][] = [];
      for (let round = 1; round <= 8; round++) {
        const seed = `beef${round}`;
        const [{ tasks }] = roundTasks([plugin], seed, round, ledger.historyFor(round));
        const rows = tasks.map((t, idx) => ({ ...taskRow(t.id, t.prompt), payload: t.payload, meta: t.meta, idx, inputHash: taskInputHash('toy', t) }));
        s.completeRound(record(s.openRound(runId, round, round, `h${round}`), seed, rows, ['hk1']));
        ledger.record(rows.map((r) => r.inputHash));
        issuedByRound.push(tasks);
      }
      for (let round = 1; round <= 8; round++) {
        assert.deepEqual(roundTasks([plugin], `beef${round}`, round, auditTaskHistory(s.db, round))[0].tasks, issuedByRound[round - 1]);
      }
      const repeated = s.db.prepare('SELECT DISTINCT probe FROM v_repeated_inputs').all() as { probe: string | null }[];
      assert.deepEqual(repeated.map((r) => r.probe).filter((p) => p !== 'replay'), [], 'only replays repeat an input');
      s.close();
    } finally {
      done();
    }
  });
});
