/**
 * The two numerics the epoch runs in, behind one interface so that a single code path serves both:
 * `float` (float64) and `fixed` (a bit-exact emulation of the chain's I32F32 / I64F64 / I96F32,
 * see `fixed.ts`). `T` is `number` for float and `bigint` (raw bits) for fixed; both compare with
 * the ordinary `<`, `>`, `===` operators, so the epoch only calls through this interface for
 * arithmetic and conversions.
 */
import * as fx from './fixed.js';

export type NumericsName = 'float' | 'fixed';

/** A vector of the epoch's numbers: a `Float64Array` for float, a plain array of bigints for fixed. */
export interface Vec<T> {
  readonly length: number;
  [index: number]: T;
}

/** The raw stake of one uid, before the chain's I64F64 normalisation. */
export type StakeSource =
  | { kind: 'total'; stake: readonly number[] }
  | { kind: 'split'; alpha: readonly number[]; tao: readonly number[]; taoWeight: TaoWeight };

export type TaoWeight = { kind: 'float'; value: number } | { kind: 'u64'; value: bigint };

export interface Numerics<T extends number | bigint> {
  readonly name: NumericsName;
  readonly zero: T;
  readonly one: T;
  /** A zero-filled vector of `length`. */
  vec(length: number): Vec<T>;
  /** Room for up to `capacity` values, written in order from index 0 before any is read. */
  buffer(capacity: number): Vec<T>;
  /** A copy of `v[from .. to)`. */
  slice(v: Vec<T>, from: number, to: number): Vec<T>;
  /** The first `length` values of `v`, without copying where the container allows (`v` is then shared). */
  prefix(v: Vec<T>, length: number): Vec<T>;
  /** An integer (u16 weights and bonds are loaded as integers, then normalised). */
  fromInt(x: number): T;
  /** x / 65535 with the chain's division. */
  fromU16Proportion(x: number): T;
  /** A JSON number, as `from_num(f64)` (or from an f32 literal when `f32` is set). */
  fromNumber(x: number, f32?: boolean): T;
  add(a: T, b: T): T;
  /**
   * `acc + x` when `take` is 1, `acc` when it is 0: the same value as the branch, computed without
   * one in float (an unpredictable branch per element dominates the median search's cost).
   */
  addIf(acc: T, x: T, take: 0 | 1): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  /** `safe_div`: 0 on division by zero. */
  div(a: T, b: T): T;
  /** `exp_safe`. */
  expSafe(x: T): T;
  toNumber(x: T): number;
  /** `fixed_proportion_to_u16`: floor(x · 65535), clamped. */
  toU16(x: T): number;
  /** floor(x · E) in rao; E is at most 2^53 − 1 (checked at the input), so the result is exact as a number. */
  timesRao(x: T, rao: bigint): number;
  /**
   * §3.2: stake weights (alpha + tao_weight · tao) filtered by the threshold (the owner exempt when
   * `exempt` is set) and normalised, in I64F64, then truncated to the epoch's type.
   */
  stakeWeights(source: StakeSource, threshold: bigint, exempt: number | null): Vec<T>;
  /** 1 − bonds_moving_average / 1e6, computed in I64F64 then truncated, as the chain does. */
  emaAlpha(bondsMovingAverage: number): T;
}

function rawStake(source: StakeSource, i: number, taoWeight: number): number {
  if (source.kind === 'total') return source.stake[i];
  return source.alpha[i] + taoWeight * source.tao[i];
}

function floatTaoWeight(source: StakeSource): number {
  if (source.kind === 'total') return 0;
  const w = source.taoWeight;
  return w.kind === 'float' ? w.value : Number(w.value) / 18446744073709551615;
}

let lastRao = 0n;
let lastRaoNumber = 0;

/** `Number(rao)`, remembered: the emission is the same for every uid of an epoch. */
function raoNumber(rao: bigint): number {
  if (rao !== lastRao) {
    lastRao = rao;
    lastRaoNumber = Number(rao);
  }
  return lastRaoNumber;
}

