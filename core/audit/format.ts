/** Terminal text for `audit replay` and `audit explain` (`--json` prints the objects themselves). */
import type { Json } from '../plugin-api.js';
import type { ReplayReport } from './replay.js';

/** A cell short enough for one line. */
export function shortJson(value: Json, max = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An aligned table; the last column is left ragged. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The replay's verdict, what was checked, and every difference as table / row / column / stored / recomputed.
 *
 * @example
 * ```ts
 * process.stdout.write(formatReplay(await replayRound({ db, round: 3 })) + '\n');
 * ```
 */
export function formatReplay(r: ReplayReport): string {
  const c = r.checked;
  const out = [
    `Round ${r.round} (run ${r.run}): seed ${r.seed.verified ? 'matches' : 'does NOT match'} its committed hash ${r.seed.hash.slice(0, 16)}…`,
    `Recomputed ${c.tasks} tasks, ${c.responses} responses, ${c.evaluations} evaluations, ${c.findings} findings, ${c.miners} miners: ${c.cells} stored cells compared.`,
    `Numbers compare within a relative tolerance of ${r.tolerance}; the largest deviation between a stored and a recomputed number: ${r.maxDeviation}.`,
  ];
  for (const s of r.stateful) out.push(`Detector ${s.detector} keeps memory between rounds: rebuilt by replaying round(s) ${s.roundsReplayed.join(', ') || '(none before this one in its run)'} first.`);
  for (const note of r.notes) out.push(`Note: ${note}`);
  out.push('');
  if (r.differences.length === 0) out.push('No differences: every stored number was reproduced.');
  else {
    out.push(`${r.differences.length} difference(s) between the history and the recomputation:`, '');
    out.push(table(['table', 'row', 'column', 'stored', 'recomputed'], r.differences.map((d) => [d.table, d.row, d.column, shortJson(d.stored), shortJson(d.recomputed)])));
  }
  return out.join('\n');
}
