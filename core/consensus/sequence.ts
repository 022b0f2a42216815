/**
 * A sequence of epochs (spec §11): each step lays `set` over the state, applies its actions in order
 * with the chain's semantics (§3.14), runs one epoch, and carries the stored bonds and the new
 * permits into the next step.
 */
import { chainMaxUpscale } from './weights.js';
import type { EpochOutput, EpochState } from './state.js';
import type { ActionJson } from './input-schema.js';
import type { SequenceStep } from './input.js';
import { buildState, fail, stateToJson } from './input.js';
import { runEpoch } from './epoch.js';
import { epochOutput } from './emission.js';

function uidInRange(uid: number, n: number, path: string): void {
  if (uid >= n) fail(path, `must be a uid from 0 to ${n - 1}`);
}

/** `set_weights` as the chain stores it: max-upscaled, row replaced, last_update set unless CR is on. */
function setWeights(state: EpochState, action: Extract<ActionJson, { type: 'set_weights' }>, path: string): void {
  uidInRange(action.uid, state.n, `${path}.uid`);
  if (action.uids.length !== action.values.length) fail(`${path}.values`, `must have as many entries as uids (${action.uids.length})`);
  const seen = new Set<number>();
  action.uids.forEach((j, k) => {
    uidInRange(j, state.n, `${path}.uids[${k}]`);
    if (seen.has(j)) fail(`${path}.uids[${k}]`, `repeats uid ${j}`);
    seen.add(j);
  });
  state.weights[action.uid] = { uids: action.uids.slice(), values: chainMaxUpscale(action.values) };
  if (!state.commitRevealEnabled) state.lastUpdate[action.uid] = action.block;
}

/** `replace_neuron` → `clear_neuron`: the uid's rows go, weights to it become explicit zeros. */
function replaceNeuron(state: EpochState, action: Extract<ActionJson, { type: 'replace_neuron' }>, path: string): void {
  const j = action.uid;
  uidInRange(j, state.n, `${path}.uid`);
  state.weights[j] = { uids: [], values: [] };
  state.bonds[j] = { uids: [], values: [] };
  for (const row of state.weights) row.uids.forEach((uid, k) => uid === j && (row.values[k] = 0));
  state.validatorPermits[j] = false;
  state.blockAtRegistration[j] = action.block;
  state.lastUpdate[j] = action.block;
  state.commitBlocks[j] = null;
  if (state.stake.kind === 'total') {
    const stake = [...state.stake.stake];
    stake[j] = action.stake;
    state.stake = { kind: 'total', stake };
  } else {
    const alpha = [...state.stake.alpha];
    const tao = [...state.stake.tao];
    alpha[j] = action.stake;
    tao[j] = 0;
    state.stake = { ...state.stake, alpha, tao };
  }
}

function resetBonds(state: EpochState, uid: number, path: string): void {
  uidInRange(uid, state.n, `${path}.uid`);
  state.bonds = state.bonds.map((row) => {
    const keep = row.uids.map((j) => j !== uid);
    return { uids: row.uids.filter((_, k) => keep[k]), values: row.values.filter((_, k) => keep[k]) };
  });
}

function applyPatch(state: EpochState, step: SequenceStep): EpochState {
  if (Object.keys(step.patch).length === 0) return state;
  const json = { ...stateToJson(state) } as Record<string, unknown>;
  if ('stake' in step.patch) for (const key of ['alpha_stake', 'tao_stake', 'tao_weight', 'tao_weight_u64']) delete json[key];
  if ('alpha_stake' in step.patch) delete json.stake;
  return buildState({ ...json, ...step.patch } as never, `${step.path} (after set)`, state.numerics);
}

/** Runs every step; the state given is not modified. */
export function runSequence(initial: EpochState, steps: readonly SequenceStep[]): { epochs: EpochOutput[] } {
  let state = structuredClone(initial);
  const epochs: EpochOutput[] = [];
  for (const step of steps) {
    state = applyPatch(state, step);
    step.actions.forEach((action, m) => {
      const path = `${step.path}.actions[${m}]`;
      if (action.type === 'set_weights') setWeights(state, action, path);
      else if (action.type === 'replace_neuron') replaceNeuron(state, action, path);
      else resetBonds(state, action.uid, path);
    });
    const result = runEpoch(state);
    const { carry } = result;
    epochs.push(epochOutput(result));
    state = { ...state, bonds: carry.bonds, validatorPermits: carry.validatorPermits.slice() };
  }
  return { epochs };
}
