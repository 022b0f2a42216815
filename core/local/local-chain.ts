/**
 * The chain state of the embedded local subnet: uids with hotkeys and stake, the weights each
 * validator has set (stored the way the chain stores them), and the consensus module run every
 * epoch, so that a local run ends with the incentive and dividends the chain would pay.
 */
import type { Json } from '../plugin-api.js';
import { buildState } from '../consensus/input.js';
import { runEpoch } from '../consensus/epoch.js';
import { epochOutput } from '../consensus/emission.js';
import type { EpochOutput, EpochState, U16Row } from '../consensus/state.js';
import type { NumericsName } from '../consensus/numerics.js';
import { chainMaxUpscale } from '../consensus/weights.js';

export interface Neuron {
  uid: number;
  hotkey: string;
  stake: number;
  role: 'validator' | 'miner';
  /** Where a miner serves, on loopback. */
  url: string | null;
}

export interface ChainParams {
  /** Blocks per round: how far the chain advances while a round runs. */
  blocksPerRound: number;
  /** Blocks per epoch (the subnet's tempo). */
  tempo: number;
  minAllowedWeights: number;
  /** u16; 65535 = no limit. */
  maxWeightLimit: number;
  maxAllowedValidators: number;
  yuma3: boolean;
  raoPerEpoch: number;
  numerics: NumericsName;
}

export const defaultChainParams: ChainParams = {
  blocksPerRound: 10,
  tempo: 20,
  minAllowedWeights: 1,
  maxWeightLimit: 65535,
  maxAllowedValidators: 64,
  yuma3: true,
  raoPerEpoch: 1_000_000_000,
  numerics: 'float',
};

interface ChainData {
  block: number;
  lastEpochBlock: number;
  neurons: Neuron[];
  weights: U16Row[];
  bonds: U16Row[];
  permits: boolean[];
  lastUpdate: number[];
}

export interface EpochRun {
  block: number;
  output: EpochOutput;
}

export class LocalChain {
  private data: ChainData;

  constructor(
    neurons: Neuron[],
    readonly params: ChainParams = defaultChainParams,
  ) {
    const n = neurons.length;
    this.data = {
      block: 0,
      lastEpochBlock: 0,
      neurons: neurons.map((x) => ({ ...x })),
      weights: Array.from({ length: n }, () => ({ uids: [], values: [] })),
      bonds: Array.from({ length: n }, () => ({ uids: [], values: [] })),
      // A new subnet's validators hold permits from the start, as after a first epoch.
      permits: neurons.map((x) => x.role === 'validator'),
      lastUpdate: new Array<number>(n).fill(0),
    };
  }

  get block(): number {
    return this.data.block;
  }

  get neurons(): readonly Neuron[] {
    return this.data.neurons;
  }

  uidOf(hotkey: string): number | null {
    return this.data.neurons.find((x) => x.hotkey === hotkey)?.uid ?? null;
  }

  /**
   * Stores a validator's weights as the chain does: max-upscaled u16, the row replaced, its
   * last update set to the current block.
   */
  setWeights(uid: number, uids: readonly number[], values: readonly number[]): void {
    this.data.weights[uid] = { uids: [...uids], values: chainMaxUpscale(values) };
    this.data.lastUpdate[uid] = this.data.block;
  }

  /** The epoch's input state, optionally with one validator's row replaced (the consensus preview). */
  epochState(override?: { uid: number; uids: readonly number[]; values: readonly number[] }): EpochState {
    const d = this.data;
    const weights = d.weights.map((row) => row.uids.map((j, k) => [j, row.values[k]]));
    const lastUpdate = d.lastUpdate.slice();
    if (override) {
      const upscaled = chainMaxUpscale(override.values);
      weights[override.uid] = override.uids.map((j, k) => [j, upscaled[k]]);
      lastUpdate[override.uid] = d.block;
    }
    return buildState(
      {
        n: d.neurons.length,
        stake: d.neurons.map((x) => x.stake),
        validator_permits: d.permits,
        max_allowed_validators: this.params.maxAllowedValidators,
        current_block: d.block,
        tempo: this.params.tempo,
        last_update: lastUpdate,
        block_at_registration: new Array<number>(d.neurons.length).fill(0),
        weights,
        bonds: d.bonds.map((row) => row.uids.map((j, k) => [j, row.values[k]])),
        yuma3: this.params.yuma3,
        rao_emission: this.params.raoPerEpoch,
      },
      '$',
      this.params.numerics,
    );
  }

  /** What one epoch would give now, with `override` as one validator's weights; the state is unchanged. */
  preview(override: { uid: number; uids: readonly number[]; values: readonly number[] }): EpochOutput {
    return epochOutput(runEpoch(this.epochState(override)));
  }

  /** Advances one round's blocks; runs the epoch when the tempo is reached. */
  advance(): EpochRun | null {
    const d = this.data;
    d.block += this.params.blocksPerRound;
    if (d.block - d.lastEpochBlock < this.params.tempo) return null;
    const result = runEpoch(this.epochState());
    d.bonds = result.carry.bonds;
    d.permits = result.carry.validatorPermits.slice();
    d.lastEpochBlock = d.block;
    return { block: d.block, output: epochOutput(result) };
  }

  snapshot(): Json {
    return JSON.parse(JSON.stringify(this.data)) as Json;
  }

  /** Restores a snapshot taken from a chain with the same neurons (same hotkeys, same order). */
  restore(snapshot: Json): boolean {
    const d = snapshot as unknown as ChainData;
    const same =
      Array.isArray(d?.neurons) &&
      d.neurons.length === this.data.neurons.length &&
      d.neurons.every((x, i) => x.hotkey === this.data.neurons[i].hotkey);
    if (!same) return false;
    // Miner URLs are the ones served now, not the ones of the crashed run.
    this.data = { ...d, neurons: d.neurons.map((x, i) => ({ ...x, url: this.data.neurons[i].url })) };
    return true;
  }
}
