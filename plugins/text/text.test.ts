import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import text from './text.js';
import { TEXT_DATASET_VERSION } from '../../datasets/text/generate.js';
import { TEXT_PROBES_VERSION, TEXT_ROUND_VERSION } from '../../datasets/text/probes.js';

describe('the text plugin', () => {
  it('accepts a response of exactly { answer: string }', () => {
    const { response } = text.protocol;
    assert.equal(response.safeParse({ answer: '42' }).success, true);
    assert.equal(response.safeParse({ answer: '' }).success, true);
  });

  it('refuses extra fields, a non-string answer, an answer over 4096 characters and a bare string', () => {
    const { response } = text.protocol;
    for (const body of [{ answer: '42', reasoning: '…' }, { answer: 42 }, {}, { answer: 'x'.repeat(4097) }, '42', null]) {
      assert.equal(response.safeParse(body).success, false, JSON.stringify(body).slice(0, 40));
    }
  });

  it('draws perRound tasks of the declared dataset version, each answerable by its reference miner', async () => {
    const tasks = text.tasks.generate({ seed: 'c0ffee', count: 14, round: 9 });
    assert.equal(text.tasks.perRound, 8);
    assert.equal(text.tasks.version, TEXT_ROUND_VERSION);
    assert.equal(TEXT_ROUND_VERSION, `families ${TEXT_DATASET_VERSION}, probes ${TEXT_PROBES_VERSION}`);
    assert.equal(TEXT_DATASET_VERSION, '2.0.0');
    for (const task of tasks) {
      const answer = await text.miner.answer({ id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload }, 1, () => 0.5);
      assert.equal(text.protocol.response.safeParse(answer).success, true, `${task.kind}: ${JSON.stringify(answer)}`);
    }
  });

  it('scores closed kinds with ground-truth, open-ended kinds with reference-comparison, embedding-similarity and perplexity', () => {
    assert.equal(text.version, '2.1.0');
    assert.deepEqual(text.evaluators, {
      'ground-truth': { weight: 1, kinds: ['arithmetic', 'dates', 'strings', 'lookup', 'qa'] },
      'reference-comparison': { weight: 0.6, kinds: ['continuation', 'summary'] },
      'embedding-similarity': { weight: 0.2, kinds: ['continuation', 'summary'] },
      perplexity: { weight: 0.2, kinds: ['continuation', 'summary'] },
    });
    assert.deepEqual(text.detectors, ['cache-probe', 'canary', 'latency-floor', 'near-duplicate-text', 'stuffing', 'sybil-cluster']);
    assert.ok(Object.isFrozen(text));
  });

  it('has every generated kind scored by at least one evaluator, and no evaluator listing a kind it never sees', () => {
    const kinds = new Set(text.tasks.generate({ seed: 'beef', count: 70, round: 1 }).map((t) => t.kind));
    const listed = new Set(Object.values(text.evaluators).flatMap((e) => e.kinds ?? []));
    assert.deepEqual([...kinds].sort(), [...listed].sort());
  });
});
