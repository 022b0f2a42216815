import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsSpec, renderSvg, scoreHistorySpec, scoreVsIncentiveSpec } from './charts.js';
import { escapeHtml } from './html.js';

describe('report charts', () => {
  it('render to SVG in Node, one line per miner, without a browser or the network', async () => {
    const rows = [1, 2, 3].flatMap((round) => [4, 5].map((uid) => ({ round, uid, miner: String(uid), score: (round * uid) / 20 })));
    const svg = await renderSvg(scoreHistorySpec(rows));
    assert.match(svg, /^<svg [^>]*class="marks"/);
    assert.equal((svg.match(/class="mark-line role-mark/g) ?? []).length, 2);
    assert.match(svg, />round score</);
    assert.deepEqual([...new Set(svg.match(/https?:\/\/[^\s"']+/g))], ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);
  });

  it('labels an empty findings chart instead of drawing a legend for no round', async () => {
    const svg = await renderSvg(findingsSpec([{ round: 0, detector: 'none raised', findings: 0 }]));
    assert.match(svg, /none raised/);
    assert.doesNotMatch(svg, /role-legend/);
    const some = await renderSvg(findingsSpec([{ round: 2, detector: 'near-duplicate-text', findings: 3 }]));
    assert.match(some, /role-legend/);
  });

  it('labels each point of score vs incentive with its uid', async () => {
    const svg = await renderSvg(scoreVsIncentiveSpec([{ uid: 7, meanScore: 0.6, incentive: 0.08, kind: 'no findings' }, { uid: 21, meanScore: 0.3, incentive: 0.01, kind: 'has findings' }]));
    assert.match(svg, />7</);
    assert.match(svg, />21</);
  });

  it('escapes text from the history before it reaches the page', () => {
    assert.equal(escapeHtml('<img src=x onerror="a()">&\''), '&lt;img src=x onerror=&quot;a()&quot;&gt;&amp;&#39;');
  });
});
