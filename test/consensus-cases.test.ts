/**
 * The chain's own numbers: every example in ../shared/specs/yuma-cases/, in both numerics.
 * `fixed` must meet each asserted check within the chain test's own tolerance; `float` within
 * 1e-6 on fractions and 2 units on u16 and rao values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsensusInput } from '../core/consensus/input.js';
import { computeConsensus } from '../core/consensus/consensus.js';
import { fromF32, toNumber } from '../core/consensus/fixed.js';
import type { NumericsName } from '../core/consensus/numerics.js';
import { skipUnless, yumaCasesDir } from './paths.js';

interface Check {
  field: string;
  value: unknown[];
  tol: number;
  op: string;
  asserted: boolean;
  step?: number;
  at?: [number, number][];
  scale?: number;
}

const RAO_FIELDS = new Set(['emission', 'server_emission', 'validator_emission']);

function tolerance(check: Check, numerics: NumericsName): number {
  if (numerics === 'fixed') return check.tol;
  const unit = check.scale ?? 1;
  if (check.field.endsWith('_u16') || check.field === 'bonds') return Math.max(check.tol, 2 * unit);
  if (RAO_FIELDS.has(check.field)) return Math.max(check.tol, 2);
  return Math.max(check.tol, 1e-6);
}

function actualFor(answer: Record<string, unknown>, check: Check): unknown[] {
  const epoch = (check.step === undefined ? answer : (answer.epochs as Record<string, unknown>[])[check.step]) as Record<string, unknown>;
  assert.ok(check.field in epoch, `the output has no field ${check.field}`);
  const field = epoch[check.field] as unknown[];
  const values = check.at ? check.at.map(([i, j]) => (field[i] as number[])[j]) : field;
  return values.map((v) => (typeof v === 'number' && check.scale !== undefined ? v * check.scale : v));
}

function assertCheck(answer: Record<string, unknown>, check: Check, numerics: NumericsName): void {
  const actual = actualFor(answer, check);
  const where = `${check.field}${check.step === undefined ? '' : ` at step ${check.step}`}`;
  assert.equal(actual.length, check.value.length, `${where}: length`);
  const tol = tolerance(check, numerics);
  check.value.forEach((expected, k) => {
    if (typeof expected === 'boolean') return assert.equal(actual[k], expected, `${where}[${k}]`);
    const diff = Math.abs((actual[k] as number) - (expected as number));
    assert.ok(diff <= tol, `${where}[${k}] = ${String(actual[k])}, expected ${String(expected)} ± ${tol} (${numerics})`);
  });
}

const files = existsSync(yumaCasesDir) ? readdirSync(yumaCasesDir).filter((f) => f.endsWith('.json')).sort() : [];

describe('the chain\'s example epochs (../shared/specs/yuma-cases)', { skip: skipUnless(yumaCasesDir) }, () => {
  it('finds the example files', () => assert.ok(files.length >= 5, `only ${files.length} case files`));
  for (const file of files) {
    const spec = JSON.parse(readFileSync(join(yumaCasesDir, file), 'utf8')) as Record<string, unknown>;
    for (const numerics of ['fixed', 'float'] as const) {
      it(`${file} (${numerics}): ${String(spec.name)}`, () => {
        if (Array.isArray(spec.subcases)) {
          for (const sub of spec.subcases as { input: unknown; expected_median_f32: number[] }[]) {
            const answer = computeConsensus(parseConsensusInput(sub.input, numerics)) as { consensus: number[] };
            sub.expected_median_f32.forEach((expected, c) => {
              const target = numerics === 'fixed' ? toNumber(fromF32(expected)) : Math.fround(expected);
              const tol = numerics === 'fixed' ? 0 : 1e-6;
              assert.ok(Math.abs(answer.consensus[c] - target) <= tol, `column ${c}: ${answer.consensus[c]} vs ${target}`);
            });
          }
          return;
        }
        const answer = computeConsensus(parseConsensusInput(spec.input, numerics)) as unknown as Record<string, unknown>;
        // Checks the chain never asserts (asserted: false) come from the yuma-simulation project; they hold too.
        const checks = spec.checks as Check[];
        assert.ok(checks.length > 0, 'the case asserts nothing');
        for (const check of checks) assertCheck(answer, check, numerics);
      });
    }
  }
});
