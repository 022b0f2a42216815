/**
 * The end of a replay for a round on a real chain: the u16 weights and the consensus preview,
 * recomputed from the round's stored chain inputs (`chain_round_inputs`: the metagraph's hotkeys,
 * the weight limits and the Yuma input at the block) with the engine's own functions, and compared
 * with the submissions and the preview stored.
 */
import type { NumericsName } from '../consensus/numerics.js';
import { previewFromInput, type ChainRoundInputs } from '../engine/chain-inputs.js';
import { weightsFromAverages } from '../engine/weights.js';
import type { Comparer } from './compare.js';
import { storedPreview, storedSubmissions, type Db, type StoredRoundInfo } from './history.js';

/**
 * Recomputes a chain round's u16 weights from `values` (the recomputed weight inputs) and its
 * preview from those weights; every stored number they do not reproduce is a difference.
 *
 * @example
 * ```ts
 * replayChainWeights(cmp, db, info, storedChainRoundInputs(db, info.id)!, values, notes);
 * ```
 */
export function replayChainWeights(
  cmp: Comparer,
  db: Db,
  info: StoredRoundInfo,
  inputs: ChainRoundInputs,
  values: readonly { uid: number; hotkey: string; value: number; alpha: number }[],
  notes: string[],
): void {
  const n = info.number;
  const weights = weightsFromAverages(values, { n: inputs.hotkeys.length, minAllowedWeights: inputs.minAllowedWeights, maxWeightLimit: inputs.maxWeightsLimit });
  // Reveals carry an earlier round's commit; this round's own weights are in its set_weights or commit row (skipped ones too).
  const own = storedSubmissions(db, info.id).filter((s) => s.mode !== 'reveal');
  if (own.length === 0) notes.push('weights: the round stored no submission of its own weights');
  for (const s of own) {
    const row = `round ${n}, submission ${s.id} (${s.mode}, ${s.outcome})`;
    // Stored with the round before it was sent; the chain's answer never was (the validator stopped while sending).
    if (s.outcome === 'pending') notes.push(`weights: submission ${s.id} is pending: the round stored it, the chain's answer was never recorded`);
    cmp.cell('weight_submissions', row, 'uids', s.uids, weights.uids);
    cmp.cell('weight_submissions', row, 'weights', s.weights, weights.values);
  }

  const preview = storedPreview(db, info.id);
  if (preview === null) {
    notes.push('consensus preview: none stored for this round');
    return;
  }
  if (inputs.epochInput === null) {
    cmp.missing('consensus_previews', `round ${n}, preview ${preview.id}`, 'stored', { validatorTrust: preview.validatorTrust });
    return;
  }
  const out = previewFromInput(inputs.epochInput, { uid: preview.validatorUid, ...weights }, preview.numerics as NumericsName);
  const row = `round ${n}, preview ${preview.id}`;
  cmp.cell('consensus_previews', row, 'validator_uid', preview.validatorUid, inputs.validatorUid);
  cmp.cell('consensus_previews', row, 'validator_trust', preview.validatorTrust, out.validator_trust[preview.validatorUid]);
  cmp.cell('consensus_previews', row, 'dividends', preview.dividends, out.dividends[preview.validatorUid]);
  cmp.cell('consensus_previews', row, 'incentive', preview.incentive, out.incentive);
}
