import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Finding, ResponseView, Task } from '../../core/plugin-api.js';
import { randomFrom } from '../../core/local/local-subnet.js';
import { generateTextTasks } from '../../datasets/text/generate.js';
import { solveTextTask, textMiner } from '../../plugins/text/solver.js';
import { embeddingSalad } from '../../core/local/red-team/strategies/reference-mimic.js';
import { wordsOf } from '../answer-text.js';
import detector, { createStuffing } from './stuffing.js';

const ctx = { round: 1, log: () => {}, memory: new Map() };
const view = (uid: number, answer: string): ResponseView => ({ uid, hotkey: `hk${uid}`, receivedAtMs: uid, latencyMs: uid, response: { answer } });
const inspect = async (task: Task, answer: string) => (await detector.inspect!(ctx, task, [view(1, answer)])) as Finding[];
const product = (findings: Finding[]) => findings.reduce((p, f) => p * f.penalty, 1);
const measures = (findings: Finding[]) => findings.map((f) => f.evidence.measure).sort();

function tasksOf(kind: string, count: number): Task[] {
  const out: Task[] = [];
  for (let s = 0; out.length < count; s++) out.push(...generateTextTasks({ seed: `f${s}0`, count: 7, round: s }).filter((t) => t.kind === kind));
  return out.slice(0, count);
}
const good = async (task: Task) => ((await textMiner.answer(task, 1, randomFrom(`good:${task.id}`))) as { answer: string }).answer;

