import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Json, PublicTask, ResponseView, RoundFinding, Task, TaskResponses } from '../../core/plugin-api.js';
import { generateTextRound } from '../../datasets/text/probes.js';
import { textMiner } from '../../plugins/text/solver.js';
import { summarise } from '../../plugins/text/summariser.js';
import detector, { CACHE_PROBE_DEFAULTS } from './cache-probe.js';

const seedOf = (r: number): string => createHash('sha256').update(`cache-probe-test:${r}`).digest('hex');
const previousOf = (r: number) => Array.from({ length: Math.min(32, r - 1) }, (_, k) => ({ round: r - 1 - k, seed: seedOf(r - 1 - k) }));
const ROUNDS = 48;
const rounds = Array.from({ length: ROUNDS }, (_, k) => generateTextRound({ seed: seedOf(k + 1), count: 8, round: k + 1, previous: previousOf(k + 1) }));
const probeOf = (t: Task) => t.meta.probe as { kind: string; of: string; round: number; oldAnswer: Json; change: { from: string; to: string }; strength: string } | undefined;
const publicOf = (t: Task): PublicTask => ({ id: t.id, kind: t.kind, prompt: t.prompt, payload: t.payload });
const view = (uid: number, answer: string, hotkey = `hk${uid}`): ResponseView => ({ uid, hotkey, receivedAtMs: 10 * uid, latencyMs: 5, response: { answer } });

/** A miner's answer: honest reference miners by skill, or a strategy given the task and what the run saw. */
type Answerer = (task: Task, seen: Map<string, Map<number, string>>, k: number) => Promise<string | null>;
const honest = (skill: number, seed: number): Answerer => {
  let s = seed;
  const random = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  return async (task) => ((await textMiner.answer(publicOf(task), skill, random)) as { answer: string }).answer;
};

/**
 * Runs the rounds through the detector with one memory, as the engine does, and returns its
 * findings by uid. `seen` holds every answer given so far (task id → uid → answer), which a cache
 * replays; a miner answers a replay only when `onReplay` says so (the new hotkeys).
 */
async function simulate(miners: Map<number, Answerer>, onReplay: (uid: number) => boolean = () => false) {
  const memory = new Map<string, Json>();
  const seen = new Map<string, Map<number, string>>();
  const findings: RoundFinding[] = [];
  for (const [r, tasks] of rounds.entries()) {
    const round: TaskResponses[] = [];
    for (const task of tasks) {
      const responses: ResponseView[] = [];
      for (const [uid, answer] of miners) {
        if (probeOf(task)?.kind === 'replay' && !onReplay(uid)) continue;
        const got = await answer(task, seen, uid);
        if (got !== null) responses.push(view(uid, got));
      }
      round.push({ task, responses });
      seen.set(task.id, new Map(responses.map((v) => [v.uid, (v.response as { answer: string }).answer])));
    }
    findings.push(...(await detector.inspectRound!({ round: r + 1, log: () => {}, memory }, round)));
  }
  const byUid = (uid: number) => findings.filter((f) => f.uids.includes(uid));
  return { findings, byUid, seen };
}

/** The best miner's (uid 1's) earlier answer to the task a probe copies: what a cache fed by it replays. */
const cached: Answerer = async (task, seen) => {
  const probe = probeOf(task);
  return probe === undefined ? null : (seen.get(probe.of)?.get(1) ?? null);
};

/** A cache that disguises what it replays: neighbouring words exchanged, every fifth word dropped. */
const reworded: Answerer = async (task, seen, k) => {
  const text = await cached(task, seen, k);
  if (text === null) return null;
  const words = text.split(' ').filter((_w, i) => i % 5 !== 4);
  for (let i = 1; i + 1 < words.length; i += 3) [words[i], words[i + 1]] = [words[i + 1], words[i]];
  return words.join(' ');
};

