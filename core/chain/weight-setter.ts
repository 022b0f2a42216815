/**
 * When and how this validator's weights go on chain, following the chain's own rules so that a
 * doomed extrinsic is not sent: the version key, the rate limit (`block − LastUpdate ≥
 * WeightsSetRateLimit`, as the chain counts it), and commit-reveal. With commit-reveal on it
 * commits a hash (salt saved first) at most once per epoch and reveals each commit in the epoch
 * the chain accepts it (`commit_epoch + RevealPeriodEpochs`). Every decision, skipped ones
 * included, becomes a `weight_submissions` row, written with the round (`write`, inside the
 * round's transaction); what is sent after that row says `pending` until the chain answers.
 */
import { isProctorError, proctorError, type ProctorError } from '../errors.js';
import { chainMaxUpscale } from '../consensus/weights.js';
import type { Hotkey } from '../transport/keys.js';
import { chainErrorName } from './chain-errors.js';
import type { ChainRecords, PendingCommit, SettleEvent, SubmissionRecord } from './chain-records.js';
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

/** The reveals a round sent, and their rows for the round's transaction. */
export interface Reveals {
  actions: WeightAction[];
  /** Writes the reveals' `weight_submissions` rows; call inside the round's transaction. */
  write(): void;
}

/** What a round decided to do with its weights: skip them, set them, or commit their hash. */
export interface PlannedSubmission {
  /** What it is: `set_weights`, or `commit` under commit-reveal. */
  readonly mode: WeightAction['mode'];
  /** Writes the round's row (`skipped`, or `pending` with a commit's salt); call inside the round's transaction. */
  write(): void;
  /** After `write`'s transaction: sends, then settles the pending row in one transaction. A skip resolves at once. */
  send(): Promise<WeightAction>;
}

