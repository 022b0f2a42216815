/**
 * `sybil-cluster` (`sybil-cluster:k`, default k = 3): one operator, k uids, one model. Every member
 * answers with the same model — the plugin's reference miner at skill 0.6, its generator seeded by
 * the task, so all members make the same choices — and members after the first vary the text
 * trivially (a trailing period, the first letter's case), so that byte-exact checks see k answers.
 * Image members send the same bytes. Each uid would earn what one honest miner of that skill
 * earns: k shares of emission for one model's work.
 *
 * Stopped by: sybil clustering — uids whose answers coincide across many tasks and rounds share
 * one miner's credit — and near-duplicate detection per task — anti-gaming vector 6.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '../../../../datasets/seeded-random.js';
import { answerShape, defineStrategy, referenceAnswer, textResponse } from '../strategy.js';

/** The cluster model's skill. */
export const SYBIL_SKILL = 0.6;

/** A trivial variant of `text` for member `m`: equal after the usual normalisation (case, one trailing period). */
export function variant(text: string, member: number): string {
  let out = text;
  if (member % 2 === 1) out = out.endsWith('.') ? out.slice(0, -1) : `${out}.`;
  if (member % 3 === 2) out = out.length > 0 ? (out[0] === out[0].toUpperCase() ? out[0].toLowerCase() : out[0].toUpperCase()) + out.slice(1) : out;
  return out;
}

export default defineStrategy({
  name: 'sybil-cluster',
  summary: 'k uids (default 3) answering with one model: the same answers, trivially varied',
  defence: 'sybil clustering (uids that coincide across tasks and rounds share one miner\'s credit) and per-task near-duplicate detection',
  cluster: true,
  defaultCount: 3,
  modelSkill: SYBIL_SKILL,
  async answer(ctx) {
    // One model: the same draws for every member, whichever asks first.
    const key = createHash('sha256').update(`${ctx.seed}:sybil:${ctx.plugin.definition.name}:${ctx.task.id}:${ctx.task.prompt}`).digest('hex');
    const model = seededRandom(key, 'sybil-cluster');
    const answer = await referenceAnswer(ctx, SYBIL_SKILL, () => model.next());
    const text = answer !== null && typeof answer === 'object' && !Array.isArray(answer) && typeof answer.answer === 'string' ? answer.answer : null;
    return answerShape(ctx.plugin) === 'text' && text !== null ? textResponse(ctx, variant(text, ctx.member)) : answer;
  },
});
