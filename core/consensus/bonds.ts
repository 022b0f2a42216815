/**
 * Bonds and dividends (spec §3.10 original Yuma, §3.11 Yuma3 with liquid alpha), sparse path.
 */
import type { Numerics } from './numerics.js';
import type { EpochState } from './state.js';
import type { Matrix, Row } from './sparse.js';
import {
  cloneMatrix,
  colMaxUpscale,
  colNormalize,
  ema,
  emptyRow,
  matmulTranspose,
  normalize,
  rowHadamard,
  sum,
} from './sparse.js';

export interface BondsInput<T> {
  /** Weights for bonds (Wb, §3.9), row-normalised. */
  weightsForBonds: Matrix<T>;
  /** Stored bonds with recently registered columns removed: u16 counts (original) or proportions (Yuma3). */
  bonds: Matrix<T>;
  activeStake: readonly T[];
  incentive: readonly T[];
  consensus: readonly T[];
  n: number;
}

export interface BondsOutput<T> {
  dividends: T[];
  /** The rows as they go to storage, before the u16 conversion. */
  stored: Matrix<T>;
}

export interface LiquidAlpha<T> {
  low: T;
  high: T;
  steepness: T;
}

/** Original Yuma (§3.10): ΔB = Wb ⊙ A, EMA with one α, dividends D = EMA · I; stored column-max-upscaled. */
export function originalBonds<T extends number | bigint>(
  num: Numerics<T>,
  input: BondsInput<T>,
  alpha: T,
): BondsOutput<T> {
  const { n } = input;
  const bonds = cloneMatrix(input.bonds);
  colNormalize(num, bonds, n);
  const delta = rowHadamard(num, input.weightsForBonds, input.activeStake);
  colNormalize(num, delta, n);
  const emaBonds = ema(num, delta, bonds, alpha, n);
  colNormalize(num, emaBonds, n);
  const dividends = normalize(num, matmulTranspose(num, emaBonds, input.incentive));
  colMaxUpscale(num, emaBonds, n);
  return { dividends, stored: emaBonds };
}

/**
 * The value the chain's liquid-alpha scan sees at each column of a row: it walks the row once with
 * a pointer while j rises, so an entry whose column is below one already passed is never seen
 * (this only matters for rows stored out of column order, which the chain accepts).
 */
function scanRow<T>(row: Row<T>): Map<number, T> {
  const seen = new Map<number, T>();
  let next = 0;
  for (let k = 0; k < row.idx.length; k++) {
    const j = row.idx[k];
    if (j < next) continue;
    seen.set(j, row.val[k]);
    next = j + 1;
  }
  return seen;
}

/** `alpha_sigmoid` (§3.11.2): a per-entry α that is high for buying ahead of consensus. */
function sigmoidAlpha<T extends number | bigint>(
  num: Numerics<T>,
  consensus: T,
  weight: T,
  bond: T,
  liquid: LiquidAlpha<T>,
  half: T,
  minusHundred: T,
): T {
  const clamp01 = (x: T): T => (x > num.one ? num.one : x < num.zero ? num.zero : x);
  const buy = clamp01(num.sub(weight, consensus));
  const sell = clamp01(num.sub(bond, weight));
  const diff = weight >= bond ? buy : sell;
  const exponent = num.mul(num.div(liquid.steepness, minusHundred), num.sub(diff, half));
  const sigmoid = num.div(num.one, num.add(num.one, num.expSafe(exponent)));
  const a = num.add(liquid.low, num.mul(sigmoid, num.sub(liquid.high, liquid.low)));
  return a > liquid.high ? liquid.high : a < liquid.low ? liquid.low : a;
}

/**
 * `mat_ema_alpha_sparse` with the α of each entry: only entries present in Wb survive
 * (a validator that leaves a miner out of its row loses its bond to it at once).
 */
function liquidEma<T extends number | bigint>(num: Numerics<T>, input: BondsInput<T>, liquid: LiquidAlpha<T>): Matrix<T> {
  const half = num.div(num.one, num.fromInt(2));
  const minusHundred = num.fromInt(-100);
  return input.weightsForBonds.map((rowNew, i) => {
    if (rowNew.idx.length === 0) return emptyRow<T>();
    const rowOld = input.bonds[i];
    const weightSeen = scanRow(rowNew);
    const bondSeen = scanRow(rowOld);
    const alphaAt = (j: number): T =>
      sigmoidAlpha(num, input.consensus[j], weightSeen.get(j) ?? num.zero, bondSeen.get(j) ?? num.zero, liquid, half, minusHundred);
    const decayed = new Map<number, T>();
    for (let k = 0; k < rowOld.idx.length; k++) {
      const j = rowOld.idx[k];
      decayed.set(j, num.mul(num.sub(num.one, alphaAt(j)), rowOld.val[k]));
    }
    const out = emptyRow<T>();
    for (let k = 0; k < rowNew.idx.length; k++) {
      const j = rowNew.idx[k];
      const inc = num.mul(alphaAt(j), rowNew.val[k]);
      const v = num.add(decayed.get(j) ?? num.zero, inc > num.zero ? inc : num.zero);
      const clipped = v > num.one ? num.one : v;
      if (clipped > num.zero) {
        out.idx.push(j);
        out.val.push(clipped);
      }
    }
    return out;
  });
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
  const useLiquid = liquid !== null && input.consensus.some((c) => c !== num.zero);
  const emaBonds = useLiquid
    ? liquidEma(num, input, liquid)
    : ema(num, input.weightsForBonds, input.bonds, alpha, input.n);
  const normalized = cloneMatrix(emaBonds);
  colNormalize(num, normalized, input.n);
  const perValidator = normalized.map((row) => {
    const products: T[] = [];
    for (let k = 0; k < row.idx.length; k++) products.push(num.mul(row.val[k], input.incentive[row.idx[k]]));
    return sum(num, products);
  });
  const dividends = normalize(
    num,
    perValidator.map((b, i) => num.mul(b, input.activeStake[i])),
  );
  return { dividends, stored: emaBonds };
}

/** Liquid-alpha parameters as the chain reads them: (low, high) as u16 proportions, steepness as an integer. */
export function liquidParams<T extends number | bigint>(num: Numerics<T>, state: EpochState): LiquidAlpha<T> {
  return {
    low: num.fromU16Proportion(state.alphaLow),
    high: num.fromU16Proportion(state.alphaHigh),
    steepness: num.fromInt(state.alphaSigmoidSteepness),
  };
}
