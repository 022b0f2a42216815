import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Json, ResponseView, RoundFinding, TaskResponses } from '../../core/plugin-api.js';
import { randomFrom } from '../../core/local/local-subnet.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import { solveTextTask, textMiner } from '../../plugins/text/solver.js';
import detector, { createSybilCluster, SYBIL_CLUSTER_DEFAULTS } from './sybil-cluster.js';

const view = (uid: number, receivedAtMs: number, response: Json, hotkey = `hk${uid}`): ResponseView => ({ uid, hotkey, receivedAtMs, latencyMs: receivedAtMs, response });
const text = (answer: Json) => (answer as { answer: string }).answer;

interface Crowd {
  /** Honest reference miners' skills, uids 1…n. */
  honest: number[];
  /** Uids answering with one model at skill 0.6, trivially varied (a period, a capital). */
  sybils?: number[];
  /** [copycat uid, source uid]: relays the source's answer, arriving later. */
  copycat?: [number, number];
}

/** `rounds` rounds of the text plugin's tasks answered by the crowd; the findings of each round. */
async function simulate(crowd: Crowd, rounds: number, seed = 's', run = createSybilCluster()): Promise<RoundFinding[][]> {
  const memory = new Map<string, Json>();
  const randoms = crowd.honest.map((_, i) => randomFrom(`${seed}:honest:${i}`));
  const arrival = randomFrom(`${seed}:arrival`);
  const out: RoundFinding[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const tasks: TaskResponses[] = [];
    for (const task of generateTextTasks({ seed: `${seed}${round}`.replace(/[^0-9a-f]/g, 'a'), count: 8, round })) {
      const responses: ResponseView[] = [];
      for (const [i, skill] of crowd.honest.entries()) responses.push(view(i + 1, 50 + 400 * arrival(), await textMiner.answer(task, skill, randoms[i])));
      const model = text(await textMiner.answer(task, 0.6, randomFrom(`${seed}:model:${task.id}`)));
      for (const [m, uid] of (crowd.sybils ?? []).entries()) {
        const varied = m % 2 === 1 ? `${model}.` : m % 3 === 2 ? model.toUpperCase() : model;
        responses.push(view(uid, 50 + 400 * arrival(), { answer: varied }));
      }
      if (crowd.copycat) {
        const source = responses.find((r) => r.uid === crowd.copycat![1])!;
        responses.push(view(crowd.copycat[0], source.receivedAtMs + 30, source.response));
      }
      tasks.push({ task, responses });
    }
    out.push(await run.inspectRound!({ round, log: () => {}, memory }, tasks));
  }
  return out;
}

const honestSkills = (n: number) => Array.from({ length: n }, (_, i) => Math.round((0.25 + (0.7 * i) / Math.max(1, n - 1)) * 100) / 100);
const uidsOf = (findings: RoundFinding[]) => [...new Set(findings.flatMap((f) => f.uids))].sort((a, b) => a - b);

