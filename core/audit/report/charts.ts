/**
 * The report's charts: Vega-Lite specs compiled to Vega and rendered to SVG in Node (`renderer:
 * 'none'`, `toSVG()`: no canvas, no browser, no network). Each chart is a pure function of rows
 * read from the history, so the same file gives the same pictures.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Chart {
  id: string;
  title: string;
  /** One sentence under the chart: what to read from it. */
  caption: string;
  svg: string;
}

type Rows = Record<string, string | number | null>[];

const base = { width: 420, height: 240, config: { font: 'sans-serif', legend: { columns: 1, symbolLimit: 64 }, range: { category: { scheme: 'tableau20' } } } } as const;

/**
 * Renders one Vega-Lite spec to an SVG string.
 *
 * @example
 * ```ts
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One line per miner uid over the rounds: `y` is the plotted field with its axis. */
function perUidLines(rows: Rows, xTitle: string, y: { field: string; title: string; domain?: [number, number] }): TopLevelSpec {
  return {
    ...base,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } },
      y: { field: y.field, type: 'quantitative', title: y.title, ...(y.domain ? { scale: { domain: y.domain } } : {}) },
      color: { field: 'miner', type: 'nominal', title: 'uid', sort: { field: 'uid' } },
    },
  } as TopLevelSpec;
}

/** Each miner's round score, one line per uid. */
export function scoreHistorySpec(rows: Rows): TopLevelSpec {
  return perUidLines(rows, 'round', { field: 'score', title: 'round score', domain: [0, 1] });
}

/** The share of the submitted weight row each uid got, per round. */
export function weightsSpec(rows: Rows): TopLevelSpec {
  return perUidLines(rows, 'round', { field: 'share', title: 'share of the weight row' });
}

/** The incentive each miner uid was paid at each epoch. */
export function incentiveSpec(rows: Rows): TopLevelSpec {
  return perUidLines(rows, 'round of the epoch', { field: 'incentive', title: 'incentive' });
}

/** Findings per detector, stacked by round. */
export function findingsSpec(rows: Rows): TopLevelSpec {
  return {
    ...base,
    height: 200,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'detector', type: 'nominal', title: 'detector' },
      x: { field: 'findings', type: 'quantitative', title: 'findings', aggregate: 'sum', axis: { tickMinStep: 1, format: 'd' } },
      // No findings at all: one labelled empty bar, no legend of a round that never was.
      ...(rows.some((r) => Number(r.findings) > 0) ? { color: { field: 'round', type: 'ordinal', title: 'round', scale: { scheme: 'blues' } } } : {}),
    },
  } as TopLevelSpec;
}

/** Each miner's mean round score against the incentive of the last epoch, labelled by uid. */
export function scoreVsIncentiveSpec(rows: Rows): TopLevelSpec {
  const encoding = {
    x: { field: 'meanScore', type: 'quantitative', title: 'mean round score', scale: { zero: false } },
    y: { field: 'incentive', type: 'quantitative', title: 'incentive at the last epoch' },
  };
  return {
    ...base,
    width: 380,
    data: { values: rows },
    layer: [
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { ...encoding, color: { field: 'kind', type: 'nominal', title: 'miner' } } },
      { mark: { type: 'text', dx: 9, align: 'left', fontSize: 10 }, encoding: { ...encoding, text: { field: 'uid', type: 'nominal' } } },
    ],
  } as TopLevelSpec;
}
