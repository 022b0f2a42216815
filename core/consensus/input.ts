/**
 * Turns untrusted JSON into a validated consensus request (spec §11): one epoch, a sequence of
 * epochs with actions, or one of the two unit operations. Every problem becomes
 * `PROCTOR_ERR_CONSENSUS_INPUT_INVALID` with the JSON path of the offending value.
 */
import type { z } from 'zod';
import { proctorError } from '../errors.js';
import type { NumericsName, StakeSource } from './numerics.js';
import type { EpochState, U16Row } from './state.js';
import type { ActionJson, EpochJson } from './input-schema.js';
import {
  epochSchema,
  sequenceSchema,
  weightedMedianColSchema,
  weightedMedianSchema,
} from './input-schema.js';

export interface SequenceStep {
  patch: Partial<EpochJson>;
  actions: ActionJson[];
  path: string;
}

export type ConsensusRequest =
  | { kind: 'epoch'; state: EpochState }
  | { kind: 'sequence'; initial: EpochState; steps: SequenceStep[] }
  | { kind: 'weighted_median'; stake: number[]; score: number[]; minority: number; f32: boolean; numerics: NumericsName }
  | { kind: 'weighted_median_col'; stake: number[]; weights: number[][]; majority: number; f32: boolean; numerics: NumericsName };

export function fail(path: string, problem: string): never {
  throw proctorError('PROCTOR_ERR_CONSENSUS_INPUT_INVALID', { path, problem });
}

/** `$` followed by `.key` and `[index]` segments. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  return segments.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : /^[A-Za-z_]\w*$/.test(String(s)) ? `${acc}.${String(s)}` : `${acc}[${JSON.stringify(String(s))}]`),
    base,
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

export function check<S extends z.ZodType>(schema: S, value: unknown, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') fail(joinPath(path, issue.path), `has unknown key(s): ${issue.keys.join(', ')}`);
  if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined) fail(joinPath(path, issue.path), 'is required');
  fail(joinPath(path, issue.path), issue.message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Recognises the request by its keys and validates it; `numerics` (the CLI flag) overrides the input's. */
export function parseConsensusInput(json: unknown, numerics?: NumericsName): ConsensusRequest {
  if (!isObject(json)) fail('$', 'must be a JSON object (one epoch, a sequence, or a unit operation)');
  if (json.kind === 'weighted_median') {
    const op = check(weightedMedianSchema, json, '$');
    if (op.score.length !== op.stake.length) fail('$.score', `must have as many entries as $.stake (${op.stake.length})`);
    return { ...op, f32: op.f32 ?? false, numerics: numerics ?? op.numerics ?? 'float' };
  }
  if (json.kind === 'weighted_median_col') {
    const op = check(weightedMedianColSchema, json, '$');
    if (op.weights.length !== op.stake.length) fail('$.weights', `must have one row per stake (${op.stake.length})`);
    const width = op.weights[0]?.length ?? 0;
    op.weights.forEach((row, r) => row.length !== width && fail(`$.weights[${r}]`, `has ${row.length} entries; row 0 has ${width} (ragged matrix)`));
    return { ...op, f32: op.f32 ?? false, numerics: numerics ?? op.numerics ?? 'float' };
  }
  if (json.kind !== undefined) fail('$.kind', 'must be "weighted_median" or "weighted_median_col"');
  if ('initial' in json || 'epochs' in json) {
    const seq = check(sequenceSchema, json, '$');
    const chosen = numerics ?? seq.numerics;
    const initial = buildState(check(epochSchema, seq.initial, '$.initial'), '$.initial', chosen);
    const steps = seq.epochs.map((step, k) => ({ patch: step.set ?? {}, actions: step.actions ?? [], path: `$.epochs[${k}]` }));
    return { kind: 'sequence', initial, steps };
  }
  return { kind: 'epoch', state: buildState(check(epochSchema, json, '$'), '$', numerics) };
}

function perUid<T>(value: T[] | undefined, n: number, path: string, fallback: T): T[] {
  if (value === undefined) return new Array<T>(n).fill(fallback);
  if (value.length !== n) fail(path, `must have n = ${n} entries, has ${value.length}`);
  return value.slice();
}

function parseRow(row: unknown[], n: number, path: string): U16Row {
  const out: U16Row = { uids: [], values: [] };
  if (row.length === 0) return out;
  const isU16 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
  if (Array.isArray(row[0])) {
    const seen = new Set<number>();
    row.forEach((entry, k) => {
      const at = `${path}[${k}]`;
      if (!Array.isArray(entry) || entry.length !== 2) fail(at, 'must be a [uid, value] pair (sparse row)');
      const [uid, value] = entry as unknown[];
      if (!Number.isInteger(uid) || (uid as number) < 0 || (uid as number) >= n) fail(`${at}[0]`, `must be a uid from 0 to ${n - 1}`);
      if (!isU16(value)) fail(`${at}[1]`, 'must be an integer from 0 to 65535');
      if (seen.has(uid as number)) fail(`${at}[0]`, `repeats uid ${String(uid)} in the same row`);
      seen.add(uid as number);
      out.uids.push(uid as number);
      out.values.push(value);
    });
    return out;
  }
  if (row.length !== n) fail(path, `is a dense row of ${row.length} values; it must have n = ${n} (ragged matrix)`);
  row.forEach((value, j) => {
    if (!isU16(value)) fail(`${path}[${j}]`, 'must be an integer from 0 to 65535 (or the row must be sparse [[uid, value], …])');
    if (value > 0) {
      out.uids.push(j);
      out.values.push(value);
    }
  });
  return out;
}

