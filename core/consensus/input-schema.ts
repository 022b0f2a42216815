/**
 * The JSON contract of `validator consensus epoch` (spec §11), as zod schemas. Shapes and ranges are
 * checked here; what depends on `n` (lengths, uids in range) is checked in `input.ts`.
 */
import { z } from 'zod';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** An integer in [min, max], with one message that names the range. */
export function int(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

const fraction = z.number({ error: 'must be a finite number' });
const nonNegative = z.number({ error: 'must be a finite number ≥ 0' }).min(0, { error: 'must be ≥ 0 (a stake cannot be negative)' });
const u16 = int(0, 65535);
const block = int(0, MAX_SAFE);
const bool = z.boolean({ error: 'must be true or false' });

/** Weight and bond rows are checked in `input.ts`, where `n` is known and the path can be exact. */
const rows = z.array(z.array(z.unknown(), { error: 'must be an array (a row)' }), { error: 'must be an array of rows' });

export const epochKeys = {
  n: int(0, 65535),
  stake: z.array(nonNegative, { error: 'must be an array of stakes' }),
  alpha_stake: z.array(nonNegative, { error: 'must be an array of stakes' }),
  tao_stake: z.array(nonNegative, { error: 'must be an array of stakes' }),
  tao_weight: fraction.min(0, { error: 'must be ≥ 0' }),
  tao_weight_u64: z.union([int(0, MAX_SAFE), z.string().regex(/^\d{1,20}$/)], {
    error: 'must be a u64 as an integer or a decimal string',
  }),
  stake_threshold: int(0, MAX_SAFE),
  owner_uid: u16.nullable(),
  validator_permits: z.array(bool, { error: 'must be an array of booleans' }),
  max_allowed_validators: u16,
  current_block: block,
  tempo: u16,
  last_update: z.array(block, { error: 'must be an array of block numbers' }),
  block_at_registration: z.array(block, { error: 'must be an array of block numbers' }),
  activity_cutoff: block,
  activity_cutoff_factor_milli: int(0, 4294967295),
  last_mechanism_step_block: block,
  weights: rows,
  bonds: rows,
  kappa: u16,
  bonds_penalty: u16,
  bonds_moving_average: int(0, 1_000_000),
  yuma3: bool,
  liquid_alpha: bool,
  alpha_low: u16,
  alpha_high: u16,
  alpha_sigmoid_steepness: int(-32768, 32767),
  commit_reveal_enabled: bool,
  commit_blocks: z.array(block.nullable(), { error: 'must be an array of block numbers or null' }),
  rao_emission: int(0, MAX_SAFE),
  variant: z.enum(['sparse', 'dense'], { error: 'must be "sparse" or "dense"' }),
  numerics: z.enum(['float', 'fixed'], { error: 'must be "float" or "fixed"' }),
};

export const epochSchema = z.strictObject(epochKeys).partial().required({ n: true });
export const epochPatchSchema = z.strictObject(epochKeys).partial();

export type EpochJson = z.infer<typeof epochSchema>;
export type EpochPatch = z.infer<typeof epochPatchSchema>;

const uid = u16;
export const actionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('set_weights'),
      uid,
      uids: z.array(uid),
      values: z.array(u16),
      block,
    }),
    z.strictObject({ type: z.literal('replace_neuron'), uid, block, stake: nonNegative }),
    z.strictObject({ type: z.literal('reset_bonds'), uid }),
  ],
  { error: 'must be an action with "type" set_weights, replace_neuron or reset_bonds' },
);

export type ActionJson = z.infer<typeof actionSchema>;

export const sequenceSchema = z.strictObject({
  initial: z.record(z.string(), z.unknown(), { error: 'must be an object of epoch keys' }),
  epochs: z.array(
    z.strictObject({
      set: epochPatchSchema.optional(),
      actions: z.array(actionSchema).optional(),
    }),
    { error: 'must be an array of steps' },
  ),
  numerics: epochKeys.numerics.optional(),
});

export const weightedMedianSchema = z.strictObject({
  kind: z.literal('weighted_median'),
  stake: z.array(fraction),
  score: z.array(fraction),
  minority: fraction,
  f32: bool.optional(),
  numerics: epochKeys.numerics.optional(),
});

export const weightedMedianColSchema = z.strictObject({
  kind: z.literal('weighted_median_col'),
  stake: z.array(fraction),
  weights: z.array(z.array(fraction)),
  majority: fraction,
  f32: bool.optional(),
  numerics: epochKeys.numerics.optional(),
});
