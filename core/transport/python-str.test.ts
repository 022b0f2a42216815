import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Json } from '../plugin-api.js';
import { pythonFloatRepr, pythonStr, pythonStrRepr } from './python-str.js';

describe('Python str() of JSON values, by hand', () => {
  it('renders floats as CPython repr does', () => {
    const cases: [number, string][] = [
      [5, '5.0'], [0.1, '0.1'], [-2.5, '-2.5'], [1e16, '1e+16'], [1.5e16, '1.5e+16'], [1234567890123456, '1234567890123456.0'],
      [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [1e300, '1e+300'], [5e-324, '5e-324'], [-0, '-0.0'], [0, '0.0'],
      [123456789012345678, '1.2345678901234568e+17'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'],
    ];
    for (const [x, expected] of cases) assert.equal(pythonFloatRepr(x), expected, String(x));
  });

  it('renders strings with the quote Python picks and its escapes', () => {
    assert.equal(pythonStrRepr('plain'), "'plain'");
    assert.equal(pythonStrRepr("it's"), `"it's"`);
    assert.equal(pythonStrRepr(`say "hi"`), `'say "hi"'`);
    assert.equal(pythonStrRepr(`it's "x"`), `'it\\'s "x"'`);
    assert.equal(pythonStrRepr('a\\b\n\t\r\x00\x7f'), "'a\\\\b\\n\\t\\r\\x00\\x7f'");
    assert.equal(pythonStrRepr('\u00a0\u00e9\u2028\u{1F600}\ud800'), "'\\xa0é\\u2028😀\\ud800'");
  });

  it('renders containers, booleans, None and ints as Python does', () => {
    assert.equal(pythonStr('top-level text is itself'), 'top-level text is itself');
    assert.equal(pythonStr(['a', 1, null, true, false, 2.5]), "['a', 1, None, True, False, 2.5]");
    assert.equal(pythonStr({ a: { b: [] }, c: {} }), "{'a': {'b': []}, 'c': {}}");
    assert.equal(pythonStr(1e20), '100000000000000000000');
    assert.equal(pythonStr(1e21), '1e+21');
    assert.equal(pythonStr([1, 2.5, 3], { floats: true }), '[1.0, 2.5, 3.0]');
    assert.equal(pythonStr(-0), '0');
  });

  it('never throws on any JSON value, and always gives a string', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, floats) => {
        assert.equal(typeof pythonStr(value as Json, { floats }), 'string');
      }),
      { numRuns: 500 },
    );
  });
});

const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).status === 0;

describe('Python str() against CPython itself', { skip: python ? false : 'python3 is not installed: the differential test needs it' }, () => {
  // Per line: a JSON value and a mode; CPython prints json.dumps of str(json.loads(value)) (ASCII-safe),
  // and whether the text holds a code point its Unicode database leaves unassigned (Node's is newer).
  const script = `
import json, sys, unicodedata
def floats(v):
    if isinstance(v, bool) or v is None: return v
    if isinstance(v, (int, float)): return float(v)
    if isinstance(v, list): return [floats(x) for x in v]
    if isinstance(v, dict): return {k: floats(x) for k, x in v.items()}
    return v
for line in sys.stdin:
    mode, text = line.rstrip('\\n').split(' ', 1)
    v = json.loads(text)
    if mode == 'f': v = floats(v)
    s = str(v)
    print(json.dumps([s, any(unicodedata.category(c) == 'Cn' for c in text.encode('utf-16', 'surrogatepass').decode('utf-16', 'surrogatepass') if ord(c) > 127)]))
`;

  it('matches CPython on 3,000 random JSON values, strings and floats included', () => {
    const values = fc.sample(
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 5 }),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(null))),
      ),
      { numRuns: 3000, seed: 4242 },
    );
    const lines = values.map((v, i) => `${i % 3 === 0 ? 'f' : 'i'} ${JSON.stringify(v)}`);
    const run = spawnSync('python3', ['-c', script], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr);
    const outputs = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as [string, boolean]);
    assert.equal(outputs.length, lines.length);
    let compared = 0;
    outputs.forEach(([expected, unassignedInPython], i) => {
      const value = JSON.parse(lines[i].slice(2)) as Json;
      const actual = pythonStr(value, { floats: lines[i][0] === 'f' });
      // A code point newer than CPython's Unicode tables is escaped there and printed here: documented.
      if (unassignedInPython && actual !== expected) return;
      compared += 1;
      assert.equal(actual, expected, `line ${i}: ${lines[i]}`);
    });
    assert.ok(compared > 2900, `only ${compared} values compared`);
  });
});
