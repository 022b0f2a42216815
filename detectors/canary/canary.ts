/**
 * `canary`: on the canaries a plugin mixes into its rounds (`meta.canary = { kind, traps }`, see
 * `datasets/text/probes-canary.ts`), flags the responses that give a trap — the wrong answer a
 * shortcut gives, which reading the task never does:
 *
 * - `lure`: the answer is the decoy an instruction-shaped sentence in the document names (compared
 *   as `ground-truth` compares answers, with the task's answer type);
 * - `echo`: the answer repeats the passage's last sentence word for word (in normal form: case,
 *   punctuation and spacing aside).
 *
 * The penalty (`DEFAULTS.penalty`, 0) applies to the canary task only: a trap shows that the miner
 * took a shortcut on this task, and the finding keeps the evidence.
 */
import { defineDetector, type Finding, type Json, type Task } from '../../core/plugin-api.js';
import groundTruth from '../../evaluators/ground-truth/ground-truth.js';

export const CANARY_DEFAULTS = Object.freeze({ penalty: 0 });

const MAX_CHARS = 20_000;

const answerOf = (response: Json): string | null =>
  response !== null && typeof response === 'object' && !Array.isArray(response) && typeof response.answer === 'string' ? response.answer.slice(0, MAX_CHARS) : null;

/** NFKC, lower case, punctuation dropped, whitespace collapsed. */
const normal = (text: string): string => text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]+/gu, ' ').replace(/\s+/g, ' ').trim();

/** Whether `got` scores 1 against `trap` under `ground-truth` with the task's answer type. */
function givesTrap(task: Task, trap: Json, got: string): boolean {
  const verdict = groundTruth.score({ options: { numericTolerance: 1e-9, relativeTolerance: 0 }, log: () => {} }, { task: { ...task, answer: trap }, response: { answer: got } }, undefined);
  return (typeof verdict === 'number' ? verdict : (verdict as { value: number }).value) === 1;
}

const TRAPS: Record<string, (task: Task, trap: Json, got: string) => boolean> = {
  lure: givesTrap,
  echo: (_task, trap, got) => typeof trap === 'string' && normal(trap).length > 0 && ` ${normal(got)} `.includes(` ${normal(trap)} `),
};

export default defineDetector({
  name: 'canary',
  version: '1.0.0',
  inspect(_ctx, task, responses) {
    const canary = task.meta.canary as { kind?: Json; traps?: Json } | null | undefined;
    if (canary === null || typeof canary !== 'object' || Array.isArray(canary)) return [];
    const gives = TRAPS[String(canary.kind)];
    const traps = Array.isArray(canary.traps) ? canary.traps : [];
    if (gives === undefined) return [];
    const findings: Finding[] = [];
    for (const view of responses) {
      const got = answerOf(view.response);
      const trap = got === null ? undefined : traps.find((t) => gives(task, t, got));
      if (trap === undefined) continue;
      findings.push({
        uids: [view.uid],
        penalty: CANARY_DEFAULTS.penalty,
        evidence: { task: task.id, canary: String(canary.kind), trap, hotkey: view.hotkey, answer: got!.length > 300 ? `${got!.slice(0, 300)}…` : got, receivedAtMs: view.receivedAtMs },
      });
    }
    return findings;
  },
});
