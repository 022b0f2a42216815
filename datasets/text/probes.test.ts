import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Json, Task } from '../../core/plugin-api.js';
import groundTruth from '../../evaluators/ground-truth/ground-truth.js';
import { textMiner } from '../../plugins/text/solver.js';
import { generateTextTasks } from './generate.js';
import fc from 'fast-check';
import { seededRandom } from '../seeded-random.js';
import { canaryTask } from './probes-canary.js';
import { locatePassage, joinPassage } from './probes-continuation.js';
import { rewordTask } from './probes-reword.js';
import { generateTextRound, PROBE_RATES, probePlan } from './probes.js';

const seedOf = (r: number): string => createHash('sha256').update(`probes-test:${r}`).digest('hex');
const previousOf = (r: number) => Array.from({ length: Math.min(32, r - 1) }, (_, k) => ({ round: r - 1 - k, seed: seedOf(r - 1 - k) }));
const ROUNDS = 90;
const rounds = Array.from({ length: ROUNDS }, (_, k) => k + 1).map((r) => ({ r, tasks: generateTextRound({ seed: seedOf(r), count: 8, round: r, previous: previousOf(r) }) }));
const all = rounds.flatMap(({ tasks }) => tasks);
const probeOf = (t: Task) => t.meta.probe as { kind: string; of: string; round: number; oldAnswer: Json; change: { from: string; to: string }; strength: string } | undefined;
const original = (t: Task): Task => {
  const p = probeOf(t)!;
  return generateTextTasks({ seed: seedOf(p.round), count: 8, round: p.round }).find((x) => x.id === p.of)!;
};
const reworded = all.filter((t) => probeOf(t)?.kind === 'reworded');

/** Whether `got` scores 1 against `answer` under ground-truth, as the detector asks. */
function scoresAs(task: Task, answer: Json, got: string): boolean {
  const v = groundTruth.score({ options: { numericTolerance: 1e-9, relativeTolerance: 0 }, log: () => {} }, { task: { ...task, answer }, response: { answer: got } }, undefined);
  return (typeof v === 'number' ? v : (v as { value: number }).value) === 1;
}

/** The words and numbers of a value's string and number leaves (keys are schema). */
const tokens = (value: Json): string[] =>
  value === null || typeof value === 'boolean' ? [] : typeof value === 'string' || typeof value === 'number' ? (String(value).match(/[\p{L}\p{N}]+/gu) ?? []) : (Array.isArray(value) ? value : Object.values(value)).flatMap(tokens);
/** Tokens of `a` that `b` lacks, as a multiset difference. */
function minus(a: string[], b: string[]): Set<string> {
  const left = new Map<string, number>();
  for (const t of b) left.set(t, (left.get(t) ?? 0) + 1);
  const out = new Set<string>();
  for (const t of a) {
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    else out.add(t);
  }
  return out;
}

