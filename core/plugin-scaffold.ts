/**
 * `validator plugins new <name>`: a plugin folder that works as generated — a seeded task family,
 * its own evaluator, a reference miner, a test (`node --test`) and a README. Plain JavaScript
 * with no imports beyond Node's, so it runs wherever it is put; `definePlugin` and
 * `defineEvaluator` are identities, so the plain objects are the contract itself.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { proctorError } from './errors.js';
import { ENGINE_VERSION } from './version.js';

function files(name: string): Record<string, string> {
  const [major, minor] = ENGINE_VERSION.split('.');
  const engine = major === '0' ? `^0.${minor}.0` : `^${major}.0.0`;
  const evaluator = `${name}-exact`;
  return {
    'package.json': JSON.stringify({ name: `proctor-plugin-${name}`, version: '0.1.0', private: true, type: 'module', main: 'plugin.js', scripts: { test: 'node --test' } }, null, 2) + '\n',
    'tasks.js': `// Tasks drawn from the round's secret seed: the same seed gives the same tasks, so an
// auditor can regenerate a round from its revealed seed.
import { createHash } from 'node:crypto';

/** A deterministic stream of integers from a seed (sha256 in counter mode). */
export function seededIntegers(seed, label) {
  let counter = 0;
  return (min, max) => {
    const digest = createHash('sha256').update(\`\${seed}:\${label}:\${counter++}\`).digest();
    return min + (digest.readUInt32BE(0) % (max - min + 1));
  };
}

/** Sum tasks: "add these numbers"; the operands are public, the sum is the hidden answer. */
export function generateTasks({ seed, count, round }) {
  const next = seededIntegers(seed, 'sum');
  return Array.from({ length: count }, (_, i) => {
    const numbers = Array.from({ length: next(2, 5) }, () => next(1, 999));
    return {
      id: \`\${round}-${name}-\${i}\`,
      kind: 'sum',
      prompt: \`Add these numbers and answer with the sum only: \${numbers.join(', ')}\`,
      payload: { numbers },
      answer: numbers.reduce((a, b) => a + b, 0),
      meta: {},
    };
  });
}

/** What a good miner computes from the public task. */
export function solve(task) {
  return task.payload.numbers.reduce((a, b) => a + b, 0);
}
`,
    'evaluator.js': `// Scores one (task, response) pair: 1 when the answer is the hidden sum, else 0.
// Deterministic; bump the version whenever the same input could score differently.
export default Object.freeze({
  name: '${evaluator}',
  version: '1.0.0',
  inputs: ['response', 'answer'],
  output: { range: [0, 1], higherIsBetter: true },
  score(_ctx, sample) {
    const got = Number(String(sample.response.answer).trim());
    return { value: got === sample.task.answer ? 1 : 0, details: { expected: sample.task.answer, got: sample.response.answer } };
  },
});
`,
    'plugin.js': `// The ${name} plugin: configuration plus a few functions, checked by Proctor when it loads.
import { generateTasks, solve } from './tasks.js';

/** The miner's response, validated before any evaluator sees it (zod-compatible: safeParse). */
const response = {
  safeParse(value) {
    const ok = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.answer === 'string' && value.answer.length <= 64 && Object.keys(value).length === 1;
    return ok ? { success: true, data: value } : { success: false, error: { issues: [{ path: ['answer'], message: 'must be {"answer": string} (at most 64 characters)' }] } };
  },
};

export default Object.freeze({
  name: '${name}',
  version: '0.1.0',
  engine: '${engine}',
  tasks: { perRound: 8, version: '1', generate: generateTasks },
  evaluators: { '${evaluator}': { weight: 1, module: './evaluator.js' } },
  detectors: [],
  protocol: { response, maxResponseBytes: 4096, timeoutMs: 3000 },
  miner: {
    // A reference miner: right with probability \`skill\`, otherwise off by a little.
    answer(task, skill, random) {
      const sum = solve(task);
      return { answer: String(random() < skill ? sum : sum + 1 + Math.floor(random() * 9)) };
    },
  },
});
`,
    'plugin.test.js': `import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import plugin from './plugin.js';
import evaluator from './evaluator.js';
import { solve } from './tasks.js';

const ctx = { options: {}, log: () => {} };

describe('${name} plugin', () => {
  it('draws the same tasks from the same seed and different ones from another', () => {
    const a = plugin.tasks.generate({ seed: 'aa', count: 8, round: 1 });
    assert.deepEqual(plugin.tasks.generate({ seed: 'aa', count: 8, round: 1 }), a);
    assert.notDeepEqual(plugin.tasks.generate({ seed: 'bb', count: 8, round: 1 }), a);
    assert.equal(a.length, 8);
  });

  it('scores a computed answer 1 and a wrong one 0', () => {
    for (const task of plugin.tasks.generate({ seed: 'cc', count: 8, round: 1 })) {
      assert.equal(evaluator.score(ctx, { task, response: { answer: String(solve(task)) } }).value, 1);
      assert.equal(evaluator.score(ctx, { task, response: { answer: String(solve(task) + 1) } }).value, 0);
    }
  });

  it('accepts only {"answer": string} responses', () => {
    assert.equal(plugin.protocol.response.safeParse({ answer: '12' }).success, true);
    assert.equal(plugin.protocol.response.safeParse({ answer: 12 }).success, false);
    assert.equal(plugin.protocol.response.safeParse({ answer: '1', extra: true }).success, false);
  });

  it('has a reference miner that is always right at skill 1', () => {
    const task = plugin.tasks.generate({ seed: 'dd', count: 1, round: 1 })[0];
    const answer = plugin.miner.answer(task, 1, Math.random);
    assert.equal(evaluator.score(ctx, { task, response: answer }).value, 1);
  });
});
`,
    'README.md': `# ${name}

A Proctor plugin, generated by \`validator plugins new ${name}\`.

* \`tasks.js\` draws tasks from the round's secret seed (here: sums of a few random integers).
* \`evaluator.js\` (\`${evaluator}\`) scores one response against the hidden answer.
* \`plugin.js\` ties them together: tasks per round, evaluators and their weights, the response
  schema and limits of the miner protocol, and the reference miner of the local subnet.

Try it:

\`\`\`sh
node --test                                   # this folder's tests
validator plugins check .                     # Proctor's checks: loading, determinism, scoring
validator run --plugins ./                    # a local subnet scoring it
\`\`\`

Replace the sum family with your subnet's tasks, and the evaluator with yours; keep the seed the
only source of randomness in \`generateTasks\`.
`,
  };
}

/** Writes the scaffold into `<parent>/<name>`; refuses to overwrite. Returns the folder. */
export function scaffoldPlugin(name: string, parent: string): { dir: string; files: string[] } {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw proctorError('PROCTOR_ERR_PLUGIN_INVALID', { plugin: name, path: 'name', problem: 'must be lower-case letters, digits and dashes' });
  }
  const dir = resolve(parent, name);
  if (existsSync(dir)) throw proctorError('PROCTOR_ERR_PLUGIN_EXISTS', { path: dir });
  mkdirSync(dir, { recursive: true });
  const contents = files(name);
  for (const [file, text] of Object.entries(contents)) writeFileSync(join(dir, file), text);
  return { dir, files: Object.keys(contents) };
}
