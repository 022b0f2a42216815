/**
 * From round scores to the u16 weights a validator submits: a moving average per hotkey (a new
 * hotkey on a uid starts from zero, so a re-registered uid inherits nothing), then the SDK's
 * processing and u16 conversion, so the row is what the chain would store.
 */
import { convertWeightsAndUidsForEmit, processWeights } from '../consensus/weights.js';

export interface MinerScore {
  uid: number;
  hotkey: string;
  score: number;
}

export interface MovingAverage {
  uid: number;
  hotkey: string;
  value: number;
  alpha: number;
}

/** value = α · score + (1 − α) · previous, with previous = 0 for a hotkey never seen. */
export function updateMovingAverages(previous: ReadonlyMap<string, number>, scores: readonly MinerScore[], alpha: number): MovingAverage[] {
  return scores.map(({ uid, hotkey, score }) => ({ uid, hotkey, alpha, value: alpha * score + (1 - alpha) * (previous.get(hotkey) ?? 0) }));
}

export interface WeightParams {
  n: number;
  minAllowedWeights: number;
  /** The chain's u16 limit; 65535 = none. */
  maxWeightLimit: number;
}

/** The weights a validator sets from its moving averages: SDK `process_weights`, then u16 as the SDK emits them. */
export function weightsFromAverages(averages: readonly MovingAverage[], params: WeightParams): { uids: number[]; values: number[] } {
  const processed = processWeights({
    uids: averages.map((a) => a.uid),
    weights: averages.map((a) => Math.max(0, a.value)),
    n: params.n,
    minAllowedWeights: params.minAllowedWeights,
    maxWeightLimit: params.maxWeightLimit / 65535,
  });
  return convertWeightsAndUidsForEmit(processed.uids, processed.weights);
}