describe('the text round with probes', () => {
  it('mixes reworded probes, canaries and replays at about their rates, every family among the reworded', () => {
    const share = (test: (t: Task) => boolean) => all.filter(test).length / all.length;
    // The plan alone (what each slot was meant to be), and what was made of it.
    const planned = rounds.flatMap(({ r }) => probePlan(seedOf(r), 8));
    assert.ok(Math.abs(planned.filter((p) => p === 'reworded').length / planned.length - PROBE_RATES.reworded) < 0.04);
    assert.ok(share((t) => probeOf(t)?.kind === 'reworded') > 0.08, 'most reworded slots find a task to reword');
    assert.ok(share((t) => t.meta.canary !== undefined) > 0.03);
    assert.ok(share((t) => probeOf(t)?.kind === 'replay') > 0.005);
    assert.deepEqual([...new Set(reworded.map((t) => t.kind))].sort(), ['arithmetic', 'continuation', 'dates', 'lookup', 'qa', 'strings', 'summary']);
  });

  it('keeps the ordinary tasks of generateTextTasks in every other slot, with the same id scheme', () => {
    for (const { r, tasks } of rounds.slice(0, 30)) {
      const ordinary = generateTextTasks({ seed: seedOf(r), count: 8, round: r });
      assert.deepEqual(tasks.map((t) => t.id), ordinary.map((t) => t.id));
      tasks.forEach((t, i) => {
        if (t.meta.probe === undefined && t.meta.canary === undefined) assert.deepEqual(t, ordinary[i]);
      });
    }
  });

  it('has no probe copied from history in a first round, only ordinary tasks and canaries', () => {
    const first = generateTextRound({ seed: seedOf(1), count: 64, round: 1 });
    assert.ok(first.every((t) => t.meta.probe === undefined));
  });

  it('regenerates every round exactly from the revealed seeds', () => {
    for (const { r, tasks } of rounds.filter((x) => x.tasks.some((t) => t.meta.probe !== undefined)).slice(0, 12)) {
      assert.deepEqual(generateTextRound({ seed: seedOf(r), count: 8, round: r, previous: previousOf(r) }), tasks);
    }
  });

  it('rewords a task of an earlier round: the same kind and prompt shape, only the changed detail differs, and the right answer changes', () => {
    for (const probe of reworded) {
      const p = probeOf(probe)!;
      const before = original(probe);
      assert.equal(probe.kind, before.kind);
      assert.deepEqual(p.oldAnswer, before.answer);
      assert.notDeepEqual(probe.answer, before.answer, probe.id);
      if (probe.kind === 'continuation') {
        const [oldPassage, newPassage] = [(before.payload as { passage: string }).passage, (probe.payload as { passage: string }).passage];
        assert.ok(newPassage.endsWith(p.change.to), 'the old first hidden sentence ends the passage');
        assert.ok(oldPassage.startsWith(p.change.from));
        assert.equal(newPassage.replace(/\s+/g, ' '), `${oldPassage.slice(p.change.from.length)} ${p.change.to}`.replace(/\s+/g, ' ').trim());
        assert.equal(probe.prompt, before.prompt);
        continue;
      }
      const [was, now] = [tokens([before.prompt, before.payload]), tokens([probe.prompt, probe.payload])];
      const [removed, added] = [minus(was, now), minus(now, was)];
      assert.ok(removed.size > 0 && [...removed].every((t) => tokens(p.change.from).includes(t)), `${probe.id}: removed ${[...removed]} vs ${p.change.from}`);
      assert.ok([...added].every((t) => tokens(p.change.to).includes(t)), `${probe.id}: added ${[...added]} vs ${p.change.to}`);
      if (probe.kind !== 'summary') assert.equal(scoresAs(probe, probe.answer, String(before.answer)), false, `${probe.id}: the old answer is wrong now`);
    }
  });

  it('never makes the old answer one an honest miner gives: textMiner at any skill answers the new task, never the old one', async () => {
    let draws = 0;
    for (const probe of reworded.filter((t) => t.kind !== 'continuation' && t.kind !== 'summary')) {
      const p = probeOf(probe)!;
      const task = { id: probe.id, kind: probe.kind, prompt: probe.prompt, payload: probe.payload };
      for (let k = 0; k < 12; k++) {
        const { answer } = (await textMiner.answer(task, 0, () => (k + 0.5) / 12)) as { answer: string };
        assert.equal(scoresAs(probe, p.oldAnswer, answer), false, `${probe.id}: near miss ${answer} is the old answer ${JSON.stringify(p.oldAnswer)}`);
        draws++;
      }
      const right = (await textMiner.answer(task, 1, () => 0.5)) as { answer: string };
      assert.equal(scoresAs(probe, probe.answer, right.answer), true, `${probe.id}: the reference solver solves the probe`);
    }
    assert.ok(draws > 300);
  });

  it('rewords any ordinary task, even at the edges of its family\'s ranges, or says it cannot; draws canaries from any stream', () => {
    const hexSeed = fc.uint8Array({ minLength: 8, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
    fc.assert(
      fc.property(hexSeed, (seed) => {
        const random = seededRandom(seed, 'text-probe-content');
        for (const task of generateTextTasks({ seed, count: 14, round: 3 })) {
          const edges: Task[] = [task];
          // A founding year at the bottom of its range has no earlier year to move to.
          if (task.meta.attribute === 'founded') edges.push({ ...task, answer: 1850, payload: { document: String((task.payload as { document: string }).document).replace(String(task.answer), '1850') } });
          for (const t of edges) {
            const probe = rewordTask(t, random);
            if (probe !== null) assert.notDeepEqual(probe.draft.answer, t.answer);
          }
        }
        for (let i = 0; i < 3; i++) canaryTask(random, i);
      }),
      { numRuns: 30 },
    );
  });

  it('replays copy an earlier open-ended task exactly, marked for the engine', () => {
    const replays = all.filter((t) => probeOf(t)?.kind === 'replay');
    assert.ok(replays.length > 0);
    for (const replay of replays) {
      const before = original(replay);
      assert.ok(['continuation', 'summary'].includes(replay.kind));
      assert.deepEqual([replay.kind, replay.prompt, replay.payload, replay.answer], [before.kind, before.prompt, before.payload, before.answer]);
    }
  });

  it('lays canaries whose right answer the reference solver finds and whose trap it never gives', async () => {
    const canaries = all.filter((t) => t.meta.canary !== undefined);
    assert.deepEqual([...new Set(canaries.map((t) => `${(t.meta.canary as { kind: string }).kind}:${t.kind}`))].sort(), ['echo:continuation', 'lure:lookup', 'lure:qa']);
    for (const canary of canaries) {
      const { kind, traps } = canary.meta.canary as { kind: string; traps: Json[] };
      if (kind === 'echo') {
        const at = locatePassage(canary)!;
        assert.equal(traps[0], at.sentences[at.end - 1].text, 'the trap is the passage\'s last sentence');
        assert.equal(joinPassage(at.sentences.slice(at.start, at.end)), (canary.payload as { passage: string }).passage);
        continue;
      }
      const task = { id: canary.id, kind: canary.kind, prompt: canary.prompt, payload: canary.payload };
      const document = (canary.payload as { document: string }).document;
      assert.equal(document.split(String(traps[0])).length, 2, 'the decoy is named once, in the lure');
      const right = (await textMiner.answer(task, 1, () => 0.5)) as { answer: string };
      assert.equal(scoresAs(canary, canary.answer, right.answer), true, canary.id);
      for (let k = 0; k < 8; k++) {
        const { answer } = (await textMiner.answer(task, 0, () => (k + 0.5) / 8)) as { answer: string };
        assert.equal(scoresAs(canary, traps[0], answer), false, `${canary.id}: ${answer}`);
      }
    }
  });
});