function parseRows(rows: unknown[][] | undefined, n: number, path: string): U16Row[] {
  if (rows === undefined) return Array.from({ length: n }, () => ({ uids: [], values: [] }));
  if (rows.length !== n) fail(path, `must have n = ${n} rows, has ${rows.length}`);
  return rows.map((row, i) => parseRow(row, n, `${path}[${i}]`));
}

function stakeSource(json: EpochJson, path: string): StakeSource {
  const { n } = json;
  if (json.stake !== undefined) {
    if (json.alpha_stake !== undefined || json.tao_stake !== undefined) fail(`${path}.stake`, 'is given together with alpha_stake/tao_stake; give one form');
    return { kind: 'total', stake: perUid(json.stake, n, `${path}.stake`, 0) };
  }
  if (json.alpha_stake === undefined) fail(`${path}.stake`, 'is required (or alpha_stake with tao_stake and tao_weight)');
  const taoWeight =
    json.tao_weight_u64 !== undefined
      ? { kind: 'u64' as const, value: BigInt(json.tao_weight_u64) }
      : { kind: 'float' as const, value: json.tao_weight ?? 0 };
  if (taoWeight.kind === 'u64' && taoWeight.value >= 1n << 64n) fail(`${path}.tao_weight_u64`, 'must fit in a u64');
  return {
    kind: 'split',
    alpha: perUid(json.alpha_stake, n, `${path}.alpha_stake`, 0),
    tao: perUid(json.tao_stake, n, `${path}.tao_stake`, 0),
    taoWeight,
  };
}

/** Applies defaults (spec §11) and the checks that need n. */
export function buildState(json: EpochJson, path: string, numerics?: NumericsName): EpochState {
  const { n } = json;
  if (json.owner_uid !== undefined && json.owner_uid !== null && json.owner_uid >= n) fail(`${path}.owner_uid`, `must be a uid from 0 to ${n - 1} or null`);
  return {
    n,
    stake: stakeSource(json, path),
    stakeThreshold: BigInt(json.stake_threshold ?? 0),
    ownerUid: json.owner_uid ?? null,
    validatorPermits: perUid(json.validator_permits, n, `${path}.validator_permits`, false),
    maxAllowedValidators: json.max_allowed_validators ?? 128,
    currentBlock: json.current_block ?? 0,
    tempo: json.tempo ?? 360,
    lastUpdate: perUid(json.last_update, n, `${path}.last_update`, 0),
    blockAtRegistration: perUid(json.block_at_registration, n, `${path}.block_at_registration`, 0),
    activityCutoff: json.activity_cutoff ?? null,
    activityCutoffFactorMilli: json.activity_cutoff_factor_milli ?? 13889,
    lastMechanismStepBlock: json.last_mechanism_step_block ?? 0,
    weights: parseRows(json.weights, n, `${path}.weights`),
    bonds: parseRows(json.bonds, n, `${path}.bonds`),
    kappa: json.kappa ?? 32767,
    bondsPenalty: json.bonds_penalty ?? 65535,
    bondsMovingAverage: json.bonds_moving_average ?? 900000,
    yuma3: json.yuma3 ?? false,
    liquidAlpha: json.liquid_alpha ?? false,
    alphaLow: json.alpha_low ?? 45875,
    alphaHigh: json.alpha_high ?? 58982,
    alphaSigmoidSteepness: json.alpha_sigmoid_steepness ?? 1000,
    commitRevealEnabled: json.commit_reveal_enabled ?? false,
    commitBlocks: perUid(json.commit_blocks, n, `${path}.commit_blocks`, null),
    raoEmission: BigInt(json.rao_emission ?? 1_000_000_000),
    variant: json.variant ?? 'sparse',
    numerics: numerics ?? json.numerics ?? 'float',
  };
}

/** The JSON form of a state, so that a sequence step's `set` can be laid over it and checked again. */
export function stateToJson(state: EpochState): EpochJson {
  const rows = (rs: U16Row[]) => rs.map((r) => r.uids.map((j, k) => [j, r.values[k]]));
  const stake =
    state.stake.kind === 'total'
      ? { stake: [...state.stake.stake] }
      : {
          alpha_stake: [...state.stake.alpha],
          tao_stake: [...state.stake.tao],
          ...(state.stake.taoWeight.kind === 'u64'
            ? { tao_weight_u64: state.stake.taoWeight.value.toString() }
            : { tao_weight: state.stake.taoWeight.value }),
        };
  return {
    n: state.n,
    ...stake,
    stake_threshold: Number(state.stakeThreshold),
    owner_uid: state.ownerUid,
    validator_permits: state.validatorPermits.slice(),
    max_allowed_validators: state.maxAllowedValidators,
    current_block: state.currentBlock,
    tempo: state.tempo,
    last_update: state.lastUpdate.slice(),
    block_at_registration: state.blockAtRegistration.slice(),
    ...(state.activityCutoff === null ? {} : { activity_cutoff: state.activityCutoff }),
    activity_cutoff_factor_milli: state.activityCutoffFactorMilli,
    last_mechanism_step_block: state.lastMechanismStepBlock,
    weights: rows(state.weights),
    bonds: rows(state.bonds),
    kappa: state.kappa,
    bonds_penalty: state.bondsPenalty,
    bonds_moving_average: state.bondsMovingAverage,
    yuma3: state.yuma3,
    liquid_alpha: state.liquidAlpha,
    alpha_low: state.alphaLow,
    alpha_high: state.alphaHigh,
    alpha_sigmoid_steepness: state.alphaSigmoidSteepness,
    commit_reveal_enabled: state.commitRevealEnabled,
    commit_blocks: state.commitBlocks.slice(),
    rao_emission: Number(state.raoEmission),
    variant: state.variant,
    numerics: state.numerics,
  };
}
