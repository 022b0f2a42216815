/**
 * The consensus preview on a real subnet: the chain's epoch (Proctor's port of Yuma) run on the
 * snapshot's metagraph, weights, bonds and hyperparameters with this validator's row replaced by
 * the weights it is about to submit. It answers "what validator trust and dividends would I get,
 * and what incentive would I cause, if the epoch ran now".
 *
 * Simplifications, stated: other validators' unrevealed commits are not known, so the
 * commit-reveal mask is off; the emission amount is nominal (1 TAO in rao), so shares are exact
 * and absolute emissions are not.
 */
import { buildState } from '../consensus/input.js';
import { runEpoch } from '../consensus/epoch.js';
import { epochOutput } from '../consensus/emission.js';
import type { EpochJson } from '../consensus/input-schema.js';
import type { EpochOutput, U16Row } from '../consensus/state.js';
import type { NumericsName } from '../consensus/numerics.js';
import { chainMaxUpscale } from '../consensus/weights.js';
import type { SubnetSnapshot } from './subtensor.js';

const sparse = (row: U16Row, n: number) => row.uids.map((u, k) => [u, row.values[k]]).filter(([u]) => u < n);

/** The epoch input for `snapshot`, with `override` as one validator's weights (u16, as submitted). */
export function snapshotEpochJson(snapshot: SubnetSnapshot, override: { uid: number; uids: readonly number[]; values: readonly number[] } | null): EpochJson {
  const h = snapshot.hyperparameters;
  const neurons = snapshot.metagraph.neurons;
  const n = neurons.length;
  const weights = snapshot.weights.map((row) => sparse(row, n));
  const lastUpdate = neurons.map((x) => x.lastUpdate);
  if (override) {
    const upscaled = chainMaxUpscale(override.values);
    weights[override.uid] = override.uids.map((u, k) => [u, upscaled[k]]);
    lastUpdate[override.uid] = snapshot.block;
  }
  const ownerUid = neurons.findIndex((x) => x.hotkey === (h.ownerHotkey ?? snapshot.metagraph.ownerHotkey));
  const safe = (x: bigint) => Number(x > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : x);
  return {
    n,
    alpha_stake: neurons.map((x) => Number(x.alphaStake)),
    tao_stake: neurons.map((x) => Number(x.taoStake)),
    tao_weight_u64: h.taoWeight.toString(),
    stake_threshold: safe(h.stakeThreshold),
    owner_uid: ownerUid < 0 ? null : ownerUid,
    validator_permits: neurons.map((x) => x.validatorPermit),
    max_allowed_validators: h.maxAllowedValidators,
    current_block: snapshot.block,
    tempo: h.tempo,
    last_update: lastUpdate,
    block_at_registration: neurons.map((x) => x.blockAtRegistration),
    ...(h.activityCutoffFactorMilli === null ? { activity_cutoff: h.activityCutoff } : { activity_cutoff_factor_milli: h.activityCutoffFactorMilli }),
    last_mechanism_step_block: h.lastStepBlock,
    weights,
    bonds: snapshot.bonds.map((row) => sparse(row, n)),
    kappa: h.kappa,
    bonds_penalty: h.bondsPenalty,
    bonds_moving_average: Math.min(h.bondsMovingAverage, 1_000_000),
    yuma3: h.yuma3,
    liquid_alpha: h.liquidAlpha,
    alpha_low: h.alphaLow,
    alpha_high: h.alphaHigh,
    alpha_sigmoid_steepness: h.alphaSigmoidSteepness,
    commit_reveal_enabled: false,
  };
}

/**
 * What the epoch would give if it ran now with `weights` as this validator's row.
 *
 * @example
 * ```ts
 * const out = previewOnChain(snapshot, { uid: snapshot.uid!, ...weights });
 * log(`validator trust ${out.validator_trust[snapshot.uid!].toFixed(4)}`);
 * ```
 */
export function previewOnChain(snapshot: SubnetSnapshot, override: { uid: number; uids: readonly number[]; values: readonly number[] }, numerics: NumericsName = 'float'): EpochOutput {
  return epochOutput(runEpoch(buildState(snapshotEpochJson(snapshot, override), '$', numerics)));
}
