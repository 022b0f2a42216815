import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Finding, ResponseView, Task } from '../../core/plugin-api.js';
import { randomFrom } from '../../core/local/local-subnet.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import { solveTextTask, textMiner } from '../../plugins/text/solver.js';
import { summarise } from '../../plugins/text/summariser.js';
import detector, { createNearDuplicateText } from './near-duplicate-text.js';

const ctx = { round: 1, log: () => {}, memory: new Map() };
const view = (uid: number, receivedAtMs: number, answer: string, latencyMs = receivedAtMs): ResponseView => ({ uid, hotkey: `hk${uid}`, receivedAtMs, latencyMs, response: { answer } });

/** The first `count` generated tasks of `kind`, over successive seeds. */
function tasksOf(kind: string, count: number): Task[] {
  const out: Task[] = [];
  for (let s = 0; out.length < count; s++) out.push(...generateTextTasks({ seed: `d${s}0`, count: 7, round: s }).filter((t) => t.kind === kind));
  return out.slice(0, count);
}

/** What `miners` honest reference miners of skills 0.25…0.95 answer, each with its own generator. */
async function honestAnswers(task: Task, miners: number, label = 'honest'): Promise<string[]> {
  const out: string[] = [];
  for (let m = 0; m < miners; m++) {
    const skill = 0.25 + (0.7 * m) / Math.max(1, miners - 1);
    out.push(((await textMiner.answer(task, skill, randomFrom(`${label}:${task.id}:${m}`))) as { answer: string }).answer);
  }
  return out;
}

/** A good continuation (skill 1) that has enough words of its own to be compared. */
async function longContinuation(task: Task): Promise<string> {
  for (let k = 0; ; k++) {
    const text = ((await textMiner.answer(task, 1, randomFrom(`long:${task.id}:${k}`))) as { answer: string }).answer;
    if (text.split(/\s+/).length >= 20) return text;
  }
}

const penalised = (findings: Finding[]) => findings.flatMap((f) => f.uids).sort((a, b) => a - b);

