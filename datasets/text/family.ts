/**
 * What the text task families share: the shape of a drawn task, the answer types the
 * `ground-truth` evaluator knows, and the check that keeps a hidden answer out of the public task.
 */
import type { Json, Task } from '../../core/plugin-api.js';
import { proctorError } from '../../core/errors.js';
import type { Random } from '../seeded-random.js';

/**
 * How a response is compared with the answer; stored as `meta.answerType`. `ground-truth` scores
 * the closed types; `text` (a continuation) and `summary` are open-ended and scored against the
 * hidden reference by `reference-comparison`.
 */
export type AnswerType = 'number' | 'string' | 'date' | 'time' | 'weekday' | 'text' | 'summary';

/** A task before `generateTextTasks` gives it its id. */
export type TextTaskDraft = Omit<Task, 'id'>;

/**
 * A family draws one task from the stream. `index` is the task's position in the round; the
 * stream alone makes the draw deterministic, so families need not use it.
 */
export type TextFamily = (random: Random, index: number) => TextTaskDraft;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * How many times `answer` occurs in `text` as a whole token: numbers by value among the text's
 * numerals (so 7 is found in "07" and "2024-07-01" but not in "17"), anything else
 * case-insensitively between non-alphanumeric boundaries.
 */
export function mentions(text: string, answer: Json, answerType: AnswerType): number {
  if (answerType === 'number') {
    return [...text.matchAll(/\d+(?:\.\d+)?/g)].filter((m) => Number(m[0]) === Number(answer)).length;
  }
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(String(answer))}(?![\\p{L}\\p{N}])`, 'giu');
  return [...text.matchAll(pattern)].length;
}

/** The public text of a payload: its string and number leaves (keys are schema, not content). */
export function payloadText(payload: Json): string {
  if (payload === null || typeof payload === 'boolean') return '';
  if (typeof payload === 'string' || typeof payload === 'number') return String(payload);
  const values = Array.isArray(payload) ? payload : Object.values(payload);
  return values.map(payloadText).join('\n');
}

/** True when neither the prompt nor the payload states the draft's answer. */
export function conceals(draft: TextTaskDraft): boolean {
  const type = draft.meta.answerType as AnswerType;
  return mentions(draft.prompt, draft.answer, type) === 0 && mentions(payloadText(draft.payload), draft.answer, type) === 0;
}

const MAX_ATTEMPTS = 1000;

/**
 * Draws until `accept` holds (by default: the answer is concealed). `draw` returns null for a
 * draw it cannot use. Redrawing continues the same stream, so the result stays deterministic.
 */
export function drawUntil(family: string, draw: () => TextTaskDraft | null, accept: (draft: TextTaskDraft) => boolean = conceals): TextTaskDraft {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const draft = draw();
    if (draft !== null && accept(draft)) return draft;
  }
  throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `the ${family} family found no usable task in ${MAX_ATTEMPTS} draws` });
}