/**
 * Typed arrays reused from epoch to epoch. Inside {@link withScratch}, a numerics' `vec` and
 * `buffer` hand out the arrays an earlier epoch used, in the order it asked for them (`vec`'s
 * zero-filled), instead of allocating new ones: a 256-uid float epoch with 64 validators asks for
 * 16 of them, 0.64 MiB (Yuma3 with liquid alpha; 20 and 0.90 MiB in original Yuma), and allocating
 * and collecting them cost about a tenth of the epoch. Nothing handed out here may outlive the
 * epoch; `finishEpoch` copies the results out.
 */
class Scratch<V extends Float64Array | BigInt64Array> {
  private slots: V[] = [];
  private next = 0;
  private depth = 0;

  constructor(
    private readonly make: (length: number) => V,
    private readonly clear: (v: V) => void,
  ) {}

  get active(): boolean {
    return this.depth > 0;
  }

  take(length: number, zero: boolean): V {
    let slot = this.slots[this.next];
    if (slot === undefined || slot.length < length) {
      slot = this.make(length);
      this.slots[this.next] = slot;
    }
    this.next += 1;
    const v = slot.length === length ? slot : (slot.subarray(0, length) as V);
    if (zero) this.clear(v);
    return v;
  }

  run<R>(work: () => R): R {
    if (this.depth++ === 0) this.next = 0;
    try {
      return work();
    } finally {
      // An epoch nested in another takes the arrays after the outer one's, so neither sees the other's.
      if (--this.depth === 0 && this.retainedBytes() > SCRATCH_KEEP_BYTES) this.slots = [];
    }
  }

  private retainedBytes(): number {
    let bytes = 0;
    for (const slot of this.slots) bytes += slot.byteLength;
    return bytes;
  }
}

/** Above this, an epoch's arrays are let go when it ends (a 256-uid float epoch keeps 0.64–0.90 MiB). */
const SCRATCH_KEEP_BYTES = 32 * 2 ** 20;

const floatScratch = new Scratch((length) => new Float64Array(length), (v) => v.fill(0));

export const floatNumerics: Numerics<number> = {
  name: 'float',
  zero: 0,
  one: 1,
  vec: (length) => (floatScratch.active ? floatScratch.take(length, true) : new Float64Array(length)),
  buffer: (capacity) => (floatScratch.active ? floatScratch.take(capacity, false) : new Float64Array(capacity)),
  slice: (v, from, to) => (v as Float64Array).slice(from, to),
  prefix: (v, length) => (v as Float64Array).subarray(0, length),
  fromInt: (x) => x,
  fromU16Proportion: (x) => x / 65535,
  fromNumber: (x, f32) => (f32 ? Math.fround(x) : x),
  add: (a, b) => a + b,
  // x · 0 = +0 for the finite, non-negative values summed this way, and acc + 0 = acc exactly.
  addIf: (acc, x, take) => acc + x * take,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => (b === 0 ? 0 : a / b),
  expSafe: (x) => Math.exp(Math.min(20, Math.max(-20, x))),
  toNumber: (x) => x,
  toU16: (x) => Math.min(65535, Math.max(0, Math.floor(x * 65535))),
  timesRao: (x, rao) => (x <= 0 ? 0 : Math.floor(x * raoNumber(rao))),
  stakeWeights(source, threshold, exempt) {
    const n = source.kind === 'total' ? source.stake.length : source.alpha.length;
    const taoWeight = floatTaoWeight(source);
    const limit = Number(threshold);
    const out = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = rawStake(source, i, taoWeight);
      out[i] = Math.floor(s) < limit && i !== exempt ? 0 : s;
      sum += out[i];
    }
    if (sum !== 0) for (let i = 0; i < n; i++) out[i] /= sum;
    return out;
  },
  emaAlpha: (bma) => 1 - bma / 1_000_000,
};

const U64_MAX = (1n << 64n) - 1n;

