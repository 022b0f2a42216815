/** `validator score`: an evaluator on one's own JSONL samples, one result line per input line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { repoRoot } from './paths.js';

const samples = [
  { task: { answer: 42, meta: { answerType: 'number' } }, response: { answer: '42.0' } },
  { task: { answer: 'Paris', meta: { answerType: 'string' } }, response: { answer: 'Lyon' } },
];

describe('validator score', () => {
  it('scores each JSONL sample in order, in the worker pool', async () => {
    const { code, stdout, stderr } = await runCli(['score', '--evaluator', 'ground-truth'], { input: samples.map((s) => JSON.stringify(s)).join('\n') + '\n' });
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; status: string; value: number });
    assert.deepEqual(lines.map((l) => [l.line, l.status, l.value]), [[1, 'ok', 1], [2, 'ok', 0]]);
    assert.match(stderr, /scored 2 sample\(s\) with ground-truth@/);
  });

  it('gives an unreadable line an error line, scores the rest, and exits 2', async () => {
    const input = ['{"task": {"answer": 1, "meta": {"answerType": "number"}}, "response": {"answer": "1"}}', 'not json', '{"response": {}}'].join('\n');
    const { code, stdout } = await runCli(['score', '--evaluator', 'ground-truth', '--inline'], { input });
    assert.equal(code, 2);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; code?: string; value?: number });
    assert.deepEqual(lines.map((l) => l.status), ['ok', 'error', 'error']);
    assert.equal(lines[1].code, 'PROCTOR_ERR_SCORE_INPUT');
  });

  it('records an evaluator that throws as an error line, not a crash', async () => {
    const module = join(repoRoot, 'dist', 'test', 'fixtures', 'evaluators', 'throws.js');
    const { code, stdout } = await runCli(['score', '--evaluator', module], { input: '{"task": {}, "response": {"boom": true}}\n{"task": {}, "response": {}}\n' });
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; code?: string });
    assert.deepEqual(lines.map((l) => l.code ?? l.status), ['PROCTOR_ERR_EVALUATOR_FAILED', 'ok']);
  });

  it('suggests the nearest evaluator name for a typo', async () => {
    const { code, stderr } = await runCli(['score', '--evaluator', 'groundtruth'], { input: '' });
    assert.equal(code, 2);
    assert.match(stderr, /did you mean "ground-truth"/);
  });
});