describe('sybil-cluster', () => {
  it('pays three uids answering with one model as one miner once the evidence is in', async () => {
    const rounds = await simulate({ honest: honestSkills(8), sybils: [20, 21, 22] }, 6);
    assert.deepEqual(rounds[0], [], 'one round of text is not enough evidence');
    const last = rounds.at(-1)!;
    assert.deepEqual(uidsOf(last).every((u) => [20, 21, 22].includes(u)), true);
    // Every task: the three answered the same (up to a period or case), so exactly two lose the task.
    assert.equal(last.length, 8);
    for (const f of last) {
      assert.equal(f.uids.length, 2);
      assert.equal(f.penalty, 0);
      const kept = f.evidence.kept as { uid: number; receivedAtMs: number };
      for (const p of f.evidence.penalised as { receivedAtMs: number }[]) assert.ok(p.receivedAtMs >= kept.receivedAtMs);
      assert.deepEqual((f.evidence.cluster as { uid: number }[]).map((m) => m.uid), [20, 21, 22].sort((a, b) => `hk${a}`.localeCompare(`hk${b}`)));
      assert.ok((f.evidence.pairs as { rate: number; rounds: number[] }[]).every((p) => p.rate >= 0.8 && p.rounds.length >= 2));
    }
    // Arrival is random, so no member clearly follows another: on right answers too, the earliest keeps.
    assert.ok(last.some((f) => f.evidence.rule === 'follower-loses'), 'right answers among the shared tasks');
    assert.ok(last.flatMap((f) => f.evidence.pairs as { follower: string | null }[]).every((p) => p.follower === null));
  });

  it('never lowers the score of the miner a relay copies: the relay always answers later', async () => {
    const rounds = await simulate({ honest: honestSkills(8), copycat: [30, 8] }, 8);
    const penalised = rounds.flatMap(uidsOf);
    assert.ok(penalised.includes(30), 'the relay is found');
    assert.ok(!penalised.includes(8), 'its source keeps its credit');
    assert.ok(penalised.every((u) => u === 30));
  });

  it('never clusters honest reference miners: 16 miners over 20 rounds', async () => {
    for (const seed of ['a', 'b']) {
      const rounds = await simulate({ honest: honestSkills(16) }, 20, seed);
      assert.deepEqual(rounds.flat(), [], `seed ${seed}`);
    }
  });

  it('does not count agreement on right answers or on extracts: perfect miners never link', async () => {
    const memory = new Map<string, Json>();
    for (let round = 1; round <= 12; round++) {
      const tasks: TaskResponses[] = [];
      for (const task of generateTextTasks({ seed: `ab${round}`, count: 8, round }).filter((t) => !['continuation'].includes(t.kind))) {
        const right = task.kind === 'summary' ? text(await textMiner.answer(task, 1, Math.random)) : solveTextTask(task);
        tasks.push({ task, responses: [1, 2, 3].map((uid) => view(uid, uid, { answer: right })) });
      }
      assert.deepEqual(await detector.inspectRound!({ round, log: () => {}, memory }, tasks), [], `round ${round}`);
    }
  });

  it('keys evidence by hotkey: a new hotkey on a cluster member\'s uid starts clean', async () => {
    const memory = new Map<string, Json>();
    const rounds = (hotkey3: string, round: number): TaskResponses[] =>
      generateTextTasks({ seed: `cd${round}`, count: 8, round }).map((task) => ({
        task,
        responses: [view(1, 10, { answer: `constant wrong ${round}` }), view(2, 20, { answer: `constant wrong ${round}` }), view(3, 30, { answer: `constant wrong ${round}` }, hotkey3)],
      }));
    let last: RoundFinding[] = [];
    for (let round = 1; round <= 4; round++) last = await detector.inspectRound!({ round, log: () => {}, memory }, rounds('hk3', round));
    assert.deepEqual(uidsOf(last), [2, 3]);
    const fresh = await detector.inspectRound!({ round: 5, log: () => {}, memory }, rounds('hk3-new-owner', 5));
    assert.deepEqual(uidsOf(fresh), [2]);
  });

  const imageRound = (round: number, images: number): TaskResponses[] =>
    Array.from({ length: images }, (_, i) => ({
      task: { id: `${round}-image-${i}`, kind: 'denoise', prompt: 'Restore the image.', payload: { image: 'AAAA' }, answer: { original: 'BBBB' }, meta: {} },
      responses: [view(1, 10, { image: `same-${round}-${i}` }), view(2, 20, { image: `same-${round}-${i}` }), view(3, 5, { image: `own-${round}-${i}` })],
    }));

  it('links identical images across rounds, never images that differ', async () => {
    const memory = new Map<string, Json>();
    let last: RoundFinding[] = [];
    for (let round = 1; round <= 3; round++) last = await detector.inspectRound!({ round, log: () => {}, memory }, imageRound(round, 3));
    assert.deepEqual(uidsOf(last), [2]);
    assert.deepEqual([...memory.keys()], ['pairs']);
  });

  it('links in the first round only on overwhelming evidence (a relay of six images), never on three', async () => {
    const few = await createSybilCluster().inspectRound!({ round: 1, log: () => {}, memory: new Map() }, imageRound(1, 3));
    assert.deepEqual(few, [], '3 images weigh 9 < oneRoundEvidence: wait for a second round');
    const many = await createSybilCluster().inspectRound!({ round: 1, log: () => {}, memory: new Map() }, imageRound(1, 6));
    assert.deepEqual(uidsOf(many), [2]);
  });

  /** Closed text tasks every uid answers right ("Paris"), uid `u` arriving at `at[u - 1]`. */
  const closed = (round: number, at = [10, 20, 15]) =>
    generateTextTasks({ seed: `fa${round}`, count: 8, round })
      .filter((t) => !['continuation', 'summary'].includes(t.kind))
      .map((task) => ({ task, responses: at.map((ms, i) => view(i + 1, ms, { answer: solveTextTask(task) })) }));

  it('a relay linked on images loses the right answers it copies on text, in the same round and in rounds with nothing informative', async () => {
    const memory = new Map<string, Json>();
    // Round 1: six relayed images and right text answers, judged together (one call, as the engine makes it).
    const first = closed(1);
    const round1 = await detector.inspectRound!({ round: 1, log: () => {}, memory }, [...first, ...imageRound(1, 6)]);
    assert.deepEqual(uidsOf(round1), [2]);
    assert.equal(round1.filter((f) => f.taskId.includes('-text-') || !f.taskId.includes('-image-')).length, first.length, 'every text task: the relay loses it');
    // Round 2: only right answers, nothing informative; the pair is still linked.
    const round2 = await detector.inspectRound!({ round: 2, log: () => {}, memory }, closed(2));
    assert.deepEqual(uidsOf(round2), [2]);
  });

  it('on right answers only the follower by informative evidence loses: honest C and the earlier A keep their text scores', async () => {
    const memory = new Map<string, Json>();
    // Round 1: A (uid 1) and B (uid 2) send the same six images, A first; C (uid 3) its own.
    assert.deepEqual(uidsOf(await detector.inspectRound!({ round: 1, log: () => {}, memory }, imageRound(1, 6))), [2]);
    // Rounds 2–4: all three answer right, C first, then B, A last.
    for (let round = 2; round <= 4; round++) {
      const findings = await detector.inspectRound!({ round, log: () => {}, memory }, closed(round, [30, 20, 10]));
      assert.ok(!uidsOf(findings).includes(1), `round ${round}: A, slower but never the follower, keeps its right answers`);
      assert.ok(!uidsOf(findings).includes(3), `round ${round}: C is in no cluster`);
      if (round === 2) assert.deepEqual(uidsOf(findings), [2], 'B, the follower, still loses what it shares with A');
      for (const f of findings) assert.equal(f.evidence.rule, 'follower-loses');
    }
  });

  it('a one-round relay can never lower the score of the miner it copied, even answering right answers faster; its one-round link expires', async () => {
    const memory = new Map<string, Json>();
    // Round 1: B (uid 2) relays A's (uid 1) six images, 10 ms behind; B is penalised.
    assert.deepEqual(uidsOf(await detector.inspectRound!({ round: 1, log: () => {}, memory }, imageRound(1, 6))), [2]);
    const penalised: number[][] = [];
    for (let round = 2; round <= 8; round++) penalised.push(uidsOf(await detector.inspectRound!({ round, log: () => {}, memory }, closed(round, [40, 5, 60]))));
    assert.ok(penalised.every((uids) => !uids.includes(1)), `A never loses a right answer: ${JSON.stringify(penalised)}`);
    assert.deepEqual(penalised.slice(SYBIL_CLUSTER_DEFAULTS.oneRoundFor - 1), Array(8 - SYBIL_CLUSTER_DEFAULTS.oneRoundFor).fill([]), 'the link of one round lasts oneRoundFor rounds');
  });

  it('decays a pair to the current round before linking: linked long ago, right answers only since, it unlinks', async () => {
    const memory = new Map<string, Json>();
    // Rounds 1–2: three identical images each (linked on two rounds: 9 + 9 × 0.95 = 17.55).
    for (let round = 1; round <= 2; round++) await detector.inspectRound!({ round, log: () => {}, memory }, imageRound(round, 3));
    const after: number[][] = [];
    for (let round = 3; round <= 24; round++) after.push(uidsOf(await detector.inspectRound!({ round, log: () => {}, memory }, closed(round))));
    assert.deepEqual(after[0], [2], 'still linked the round after');
    // 17.55 × 0.95^n < minEvidence 8 from n = 16 rounds after round 2 (round 18).
    assert.deepEqual(after.slice(18 - 3), Array(24 - 17).fill([]), `unlinked from round 18: ${JSON.stringify(after)}`);
    assert.deepEqual(after.slice(0, 18 - 3).every((uids) => uids.length === 1 && uids[0] === 2), true);
  });

  it('properties: penalties in [0, 1], the earliest member kept, the order of responses irrelevant', async () => {
    const answers = ['the whale rose twice near the ship', '41', 'Paris', 'a sentence of its own that nobody else would write at all'];
    const task = generateTextTasks({ seed: 'ee', count: 1, round: 1 })[0];
    const crowd = fc.uniqueArray(fc.record({ uid: fc.integer({ min: 1, max: 12 }), at: fc.integer({ min: 0, max: 9 }), pick: fc.integer({ min: 0, max: answers.length - 1 }) }), { selector: (r) => r.uid, minLength: 2, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(crowd, fc.integer({ min: 1, max: 3 }), async (members, rounds) => {
        const runOnce = async (reverse: boolean) => {
          const memory = new Map<string, Json>();
          let findings: RoundFinding[] = [];
          for (let round = 1; round <= rounds + 2; round++) {
            const tasks = Array.from({ length: 4 }, (_, k) => {
              const responses = members.map((m) => view(m.uid, m.at, { answer: `${answers[(m.pick + k) % answers.length]} ${round}` }));
              return { task: { ...task, id: `${round}-text-${k}` }, responses: reverse ? responses.reverse() : responses };
            });
            findings = await createSybilCluster({ minEvidence: 4, minRounds: 2 }).inspectRound!({ round, log: () => {}, memory }, tasks);
          }
          return findings;
        };
        const [forward, backward] = [await runOnce(false), await runOnce(true)];
        const summary = (fs: RoundFinding[]) => fs.map((f) => `${f.taskId}:${[...f.uids].sort((a, b) => a - b).join(',')}:${f.penalty}`).sort();
        assert.deepEqual(summary(backward), summary(forward));
        for (const f of forward) {
          assert.ok(f.penalty >= 0 && f.penalty <= 1);
          const kept = f.evidence.kept as { receivedAtMs: number };
          for (const uid of f.uids) assert.ok(members.find((m) => m.uid === uid)!.at >= kept.receivedAtMs);
        }
      }),
      { numRuns: 60 },
    );
  });
});
