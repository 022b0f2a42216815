/**
 * What the text solvers share: a solution with the plausible wrong answers a careless solver
 * gives, and the helpers that read a public task.
 */
import { proctorError } from '../../core/errors.js';
import type { Json, PublicTask } from '../../core/plugin-api.js';
import type { AnswerType } from '../../datasets/text/family.js';

/** An answer as the miner sends it, with wrong answers a careless solver could plausibly give. */
export interface Solution {
  answer: string;
  type: AnswerType;
  /** Never equal to `answer` after `ground-truth`'s normalisation; at least one. */
  nearMisses: string[];
}

export function unsolvable(task: PublicTask, problem: string): never {
  throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `text solver: task ${task.id} (${task.kind}) ${problem}` });
}

export function field(payload: Json, key: string): Json | undefined {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload[key] : undefined;
}

/** A whole-number answer; its near misses are `extra` and the neighbours, never negative. */
export function numberSolution(value: number, extra: number[] = []): Solution {
  const rounded = Math.round(value);
  const misses = [...extra.map(Math.round), rounded + 1, rounded - 1].filter((n) => n !== rounded && n >= 0);
  return { answer: String(rounded), type: 'number', nearMisses: [...new Set(misses.map(String))] };
}

/** The text with its last letter moved one place on in the alphabet: a near miss. */
export function misspell(text: string): string {
  const i = text.search(/[a-zA-Z][^a-zA-Z]*$/);
  if (i < 0) return `${text}x`;
  const c = text[i];
  const next = c === 'z' ? 'a' : c === 'Z' ? 'A' : String.fromCharCode(c.charCodeAt(0) + 1);
  return text.slice(0, i) + next + text.slice(i + 1);
}

/** A string answer with its near misses: those given (other than the answer, deduplicated), then a misspelling. */
export function stringSolution(answer: string, misses: readonly string[]): Solution {
  const different = misses.filter((miss) => miss.toLowerCase() !== answer.toLowerCase());
  return { answer, type: 'string', nearMisses: [...new Set([...different, misspell(answer)])] };
}
