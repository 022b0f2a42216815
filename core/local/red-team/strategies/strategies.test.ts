/**
 * Every strategy on real tasks of the text and image plugins: its answers pass the plugin's
 * response schema (so they are scored, not refused) and it does what its module says.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Json, PublicTask, Task } from '../../../plugin-api.js';
import { loadPlugin, type LoadedPlugin } from '../../../plugin-loader.js';
import { seededRandom } from '../../../../datasets/seeded-random.js';
import { decodePngSync } from '../../../../native/image/png.js';
import { createAnswerBoard, type AnswerBoard } from '../answer-board.js';
import { echoImage, naiveRestoration } from '../image-tools.js';
import { loadStrategy, STRATEGY_NAMES } from '../registry.js';
import type { StrategyContext } from '../strategy.js';
import { keywords, publicText, wordsOf } from '../text-tools.js';
import { CONSTANT_ANSWER } from './constant.js';
import { PAD_FACTOR } from './padder.js';

const SOURCE = 7;
let text: LoadedPlugin;
let image: LoadedPlugin;
let textTasks: Task[];
let imageTasks: Task[];

const draws = (label: string) => {
  const random = seededRandom('5eed', label);
  return () => random.next();
};
const publicOf = (task: Task): PublicTask => ({ id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload });
const byKind = (tasks: Task[], kind: string): Task => tasks.find((t) => t.kind === kind)!;
const answerText = (json: Json): string => (json as { answer: string }).answer;
const pixels = (json: Json) => decodePngSync(Buffer.from((json as { image: string }).image, 'base64'));

function context(plugin: LoadedPlugin, task: Task, board: AnswerBoard, extra: Partial<StrategyContext> = {}): StrategyContext {
  return {
    plugin, task: publicOf(task), deadlineMs: plugin.definition.protocol.timeoutMs, arrivedAt: Date.now(), random: draws(`${task.id}:${extra.member ?? 0}`),
    memory: new Map(), board, sourceUid: SOURCE, member: 0, members: 1, seed: 'red-team-test', ...extra,
  };
}

/** A board on which the source has answered `tasks` (the reference miner at full skill). */
async function boardWith(plugin: LoadedPlugin, tasks: Task[]): Promise<AnswerBoard> {
  const board = createAnswerBoard([SOURCE]);
  for (const task of tasks) board.post({ plugin: plugin.definition.name, task: publicOf(task), uid: SOURCE, answer: await plugin.definition.miner.answer(publicOf(task), 1, draws(task.id)), postedAt: Date.now() });
  return board;
}

function assertValid(plugin: LoadedPlugin, answer: Json, what: string): void {
  const check = plugin.definition.protocol.response.safeParse(answer);
  assert.ok(check.success, `${what}: ${check.success ? '' : check.error.message}`);
}

before(async () => {
  [text, image] = [await loadPlugin('text'), await loadPlugin('image')];
  textTasks = text.definition.tasks.generate({ seed: 'abc123', count: 21, round: 1 });
  imageTasks = image.definition.tasks.generate({ seed: 'abc123', count: image.definition.tasks.perRound, round: 1 });
});

describe('every red-team strategy', () => {
  it('answers every text and image task in the plugin\'s schema, with or without a source to copy', async () => {
    const textBoard = await boardWith(text, textTasks.slice(0, 7));
    const imageBoard = await boardWith(image, imageTasks.slice(0, 3));
    for (const name of STRATEGY_NAMES) {
      const strategy = await loadStrategy(name);
      await strategy.prepare?.();
      for (const task of textTasks.slice(0, 14)) assertValid(text, await strategy.answer(context(text, task, textBoard, { deadlineMs: 100 })), `${name} on ${task.kind}`);
      for (const task of imageTasks) assertValid(image, await strategy.answer(context(image, task, imageBoard, { deadlineMs: 100 })), `${name} on ${task.kind}`);
      // No source at all: the relays fall back to an echo, still valid.
      assertValid(text, await strategy.answer(context(text, textTasks[0], createAnswerBoard([]), { sourceUid: null, deadlineMs: 100 })), `${name} without a source`);
    }
  });
});

