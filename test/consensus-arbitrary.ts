/** fast-check generators of epoch states in the JSON form of `validator consensus epoch`. */
import fc from 'fast-check';

export interface StateOptions {
  minN?: number;
  maxN?: number;
  /** Leave out the features where the dense variant differs on purpose (owner, CR mask, liquid α). */
  denseComparable?: boolean;
  /** The smallest non-zero stake (the largest is 1e9). */
  minStake?: number;
  /** The smallest non-zero u16 weight or bond. */
  minWeight?: number;
}

type Json = Record<string, unknown>;

/** A sparse row over n uids, sorted by uid, with explicit zeros now and then. */
function sparseRow(n: number, minWeight: number): fc.Arbitrary<[number, number][]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })
    .chain((uids) =>
      fc.tuple(...uids.map(() => fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: minWeight, max: 65535 }) }))).map(
        (values) => uids.map((uid, k) => [uid, values[k]] as [number, number]).sort((a, b) => a[0] - b[0]),
      ),
    );
}

export function epochState(options: StateOptions = {}): fc.Arbitrary<Json> {
  const { minN = 2, maxN = 10, denseComparable = false, minStake = 1, minWeight = 1 } = options;
  return fc.integer({ min: minN, max: maxN }).chain((n) => {
    const perUid = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: n, maxLength: n });
    return fc.record({
      n: fc.constant(n),
      // Stakes from a wide range, so that an exact stake-equals-κ tie (where float and fixed may
      // differ by design, spec §4) is vanishingly unlikely.
      stake: perUid(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: minStake, max: 1_000_000_000 }) })),
      validator_permits: perUid(fc.boolean()),
      max_allowed_validators: fc.integer({ min: 1, max: n + 2 }),
      current_block: fc.integer({ min: 20, max: 40 }),
      tempo: fc.integer({ min: 1, max: 12 }),
      last_update: perUid(fc.integer({ min: 0, max: 25 })),
      block_at_registration: perUid(fc.integer({ min: 0, max: 25 })),
      weights: perUid(sparseRow(n, minWeight)),
      bonds: perUid(sparseRow(n, minWeight)),
      kappa: fc.oneof(fc.constant(32767), fc.integer({ min: 1, max: 65535 })),
      bonds_penalty: fc.constantFrom(0, 32767, 65535, 12345),
      bonds_moving_average: fc.constantFrom(900000, 975000, 500000),
      yuma3: fc.boolean(),
      liquid_alpha: denseComparable ? fc.constant(false) : fc.boolean(),
      alpha_low: fc.constant(45875),
      alpha_high: fc.constant(58982),
      owner_uid: denseComparable ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: null }),
      commit_reveal_enabled: denseComparable ? fc.constant(false) : fc.boolean(),
      commit_blocks: perUid(fc.option(fc.integer({ min: 0, max: 25 }), { nil: null })),
      rao_emission: fc.constant(1_000_000_000),
    });
  });
}

/** Applies a permutation of uids (uid i becomes perm[i]) to every per-uid field of a state. */
export function permuteState(state: Json, perm: number[]): Json {
  const n = state.n as number;
  const move = <T>(xs: T[]): T[] => {
    const out = new Array<T>(n);
    xs.forEach((x, i) => (out[perm[i]] = x));
    return out;
  };
  const moveRows = (rows: [number, number][][]) =>
    move(rows.map((row) => row.map(([j, v]) => [perm[j], v] as [number, number]).sort((a, b) => a[0] - b[0])));
  const out: Json = { ...state };
  for (const key of ['stake', 'validator_permits', 'last_update', 'block_at_registration', 'commit_blocks']) {
    out[key] = move(state[key] as unknown[]);
  }
  out.weights = moveRows(state.weights as [number, number][][]);
  out.bonds = moveRows(state.bonds as [number, number][][]);
  if (state.owner_uid !== null && state.owner_uid !== undefined) out.owner_uid = perm[state.owner_uid as number];
  return out;
}