/** The task's most frequent content words, cycled to 60: what a keyword-overlap scorer pays for. */
function keywordStuffed(task: Task): string {
  const counts = new Map<string, number>();
  for (const w of `${task.prompt} ${JSON.stringify(task.payload)}`.toLowerCase().match(/\p{L}{4,}/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([w]) => w);
  return Array.from({ length: 60 }, (_, i) => top[i % top.length]).join(' ');
}

/** An answer repeated with filler between to eight times its length, at least 400 characters. */
function padded(answer: string): string {
  const filler = ['To be clear, this is the answer.', 'In other words, as stated above.', 'This has been checked carefully and is complete.', 'As explained, the answer is the one given here.', 'Furthermore, it is important to note the points made above.'];
  const parts = [answer];
  for (let i = 0; parts.join(' ').length < Math.max(8 * answer.length, 400); i++) parts.push(filler[i % filler.length], answer);
  return parts.join(' ');
}

describe('stuffing', () => {
  it('flags no honest reference answer: every kind, 16 skills, 280 tasks', async () => {
    const flagged: string[] = [];
    for (let s = 0; s < 40; s++) {
      for (const task of generateTextTasks({ seed: `e${s}1`, count: 7, round: s })) {
        for (let m = 0; m < 16; m++) {
          const answer = ((await textMiner.answer(task, 0.25 + 0.05 * m, randomFrom(`h:${s}:${m}`))) as { answer: string }).answer;
          for (const f of await inspect(task, answer)) flagged.push(`${task.kind} ${f.evidence.measure}`);
        }
      }
    }
    assert.deepEqual(flagged, []);
  });

  it('takes away nearly all of a padded open-ended answer\'s credit, and part of a padded short one\'s', async () => {
    for (const task of [...tasksOf('continuation', 3), ...tasksOf('summary', 3)]) {
      const findings = await inspect(task, padded(await good(task)));
      assert.ok(measures(findings).includes('repeated-trigrams'), `${task.kind}: ${measures(findings)}`);
      assert.ok(product(findings) <= 0.1, `${task.kind}: ${product(findings)}`);
    }
    for (const task of [...tasksOf('arithmetic', 2), ...tasksOf('qa', 2)]) {
      const findings = await inspect(task, padded(solveTextTask(task)));
      // The filler sentences repeat, so their frames do too: `frame` may join in.
      assert.ok(measures(findings).includes('repeated-trigrams') && measures(findings).every((m) => m === 'repeated-trigrams' || m === 'frame'), `${task.kind}: ${measures(findings)}`);
      assert.ok(product(findings) < 0.9, `${task.kind}: ${product(findings)}`);
    }
  });

  it('gives nothing for the task\'s keywords cycled, and grades one word repeated', async () => {
    for (const task of [...tasksOf('summary', 2), ...tasksOf('continuation', 2), ...tasksOf('lookup', 1)]) {
      const findings = await inspect(task, keywordStuffed(task));
      assert.equal(product(findings), 0, `${task.kind}: ${JSON.stringify(findings.map((f) => f.evidence))}`);
    }
    const [task] = tasksOf('continuation', 1);
    const base = (await good(task)).split(' ').slice(0, 24);
    const some = [...base, ...Array(12).fill('whale')].join(' ');
    const keyword = (await inspect(task, some)).find((f) => f.evidence.measure === 'keyword');
    assert.ok(keyword && keyword.penalty > 0 && keyword.penalty < 1, JSON.stringify(keyword));
    assert.equal(keyword.evidence.word, 'whale');
  });

  it('gives nothing for the passage or the prompt sent back, and leaves a summary\'s extract alone', async () => {
    for (const task of tasksOf('continuation', 3)) {
      const passage = (task.payload as { passage: string }).passage;
      const echoed = (await inspect(task, passage)).find((f) => f.evidence.measure === 'echo');
      assert.deepEqual([echoed?.penalty, echoed?.evidence.of], [0, 'payload text 1']);
      const prompt = (await inspect(task, task.prompt)).find((f) => f.evidence.measure === 'echo');
      assert.deepEqual([prompt?.penalty, prompt?.evidence.of], [0, 'prompt']);
    }
    for (const task of tasksOf('summary', 10)) assert.deepEqual(await inspect(task, await good(task)), []);
  });

  const frameOf = async (task: Task, answer: string) => (await inspect(task, answer)).find((f) => f.evidence.measure === 'frame');

  it('gives nothing for reference-mimic\'s salad (the task\'s keywords poured into one sentence frame), grades a frame shared by part of an answer, and leaves varied sentences alone', async () => {
    const tasks = [...tasksOf('continuation', 20), ...tasksOf('summary', 20)];
    const [missed, caught]: [string[], Task[]] = [[], []];
    for (const task of tasks) {
      const salad = await embeddingSalad(task);
      const frame = await frameOf(task, salad);
      if (frame?.penalty !== 0) missed.push(`${frame?.penalty}: ${salad}`);
      else {
        assert.ok(frame.evidence.frame === 'the _ of the _ and the _' && Number(frame.evidence.share) >= 0.6, JSON.stringify(frame.evidence));
        caught.push(task);
      }
    }
    // A slot word that is a function word ("said", "could", "him", the "it" of "it's") splits the
    // frame; that salad keeps some credit (1.1.0 misses them too: over 80 tasks it caught 75, 1.2.0 74).
    assert.ok(missed.length <= 4, missed.join('\n'));
    const varied = 'The whale rose beside the ship at dawn. Nobody on deck said a word. Then the captain called for the boats, and the crew ran to the falls. A storm was coming.';
    // Two sentences of a salad, caught on their own, among four varied ones: a share of 1/3, graded.
    let [task, two] = [caught[0], ''];
    for (const t of caught) {
      two = (await embeddingSalad(t)).split(/(?<=\.) /).slice(0, 2).join(' ');
      task = t;
      if ((await frameOf(t, two))?.penalty === 0) break;
    }
    assert.equal((await frameOf(task, two))?.penalty, 0, two);
    const part = await frameOf(task, `${two} ${varied}`);
    assert.ok(part && part.penalty > 0 && part.penalty < 1, JSON.stringify(part));
    assert.deepEqual(await inspect(task, varied), []);
  });

  it('leaves honest parallel sentences alone: a repeated frame needs new keywords of the task in every slot and no predicate', async () => {
    const [task] = tasksOf('summary', 1);
    const honest = [
      'The capital of France is Paris. The capital of Spain is Madrid. The capital of Italy is Rome.',
      'The French Revolution began in 1789 and ended in 1799. The American Revolution began in 1775 and ended in 1783.',
      'The Eiffel Tower is in Paris. The Colosseum is in Rome. The Prado is in Madrid. The Parthenon is in Athens. The Alhambra is in Granada.',
      'The river Nile runs through Egypt and the Sudan. The river Amazon runs through Brazil and the Peru. The river Danube runs through Austria and the Hungary. The river Rhine runs through Germany and the Netherlands.',
      // A comparison table in prose.
      'The Python language uses dynamic typing and the CPython interpreter. The Java language uses static typing and the HotSpot virtual machine. The Rust language uses static typing and the LLVM compiler. The Ruby language uses dynamic typing and the YARV interpreter.',
    ];
    for (const answer of honest) {
      assert.deepEqual(await inspect(task, answer), [], answer);
      // Even when every slot word is in the document the answer summarises.
      assert.equal(await frameOf({ ...task, payload: { document: answer } }, answer), undefined, `from the document: ${answer}`);
    }
    // A verbless list of the document's words, each once, is the salad's mark: it is caught.
    const listed = 'The harbour cranes of the docks and the barges. The river locks of the canals and the weirs.';
    assert.equal((await frameOf({ ...task, payload: { document: listed } }, listed))?.penalty, 0);
    assert.equal(await frameOf(task, listed), undefined, 'words the task never used are not its keywords');
  });

  it('grades length: a little over the allowance costs a little, far over costs nearly all', async () => {
    const [task] = tasksOf('continuation', 1);
    const reference = wordsOf(String(task.meta.reference)).length;
    const allowed = Math.max(150, 6 * reference);
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    const slightly = (await inspect(task, words(allowed + 10))).find((f) => f.evidence.measure === 'length')!;
    assert.equal(slightly.penalty, Math.round((allowed / (allowed + 10)) ** 2 * 1e6) / 1e6);
    assert.equal(slightly.evidence.allowedWords, allowed);
    const far = (await inspect(task, words(allowed * 4))).find((f) => f.evidence.measure === 'length')!;
    assert.equal(far.penalty, 0.0625);
    assert.deepEqual(await inspect(task, words(allowed)), []);
    assert.deepEqual(await createStuffing({ maxLengthRatio: 100, minAllowedWords: 0 }).inspect!(ctx, task, [view(1, words(allowed * 4))]), []);
  });

  it('never measures the hidden answer itself, nor a response without a string answer', async () => {
    const [task] = tasksOf('continuation', 1);
    assert.deepEqual(await inspect({ ...task, answer: task.prompt, meta: {} }, task.prompt), []);
    assert.deepEqual(await detector.inspect!(ctx, task, [{ ...view(1, ''), response: { image: task.prompt } }]), []);
  });

  it('property: every penalty is in [0, 1], whatever the answer', async () => {
    const [task] = tasksOf('continuation', 1);
    const vocabulary = ['whale', 'the', 'sea', 'ahab', '42', 'ship', '!', 'call me ishmael'];
    const answer = fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom(...vocabulary), { maxLength: 300 }).map((ws) => ws.join(' ')));
    await fc.assert(
      fc.asyncProperty(answer, async (text) => {
        for (const f of await inspect(task, text)) assert.ok(f.penalty >= 0 && f.penalty <= 1, JSON.stringify(f));
      }),
    );
  });
});