describe('relays', () => {
  it('copycat sends the source\'s answer byte for byte, after the source sent it', async () => {
    const copycat = await loadStrategy('copycat');
    const board = createAnswerBoard([SOURCE]);
    const task = byKind(textTasks, 'summary');
    const copy = copycat.answer(context(text, task, board)).then((answer) => ({ answer, at: Date.now() }));
    const original = await text.definition.miner.answer(publicOf(task), 1, draws('source'));
    const postedAt = Date.now();
    board.post({ plugin: 'text', task: publicOf(task), uid: SOURCE, answer: original, postedAt });
    const relayed = await copy;
    assert.deepEqual(relayed.answer, original);
    assert.ok(relayed.at >= postedAt + 19, `relayed ${relayed.at - postedAt} ms after the original`);
  });

  it('slow-relay sends the source\'s answer, held until 60 % of the deadline', async () => {
    const relay = await loadStrategy('slow-relay');
    const task = byKind(imageTasks, 'denoise');
    const board = await boardWith(image, [task]);
    const ctx = context(image, task, board, { deadlineMs: 300 });
    const answer = await relay.answer(ctx);
    assert.deepEqual(answer, board.history('image')[0].answer);
    assert.ok(Date.now() >= ctx.arrivedAt + 0.6 * 300 - 1);
  });
});

describe('caches', () => {
  it('cache replays the earlier answer of the task that reads most like this one, never this task\'s own', async () => {
    const cache = await loadStrategy('cache');
    const earlier = textTasks.slice(0, 7);
    const board = await boardWith(text, earlier);
    const lookup = byKind(earlier, 'lookup');
    // A reworded copy of an earlier task: same document, new id and wording.
    const probe: Task = { ...lookup, id: '2-text-0', prompt: lookup.prompt.replace('Read the document and answer from it alone.', 'Using only the document,') };
    const replayed = await cache.answer(context(text, probe, board));
    assert.deepEqual(replayed, board.history('text').find((e) => e.task.id === lookup.id)!.answer);
    // Its own task's answer is not "earlier": with only that on the board, the cache is cold and echoes.
    const alone = await boardWith(text, [lookup]);
    assert.equal(answerText(await cache.answer(context(text, lookup, alone))), publicText(publicOf(lookup)).slice(0, 4096).trimEnd());
  });

  it('paraphrase-cache rewords a replayed text and jitters a replayed image', async () => {
    const cache = await loadStrategy('paraphrase-cache');
    const continuation = byKind(textTasks, 'continuation');
    const board = await boardWith(text, [continuation]);
    const original = answerText(board.history('text')[0].answer);
    const reworded = answerText(await cache.answer(context(text, { ...continuation, id: '9-text-0' }, board)));
    assert.notEqual(reworded, original);
    const shared = wordsOf(reworded).filter((w) => wordsOf(original).includes(w)).length;
    assert.ok(shared >= 0.6 * wordsOf(original).length, `${shared} of ${wordsOf(original).length} words kept`);

    const restoration = byKind(imageTasks, 'jpeg-artifacts');
    const imageBoard = await boardWith(image, [restoration]);
    const replayed = imageBoard.history('image')[0].answer;
    const jittered = await cache.answer(context(image, { ...restoration, id: '9-image-0' }, imageBoard));
    assert.notEqual((jittered as { image: string }).image, (replayed as { image: string }).image);
    const [a, b] = [pixels(jittered), pixels(replayed)];
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
    assert.ok(a.data.every((v, i) => Math.abs(v - b.data[i]) <= 3));
  });
});

