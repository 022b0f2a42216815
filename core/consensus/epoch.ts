/**
 * One epoch of Yuma Consensus as subtensor's production (sparse) path computes it, spec §3.
 * A pure function of the state; the same code runs in float64 or in the chain's fixed point.
 *
 * @example
 * ```ts
 * const { vectors, carry } = runEpoch(buildState(json, '$'));
 * vectors.incentive; // per uid, sums to 1 (or all 0); carry.bonds are the stored u16 rows
 * ```
 */
import type { Numerics } from './numerics.js';
import { fixedNumerics, floatNumerics, withScratch } from './numerics.js';
import { colClip, interpolate, matmul, normalize, rowNormalize, rowSums } from './sparse.js';
import { loadRows } from './load.js';
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
  // The epoch's intermediate arrays are reused from the last epoch; its results are copied out of them.
  if (state.numerics === 'fixed') return withScratch(fixedNumerics, () => sparseEpoch(fixedNumerics, state));
  return withScratch(floatNumerics, () => sparseEpoch(floatNumerics, state));
}

export function sparseEpoch<T extends number | bigint>(num: Numerics<T>, state: EpochState): EpochResult {
  const { n, lastUpdate, blockAtRegistration: registered, commitBlocks } = state;
  const owner = state.ownerUid;
  const cutoff = activityCutoff(state);
  const active = lastUpdate.map((u) => !(u + cutoff < state.currentBlock));

  // §3.2 stake, §3.3 permits: the owner is exempt from the threshold and always permitted.
  const stake = num.stakeWeights(state.stake, state.stakeThreshold, owner);
  const permitOld = state.validatorPermits.slice();
  const permitNew = isTopKNonzero(num, stake, state.maxAllowedValidators);
  if (owner !== null) {
    permitOld[owner] = true;
    permitNew[owner] = true;
  }

  // §3.4 active stake.
  const activeStake = num.vec(n);
  for (let i = 0; i < n; i++) if (active[i] && permitOld[i]) activeStake[i] = stake[i];
  normalize(num, activeStake);

  // §3.5 weights: permit rows, self-weight (the owner keeps its own), outdated, commit-reveal, normalise.
  // Kept: (i, j) with j registered before i last set weights, and before i's commit when
  // commit-reveal is on (a commit at block b covers uids registered at b or earlier).
  const cr = state.commitRevealEnabled;
  const weightsBefore = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const cb = commitBlocks[i];
    weightsBefore[i] = !permitOld[i] ? -Infinity : cr && cb !== null ? Math.min(lastUpdate[i], cb + 1) : lastUpdate[i];
  }
  const dropSelf = { except: owner };
  const weights = loadRows(num, state.weights, 'count', { before: weightsBefore, registered, dropSelf });
  rowNormalize(num, weights);

  // §3.6–3.8 consensus, clipping, validator trust, ranks, incentive.
  const preranks = matmul(num, weights, activeStake);
  const consensus = consensusSparse(num, activeStake, weights, num.fromU16Proportion(state.kappa));
  const clipped = colClip(num, weights, consensus);
  const validatorTrust = rowSums(num, clipped);
  const ranks = matmul(num, clipped, activeStake);
  const trust = num.vec(n);
  for (let j = 0; j < n; j++) trust[j] = num.div(ranks[j], preranks[j]);
  const incentive = normalize(num, ranks);

  // §3.9–3.11 bonds and dividends; bonds on recently registered uids are dropped first.
  const weightsForBonds = interpolate(num, weights, clipped, num.fromU16Proportion(state.bondsPenalty));
  const recent = lastTempoBlock(state);
  const bondsBefore = new Float64Array(n).fill(recent);
  const bonds = loadRows(num, state.bonds, state.yuma3 ? 'proportion' : 'count', { before: bondsBefore, registered, dropSelf: null });
  const bondsInput = { weightsForBonds, bonds, activeStake, incentive, consensus };
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
