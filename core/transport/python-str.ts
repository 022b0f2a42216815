/**
 * Python's `str()` of JSON values, byte for byte: the legacy axon scheme hashes each required
 * field as `sha3_256(str(value))` (`../shared/specs/chain.md` §7), so a TS dendrite or axon must
 * render values exactly as CPython 3 does after `json.loads` and pydantic's `model_dump`.
 *
 * Covered: `str`, `int`, `float`, `bool`, `None`, and lists and dicts of them. A JSON number that is
 * an integer is a Python `int` unless the caller says the field is a `float` (pydantic turns `5`
 * into `5.0` for a float field, and JSON cannot tell the two apart). Dict keys keep JavaScript's
 * order, which puts integer-like keys first; Python keeps the order of the text.
 */
import type { Json } from '../plugin-api.js';

export interface PythonStrOptions {
  /** Render every number inside the value as a Python `float` (the field is typed `float` or `List[float]`). */
  floats?: boolean;
}

/**
 * `repr(x)` of a Python float: the shortest digits that round-trip (as JavaScript's), in fixed
 * notation when the decimal exponent is from −4 to 15 and in scientific notation otherwise.
 *
 * @example
 * ```ts
 * pythonFloatRepr(5);      // '5.0'
 * pythonFloatRepr(1e-5);   // '1e-05'
 * pythonFloatRepr(1.5e16); // '1.5e+16'
 * ```
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa, exp] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const fraction = digits.slice(e + 1);
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

/** Characters `str.isprintable()` rejects: categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs but the ASCII space. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * `repr(s)` of a Python str: single quotes unless the text holds a `'` and no `"`; escapes for the
 * backslash, the quote, `\t\n\r`, other control characters, and non-printable code points.
 */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  // for…of walks code points; a lone surrogate comes through as itself and is escaped (Cs).
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

function numberRepr(x: number, floats: boolean): string {
  // What json.loads reads back from JSON.stringify(x): NaN and ±Infinity travel as null.
  if (!Number.isFinite(x)) return 'None';
  if (!floats && Number.isInteger(x) && Math.abs(x) < 1e21) return x === 0 ? '0' : String(x);
  return pythonFloatRepr(x);
}

/**
 * `repr()` of the Python value `json.loads` makes of `value`: what a value looks like inside a list
 * or dict. Nesting deeper than 256 levels is refused with a RangeError (JSON bodies are capped well
 * below that by the servers).
 */
export function pythonRepr(value: Json, options: PythonStrOptions = {}, depth = 0): string {
  if (depth > 256) throw new RangeError('value nested more than 256 levels deep');
  const floats = options.floats === true;
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return numberRepr(value, floats);
  if (typeof value === 'string') return pythonStrRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v, options, depth + 1)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonStrRepr(k)}: ${pythonRepr(v, options, depth + 1)}`).join(', ')}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/**
 * `str()` of the Python value `json.loads` makes of `value`: a string as itself, anything else as
 * its `repr`.
 *
 * @example
 * ```ts
 * pythonStr('hi');                       // 'hi'
 * pythonStr(['a', 1, null, true]);       // "['a', 1, None, True]"
 * pythonStr({ t: 0.5, n: 2 });           // "{'t': 0.5, 'n': 2}"
 * pythonStr(3, { floats: true });        // '3.0'
 * ```
 */
export function pythonStr(value: Json, options: PythonStrOptions = {}): string {
  return typeof value === 'string' ? value : pythonRepr(value, options);
}
