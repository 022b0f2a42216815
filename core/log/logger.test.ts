import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvaluatorPool } from '../pool/pool.js';
import { createLogger, evaluatorLogger, logFunction, prettyLine, type LogFormat } from './logger.js';

function capture(format: LogFormat, level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const log = logFunction(createLogger({ format, level, write: (text) => lines.push(...text.split('\n').filter((l) => l.length > 0)) }));
  return { log, lines };
}

describe('validator logs', () => {
  it('writes one JSON object per line with level, time, message and fields', () => {
    const { log, lines } = capture('json');
    log('round 3 (3/6) block 30: 224 responses', { round: 3, byStatus: { ok: 224 } });
    log('marked round(s) 4 abandoned', { level: 'warn', rounds: [4] });
    assert.equal(lines.length, 2);
    const [info, warn] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(info.level, 30);
    assert.equal(info.msg, 'round 3 (3/6) block 30: 224 responses');
    assert.deepEqual(info.byStatus, { ok: 224 });
    assert.equal(typeof info.time, 'number');
    assert.equal(warn.level, 40);
    assert.deepEqual(warn.rounds, [4]);
  });

  it('drops lines below the level', () => {
    const { log, lines } = capture('json', 'warn');
    log('progress', { level: 'info' });
    log('detail', { level: 'debug' });
    log('careful', { level: 'warn' });
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['careful']);
  });

  it('never writes a field named like a secret, at the top level or one level down', () => {
    const { log, lines } = capture('json');
    const seed = 'a'.repeat(64);
    log('round opened', { round: 5, seed, wallet: { mnemonic: 'bottom drive obey lake curtain smoke basket hold race lonely fit walk', uri: '//Alice' }, commit: { salt: [1, 2, 3] } });
    assert.equal(lines.length, 1);
    for (const secret of [seed, 'bottom drive', '//Alice', '[1,2,3]']) assert.ok(!lines[0].includes(secret), secret);
    const entry = JSON.parse(lines[0]) as { seed: string; wallet: { mnemonic: string }; round: number };
    assert.equal(entry.seed, '[redacted]');
    assert.equal(entry.wallet.mnemonic, '[redacted]');
    assert.equal(entry.round, 5);
  });

  it('pretty-prints a time, a level and the message (fields only when there is no message)', () => {
    const { log, lines } = capture('pretty');
    log('marked round(s) 4 abandoned', { level: 'warn', rounds: [4] });
    log('', { round: 2, db: '/tmp/x.db', byStatus: { ok: 3 } });
    assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} WARN  marked round\(s\) 4 abandoned$/);
    assert.match(lines[1], /^\d\d:\d\d:\d\d\.\d{3} INFO  round=2 db=\/tmp\/x\.db byStatus=\{"ok":3\}$/);
    assert.equal(prettyLine('not json'), 'not json\n');
  });

  it("writes evaluators' ctx.log lines from the worker threads as the logger's own lines, tagged with name and version", async () => {
    const { log, lines } = capture('json');
    const module = new URL('../../test/fixtures/evaluators/chatty.js', import.meta.url).href;
    const pool = createEvaluatorPool({ size: 1, log: evaluatorLogger(log) });
    try {
      await pool.evaluate([{ id: 0, evaluator: { name: 'chatty', version: '1.0.0', module, options: {} }, sample: { task: { id: 't', kind: 'k', prompt: 'p', payload: null, answer: 'a', meta: {} }, response: 'hi' } }]);
      for (let i = 0; i < 400 && lines.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      await pool.close();
    }
    const entries = lines.map((l) => JSON.parse(l) as { level: number; msg: string; evaluator: string; evaluatorVersion: string });
    assert.deepEqual(entries.map((e) => [e.level, e.evaluator, e.evaluatorVersion]), [[30, 'chatty', '1.0.0'], [30, 'chatty', '1.0.0']]);
    assert.match(entries[0].msg, /^\[chatty@1\.0\.0\] loading in thread \d+$/);
    assert.equal(entries[1].msg, '[chatty@1.0.0] scoring "hi"');
  });
});
