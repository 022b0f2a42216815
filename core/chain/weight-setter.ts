/**
 * When and how this validator's weights go on chain, following the chain's own rules so that a
 * doomed extrinsic is not sent: the version key, the rate limit (`block − LastUpdate ≥
 * WeightsSetRateLimit`, as the chain counts it), and commit-reveal. With commit-reveal on it
 * commits a hash (salt saved first) at most once per epoch and reveals each commit in the epoch
 * the chain accepts it (`commit_epoch + RevealPeriodEpochs`). Every decision, skipped ones
 * included, becomes a `weight_submissions` row.
 */
import { proctorError } from '../errors.js';
import { chainMaxUpscale } from '../consensus/weights.js';
import type { Hotkey } from '../transport/keys.js';
import { chainErrorName } from './chain-errors.js';
import type { ChainRecords, PendingCommit } from './chain-records.js';
import { commitHash, newSalt, revealDecision, type RevealClock } from './commit-reveal.js';
import type { Submission } from './submit.js';
import type { SubnetSnapshot, SubtensorClient } from './subtensor.js';

export interface WeightSetterOptions {
  client: SubtensorClient;
  hotkey: Hotkey;
  netuid: number;
  network: string;
  records: ChainRecords;
  /** The version key to send; null = the subnet's current `WeightsVersionKey`. */
  versionKey: bigint | null;
  log: (line: string) => void;
  submitTimeoutMs?: number;
}

/** One decision of a round: what was sent (or not) and what came of it. */
export interface WeightAction {
  mode: 'set_weights' | 'commit' | 'reveal';
  outcome: 'accepted' | 'failed' | 'rejected' | 'unknown' | 'skipped';
  detail: string;
}

export interface WeightSetter {
  /** Reveals the commits whose window is open now; settles the ones the chain no longer holds. */
  revealDue(snapshot: SubnetSnapshot, roundId: number): Promise<WeightAction[]>;
  /** Sets (commit-reveal off) or commits (on) `weights`, if the chain's rules allow it now. */
  submit(snapshot: SubnetSnapshot, weights: { uids: number[]; values: number[] }, roundId: number): Promise<WeightAction>;
}

/** Chain answers after which a commit will never be revealed. */
const GONE = new Set(['ExpiredWeightCommit', 'NoWeightsCommitFound', 'InvalidRevealCommitHashNotMatch', 'CommitNotFound']);

function clockOf(snapshot: SubnetSnapshot): RevealClock {
  const h = snapshot.hyperparameters;
  // The extrinsic lands in the next block at the earliest.
  return snapshot.revealClock === 'epoch' && h.epochIndex !== null
    ? { kind: 'epoch', currentEpoch: h.epochIndex, revealPeriodEpochs: h.revealPeriodEpochs }
    : { kind: 'block', currentBlock: BigInt(snapshot.block + 1) };
}

function actionOf(mode: WeightAction['mode'], s: Submission): WeightAction {
  const outcome = s.outcome === 'included' ? 'accepted' : s.outcome;
  return { mode, outcome, detail: s.outcome === 'included' ? `in block ${s.blockNumber ?? '?'} (${s.extrinsicHash})` : (s.error?.message ?? s.outcome) };
}

/**
 * @example
 * ```ts
 * const setter = createWeightSetter({ client, hotkey, netuid, network: 'test', records: chainRecords(store.db), versionKey: null, log });
 * await setter.revealDue(snapshot, roundId);
 * const action = await setter.submit(snapshot, weights, roundId);
 * ```
 */
