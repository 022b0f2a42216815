/**
 * One epoch of Yuma Consensus as subtensor's production (sparse) path computes it, spec §3.
 * A pure function of the state; the same code runs in float64 or in the chain's fixed point.
 *
 * @example
 * ```ts
 * const { output, carry } = runEpoch(parseEpochInput(json));
 * output.incentive; // per uid, sums to 1 (or all 0)
 * ```
 */
import type { Numerics } from './numerics.js';
import { fixedNumerics, floatNumerics } from './numerics.js';
import type { Matrix } from './sparse.js';
import {
  colClip,
  emptyRow,
  filterEntries,
  interpolate,
  matmul,
  normalize,
  rowNormalize,
  rowSums,
} from './sparse.js';
import { consensusSparse } from './median.js';
import { liquidParams, originalBonds, yuma3Bonds } from './bonds.js';
import type { EpochResult, EpochState } from './state.js';
import { activityCutoff, lastTempoBlock } from './state.js';
import { finishEpoch, isTopKNonzero } from './emission.js';
import { runDenseEpoch } from './epoch-dense.js';

/** Runs one epoch in the state's numerics and variant. */
export function runEpoch(state: EpochState): EpochResult {
  if (state.variant === 'dense') {
    return state.numerics === 'fixed' ? runDenseEpoch(fixedNumerics, state) : runDenseEpoch(floatNumerics, state);
  }
  return state.numerics === 'fixed' ? sparseEpoch(fixedNumerics, state) : sparseEpoch(floatNumerics, state);
}

function loadU16<T extends number | bigint>(num: Numerics<T>, state: EpochState, which: 'weights' | 'bonds'): Matrix<T> {
  return state[which].map((row) => ({ idx: row.uids.slice(), val: row.values.map((v) => num.fromInt(v)) }));
}

export function sparseEpoch<T extends number | bigint>(num: Numerics<T>, state: EpochState): EpochResult {
  const { n } = state;
  const owner = state.ownerUid;
  const cutoff = activityCutoff(state);
  const active = state.lastUpdate.map((u) => !(u + cutoff < state.currentBlock));

  // §3.2 stake, §3.3 permits: the owner is exempt from the threshold and always permitted.
  const stake = num.stakeWeights(state.stake, state.stakeThreshold, owner);
  const permitOld = state.validatorPermits.slice();
  const permitNew = isTopKNonzero(num, stake, state.maxAllowedValidators);
  if (owner !== null) {
    permitOld[owner] = true;
    permitNew[owner] = true;
  }

  // §3.4 active stake.
  const activeStake = normalize(
    num,
    stake.map((s, i) => (active[i] && permitOld[i] ? s : num.zero)),
  );

  // §3.5 weights: permit rows, self-weight (the owner keeps its own), outdated, commit-reveal, normalise.
  let weights = loadU16(num, state, 'weights').map((row, i) => (permitOld[i] ? row : emptyRow<T>()));
  weights = filterEntries(weights, (i, j) => i !== j || (owner !== null && i === owner && j === owner));
  weights = filterEntries(weights, (i, j) => !(state.lastUpdate[i] <= state.blockAtRegistration[j]));
  if (state.commitRevealEnabled) {
    weights = filterEntries(weights, (i, j) => {
      const cb = state.commitBlocks[i];
      return cb === null || !(cb < state.blockAtRegistration[j]);
    });
  }
  rowNormalize(num, weights);

  // §3.6–3.8 consensus, clipping, validator trust, ranks, incentive.
  const preranks = matmul(num, weights, activeStake, n);
  const kappa = num.fromU16Proportion(state.kappa);
  const consensus = consensusSparse(num, activeStake, weights, n, kappa);
  const clipped = colClip(num, weights, consensus);
  const validatorTrust = rowSums(num, clipped);
  const ranks = matmul(num, clipped, activeStake, n);
  const trust = ranks.map((r, j) => num.div(r, preranks[j]));
  const incentive = normalize(num, ranks);

  // §3.9–3.11 bonds and dividends.
  const beta = num.fromU16Proportion(state.bondsPenalty);
  const weightsForBonds = interpolate(num, weights, clipped, n, beta);
  const recent = lastTempoBlock(state);
  const bondsInput = {
    weightsForBonds,
    activeStake,
    incentive,
    consensus,
    n,
    bonds: filterEntries(
      state.yuma3
        ? state.bonds.map((row) => ({ idx: row.uids.slice(), val: row.values.map((v) => num.fromU16Proportion(v)) }))
        : loadU16(num, state, 'bonds'),
      (_i, j) => !(recent <= state.blockAtRegistration[j]),
    ),
  };
  const alpha = num.emaAlpha(state.bondsMovingAverage);
  const { dividends, stored } = state.yuma3
    ? yuma3Bonds(num, bondsInput, alpha, state.liquidAlpha ? liquidParams(num, state) : null)
    : originalBonds(num, bondsInput, alpha);

  return finishEpoch(num, state, {
    active,
    stake,
    activeStake,
    permitOld,
    permitNew,
    consensus,
    validatorTrust,
    trust,
    incentive,
    dividends,
    storedBonds: stored,
  });
}