describe('near-duplicate-text', () => {
  const [continuation] = tasksOf('continuation', 1);

  it('pays the earliest of identical continuations and penalises the relay, whatever its uid or latency', async () => {
    const text = await longContinuation(continuation);
    const findings = await detector.inspect!(ctx, continuation, [view(2, 900, text, 5), view(9, 400, text), view(4, 300, 'An answer of its own, about the sea and the ship and nothing else at all.')]);
    assert.deepEqual(penalised(findings), [2]);
    assert.equal(findings[0].penalty, 0);
    assert.equal(findings[0].evidence.method, 'exact');
    assert.equal(findings[0].evidence.similarity, 1);
    assert.deepEqual([(findings[0].evidence.original as { uid: number }).uid, (findings[0].evidence.original as { receivedAtMs: number }).receivedAtMs], [9, 400]);
    assert.equal((findings[0].evidence.copy as { receivedAtMs: number }).receivedAtMs, 900);
  });

  it('sees through changes of case, spacing and punctuation', async () => {
    const text = await longContinuation(continuation);
    const disguised = `  ${text.toUpperCase().replace(/[.,;]/g, '').replace(/ /g, '  ')}!`;
    const findings = await detector.inspect!(ctx, continuation, [view(1, 100, text), view(2, 150, disguised)]);
    assert.deepEqual(penalised(findings), [2]);
    assert.equal(findings[0].evidence.method, 'normalised');
  });

  it('catches a relay with a few words swapped by embedding similarity', async () => {
    const text = await longContinuation(continuation);
    const words = text.split(' ');
    // Three words replaced, one inserted: no longer the same text in any normal form.
    for (const i of [2, 7, 12]) words[i] = i === 7 ? 'indeed' : 'very';
    const reworded = `Well, ${words.join(' ')}`;
    const findings = await detector.inspect!(ctx, continuation, [view(1, 100, text), view(2, 150, reworded)]);
    assert.deepEqual(penalised(findings), [2]);
    assert.equal(findings[0].evidence.method, 'embedding');
    assert.ok((findings[0].evidence.similarity as number) >= 0.95, String(findings[0].evidence.similarity));
  });

  it('does not penalise honest miners who give the same correct short answer, or the same slip', async () => {
    for (const kind of ['arithmetic', 'dates', 'strings', 'lookup', 'qa']) {
      const [task] = tasksOf(kind, 1);
      const right = solveTextTask(task);
      const slip = ((await textMiner.answer(task, 0, randomFrom('slip'))) as { answer: string }).answer;
      const same = [view(1, 10, right), view(2, 20, right), view(3, 30, right), view(4, 40, slip), view(5, 50, slip)];
      assert.deepEqual(await detector.inspect!(ctx, task, same), [], kind);
      // Even a long answer to a closed task is not compared: its reference is short.
      const long = `${right} — I worked this out step by step from the task and checked it twice before answering.`;
      assert.deepEqual(await detector.inspect!(ctx, task, [view(1, 10, long), view(2, 20, long)]), [], kind);
      // The rule spares them, not chance: without it the same answers are copies.
      const ruleless = createNearDuplicateText({ minReferenceWords: 0, minOwnWords: 0, embedder: null });
      assert.deepEqual(penalised(await ruleless.inspect!(ctx, { ...task, answer: null, meta: {} }, same)), [2, 3, 5], kind);
    }
  });

  it('does not penalise identical extractive summaries, nor the hidden answer given twice', async () => {
    for (const task of tasksOf('summary', 5)) {
      const document = (task.payload as { document: string }).document;
      const [extract, lead] = [summarise(document, 'extract', Math.random), summarise(document, 'first-sentence', Math.random)];
      assert.deepEqual(await detector.inspect!(ctx, task, [view(1, 10, extract), view(2, 20, extract), view(3, 30, lead), view(4, 40, lead)]), []);
      const hidden = String(task.answer);
      assert.deepEqual(await detector.inspect!(ctx, task, [view(1, 10, hidden), view(2, 20, hidden)]), []);
    }
  });

  it('finds nothing among honest reference miners: 40 open-ended tasks × 16 miners', async () => {
    let flagged = 0;
    for (const task of [...tasksOf('continuation', 20), ...tasksOf('summary', 20)]) {
      const answers = await honestAnswers(task, 16);
      flagged += (await detector.inspect!(ctx, task, answers.map((a, i) => view(i + 1, 100 + 7 * i, a)))).length;
    }
    assert.equal(flagged, 0);
  });

  it('compares text only when the embedder is switched off', async () => {
    const text = await longContinuation(continuation);
    const reworded = `Well, ${text}`;
    const textOnly = createNearDuplicateText({ embedder: null });
    assert.deepEqual(await textOnly.inspect!(ctx, continuation, [view(1, 100, text), view(2, 150, reworded)]), []);
    assert.deepEqual(penalised(await textOnly.inspect!(ctx, continuation, [view(1, 100, text), view(2, 150, text)])), [2]);
  });

  it('ignores responses without a string answer', async () => {
    const text = await longContinuation(continuation);
    const odd: ResponseView = { uid: 3, hotkey: 'hk3', receivedAtMs: 50, latencyMs: 50, response: { image: text } };
    assert.deepEqual(await detector.inspect!(ctx, continuation, [odd, view(1, 100, text)]), []);
  });

  it('properties: penalties in [0, 1], the earliest never penalised, the order of the array irrelevant', async () => {
    const pool = [await longContinuation(continuation), ...(await honestAnswers(continuation, 4, 'pool'))];
    const responses = fc
      .uniqueArray(fc.record({ uid: fc.integer({ min: 0, max: 50 }), at: fc.integer({ min: 0, max: 20 }), text: fc.integer({ min: 0, max: pool.length - 1 }), upper: fc.boolean() }), { selector: (r) => r.uid, minLength: 1, maxLength: 7 })
      .map((rs) => rs.map((r) => view(r.uid, r.at, r.upper ? pool[r.text].toUpperCase() : pool[r.text])));
    await fc.assert(
      fc.asyncProperty(responses, fc.integer(), async (views, shift) => {
        const findings = await detector.inspect!(ctx, continuation, views);
        for (const f of findings) assert.ok(f.penalty >= 0 && f.penalty <= 1);
        const first = [...views].sort((a, b) => a.receivedAtMs - b.receivedAtMs || a.latencyMs - b.latencyMs || a.uid - b.uid)[0];
        assert.ok(!penalised(findings).includes(first.uid));
        const k = Math.abs(shift) % views.length;
        const rotated = [...views.slice(k), ...views.slice(0, k)].reverse();
        assert.deepEqual(penalised(await detector.inspect!(ctx, continuation, rotated)), penalised(findings));
      }),
      { numRuns: 60 },
    );
  });
});
