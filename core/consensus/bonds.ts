/**
 * Bonds and dividends (spec §3.10 original Yuma, §3.11 Yuma3 with liquid alpha), sparse path.
 */
import type { Numerics, Vec } from './numerics.js';
import type { EpochState } from './state.js';
import type { Matrix } from './sparse.js';
import { cloneMatrix, colMaxUpscale, colNormalize, ema, matmulTranspose, matmulTransposeColNormalized, normalize, rowHadamard } from './sparse.js';

export interface BondsInput<T> {
  /** Weights for bonds (Wb, §3.9), row-normalised. */
  weightsForBonds: Matrix<T>;
  /** Stored bonds with recently registered columns removed: u16 counts (original) or proportions (Yuma3). */
  bonds: Matrix<T>;
  activeStake: Vec<T>;
  incentive: Vec<T>;
  consensus: Vec<T>;
}

export interface BondsOutput<T> {
  dividends: Vec<T>;
  /** The rows as they go to storage, before the u16 conversion. */
  stored: Matrix<T>;
}

export interface LiquidAlpha<T> {
  low: T;
  high: T;
  steepness: T;
}

/** Original Yuma (§3.10): ΔB = Wb ⊙ A, EMA with one α, dividends D = EMA · I; stored column-max-upscaled. */
export function originalBonds<T extends number | bigint>(num: Numerics<T>, input: BondsInput<T>, alpha: T): BondsOutput<T> {
  const bonds = cloneMatrix(num, input.bonds);
  colNormalize(num, bonds);
  const delta = rowHadamard(num, input.weightsForBonds, input.activeStake);
  colNormalize(num, delta);
  const emaBonds = ema(num, delta, bonds, alpha);
  colNormalize(num, emaBonds);
  const dividends = normalize(num, matmulTranspose(num, emaBonds, input.incentive));
  colMaxUpscale(num, emaBonds);
  return { dividends, stored: emaBonds };
}

interface SigmoidParams<T> {
  low: T;
  high: T;
  range: T;
  half: T;
  slope: T;
  atZero: T;
  atOne: T;
}

/** `alpha_sigmoid` (§3.11.2): a per-entry α, high for buying ahead of consensus, from the clamped difference. */
function sigmoidAlpha<T extends number | bigint>(num: Numerics<T>, p: SigmoidParams<T>, diff: T): T {
  const sigmoid = num.div(num.one, num.add(num.one, num.expSafe(num.mul(p.slope, num.sub(diff, p.half)))));
  const a = num.add(p.low, num.mul(sigmoid, p.range));
  return a > p.high ? p.high : a < p.low ? p.low : a;
}

/** The constants of `alpha_sigmoid`, with its value at the two clamped ends computed once per epoch. */
function sigmoidParams<T extends number | bigint>(num: Numerics<T>, liquid: LiquidAlpha<T>): SigmoidParams<T> {
  const p: SigmoidParams<T> = {
    low: liquid.low,
    high: liquid.high,
    range: num.sub(liquid.high, liquid.low),
    half: num.div(num.one, num.fromInt(2)),
    slope: num.div(liquid.steepness, num.fromInt(-100)),
    atZero: num.zero,
    atOne: num.zero,
  };
  p.atZero = sigmoidAlpha(num, p, num.zero);
  p.atOne = sigmoidAlpha(num, p, num.one);
  return p;
}

/**
 * Marks what the chain's liquid-alpha scan sees at each column of row i: it walks the row once
 * with a pointer while j rises, so an entry whose column is below one already passed is never
 * seen (this only matters for rows stored out of column order, which the chain accepts).
 */
function scanRow<T>(m: Matrix<T>, i: number, seenAt: Int32Array, seen: Vec<T>, stamp: number): void {
  let next = 0;
  for (let e = m.start[i]; e < m.start[i + 1]; e++) {
    const j = m.col[e];
    if (j < next) continue;
    seen[j] = m.val[e];
    seenAt[j] = stamp;
    next = j + 1;
  }
}

