/** Terminal text for `validator audit explain`. */
import type { MinerEvidence } from './explain.js';
import { shortJson, table } from './format.js';

const num = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined ? '-' : Number(x.toFixed(digits)).toString());

/**
 * The evidence top to bottom: tasks, round score, moving average, weight inputs, weight, incentive.
 *
 * @example
 * ```ts
 * process.stdout.write(formatExplain(explainMiner({ db, miner: { hotkey } })) + '\n');
 * ```
 */
export function formatExplain(e: MinerEvidence): string {
  const out: string[] = [`Miner ${e.hotkey} (uid ${e.uid}), round ${e.round} at block ${e.block}; seed hash ${e.seedHash.slice(0, 16)}…`, ''];

  out.push(`1. Tasks and answers (${e.tasks.length}):`);
  out.push(
    table(
      ['task', 'kind', 'status', 'ms', 'answer sha256', 'answer', 'expected', 'evaluators', 'combined', 'penalty', 'final'],
      e.tasks.map((t) => [
        t.task,
        t.kind,
        t.status,
        num(t.latencyMs, 1),
        t.bodyHash ? `${t.bodyHash.slice(0, 12)}…` : '-',
        shortJson(t.answer, 28),
        shortJson(t.expected, 20),
        t.scores.map((s) => `${s.evaluator}@${s.version}=${s.status === 'ok' ? num(s.value, 3) : s.errorCode}`).join(' ') || '-',
        num(t.combined),
        num(t.penalty),
        num(t.final),
      ]),
    ),
  );
  const findings = e.tasks.flatMap((t) => t.findings.map((f) => ({ task: t.task, ...f })));
  out.push('', `2. Findings naming this miner (${findings.length}):`);
  if (findings.length === 0) out.push('   none: no penalty in this round');
  else out.push(table(['task', 'detector', 'penalty', 'evidence'], findings.map((f) => [f.task, `${f.detector}@${f.version}`, num(f.penalty), shortJson(f.evidence, 80)])));

  const r = e.roundScore;
  out.push('', `3. Round score ${num(r.score)} = Σ share × plugin score (${r.answered} of ${r.tasks} tasks answered):`);
  out.push(table(['plugin', 'score', 'share', 'contribution', 'answered/tasks'], r.byPlugin.map((p) => [p.plugin, num(p.score), num(p.share), num(p.contribution), `${p.answered}/${p.tasks}`])));

  const m = e.movingAverage;
  out.push('', `4. Moving average: ${num(m.before)} before → ${num(m.after)} after (alpha ${num(m.alpha)}: after = alpha × ${num(r.score)} + (1 − alpha) × ${num(m.before)})`);
  const w = e.weightInput;
  out.push(
    w
      ? `5. Weight input: interval [${num(w.ciLow)}, ${num(w.ciHigh)}] over ${w.rounds} round(s), ${w.tasks} task(s), evidence ${num(w.evidence)}; tier ${w.tier} (tier average ${num(w.tierAverage)}) → value ${num(w.value)}`
      : '5. Weight input: none stored for this round (a run without uncertainty-aware weights, or a real chain)',
  );
  out.push(e.weight ? `6. Weight submitted: u16 ${e.weight.u16} in a row scaled so its largest weight is 65535, ${(e.weight.share * 100).toFixed(2)} % of the row's sum; ${e.weight.mode}, ${e.weight.outcome}` : '6. Weight submitted: none for this uid in this round');
  const ep = e.incentive.epoch;
  out.push(`7. Incentive: predicted ${num(e.incentive.predicted)} by the consensus preview; ${ep ? `paid ${num(ep.incentive)} (${ep.emission} rao) by the epoch at block ${ep.block} (round ${ep.round})` : 'no epoch has run since this round'}`);
  out.push('', 'History (round, score, moving average): ' + e.history.map((h) => `${h.round}: ${num(h.score, 3)}/${num(h.movingAverage, 3)}`).join(', '));
  return out.join('\n');
}