/** Distinct words of `text` that the task's prompt and payload lack. */
function ownWords(text: string, task: Task): number {
  const words = (t: string) => t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const public_ = new Set(words(`${task.prompt} ${JSON.stringify(task.payload)}`));
  return new Set(words(text).filter((w) => !public_.has(w))).size;
}

const reworded_ = rounds.flat().filter((t) => probeOf(t)?.kind === 'reworded');
const closed = reworded_.filter((t) => !['continuation', 'summary'].includes(t.kind));

describe('cache-probe', () => {
  it('zeroes a reworded task answered with the old answer, and not the new answer or an honest slip', async () => {
    assert.ok(closed.length > 20);
    for (const probe of closed) {
      const slips = await Promise.all(Array.from({ length: 6 }, (_, k) => textMiner.answer(publicOf(probe), 0, () => (k + 0.5) / 6)));
      const responses = [view(1, String(probe.answer)), view(2, String(probeOf(probe)!.oldAnswer)), ...slips.map((s, k) => view(10 + k, (s as { answer: string }).answer))];
      const findings = await detector.inspectRound!({ round: 99, log: () => {}, memory: new Map() }, [{ task: probe, responses }]);
      assert.deepEqual(findings.map((f) => f.uids), [[2]], probe.id);
      assert.equal(findings[0].penalty, 0);
      assert.deepEqual([findings[0].evidence.reason, findings[0].evidence.oldAnswer, findings[0].evidence.newAnswer], ['old-answer', probeOf(probe)!.oldAnswer, probe.answer]);
    }
  });

  it('takes the rest of the round from a miner caught on a strong probe, and from one caught twice on weak ones', async () => {
    const strong = closed.find((t) => probeOf(t)!.strength === 'strong')!;
    const weak = closed.filter((t) => probeOf(t)!.strength === 'weak').slice(0, 2);
    const other: Task = rounds[0][0];
    const round = (probe: Task) => [
      { task: probe, responses: [view(1, String(probe.answer)), view(2, String(probeOf(probe)!.oldAnswer))] },
      { task: other, responses: [view(1, 'x'), view(2, 'y')] },
    ];
    const rest = (fs: RoundFinding[]) => fs.filter((f) => f.taskId === other.id);
    const s = await detector.inspectRound!({ round: 50, log: () => {}, memory: new Map() }, round(strong));
    assert.deepEqual(rest(s).map((f) => [f.uids, f.penalty, f.evidence.reason]), [[[2], CACHE_PROBE_DEFAULTS.roundPenalty, 'caught-on-probe']]);
    const memory = new Map<string, Json>();
    const first = await detector.inspectRound!({ round: 50, log: () => {}, memory }, round(weak[0]));
    assert.deepEqual(rest(first), [], 'one weak hit could be a guess');
    const second = await detector.inspectRound!({ round: 51, log: () => {}, memory }, round(weak[1]));
    assert.deepEqual(rest(second).map((f) => f.uids), [[2]]);
    assert.equal(second.find((f) => f.taskId === weak[1].id)!.evidence.weakHits, 2);
  });

  it('keeps a caught hotkey on probation for probationRounds rounds, and not a new hotkey on its uid', async () => {
    const probe = closed.find((t) => probeOf(t)!.strength === 'strong')!;
    const other: Task = rounds[0][0];
    const memory = new Map<string, Json>();
    await detector.inspectRound!({ round: 50, log: () => {}, memory }, [{ task: probe, responses: [view(2, String(probeOf(probe)!.oldAnswer))] }]);
    const later = (round: number, hotkey: string) => detector.inspectRound!({ round, log: () => {}, memory }, [{ task: other, responses: [view(2, 'x', hotkey), view(3, 'x')] }]);
    const next = await later(51, 'hk2');
    assert.deepEqual(next.map((f) => [f.uids, f.penalty, f.evidence.reason, (f.evidence.caught as { round: number }).round]), [[[2], CACHE_PROBE_DEFAULTS.roundPenalty, 'probation', 50]]);
    assert.equal((await later(50 + CACHE_PROBE_DEFAULTS.probationRounds, 'hk2')).length, 1);
    assert.deepEqual(await later(51, 'a-new-hotkey'), []);
    assert.deepEqual(await later(51 + CACHE_PROBE_DEFAULTS.probationRounds, 'hk2'), []);
  });

  it('never flags honest reference miners of any skill over a run of probes', async () => {
    const { findings } = await simulate(new Map([[1, honest(1, 7)], [2, honest(0.7, 11)], [3, honest(0.4, 13)], [4, honest(0.1, 17)]]), () => true);
    assert.deepEqual(findings, []);
  });

  it('catches a cache replaying the best miner\'s earlier answers on every closed probe it answers with the old answer, and on open-ended ones, identical or reworded', async () => {
    const { byUid, seen } = await simulate(new Map([[1, honest(1, 7)], [5, cached], [6, reworded]]));
    const probesHit = (uid: number) => new Set(byUid(uid).filter((f) => f.evidence.reason !== 'caught-on-probe').map((f) => f.taskId));
    for (const probe of closed) assert.ok(probesHit(5).has(probe.id), `${probe.id} (${probe.kind}) missed`);
    const continuations = reworded_.filter((t) => t.kind === 'continuation');
    assert.ok(continuations.length > 3);
    for (const probe of continuations) {
      assert.ok(probesHit(5).has(probe.id), `${probe.id}: identical copy missed`);
      // Dropping a fifth of an answer made mostly of the passage's own words leaves too few of its own to prove anything.
      const copied = await cached(probe, seen, 0);
      if (copied !== null && ownWords(copied, probe) >= 6) assert.ok(probesHit(6).has(probe.id), `${probe.id}: reworded copy missed`);
    }
    assert.ok(byUid(5).some((f) => f.evidence.reason === 'identical-to-earlier-answer'));
    assert.ok(byUid(6).some((f) => f.evidence.reason === 'reworded-earlier-answer'));
    assert.deepEqual(byUid(1), [], 'the miner the cache copies is not the one penalised');
  });

  it('flags a summary that names the changed number\'s old value, and not an extract of the new document', async () => {
    const summaries = reworded_.filter((t) => t.kind === 'summary');
    assert.ok(summaries.length > 2);
    for (const probe of summaries) {
      const p = probeOf(probe)!;
      const extract = summarise((probe.payload as { document: string }).document, 'extract', () => 0.5);
      const responses = [view(1, extract), view(2, String(p.oldAnswer)), view(3, String(probe.answer))];
      const findings = await detector.inspectRound!({ round: 99, log: () => {}, memory: new Map() }, [{ task: probe, responses }]);
      assert.deepEqual(findings.filter((f) => f.taskId === probe.id).map((f) => [f.uids, f.evidence.reason]), [[[2], 'old-detail']], probe.id);
    }
  });

  it('flags a new hotkey that answers a replay with another miner\'s earlier text, not one that writes its own or extracts', async () => {
    const replays = rounds.flat().filter((t) => probeOf(t)?.kind === 'replay');
    assert.ok(replays.length > 0);
    // uid 1 answered the originals; uid 7 is new and copies uid 1, uid 8 is new and honest.
    const { byUid } = await simulate(new Map([[1, honest(1, 7)], [7, async (task, seen, k) => (probeOf(task)?.kind === 'replay' ? cached(task, seen, k) : null)], [8, honest(1, 19)]]), (uid) => uid !== 1);
    const flagged = byUid(7).filter((f) => f.evidence.reason === 'identical-to-earlier-answer');
    const copiedText = replays.filter((t) => t.kind === 'continuation');
    for (const replay of copiedText) assert.ok(flagged.some((f) => f.taskId === replay.id && (f.evidence.matched as { uid: number }).uid === 1), replay.id);
    // A summary extract has no words of its own: copying it proves nothing.
    for (const replay of replays.filter((t) => t.kind === 'summary')) assert.ok(!flagged.some((f) => f.taskId === replay.id), replay.id);
    assert.deepEqual(byUid(8), []);
  });

  it('forgets answers older than memoryRounds', async () => {
    const memory = new Map<string, Json>();
    const task = rounds[0].find((t) => t.meta.probe === undefined && t.meta.canary === undefined)!;
    await detector.inspectRound!({ round: 1, log: () => {}, memory }, [{ task, responses: [view(1, 'an answer')] }]);
    assert.ok(memory.has(`answers:${task.id}`));
    await detector.inspectRound!({ round: 1 + CACHE_PROBE_DEFAULTS.memoryRounds, log: () => {}, memory }, []);
    assert.equal(memory.has(`answers:${task.id}`), false);
  });

  it('remembers at most maxWordsPerAnswer word hashes of an answer and maxWordsPerHotkey of a hotkey, however long and varied its answers', async () => {
    const memory = new Map<string, Json>();
    let n = 0;
    const flood = () => Array.from({ length: 1200 }, () => (n++).toString(36)).join(' ');
    for (let r = 1; r <= 80; r++) {
      const round = rounds[(r - 1) % ROUNDS].map((task) => ({ task: { ...task, id: `${r}-${task.id}` }, responses: [view(1, flood()), view(2, 'a short honest answer of a few words')] }));
      await detector.inspectRound!({ round: r, log: () => {}, memory }, round);
    }
    const kept = (hotkey: string) =>
      [...memory].filter(([key]) => key.startsWith('answers:')).map(([, v]) => ((v as { byHotkey: Record<string, { w?: number[] }> }).byHotkey[hotkey]?.w ?? []).length);
    assert.ok(Math.max(...kept('hk1')) === CACHE_PROBE_DEFAULTS.maxWordsPerAnswer, 'answers are cut to the cap');
    assert.ok(kept('hk1').reduce((a, b) => a + b, 0) <= CACHE_PROBE_DEFAULTS.maxWordsPerHotkey);
    // The short answers of another hotkey keep all their words.
    assert.ok(kept('hk2').filter((x) => x > 0).length > 100);
  });

  it('still catches a disguised copy of an answer longer than maxWordsPerAnswer words', async () => {
    const original = rounds.flat().find((t) => t.meta.probe === undefined && t.meta.canary === undefined && t.meta.answerType === 'text')!;
    const probe: Task = { ...original, id: '2-text-9', meta: { ...original.meta, probe: { kind: 'reworded', of: original.id, round: 1 } } };
    const long = Array.from({ length: 700 }, (_w, i) => `w${(i * 7919).toString(36)}`);
    const memory = new Map<string, Json>();
    await detector.inspectRound!({ round: 1, log: () => {}, memory }, [{ task: original, responses: [view(1, long.join(' '))] }]);
    const disguised = long.filter((_w, i) => i % 5 !== 4).join(' ');
    const findings = await detector.inspectRound!({ round: 2, log: () => {}, memory }, [{ task: probe, responses: [view(2, disguised)] }]);
    assert.deepEqual(findings.map((f) => (f.evidence as { reason: string }).reason), ['reworded-earlier-answer']);
  });

  it('ignores responses without a string answer and tasks that are not probes', async () => {
    const probe = closed[0];
    const findings = await detector.inspectRound!({ round: 9, log: () => {}, memory: new Map() }, [
      { task: probe, responses: [{ uid: 1, hotkey: 'a', receivedAtMs: 0, latencyMs: 0, response: { answer: 42 } }, { uid: 2, hotkey: 'b', receivedAtMs: 0, latencyMs: 0, response: null }] },
      { task: rounds[0][0], responses: [view(3, String(probeOf(probe)!.oldAnswer))] },
    ]);
    assert.deepEqual(findings, []);
  });
});
