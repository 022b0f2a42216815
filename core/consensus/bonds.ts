/**
 * Bonds and dividends (spec §3.10 original Yuma, §3.11 Yuma3 with liquid alpha), sparse path.
 */
import type { Numerics, Vec } from './numerics.js';
import type { EpochState } from './state.js';
import type { Matrix } from './sparse.js';
import { cloneMatrix, colMaxUpscale, colNormalize, ema, matmulTranspose, normalize, rowHadamard } from './sparse.js';

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

/** The α of column j in the current row (`stamp`), computed once per row and column. */
function alphaAt<T extends number | bigint>(num: Numerics<T>, sigmoid: SigmoidParams<T>, consensus: Vec<T>, s: RowScratch<T>, j: number, stamp: number): T {
  if (s.alphaStamp[j] === stamp) return s.alphaAt[j];
  const w = s.weightStamp[j] === stamp ? s.weightAt[j] : num.zero;
  const b = s.bondStamp[j] === stamp ? s.bondAt[j] : num.zero;
  const raw = w >= b ? num.sub(w, consensus[j]) : num.sub(b, w);
  // A weight at or below consensus (the commonest case once weights are clipped) clamps to 0.
  const a = raw <= num.zero ? sigmoid.atZero : raw >= num.one ? sigmoid.atOne : sigmoidAlpha(num, sigmoid, raw);
  s.alphaAt[j] = a;
  s.alphaStamp[j] = stamp;
  return a;
}

/**
 * `mat_ema_alpha_sparse` with the α of each entry: only entries present in Wb survive
 * (a validator that leaves a miner out of its row loses its bond to it at once).
 */
function liquidEma<T extends number | bigint>(num: Numerics<T>, input: BondsInput<T>, liquid: LiquidAlpha<T>): Matrix<T> {
  const { weightsForBonds: wb, bonds, consensus } = input;
  const { n } = wb;
  const sigmoid = sigmoidParams(num, liquid);
  // Per-column scratch, valid where its stamp equals the row's, so each row costs its own entries.
  const s: RowScratch<T> = {
    weightAt: num.vec(n),
    bondAt: num.vec(n),
    alphaAt: num.vec(n),
    decayedAt: num.vec(n),
    weightStamp: new Int32Array(n),
    bondStamp: new Int32Array(n),
    alphaStamp: new Int32Array(n),
    decayedStamp: new Int32Array(n),
  };
  const start = new Int32Array(n + 1);
  const col = new Int32Array(wb.col.length);
  const val = num.buffer(wb.col.length);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const stamp = i + 1;
    if (wb.start[i] !== wb.start[i + 1]) {
      scanRow(wb, i, s.weightStamp, s.weightAt, stamp);
      scanRow(bonds, i, s.bondStamp, s.bondAt, stamp);
      for (let e = bonds.start[i]; e < bonds.start[i + 1]; e++) {
        const j = bonds.col[e];
        s.decayedAt[j] = num.mul(num.sub(num.one, alphaAt(num, sigmoid, consensus, s, j, stamp)), bonds.val[e]);
        s.decayedStamp[j] = stamp;
      }
      for (let e = wb.start[i]; e < wb.start[i + 1]; e++) {
        const j = wb.col[e];
        const inc = num.mul(alphaAt(num, sigmoid, consensus, s, j, stamp), wb.val[e]);
        const decayed = s.decayedStamp[j] === stamp ? s.decayedAt[j] : num.zero;
        const v = num.add(decayed, inc > num.zero ? inc : num.zero);
        const clipped = v > num.one ? num.one : v;
        if (clipped > num.zero) {
          col[size] = j;
          val[size++] = clipped;
        }
      }
    }
    start[i + 1] = size;
  }
  return { n, start, col: col.subarray(0, size), val: num.prefix(val, size) };
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
  const normalized = cloneMatrix(num, emaBonds);
  colNormalize(num, normalized);
  // `mat_vec_mul_sparse` then `row_sum_sparse` (products of 0 are dropped, which leaves the sums alone).
  const perValidator = matmulTranspose(num, normalized, input.incentive);
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