/** Per-column scratch of one row: a value is valid where its stamp equals the row's. */
interface RowScratch<T> {
  weightAt: Vec<T>;
  bondAt: Vec<T>;
  alphaAt: Vec<T>;
  decayedAt: Vec<T>;
  weightStamp: Int32Array;
  bondStamp: Int32Array;
  alphaStamp: Int32Array;
  decayedStamp: Int32Array;
}

/** The output rows of {@link liquidEma}, appended entry by entry. */
interface RowsOut<T> {
  start: Int32Array;
  col: Int32Array;
  val: Vec<T>;
  size: number;
}

/** `(1 − α) · b + max(α · w, 0)`, capped at 1: one entry of the liquid-alpha EMA. */
function emaEntry<T extends number | bigint>(num: Numerics<T>, alpha: T, w: T, decayed: T): T {
  const inc = num.mul(alpha, w);
  const v = num.add(decayed, inc > num.zero ? inc : num.zero);
  return v > num.one ? num.one : v;
}

/** α for weight `w` and bond `b` against consensus `c` (the chain's clamped difference, then the sigmoid). */
function entryAlpha<T extends number | bigint>(num: Numerics<T>, sigmoid: SigmoidParams<T>, w: T, b: T, c: T): T {
  const raw = w >= b ? num.sub(w, c) : num.sub(b, w);
  // A weight at or below consensus (the commonest case once weights are clipped) clamps to 0.
  return raw <= num.zero ? sigmoid.atZero : raw >= num.one ? sigmoid.atOne : sigmoidAlpha(num, sigmoid, raw);
}

/**
 * Row i when both rows are strictly increasing in column (every row the chain stores through
 * `set_weights` is): a merge of the two rows, each entry of Wb paired with its bond. Bond entries
 * outside Wb are not computed at all, as they do not survive. Returns false, with nothing
 * written, when a row is out of order, for {@link scannedRow} to take it.
 */
function mergedRow<T extends number | bigint>(num: Numerics<T>, sigmoid: SigmoidParams<T>, input: BondsInput<T>, i: number, out: RowsOut<T>): boolean {
  const { weightsForBonds: wb, bonds, consensus } = input;
  if (!increasing(wb, i) || !increasing(bonds, i)) return false;
  const { col, val } = out;
  let size = out.size;
  let b = bonds.start[i];
  const bEnd = bonds.start[i + 1];
  for (let e = wb.start[i]; e < wb.start[i + 1]; e++) {
    const j = wb.col[e];
    while (b < bEnd && bonds.col[b] < j) b++;
    const bonded = b < bEnd && bonds.col[b] === j;
    const bond = bonded ? bonds.val[b] : num.zero;
    const alpha = entryAlpha(num, sigmoid, wb.val[e], bond, consensus[j]);
    const decayed = bonded ? num.mul(num.sub(num.one, alpha), bond) : num.zero;
    const v = emaEntry(num, alpha, wb.val[e], decayed);
    if (v > num.zero) {
      col[size] = j;
      val[size++] = v;
    }
  }
  out.size = size;
  return true;
}

function increasing<T>(m: Matrix<T>, i: number): boolean {
  for (let e = m.start[i] + 1; e < m.start[i + 1]; e++) if (m.col[e] <= m.col[e - 1]) return false;
  return true;
}

/**
 * Row i as the chain's scan sees it, for rows out of column order: per-column scratch valid where
 * its stamp equals the row's, each α computed once per row and column.
 */
function scannedRow<T extends number | bigint>(num: Numerics<T>, sigmoid: SigmoidParams<T>, input: BondsInput<T>, i: number, s: RowScratch<T>, out: RowsOut<T>): void {
  const { weightsForBonds: wb, bonds, consensus } = input;
  const stamp = i + 1;
  scanRow(wb, i, s.weightStamp, s.weightAt, stamp);
  scanRow(bonds, i, s.bondStamp, s.bondAt, stamp);
  const alphaOf = (j: number): T => {
    if (s.alphaStamp[j] !== stamp) {
      const w = s.weightStamp[j] === stamp ? s.weightAt[j] : num.zero;
      const b = s.bondStamp[j] === stamp ? s.bondAt[j] : num.zero;
      s.alphaAt[j] = entryAlpha(num, sigmoid, w, b, consensus[j]);
      s.alphaStamp[j] = stamp;
    }
    return s.alphaAt[j];
  };
  for (let e = bonds.start[i]; e < bonds.start[i + 1]; e++) {
    const j = bonds.col[e];
    s.decayedAt[j] = num.mul(num.sub(num.one, alphaOf(j)), bonds.val[e]);
    s.decayedStamp[j] = stamp;
  }
  for (let e = wb.start[i]; e < wb.start[i + 1]; e++) {
    const j = wb.col[e];
    const v = emaEntry(num, alphaOf(j), wb.val[e], s.decayedStamp[j] === stamp ? s.decayedAt[j] : num.zero);
    if (v > num.zero) {
      out.col[out.size] = j;
      out.val[out.size++] = v;
    }
  }
}

