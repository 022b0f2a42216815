/**
 * `validator audit report` on a real run's history: one HTML file with every chart as inline SVG
 * and no external reference, which headless Chromium (Debian's `chromium`, installed by `.ci/run`)
 * renders offline into a screenshot that is not blank.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'proctor-audit-report-'));
const db = join(dir, 'history.db');
const out = join(dir, 'report');
const CHARTS = ['score-history', 'weights', 'incentive', 'findings', 'score-vs-incentive'];

const chromium = ['chromium', 'chromium-browser'].find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);

/** Runs headless Chromium with no network of its own (no sync, no component updates, no background fetches). */
function runChromium(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(dir, 'chromium-'));
  const child = spawn(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

before(async () => {
  const run = await runCli(['run', '--plugins', 'text', '--rounds', '4', '--miners-count', '4', '--validators', '1', '--red-team', 'copycat', '--seed', 'audit-report', '--pool-size', '1', '--db', db]);
  assert.equal(run.code, 0, run.stderr);
  const report = await runCli(['audit', 'report', '--db', db, '--out', out]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, new RegExp(`index\\.html \\(5 charts: ${CHARTS.join(', ')}; \\d+ bytes\\)`));
}, { timeout: 600_000 });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('validator audit report', () => {
  it('writes one self-contained page: every chart as inline SVG with its marks, no script, no external URL', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const id of CHARTS) {
      const figure = new RegExp(`<figure class="chart" id="chart-${id}"[^>]*>(.*?)</figure>`, 's').exec(html);
      assert.ok(figure, `chart ${id} is in the page`);
      assert.match(figure[1], /<svg [^>]*class="marks"[^>]*>/, `chart ${id} is an SVG`);
      assert.match(figure[1], /role-mark/, `chart ${id} draws marks`);
      assert.match(figure[1], /role-axis/, `chart ${id} has axes`);
    }
    // The charts hold the history's data: a line per miner, the copycat's findings as bars.
    const score = /id="chart-score-history".*?<\/figure>/s.exec(html)![0];
    assert.equal((score.match(/class="mark-line role-mark[^"]*"/g) ?? []).length, 5, 'one line per miner: 4 reference miners and the copycat');
    assert.match(score, /round score/);
    const findings = /id="chart-findings".*?<\/figure>/s.exec(html)![0];
    assert.doesNotMatch(findings, /none raised/);
    assert.match(findings, /near-duplicate-text|sybil-cluster|stuffing|latency-floor|cache-probe|canary/);

    assert.doesNotMatch(html, /<script|<link|<iframe|<img|@import/i);
    assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?\s*(?:https?:|\/\/)/i);
    assert.doesNotMatch(html, /url\(\s*["']?\s*(?:https?:|\/\/)/i);
    // The only URL left is the SVG namespace, which nothing fetches.
    const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []);
    assert.deepEqual([...urls].filter((u) => !u.startsWith('http://www.w3.org/')), []);
  });

  it('renders in headless Chromium offline, every chart in the DOM, into a screenshot that is not blank', { skip: chromium === undefined ? 'chromium is not installed (`apt-get install -y chromium`; .ci/run installs it): the screenshot check cannot run here' : false, timeout: 300_000 }, async () => {
    const page = pathToFileURL(join(out, 'index.html')).href;
    const dom = await runChromium(['--dump-dom', page]);
    assert.equal(dom.code, 0, dom.stderr.slice(-2000));
    for (const id of CHARTS) assert.match(dom.stdout, new RegExp(`<figure class="chart" id="chart-${id}"[^>]*>\\s*<h2>[^<]+</h2>\\s*<svg`), `chart ${id} in Chromium's DOM`);

    const png = join(dir, 'report.png');
    const shot = await runChromium([`--screenshot=${png}`, '--window-size=1280,2000', page]);
    assert.ok(existsSync(png), `no screenshot: ${shot.stderr.slice(-2000)}`);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [1280, 2000]);
    let sum = 0;
    let sumSq = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 3) {
      const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += luma;
      sumSq += luma * luma;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    const n = data.length / 3;
    const variance = sumSq / n - (sum / n) ** 2;
    // A blank page has variance 0 and one colour; the report has a dark header, text, axes and coloured lines.
    assert.ok(variance > 200, `luminance variance ${variance.toFixed(1)}`);
    assert.ok(colours.size > 50, `${colours.size} distinct colours`);
  });
});
