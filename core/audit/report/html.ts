/** The report's page: inline CSS, the charts' SVG, and a few tables; no script and no external URL. */
import type { Chart } from './charts.js';

export interface Summary {
  db: string;
  runs: { id: number; startedAt: string; engine: string; network: string; plugins: string }[];
  rounds: { complete: number; abandoned: number; first: number | null; last: number | null };
  responses: { status: string; n: number }[];
  evaluationErrors: number;
  findings: { detector: string; n: number; meanPenalty: number }[];
  miners: { uid: number; hotkey: string; meanScore: number; movingAverage: number | null; incentive: number | null }[];
}

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => escapeHtml(v === null ? '–' : String(v));
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .8; }
header code { background: #39415a; color: #fff; }
main { padding: 16px 32px 40px; max-width: 1400px; }
section { margin: 18px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 18px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px; overflow-x: auto; }
figure.chart h2 { font-size: 16px; margin: 0 0 8px; }
figure.chart figcaption { color: #5a6272; font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #dde1e7; padding: 3px 8px; text-align: left; }
th { background: #eef0f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts { display: flex; flex-wrap: wrap; gap: 12px; }
.fact { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 14px; }
.fact b { display: block; font-size: 20px; }
code { background: #eef0f4; padding: 1px 4px; border-radius: 3px; }
`;

/** The whole page. */
export function renderHtml(s: Summary, charts: readonly Chart[], now: Date): string {
  const responses = s.responses.reduce((a, r) => a + r.n, 0);
  const facts = [
    ['completed rounds', `${s.rounds.complete ?? 0}${s.rounds.first !== null ? ` (${s.rounds.first}–${s.rounds.last})` : ''}`],
    ['abandoned rounds', String(s.rounds.abandoned ?? 0)],
    ['responses', String(responses)],
    ['evaluation errors', String(s.evaluationErrors)],
    ['findings', String(s.findings.reduce((a, f) => a + f.n, 0))],
    ['miners scored', String(s.miners.length)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Proctor audit report</title><style>${CSS}</style></head>
<body>
<header><h1>Proctor audit report</h1><p>${escapeHtml(s.db)} · built ${escapeHtml(now.toISOString())} · every number below is in the SQLite history; <code>validator audit replay --round N</code> recomputes any round</p></header>
<main>
<section class="facts">${facts.map(([k, v]) => `<div class="fact"><b>${escapeHtml(v)}</b>${escapeHtml(k)}</div>`).join('')}</section>
<section class="charts">
${charts.map((c) => `<figure class="chart" id="chart-${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}"><h2>${escapeHtml(c.title)}</h2>${c.svg}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`).join('\n')}
</section>
<section><h2>Miners</h2>${table(['uid', 'hotkey', 'mean round score', 'latest moving average', 'incentive (last epoch)'], s.miners.map((m) => [m.uid, m.hotkey, m.meanScore, m.movingAverage, m.incentive]))}</section>
<section><h2>Findings</h2>${s.findings.length > 0 ? table(['detector', 'findings', 'mean penalty'], s.findings.map((f) => [f.detector, f.n, f.meanPenalty])) : '<p>No detector raised a finding.</p>'}</section>
<section><h2>Responses by status</h2>${table(['status', 'responses'], s.responses.map((r) => [r.status, r.n]))}</section>
<section><h2>Runs</h2>${table(['run', 'started', 'engine', 'network', 'plugins'], s.runs.map((r) => [r.id, r.startedAt, r.engine, r.network, r.plugins]))}</section>
</main>
</body></html>
`;
}
