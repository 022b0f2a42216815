/**
 * `validator score --evaluator <name> [--options '<json>'] < samples.jsonl`: any evaluator on one's
 * own data, outside a round. One JSON sample per input line, one JSON result per output line, in
 * order; a bad line gets an error line and the others are still scored.
 */
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import type { Json, Task } from '../plugin-api.js';
import { builtinEvaluators, nearestName } from '../registry.js';
import { createEvaluatorPool } from '../pool/pool.js';
import { createInlineEvaluator } from '../pool/inline.js';
import { loadEvaluator, type EvaluationJob } from '../pool/evaluation.js';
import { inlineFiles } from './sample-files.js';

const EXAMPLES = `
Each input line is {"task": {"prompt", "answer", "meta", …}, "response": {…}}, the fields the
evaluator's README documents; each output line is {"line", "status", "value", "details"} or
{"line", "status": "error", "code", "message"}.

Examples:
  $ echo '{"task": {"answer": 42, "meta": {"answerType": "number"}}, "response": {"answer": "42.0"}}' | validator score --evaluator ground-truth
  $ validator score --evaluator embedding-similarity < samples.jsonl > scores.jsonl
  $ validator score --evaluator ./my-evaluator.js --options '{"strict": true}' --inline < samples.jsonl
  $ echo '{"task": {"kind": "render-text", "payload": {"text": "KX7 MAP", "width": 320, "height": 64}, "answer": "KX7 MAP"},
          "response": {"image": {"file": "rendered.png"}}}' | validator score --evaluator ocr-match
  $ validator score --evaluator image-fidelity < restorations.jsonl    # images as base64 or {"file": "path"}

Anywhere in a sample, {"file": "<path>"} stands for the base64 of that file (images on disk).
`;

interface ScoreFlags {
  evaluator: string;
  options: string;
  inline?: boolean;
  timeout: string;
}

function evaluatorModule(name: string): string {
  const builtin = builtinEvaluators[name];
  if (builtin) return builtin;
  const path = resolve(name);
  if (existsSync(path)) return pathToFileURL(path).href;
  const suggestion = nearestName(name, Object.keys(builtinEvaluators));
  throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', {
    module: name,
    problem: `is neither a built-in evaluator (${Object.keys(builtinEvaluators).join(', ')}) nor a file${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
  });
}

function toTask(raw: Record<string, unknown>, line: number): Task {
  return {
    id: typeof raw.id === 'string' ? raw.id : `line-${line}`,
    kind: typeof raw.kind === 'string' ? raw.kind : '',
    prompt: typeof raw.prompt === 'string' ? raw.prompt : '',
    payload: (raw.payload ?? null) as Json,
    answer: (raw.answer ?? null) as Json,
    meta: typeof raw.meta === 'object' && raw.meta !== null && !Array.isArray(raw.meta) ? (raw.meta as Task['meta']) : {},
  };
}

async function score(flags: ScoreFlags): Promise<void> {
  let options: Record<string, Json>;
  try {
    options = JSON.parse(flags.options) as Record<string, Json>;
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new Error('not an object');
  } catch (err) {
    throw proctorError('PROCTOR_ERR_CLI_USAGE', { detail: `--options must be a JSON object: ${(err as Error).message}` }, err);
  }
  const module = evaluatorModule(flags.evaluator);
  const definition = await loadEvaluator(module);
  const ref = { name: definition.name, version: definition.version, module, options };

  const jobs: EvaluationJob[] = [];
  const lines: ({ job: number } | { error: string })[] = [];
  const reader = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let number = 0;
  for await (const text of reader) {
    number += 1;
    if (text.trim() === '') continue;
    try {
      const sample = inlineFiles(JSON.parse(text) as Json) as { task?: unknown; response?: unknown };
      if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) throw new Error('not a JSON object');
      if (typeof sample.task !== 'object' || sample.task === null) throw new Error('has no "task" object');
      if (!('response' in sample)) throw new Error('has no "response"');
      lines.push({ job: jobs.length });
      jobs.push({ id: jobs.length, evaluator: ref, sample: { task: toTask(sample.task as Record<string, unknown>, number), response: sample.response as Json } });
    } catch (err) {
      lines.push({ error: proctorError('PROCTOR_ERR_SCORE_INPUT', { line: number, problem: (err as Error).message }).message });
    }
  }

  const runner = flags.inline ? createInlineEvaluator() : createEvaluatorPool({ timeoutMs: Number(flags.timeout) });
  const started = Date.now();
  let results;
  try {
    results = await runner.evaluate(jobs);
  } finally {
    await runner.close();
  }
  let bad = 0;
  lines.forEach((entry, k) => {
    const line = k + 1;
    if ('error' in entry) {
      bad += 1;
      process.stdout.write(JSON.stringify({ line, status: 'error', code: 'PROCTOR_ERR_SCORE_INPUT', message: entry.error }) + '\n');
      return;
    }
    const r = results[entry.job];
    const out = r.status === 'ok' ? { line, status: 'ok', value: r.value, details: r.details } : { line, status: 'error', code: r.code, message: r.message };
    process.stdout.write(JSON.stringify(out) + '\n');
  });
  process.stderr.write(`scored ${jobs.length} sample(s) with ${definition.name}@${definition.version} in ${((Date.now() - started) / 1000).toFixed(2)} s${bad ? `; ${bad} line(s) could not be read` : ''}\n`);
  if (bad > 0) process.exitCode = 2;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('run an evaluator on JSONL samples from stdin: one result line per sample')
    .requiredOption('--evaluator <name>', 'a built-in evaluator or a path to an evaluator module')
    .option('--options <json>', 'the evaluator options, as a JSON object', '{}')
    .option('--inline', 'score on the main thread instead of the worker pool (no timeouts)')
    .option('--timeout <ms>', 'time limit of one evaluation in the pool', '30000')
    .addHelpText('after', EXAMPLES)
    .action(score);
}