export function createWeightSetter(o: WeightSetterOptions): WeightSetter {
  const submitOptions = { timeoutMs: o.submitTimeoutMs };
  const record = (snapshot: SubnetSnapshot, roundId: number, mode: WeightAction['mode'], w: { uids: readonly number[]; values: readonly number[] }, versionKey: bigint, submission: Submission | null, skip?: { reason: string; error: ReturnType<typeof proctorError> | null }) =>
    o.records.recordSubmission({ roundId, network: o.network, netuid: o.netuid, mode, uids: w.uids, weights: w.values, versionKey, block: snapshot.block, submission, skip });
  const skipped = (snapshot: SubnetSnapshot, roundId: number, mode: WeightAction['mode'], w: { uids: readonly number[]; values: readonly number[] }, versionKey: bigint, reason: string, error: ReturnType<typeof proctorError> | null = null): WeightAction => {
    record(snapshot, roundId, mode, w, versionKey, null, { reason, error });
    return { mode, outcome: 'skipped', detail: reason };
  };

  async function reveal(snapshot: SubnetSnapshot, roundId: number, p: PendingCommit): Promise<WeightAction | null> {
    const onChain = snapshot.commits.find((c) => c.hash === p.commitHash);
    if (!onChain) {
      // A reveal whose outcome was lost (a dropped connection) may have landed: the weights row tells.
      const row = snapshot.uid === null ? null : snapshot.weights[snapshot.uid];
      const stored = chainMaxUpscale(p.weights);
      const landed = row !== null && row.uids.length === p.uids.length && row.uids.every((u, k) => u === p.uids[k] && row.values[k] === stored[k]);
      if (landed) o.records.commitEvent(p.id, 'revealed', null, 'no longer in WeightCommits, and the weights on chain are this commit\'s');
      else o.records.commitEvent(p.id, 'vanished', snapshot.block, 'not in WeightCommits: it never landed, or the chain dropped it');
      return null;
    }
    if (!p.confirmed) o.records.commitEvent(p.id, 'committed', null, 'found in WeightCommits');
    const decision = revealDecision(onChain, clockOf(snapshot));
    if (decision.action === 'wait') return null;
    if (decision.action === 'expired') {
      o.records.commitEvent(p.id, 'expired', snapshot.block, 'its reveal window has passed');
      return null;
    }
    const w = { uids: p.uids, values: p.weights };
    const s = await o.client.revealWeights(o.hotkey, { netuid: o.netuid, ...w, salt: p.salt, versionKey: p.versionKey }, submitOptions);
    record(snapshot, roundId, 'reveal', w, p.versionKey, s);
    const name = chainErrorName(s.error);
    if (s.outcome === 'included') o.records.commitEvent(p.id, 'revealed', s.blockNumber, s.extrinsicHash);
    else if (name !== null && GONE.has(name)) o.records.commitEvent(p.id, name === 'ExpiredWeightCommit' ? 'expired' : 'vanished', snapshot.block, name);
    else o.records.commitEvent(p.id, 'reveal_failed', snapshot.block, s.error?.message ?? s.outcome);
    return actionOf('reveal', s);
  }

  return {
    async revealDue(snapshot, roundId) {
      const actions: WeightAction[] = [];
      for (const p of o.records.pendingCommits(o.client.genesisHash, o.netuid, o.hotkey.address)) {
        const action = await reveal(snapshot, roundId, p);
        if (action) actions.push(action);
      }
      return actions;
    },

    async submit(snapshot, weights, roundId) {
      const h = snapshot.hyperparameters;
      const versionKey = o.versionKey ?? h.weightsVersionKey;
      const mode = h.commitRevealEnabled ? 'commit' : 'set_weights';
      if (snapshot.uid === null) return skipped(snapshot, roundId, mode, weights, versionKey, 'this hotkey is not registered on the subnet', proctorError('PROCTOR_ERR_CHAIN_NOT_REGISTERED', { hotkey: o.hotkey.address, netuid: o.netuid }));
      if (h.weightsVersionKey !== 0n && versionKey < h.weightsVersionKey) {
        const error = proctorError('PROCTOR_ERR_CHAIN_VERSION_KEY', { netuid: o.netuid, required: h.weightsVersionKey.toString(), configured: versionKey.toString() });
        return skipped(snapshot, roundId, mode, weights, versionKey, error.message, error);
      }
      if (weights.uids.length === 0) return skipped(snapshot, roundId, mode, weights, versionKey, 'no weights to set: every miner scored 0');
      const last = snapshot.metagraph.neurons[snapshot.uid].lastUpdate;
      const next = last + h.weightsRateLimit;
      if (last !== 0 && snapshot.block + 1 < next) return skipped(snapshot, roundId, mode, weights, versionKey, `rate limit: last update at block ${last}, next allowed at block ${next}`);

      if (!h.commitRevealEnabled) {
        const s = await o.client.setWeights(o.hotkey, { netuid: o.netuid, ...weights, versionKey }, submitOptions);
        record(snapshot, roundId, 'set_weights', weights, versionKey, s);
        return actionOf('set_weights', s);
      }
      const clock = clockOf(snapshot);
      if (clock.kind === 'epoch' && snapshot.commits.some((c) => c.fields[0] === clock.currentEpoch)) {
        return skipped(snapshot, roundId, 'commit', weights, versionKey, `already committed in epoch ${clock.currentEpoch}; it is revealed in epoch ${clock.currentEpoch + clock.revealPeriodEpochs}`);
      }
      if (clock.kind === 'block' && snapshot.commits.some((c) => revealDecision(c, clock).action === 'wait')) {
        return skipped(snapshot, roundId, 'commit', weights, versionKey, 'a commit is still waiting for its reveal window');
      }
      if (snapshot.commits.length >= 10) return skipped(snapshot, roundId, 'commit', weights, versionKey, 'WeightCommits already holds 10 unrevealed commits');
      const salt = newSalt();
      const hash = commitHash({ hotkey: o.hotkey.publicKey, netuidIndex: o.netuid, uids: weights.uids, values: weights.values, salt, versionKey });
      // The salt is stored before the commit is sent: after a crash the commit can still be revealed.
      const id = o.records.recordCommit({ roundId, network: o.network, genesisHash: o.client.genesisHash, netuid: o.netuid, hotkey: o.hotkey.address, commitHash: hash, uids: weights.uids, weights: weights.values, salt, versionKey });
      const s = await o.client.commitWeights(o.hotkey, o.netuid, hash, submitOptions);
      record(snapshot, roundId, 'commit', weights, versionKey, s);
      if (s.outcome === 'included') o.records.commitEvent(id, 'committed', s.blockNumber, s.extrinsicHash);
      else if (s.outcome !== 'unknown') o.records.commitEvent(id, 'commit_failed', snapshot.block, s.error?.message ?? s.outcome);
      return actionOf('commit', s);
    },
  };
}