export interface WeightSetter {
  /**
   * Reveals the commits whose window is open now; settles the ones the chain no longer holds.
   * Commit events are written as the chain answers; the reveals' rows wait for `write`.
   */
  revealDue(snapshot: SubnetSnapshot, roundId: number): Promise<Reveals>;
  /** Decides whether the chain's rules allow setting (commit-reveal off) or committing (on) `weights` now; writes nothing. */
  plan(snapshot: SubnetSnapshot, weights: { uids: number[]; values: number[] }, roundId: number): PlannedSubmission;
  /** `plan`, `write` in its own transaction, then `send`: for a caller without a round transaction. */
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
 * const reveals = await setter.revealDue(snapshot, roundId);
 * const planned = setter.plan(snapshot, weights, roundId);
 * records.atomically(() => { reveals.write(); planned.write(); store.completeRound(record); });
 * const action = await planned.send();  // its row said 'pending' until now
 * ```
 */
export function createWeightSetter(o: WeightSetterOptions): WeightSetter {
  const submitOptions = { timeoutMs: o.submitTimeoutMs };
  type Weights = { uids: readonly number[]; values: readonly number[] };
  const row = (snapshot: SubnetSnapshot, roundId: number, mode: WeightAction['mode'], w: Weights, versionKey: bigint, submission: Submission | null, skip?: SubmissionRecord['skip']): SubmissionRecord =>
    ({ roundId, network: o.network, netuid: o.netuid, mode, uids: w.uids, weights: w.values, versionKey, block: snapshot.block, submission, skip });
  const skipped = (snapshot: SubnetSnapshot, roundId: number, mode: WeightAction['mode'], w: Weights, versionKey: bigint, reason: string, error: ProctorError | null = null): PlannedSubmission => {
    const action: WeightAction = { mode, outcome: 'skipped', detail: reason };
    return { mode, write: () => void o.records.recordSubmission(row(snapshot, roundId, mode, w, versionKey, null, { reason, error })), send: () => Promise.resolve(action) };
  };

  /** A pending row written by `write`; `send` submits and settles it (with the commit event `eventOf` gives). */
  function toSend(record: SubmissionRecord, beforeRow: (() => number) | null, transmit: () => Promise<Submission>, eventOf: (s: Submission, commitId: number) => SettleEvent | null): PlannedSubmission {
    let ids: { submission: number; commit: number } | null = null;
    let sent = false;
    return {
      mode: record.mode,
      write() {
        // The salt is stored with the round, before the commit is sent: after a crash the commit can still be revealed.
        const commit = beforeRow ? beforeRow() : -1;
        ids = { submission: o.records.recordSubmission(record), commit };
      },
      async send() {
        if (ids === null) throw new Error(`${record.mode}: send() before write()`);
        if (sent) throw new Error(`${record.mode}: send() called twice`);
        sent = true;
        let s: Submission;
        try {
          s = await transmit();
        } catch (error) {
          // No answer to store: the row says 'unknown' with why, rather than 'pending' for the rest of the run.
          const coded = isProctorError(error) ? error : proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `${record.mode} failed before the chain answered: ${(error as Error)?.message ?? String(error)}` }, error);
          const lost: Submission = { call: record.mode, outcome: 'unknown', extrinsicHash: null, blockHash: null, blockNumber: null, error: coded };
          o.records.settleSubmission(ids.submission, lost, eventOf(lost, ids.commit));
          throw error;
        }
        o.records.settleSubmission(ids.submission, s, eventOf(s, ids.commit));
        return actionOf(record.mode, s);
      },
    };
  }

  async function reveal(snapshot: SubnetSnapshot, roundId: number, p: PendingCommit): Promise<{ action: WeightAction; row: SubmissionRecord } | null> {
    const onChain = snapshot.commits.find((c) => c.hash === p.commitHash);
    if (!onChain) {
      // A reveal whose outcome was lost (a dropped connection) may have landed: the weights row tells.
      const weightsRow = snapshot.uid === null ? null : snapshot.weights[snapshot.uid];
      const stored = chainMaxUpscale(p.weights);
      const landed = weightsRow !== null && weightsRow.uids.length === p.uids.length && weightsRow.uids.every((u, k) => u === p.uids[k] && weightsRow.values[k] === stored[k]);
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
    // The commit's event now (it decides what the next start reveals); the reveal's row with the round.
    const name = chainErrorName(s.error);
    if (s.outcome === 'included') o.records.commitEvent(p.id, 'revealed', s.blockNumber, s.extrinsicHash);
    else if (name !== null && GONE.has(name)) o.records.commitEvent(p.id, name === 'ExpiredWeightCommit' ? 'expired' : 'vanished', snapshot.block, name);
    else o.records.commitEvent(p.id, 'reveal_failed', snapshot.block, s.error?.message ?? s.outcome);
    return { action: actionOf('reveal', s), row: row(snapshot, roundId, 'reveal', w, p.versionKey, s) };
  }

  function plan(snapshot: SubnetSnapshot, weights: { uids: number[]; values: number[] }, roundId: number): PlannedSubmission {
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
      return toSend(row(snapshot, roundId, 'set_weights', weights, versionKey, null), null, () => o.client.setWeights(o.hotkey, { netuid: o.netuid, ...weights, versionKey }, submitOptions), () => null);
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
    return toSend(
      row(snapshot, roundId, 'commit', weights, versionKey, null),
      () => o.records.recordCommit({ roundId, network: o.network, genesisHash: o.client.genesisHash, netuid: o.netuid, hotkey: o.hotkey.address, commitHash: hash, uids: weights.uids, weights: weights.values, salt, versionKey }),
      () => o.client.commitWeights(o.hotkey, o.netuid, hash, submitOptions),
      // An unknown outcome leaves the commit pending: the next round finds it in WeightCommits, or not.
      (s, commitId) =>
        s.outcome === 'included' ? { commitId, event: 'committed', block: s.blockNumber, detail: s.extrinsicHash }
        : s.outcome === 'unknown' ? null
        : { commitId, event: 'commit_failed', block: snapshot.block, detail: s.error?.message ?? s.outcome },
    );
  }

  return {
    async revealDue(snapshot, roundId) {
      const done: { action: WeightAction; row: SubmissionRecord }[] = [];
      for (const p of o.records.pendingCommits(o.client.genesisHash, o.netuid, o.hotkey.address)) {
        const r = await reveal(snapshot, roundId, p);
        if (r) done.push(r);
      }
      return { actions: done.map((r) => r.action), write: () => done.forEach((r) => o.records.recordSubmission(r.row)) };
    },
    plan,
    async submit(snapshot, weights, roundId) {
      const planned = plan(snapshot, weights, roundId);
      o.records.atomically(planned.write);
      return planned.send();
    },
  };
}
