/**
 * What the reworded probes share (`probes-reword.ts`, `probes-document.ts`,
 * `probes-continuation.ts`): the shape of a reworded draft, the text edits that change one detail,
 * and the rule that the old answer must not be derivable from the new task.
 */
import type { Json, Task } from '../../core/plugin-api.js';
import { mentions, payloadText, type AnswerType, type TextTaskDraft } from './family.js';

/** A reworded draft and what changed; `generateTextRound` gives it the slot's id and `meta.probe`. */
export interface Reworded {
  draft: TextTaskDraft;
  /** The changed detail as the task writes it, before and after. */
  change: { from: string; to: string };
  strength: 'strong' | 'weak';
}

/** Draws tried before a task is declared not rewordable. */
export const ATTEMPTS = 48;

/** `text` with the one occurrence of `from` replaced, or null when `from` does not occur exactly once. */
export function replaceOnce(text: string, from: string, to: string): string | null {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) return null;
  return text.slice(0, at) + to + text.slice(at + from.length);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every whole-token occurrence of `value` in `text` replaced (case kept as given). */
export function replaceToken(text: string, value: string, to: string): string {
  return text.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escape(value)}(?![\\p{L}\\p{N}])`, 'gu'), to);
}

/** Same length and one letter apart by one place in the alphabet (cyclically): the slip of a careless solver (`misspell`). */
export function onePlaceApart(a: string, b: string): boolean {
  [a, b] = [a.toLowerCase(), b.toLowerCase()];
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const at = [...a].findIndex((c, i) => c !== b[i]);
  if (a.slice(at + 1) !== b.slice(at + 1) || !/[a-z]/.test(a[at]) || !/[a-z]/.test(b[at])) return false;
  const gap = Math.abs(a.charCodeAt(at) - b.charCodeAt(at));
  return gap === 1 || gap === 25;
}

/**
 * True when the old answer is not derivable from the reworded task: absent from its prompt and
 * payload, and not a slip away from its answer (±1 for numbers, one letter one place on for text).
 */
export function oldAnswerIsStale(draft: TextTaskDraft, oldAnswer: Json): boolean {
  const type = draft.meta.answerType as AnswerType;
  if (mentions(draft.prompt, oldAnswer, type) > 0 || mentions(payloadText(draft.payload), oldAnswer, type) > 0) return false;
  if (typeof oldAnswer === 'number' && typeof draft.answer === 'number') return Math.abs(oldAnswer - draft.answer) >= 2;
  return !onePlaceApart(String(oldAnswer), String(draft.answer));
}

/** How likely a guess lands on an old answer of this type: `weak` when the answers are few or numeric. */
export function strengthOf(type: AnswerType): 'strong' | 'weak' {
  return type === 'number' || type === 'time' ? 'weak' : 'strong';
}

export type Payload = { [key: string]: Json };
export const payloadOf = (task: Task): Payload => (task.payload !== null && typeof task.payload === 'object' && !Array.isArray(task.payload) ? task.payload : {});
