/**
 * What a round on a real chain computes its u16 weights and its consensus preview from: the
 * metagraph's hotkeys and weight limits at the snapshot's block, and the Yuma input at that block
 * with this validator's row as it was. The chain round loop stores them (`chain_round_inputs`,
 * schema v6) and computes from the stored form, and `validator audit replay` computes from the
 * same form again, so the two cannot disagree on anything but the numbers under audit.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { buildState, check, fail } from '../consensus/input.js';
import { runEpoch } from '../consensus/epoch.js';
import { epochOutput } from '../consensus/emission.js';
import { epochSchema, type EpochJson } from '../consensus/input-schema.js';
import type { EpochOutput } from '../consensus/state.js';
import type { NumericsName } from '../consensus/numerics.js';
import { chainMaxUpscale } from '../consensus/weights.js';
import { snapshotEpochJson } from '../chain/preview.js';
import type { SubnetSnapshot } from '../chain/subtensor.js';

export interface ChainRoundInputs {
  block: number;
  validatorUid: number | null;
  /** The hotkey of each uid at the block. */
  hotkeys: string[];
  minAllowedWeights: number;
  maxWeightsLimit: number;
  /** The Yuma input at the block, this validator's row as it was; null when no preview is made (not registered). */
  epochInput: EpochJson | null;
}

/**
 * The inputs of a round's weights, read off a snapshot; the Yuma input is left null for
 * `chainEpochInput`, which the caller runs where a throw only costs the preview.
 *
 * @example
 * ```ts
 * const inputs = chainRoundInputs(snapshot);
 * const weights = weightsFromAverages(onMetagraph(averages, inputs.hotkeys).map(…), { n: inputs.hotkeys.length, … });
 * ```
 */
export function chainRoundInputs(snapshot: SubnetSnapshot): ChainRoundInputs {
  const h = snapshot.hyperparameters;
  return {
    block: snapshot.block,
    validatorUid: snapshot.uid,
    hotkeys: snapshot.metagraph.neurons.map((x) => x.hotkey),
    minAllowedWeights: h.minAllowedWeights,
    maxWeightsLimit: h.maxWeightsLimit,
    epochInput: null,
  };
}

/**
 * The Yuma input at the snapshot's block with this validator's row as it was; null when the
 * validator is not registered (no preview). May throw on a snapshot it cannot convert.
 *
 * @example
 * ```ts
 * inputs.epochInput = chainEpochInput(snapshot);
 * ```
 */
export function chainEpochInput(snapshot: SubnetSnapshot): EpochJson | null {
  // Through JSON, as it is stored: the validator computes from exactly what replay will read.
  return snapshot.uid === null ? null : (JSON.parse(JSON.stringify(snapshotEpochJson(snapshot, null))) as EpochJson);
}

/** The moving averages of hotkeys that still hold their uid at the block: only they can get a weight. */
export function onMetagraph<T extends { uid: number; hotkey: string }>(averages: readonly T[], hotkeys: readonly string[]): T[] {
  return averages.filter((a) => a.uid < hotkeys.length && hotkeys[a.uid] === a.hotkey);
}

/**
 * The consensus preview: Yuma on the stored input with `row` (u16, as submitted) as validator
 * `row.uid`'s weights, updated at the input's block. Equal to `previewOnChain` on the snapshot.
 *
 * @example
 * ```ts
 * const out = previewFromInput(inputs.epochInput!, { uid: inputs.validatorUid!, ...weights });
 * out.validator_trust[inputs.validatorUid!];
 * ```
 */
export function previewFromInput(input: EpochJson, row: { uid: number; uids: readonly number[]; values: readonly number[] }, numerics: NumericsName = 'float'): EpochOutput {
  const upscaled = chainMaxUpscale(row.values);
  const weights = (input.weights ?? []).map((r, uid) => (uid === row.uid ? row.uids.map((u, k) => [u, upscaled[k]]) : r));
  const lastUpdate = (input.last_update ?? []).map((b, uid) => (uid === row.uid ? input.current_block : b));
  return epochOutput(runEpoch(buildState({ ...input, weights, last_update: lastUpdate } as EpochJson, '$', numerics)));
}

/**
 * A round's stored inputs, or null (a round stored before schema v6, or not by the chain loop).
 * Each column is checked as it is read, the Yuma input with the consensus input schema.
 *
 * @example
 * ```ts
 * const inputs = storedChainRoundInputs(db, roundId); // ChainRoundInputs | null
 * ```
 * @throws PROCTOR_ERR_CONSENSUS_INPUT_INVALID naming the column (`chain_round_inputs[round_id 7].epoch_input.weights`)
 *   when a row is not what the chain loop writes (an altered file).
 */
export function storedChainRoundInputs(db: Database, roundId: number): ChainRoundInputs | null {
  // An older file opened read-only (an audit) has no such table: nothing was stored.
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chain_round_inputs'").get() === undefined) return null;
  const row = db.prepare('SELECT * FROM chain_round_inputs WHERE round_id = ?').get(roundId) as
    | { block: unknown; validator_uid: unknown; hotkeys: string; min_allowed_weights: unknown; max_weights_limit: unknown; epoch_input: string | null }
    | undefined;
  if (!row) return null;
  const at = `chain_round_inputs[round_id ${roundId}]`;
  const whole = z.number().int().nonnegative();
  let epochInput: EpochJson | null = null;
  if (row.epoch_input !== null) {
    check(epochSchema, jsonColumn(row.epoch_input, `${at}.epoch_input`), `${at}.epoch_input`);
    // As stored, once valid: the validator computed its preview from exactly this text.
    epochInput = JSON.parse(row.epoch_input) as EpochJson;
    // The per-uid lengths and the owner uid, which the schema alone does not tie to `n`.
    buildState(epochInput, `${at}.epoch_input`);
  }
  return {
    block: check(whole, row.block, `${at}.block`),
    validatorUid: check(whole.nullable(), row.validator_uid, `${at}.validator_uid`),
    hotkeys: check(z.array(z.string()), jsonColumn(row.hotkeys, `${at}.hotkeys`), `${at}.hotkeys`),
    minAllowedWeights: check(whole, row.min_allowed_weights, `${at}.min_allowed_weights`),
    maxWeightsLimit: check(whole, row.max_weights_limit, `${at}.max_weights_limit`),
    epochInput,
  };
}

function jsonColumn(text: unknown, path: string): unknown {
  if (typeof text !== 'string') fail(path, 'must be JSON text');
  try {
    return JSON.parse(text);
  } catch {
    return fail(path, 'is not valid JSON');
  }
}
