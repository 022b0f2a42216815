/**
 * `validator consensus epoch` as a user runs it: the real CLI in a child process, JSON on stdin,
 * JSON on stdout, coded errors on stderr with exit 2 and nothing on stdout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cliPath, repoRoot } from './paths.js';

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { input, encoding: 'utf8', cwd: repoRoot });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const twoValidators = {
  n: 4,
  stake: [600, 400, 0, 0],
  validator_permits: [true, true, false, false],
  current_block: 10,
  tempo: 10,
  last_update: [10, 10, 0, 0],
  weights: [[[2, 65535], [3, 21845]], [[2, 65535]], [], []],
};

describe('validator consensus epoch', () => {
  it('reads a state on stdin and writes the epoch as JSON on stdout', () => {
    const { code, stdout, stderr } = run(['consensus', 'epoch'], JSON.stringify(twoValidators));
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout) as { incentive: number[]; dividends: number[]; emission: number[] };
    assert.ok(out.incentive[2] > out.incentive[3], 'the miner both validators support earns more');
    assert.ok(Math.abs(out.dividends.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(out.emission.length, 4);
  });

  it('gives the same integers in fixed numerics whether chosen by flag or by the input', () => {
    const byFlag = run(['consensus', 'epoch', '--numerics', 'fixed'], JSON.stringify(twoValidators));
    const byInput = run(['consensus', 'epoch'], JSON.stringify({ ...twoValidators, numerics: 'fixed' }));
    assert.equal(byFlag.code, 0, byFlag.stderr);
    assert.deepEqual(JSON.parse(byFlag.stdout).emission, JSON.parse(byInput.stdout).emission);
  });

  it('runs the example shipped in docs/examples', () => {
    const { code, stderr } = run(['consensus', 'epoch', '--input', join(repoRoot, 'docs', 'examples', 'epoch-two-validators.json')]);
    assert.equal(code, 0, stderr);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a stake of the wrong type', { ...twoValidators, stake: [600, '400', 0, 0] }, /\$\.stake\[1\] must be a finite number/],
    ['a negative stake', { ...twoValidators, stake: [600, -1, 0, 0] }, /\$\.stake\[1\] must be ≥ 0/],
    ['a ragged dense weight row', { ...twoValidators, weights: [[0, 0, 65535, 1], [1, 2, 3], [], []] }, /\$\.weights\[1\] is a dense row of 3 values; it must have n = 4/],
    ['a uid out of range', { ...twoValidators, weights: [[[9, 1]], [], [], []] }, /\$\.weights\[0\]\[0\]\[0\] must be a uid from 0 to 3/],
    ['a stake array of the wrong length', { ...twoValidators, stake: [1, 2] }, /\$\.stake must have n = 4 entries, has 2/],
    ['a non-finite number (1e999 parses as Infinity)', null, /\$\.stake\[0\] must be a finite number/],
    ['an unknown key', { ...twoValidators, kapa: 1 }, /\$ has unknown key\(s\): kapa/],
    ['a weight above u16', { ...twoValidators, weights: [[[2, 70000]], [], [], []] }, /\$\.weights\[0\]\[0\]\[1\] must be an integer from 0 to 65535/],
    ['a bad action', { initial: twoValidators, epochs: [{ actions: [{ type: 'set_weights', uid: 0, uids: [2, 2], values: [1, 1], block: 11 }] }] }, /\$\.epochs\[0\]\.actions\[0\]\.uids\[1\] repeats uid 2/],
  ];
  for (const [what, body, message] of invalid) {
    it(`refuses ${what} with a coded error naming the path, exit 2 and nothing on stdout`, () => {
      const text = body === null ? JSON.stringify(twoValidators).replace('"stake":[600', '"stake":[1e999') : JSON.stringify(body);
      const { code, stdout, stderr } = run(['consensus', 'epoch'], text);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, /^\[PROCTOR_ERR_CONSENSUS_INPUT_INVALID\] /);
      assert.match(stderr, message);
      assert.match(stderr, /docs\/errors\.md#proctor_err_consensus_input_invalid/);
    });
  }

  it('refuses text that is not JSON', () => {
    const { code, stdout, stderr } = run(['consensus', 'epoch'], '{"n": 3,');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^\[PROCTOR_ERR_CONSENSUS_INPUT_JSON\]/);
  });

  it('refuses empty input', () => {
    const { code, stderr } = run(['consensus', 'epoch'], '');
    assert.equal(code, 2);
    assert.match(stderr, /^\[PROCTOR_ERR_CONSENSUS_INPUT_EMPTY\]/);
  });

  it('refuses an unknown --numerics with a usage error', () => {
    const { code, stdout, stderr } = run(['consensus', 'epoch', '--numerics', 'double'], '{}');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^\[PROCTOR_ERR_CLI_USAGE\] .*double/);
  });

  it('suggests the nearest command for a typo', () => {
    const { code, stderr } = run(['consensus', 'epoc']);
    assert.equal(code, 2);
    assert.match(stderr, /Did you mean epoch\?/);
  });

  it('ends --help with worked examples', () => {
    for (const args of [['--help'], ['consensus', '--help'], ['consensus', 'epoch', '--help']]) {
      const { code, stdout } = run(args);
      assert.equal(code, 0);
      assert.match(stdout, /Examples:\n(.*\n)*\s+\$ validator /);
    }
  });
});
