/**
 * The consensus module's entry point: one validated request in, one JSON-able answer out.
 * Used by `validator consensus epoch`, by the local subnet, and by the consensus preview.
 *
 * @example
 * ```ts
 * const answer = computeConsensus(parseConsensusInput(JSON.parse(text), 'fixed'));
 * ```
 */
import type { Numerics } from './numerics.js';
import { numericsFor } from './numerics.js';
import type { ConsensusRequest } from './input.js';
import type { EpochOutput } from './state.js';
import { runEpoch } from './epoch.js';
import { epochOutput } from './emission.js';
import { runSequence } from './sequence.js';
import { consensusDense, weightedMedian } from './median.js';
import { sum } from './sparse.js';

export type ConsensusAnswer = EpochOutput | { epochs: EpochOutput[] } | { median: number } | { consensus: number[] };

function median<T extends number | bigint>(num: Numerics<T>, req: Extract<ConsensusRequest, { kind: 'weighted_median' }>) {
  const conv = (x: number) => num.fromNumber(x, req.f32);
  const stake = req.stake.map(conv);
  const value = weightedMedian(num, stake, req.score.map(conv), stake.length, conv(req.minority), num.zero, sum(num, stake));
  return { median: num.toNumber(value) };
}

function medianColumns<T extends number | bigint>(num: Numerics<T>, req: Extract<ConsensusRequest, { kind: 'weighted_median_col' }>) {
  const conv = (x: number) => num.fromNumber(x, req.f32);
  const values = consensusDense(num, req.stake.map(conv), req.weights.map((row) => row.map(conv)), conv(req.majority));
  return { consensus: Array.from({ length: values.length }, (_, c) => num.toNumber(values[c])) };
}

export function computeConsensus(request: ConsensusRequest): ConsensusAnswer {
  switch (request.kind) {
    case 'epoch':
      return epochOutput(runEpoch(request.state));
    case 'sequence':
      return runSequence(request.initial, request.steps);
    case 'weighted_median': {
      const num = numericsFor(request.numerics);
      return num.name === 'fixed' ? median(num as Numerics<bigint>, request) : median(num as Numerics<number>, request);
    }
    case 'weighted_median_col': {
      const num = numericsFor(request.numerics);
      return num.name === 'fixed'
        ? medianColumns(num as Numerics<bigint>, request)
        : medianColumns(num as Numerics<number>, request);
    }
  }
}