function fixedTaoWeight(source: StakeSource): bigint {
  if (source.kind === 'total') return 0n;
  const w = source.taoWeight;
  if (w.kind === 'float') return fx.fromF64I64F64(w.value);
  // get_tao_weight: I96F32(TaoWeight).saturating_div(I96F32(u64::MAX)), widened exactly to I64F64.
  const i96f32 = (w.value << 32n << 32n) / (U64_MAX << 32n);
  return i96f32 << 32n;
}

function fixedStakeI64F64(source: StakeSource, i: number, taoWeight: bigint): bigint {
  if (source.kind === 'total') return fx.fromF64I64F64(source.stake[i]);
  const alpha = fx.fromF64I64F64(source.alpha[i]);
  const tao = fx.fromF64I64F64(source.tao[i]);
  return alpha + fx.mulI64F64(tao, taoWeight);
}

const fixedScratch = new Scratch((length) => new BigInt64Array(length), (v) => v.fill(0n));

export const fixedNumerics: Numerics<bigint> = {
  name: 'fixed',
  zero: 0n,
  one: fx.ONE,
  // I32F32 raw values always fit in i64 (every operation saturates), so a BigInt64Array holds them
  // unboxed: no pointers for the garbage collector to trace, and no holes.
  vec: (length) => (fixedScratch.active ? fixedScratch.take(length, true) : new BigInt64Array(length)),
  buffer: (capacity) => (fixedScratch.active ? fixedScratch.take(capacity, false) : new BigInt64Array(capacity)),
  slice: (v, from, to) => (v as BigInt64Array).slice(from, to),
  prefix: (v, length) => (v as BigInt64Array).subarray(0, length),
  fromInt: (x) => fx.fromInt(x),
  fromU16Proportion: (x) => fx.u16Proportion(x),
  fromNumber: (x, f32) => (f32 ? fx.fromF32(x) : fx.fromF64(x)),
  add: fx.add,
  addIf: (acc, x, take) => (take === 1 ? fx.add(acc, x) : acc),
  sub: fx.sub,
  mul: fx.mul,
  div: fx.safeDiv,
  expSafe: fx.expSafe,
  toNumber: fx.toNumber,
  toU16: fx.proportionToU16,
  timesRao: (x, rao) => Number(fx.timesRao(x, rao)),
  stakeWeights(source, threshold, exempt) {
    const n = source.kind === 'total' ? source.stake.length : source.alpha.length;
    const taoWeight = fixedTaoWeight(source);
    const filtered = new Array<bigint>(n);
    let sum = 0n;
    for (let i = 0; i < n; i++) {
      const s = fixedStakeI64F64(source, i, taoWeight);
      filtered[i] = fx.i64f64ToU64(s) < threshold && i !== exempt ? 0n : s;
      sum += filtered[i];
    }
    return filtered.map((s) => fx.i64f64ToFixed(sum === 0n ? s : fx.safeDivI64F64(s, sum)));
  },
  emaAlpha(bma) {
    const ratio = fx.safeDivI64F64(fx.fromIntI64F64(BigInt(bma)), fx.fromIntI64F64(1_000_000n));
    return fx.sub(fx.ONE, fx.i64f64ToFixed(ratio));
  },
};

/**
 * Runs `work` (one epoch) with `num`'s `vec` and `buffer` handing out reused arrays (see
 * {@link Scratch}); everything `work` returns must be copied out of them. `work` must be
 * synchronous: the arrays go to the next epoch as soon as it returns.
 *
 * @example
 * ```ts
 * const result = withScratch(floatNumerics, () => sparseEpoch(floatNumerics, state));
 * ```
 */
export function withScratch<T extends number | bigint, R>(num: Numerics<T>, work: () => R): R {
  return (num.name === 'fixed' ? fixedScratch : floatScratch).run(work);
}

export function numericsFor(name: NumericsName): Numerics<number> | Numerics<bigint> {
  return name === 'fixed' ? fixedNumerics : floatNumerics;
}
