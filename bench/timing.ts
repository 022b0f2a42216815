/** Timing helpers shared by the benchmarks: warm up, then the median of repeated runs. */
import { performance } from 'node:perf_hooks';

export interface Timing {
  medianMs: number;
  runs: number;
}

/** Runs `fn` until `budgetMs` is spent (at least `minRuns`, at most `maxRuns` times) after one warm-up. */
export function time(fn: () => void, budgetMs = 1500, minRuns = 3, maxRuns = 200): Timing {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxRuns && (samples.length < minRuns || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return { medianMs: median(samples), runs: samples.length };
}

/** The value at fraction `p` of already sorted values (`p` = 0.5: the median, the upper one of an even count). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** The median of `xs`, in any order (the upper middle value of an even count). */
export function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}

/** Prints rows as an aligned text table. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