/**
 * `mat_ema_alpha_sparse` with the α of each entry: only entries present in Wb survive
 * (a validator that leaves a miner out of its row loses its bond to it at once). `merge: false`
 * sends every row through the scan, for tests that check the two agree.
 */
export function liquidEma<T extends number | bigint>(num: Numerics<T>, input: BondsInput<T>, liquid: LiquidAlpha<T>, merge = true): Matrix<T> {
  const { weightsForBonds: wb } = input;
  const { n } = wb;
  const sigmoid = sigmoidParams(num, liquid);
  let scratch: RowScratch<T> | null = null;
  const out: RowsOut<T> = { start: new Int32Array(n + 1), col: new Int32Array(wb.col.length), val: num.buffer(wb.col.length), size: 0 };
  for (let i = 0; i < n; i++) {
    if (wb.start[i] !== wb.start[i + 1] && !(merge && mergedRow(num, sigmoid, input, i, out))) {
      scratch ??= rowScratch(num, n);
      scannedRow(num, sigmoid, input, i, scratch, out);
    }
    out.start[i + 1] = out.size;
  }
  return { n, start: out.start, col: out.col.subarray(0, out.size), val: num.prefix(out.val, out.size) };
}

function rowScratch<T extends number | bigint>(num: Numerics<T>, n: number): RowScratch<T> {
  return {
    weightAt: num.vec(n),
    bondAt: num.vec(n),
    alphaAt: num.vec(n),
    decayedAt: num.vec(n),
    weightStamp: new Int32Array(n),
    bondStamp: new Int32Array(n),
    alphaStamp: new Int32Array(n),
    decayedStamp: new Int32Array(n),
  };
}

/**
 * Yuma3 (§3.11): bonds are an EMA of the validator's own weights, in [0, 1]; stake enters only at
 * the dividend, D = normalize((EMA_colnorm · I) ⊙ A). Stored un-normalised.
 */
export function yuma3Bonds<T extends number | bigint>(
  num: Numerics<T>,
  input: BondsInput<T>,
  alpha: T,
  liquid: LiquidAlpha<T> | null,
): BondsOutput<T> {
  let anyConsensus = false;
  for (let j = 0; j < input.consensus.length; j++) if (input.consensus[j] !== num.zero) anyConsensus = true;
  const emaBonds = liquid !== null && anyConsensus ? liquidEma(num, input, liquid) : ema(num, input.weightsForBonds, input.bonds, alpha);
  // Column-normalised, then `mat_vec_mul_sparse` and `row_sum_sparse` (products of 0 are dropped,
  // which leaves the sums alone).
  const perValidator = matmulTransposeColNormalized(num, emaBonds, input.incentive);
  const dividends = num.vec(perValidator.length);
  for (let i = 0; i < dividends.length; i++) dividends[i] = num.mul(perValidator[i], input.activeStake[i]);
  return { dividends: normalize(num, dividends), stored: emaBonds };
}

/** Liquid-alpha parameters as the chain reads them: (low, high) as u16 proportions, steepness as an integer. */
export function liquidParams<T extends number | bigint>(num: Numerics<T>, state: EpochState): LiquidAlpha<T> {
  return {
    low: num.fromU16Proportion(state.alphaLow),
    high: num.fromU16Proportion(state.alphaHigh),
    steepness: num.fromInt(state.alphaSigmoidSteepness),
  };
}