describe('answers without work', () => {
  it('reference-mimic: word salad of the payload\'s topic words for open tasks, the asked format for closed ones, the naive restoration for images', async () => {
    const mimic = await loadStrategy('reference-mimic');
    const board = createAnswerBoard([]);
    const summary = byKind(textTasks, 'summary');
    const salad = answerText(await mimic.answer(context(text, summary, board)));
    const source = new Set(wordsOf(publicText(summary)).map((w) => w.toLowerCase()));
    const content = wordsOf(salad).filter((w) => !['the', 'of', 'and'].includes(w.toLowerCase()));
    assert.ok(content.length >= 8 && content.every((w) => source.has(w.toLowerCase())), salad);
    assert.ok(!salad.includes(String((summary.meta as { reference: string }).reference)));
    const dates = textTasks.find((t) => t.kind === 'dates' && /YYYY-MM-DD/.test(t.prompt));
    if (dates) assert.match(answerText(await mimic.answer(context(text, dates, board))), /^\d{4}-\d{2}-\d{2}$/);
    assert.match(answerText(await mimic.answer(context(text, byKind(textTasks, 'arithmetic'), board))), /^\d+$/);
    const restoration = byKind(imageTasks, 'super-resolution');
    assert.deepEqual(pixels(await mimic.answer(context(image, restoration, board))).data, naiveRestoration(publicOf(restoration)).data);
  });

  it('padder: a correct-ish answer padded to eight times its length; for images the naive restoration in a padded file', async () => {
    const padder = await loadStrategy('padder');
    const board = createAnswerBoard([]);
    const task = byKind(textTasks, 'arithmetic');
    const padded = answerText(await padder.answer(context(text, task, board)));
    const first = padded.split(' ')[0];
    assert.ok(padded.length >= Math.max(400, PAD_FACTOR * first.length));
    assert.ok(padded.split(first).length > 5, 'the answer repeats');
    const restoration = byKind(imageTasks, 'inpaint');
    const answer = await padder.answer(context(image, restoration, board));
    const plain = (await (await loadStrategy('reference-mimic')).answer(context(image, restoration, board))) as { image: string };
    assert.deepEqual(pixels(answer).data, pixels(plain).data);
    assert.ok((answer as { image: string }).image.length >= (PAD_FACTOR - 1) * plain.image.length);
  });

  it('keyword-stuffer repeats the task\'s own keywords', async () => {
    const stuffer = await loadStrategy('keyword-stuffer');
    const task = byKind(textTasks, 'continuation');
    const answer = answerText(await stuffer.answer(context(text, task, createAnswerBoard([]))));
    const top = new Set(keywords(publicOf(task)).slice(0, 10));
    assert.equal(wordsOf(answer).length, 60);
    assert.ok(wordsOf(answer).every((w) => top.has(w)));
  });

  it('random-text answers with words unrelated to the task; for images, noise of the asked size', async () => {
    const random = await loadStrategy('random-text');
    const task = byKind(textTasks, 'lookup');
    const answer = answerText(await random.answer(context(text, task, createAnswerBoard([]))));
    assert.ok(wordsOf(answer).length >= 5);
    const noise = pixels(await random.answer(context(image, byKind(imageTasks, 'denoise'), createAnswerBoard([]))));
    assert.deepEqual([noise.width, noise.height], [128, 128]);
  });

  it('constant gives the same answer to different tasks', async () => {
    const constant = await loadStrategy('constant');
    for (const task of textTasks.slice(0, 7)) assert.equal(answerText(await constant.answer(context(text, task, createAnswerBoard([])))), CONSTANT_ANSWER);
    const [a, b] = [byKind(imageTasks, 'denoise'), byKind(imageTasks, 'inpaint')];
    assert.deepEqual(await constant.answer(context(image, a, createAnswerBoard([]))), await constant.answer(context(image, b, createAnswerBoard([]))));
  });

  it('degraded-echo returns the input: the payload\'s text, the degraded image', async () => {
    const echo = await loadStrategy('degraded-echo');
    const task = byKind(textTasks, 'summary');
    assert.equal(answerText(await echo.answer(context(text, task, createAnswerBoard([])))), (task.payload as { document: string }).document.slice(0, 4096).trimEnd());
    const noisy = byKind(imageTasks, 'denoise');
    const input = decodePngSync(Buffer.from((noisy.payload as { image: string }).image, 'base64'));
    assert.deepEqual(pixels(await echo.answer(context(image, noisy, createAnswerBoard([])))).data, input.data);
    const small = byKind(imageTasks, 'super-resolution');
    const echoed = pixels(await echo.answer(context(image, small, createAnswerBoard([]))));
    assert.deepEqual([echoed.width, echoed.height], [128, 128]);
    assert.deepEqual(echoed.data, echoImage(publicOf(small)).data);
  });
});

describe('sybil-cluster', () => {
  it('answers with one model from every member: equal after normalisation, images byte-identical', async () => {
    const sybil = await loadStrategy('sybil-cluster');
    assert.equal(sybil.cluster, true);
    const normalise = (s: string) => s.trim().replace(/\.$/, '').toLowerCase();
    for (const task of textTasks.slice(0, 7)) {
      const answers = await Promise.all([0, 1, 2].map((member) => sybil.answer(context(text, task, createAnswerBoard([]), { member, members: 3 }))));
      assert.equal(new Set(answers.map((a) => normalise(answerText(a)))).size, 1, task.kind);
    }
    const task = byKind(imageTasks, 'jpeg-artifacts');
    const images = await Promise.all([2, 0].map((member) => sybil.answer(context(image, task, createAnswerBoard([]), { member, members: 3 }))));
    assert.deepEqual(images[0], images[1]);
  });
});
