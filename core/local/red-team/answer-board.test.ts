import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAnswerBoard } from './answer-board.js';

const task = (id: string) => ({ id, kind: 'arithmetic', prompt: `question ${id}`, payload: null });

describe('answer board', () => {
  it('hands a waiting relay the watched miner\'s answer when it is posted', async () => {
    const board = createAnswerBoard([4]);
    const waiting = board.wait('text', '1-text-0', 4, 5000);
    board.post({ plugin: 'text', task: task('1-text-0'), uid: 4, answer: { answer: '42' }, postedAt: 1 });
    assert.deepEqual((await waiting)?.answer, { answer: '42' });
    // Posted already: answered at once.
    assert.deepEqual((await board.wait('text', '1-text-0', 4, 0))?.answer, { answer: '42' });
  });

  it('keeps nothing of unwatched miners, and gives up on a wait after its timeout', async () => {
    const board = createAnswerBoard([4]);
    board.post({ plugin: 'text', task: task('1-text-0'), uid: 5, answer: { answer: '7' }, postedAt: 1 });
    assert.equal(await board.wait('text', '1-text-0', 5, 1000), null);
    assert.equal(board.history('text').length, 0);
    assert.equal(await board.wait('text', '1-text-1', 4, 10), null);
  });

  it('keeps a bounded history per plugin, oldest first', () => {
    const board = createAnswerBoard([1], 3);
    for (let i = 0; i < 5; i++) board.post({ plugin: 'text', task: task(`1-text-${i}`), uid: 1, answer: i, postedAt: i });
    board.post({ plugin: 'image', task: task('1-image-0'), uid: 1, answer: 'x', postedAt: 9 });
    assert.deepEqual(board.history('text').map((e) => e.answer), [2, 3, 4]);
    assert.equal(board.history('image').length, 1);
  });
});
