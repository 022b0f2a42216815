/**
 * Sybil clusters: hotkeys whose answers coincide on nearly every task where coincidence says
 * something, round after round — one operator, many uids, one model (or a relay of one miner).
 * Such a cluster is paid as one miner: on every task of the round where members give the same
 * informative answer, the **earliest** of them keeps its credit and the others get the penalty. On
 * a shared uninformative answer (a right answer, an extract) arrival order on the task is not used:
 * of a linked pair, only its follower — the one its informative agreements show answering later —
 * loses it; a pair with no clear follower (one operator, one model) loses its later answer. A relay
 * can therefore never lower the score of the miner it copies: it answers later wherever it copies,
 * and answering right answers faster afterwards does not change who follows.
 *
 * Evidence accumulates per pair of hotkeys (not uids: a new hotkey on a recycled uid starts
 * clean) in the detector's memory for the run. A task counts for a pair when at least one of the
 * two answers is informative — other than the hidden answer, and not lifted entirely from the
 * public task (an extract of the document, the prompt echoed) — since honest miners agree on right
 * answers and on extracts by nature. An informative answer with many words of its own weighs more:
 * honest miners never write the same sentence twice. A pair is linked when its weighted evidence,
 * its agreement rate and the rounds with an agreement all reach their minimum (or one round alone
 * holds `oneRoundEvidence`, which counts for `oneRoundFor` rounds: six identical images are no
 * coincidence). Counts decay per round, also in rounds where the pair gave only right answers (they
 * are decayed to the current round before the test), so a linked pair of right answers only fades
 * out. Clusters are the connected groups of linked hotkeys answering this round. Evidence from
 * every plugin of the round counts together (the engine calls `inspectRound` once with all of them).
 */
import { createHash } from 'node:crypto';
import { defineDetector, type DetectorDefinition, type Json, type ResponseView, type RoundFinding, type Task } from '../../core/plugin-api.js';
import { answerText, hiddenAnswerText, normaliseText, ownWords, publicTexts, shingles, wordsOf } from '../answer-text.js';

export interface SybilClusterOptions {
  /** Weighted tasks a pair must have shared (decayed) before it can be linked. */
  minEvidence: number;
  /** Share of that evidence on which the two gave the same answer. */
  minRate: number;
  /** Distinct rounds with an agreement on an informative answer. */
  minRounds: number;
  /** Weighted evidence within one round that links a pair without waiting `minRounds` (still at `minRate`). */
  oneRoundEvidence: number;
  /** Rounds such a one-round link lasts (the round it was reached included) unless later rounds confirm it. */
  oneRoundFor: number;
  /** Share of a pair's informative agreements one hotkey must have answered later to be its follower. */
  followerShare: number;
  /** Words of its own that make an informative answer long. */
  longAnswerWords: number;
  /** What a task with a long answer (or a non-text answer, an image) weighs; a short one weighs 1. */
  longAnswerWeight: number;
  /** Evidence kept from one round to the next: counts are multiplied by this per round. */
  decay: number;
  /** A pair not seen answering together for this many rounds is forgotten. */
  forgetAfterRounds: number;
  /** Factor on the score of each member that answered the same as an earlier member. */
  penalty: number;
}

/** The defaults; the README gives the honest coincidence rates behind them. */
export const SYBIL_CLUSTER_DEFAULTS: Readonly<SybilClusterOptions> = Object.freeze({
  minEvidence: 8,
  minRate: 0.8,
  minRounds: 2,
  oneRoundEvidence: 16,
  oneRoundFor: 3,
  followerShare: 0.8,
  longAnswerWords: 8,
  longAnswerWeight: 3,
  decay: 0.95,
  forgetAfterRounds: 200,
  penalty: 0,
});

/** Rounds with an agreement kept per pair, as evidence. */
const ROUNDS_KEPT = 12;

/**
 * One pair's evidence as of round `last`: weighted tasks shared, agreements among them, rounds with
 * an agreement, the last round whose agreed evidence alone reached `oneRoundEvidence` (`peakRound`,
 * that evidence `peak`), and per hotkey (in pair-key order) the weighted informative agreements on
 * which it answered later (`late`). Counts decay by `decay` per round since `last`, also on read.
 */
interface PairEvidence {
  evidence: number;
  agreements: number;
  last: number;
  rounds: number[];
  peak?: number;
  peakRound?: number;
  late?: [number, number];
}

interface Answer {
  view: ResponseView;
  /** Equal for responses that are the same answer. */
  key: string;
  /** 0 when coincidence on it says nothing, else its weight as evidence. */
  weight: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function byArrival(a: ResponseView, b: ResponseView): number {
  return a.receivedAtMs - b.receivedAtMs || a.latencyMs - b.latencyMs || a.uid - b.uid;
}

/** Each response's answer key and weight as evidence on this task. */
function readAnswers(task: Task, responses: readonly ResponseView[], options: SybilClusterOptions): Answer[] {
  const hidden = hiddenAnswerText(task);
  let lifted: Set<string> | null = null;
  return responses.map((view) => {
    const raw = answerText(view.response);
    if (raw === null) {
      // Not text (an image): the same bytes or nothing; independent work never gives the same bytes.
      const json = JSON.stringify(view.response);
      return { view, key: `json:${sha256(json)}`, weight: json === JSON.stringify(task.answer) ? 0 : options.longAnswerWeight };
    }
    const normal = normaliseText(raw);
    lifted ??= shingles(publicTexts(task));
    const own = ownWords(wordsOf(raw), lifted);
    const weight = normal === hidden || own === 0 ? 0 : own >= options.longAnswerWords ? options.longAnswerWeight : 1;
    return { view, key: `text:${sha256(normal)}`, weight };
  });
}

const pairKey = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);

function isPairEvidence(value: Json | undefined): value is PairEvidence & Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.evidence === 'number';
}

/** Adds this round's shared tasks to the memory and returns the pairs linked now. */
function updatePairs(pairs: { [key: string]: Json }, round: number, tasks: readonly Answer[][], options: SybilClusterOptions): Map<string, PairEvidence> {
  const now = new Map<string, { evidence: number; agreements: number; late: [number, number] }>();
  for (const answers of tasks) {
    for (let i = 0; i < answers.length; i++) {
      for (let j = i + 1; j < answers.length; j++) {
        const [a, b] = [answers[i], answers[j]];
        const weight = Math.max(a.weight, b.weight);
        if (weight === 0 || a.view.hotkey === b.view.hotkey) continue;
        const key = pairKey(a.view.hotkey, b.view.hotkey);
        const entry = now.get(key) ?? { evidence: 0, agreements: 0, late: [0, 0] };
        entry.evidence += weight;
        if (a.key === b.key) {
          entry.agreements += weight;
          const later = byArrival(a.view, b.view) > 0 ? a : b;
          entry.late[key.startsWith(`${later.view.hotkey} `) ? 0 : 1] += weight;
        }
        now.set(key, entry);
      }
    }
  }
  for (const [key, add] of now) {
    const old = pairs[key];
    const before: PairEvidence = isPairEvidence(old) ? decayed(old, round, options) : { evidence: 0, agreements: 0, last: round, rounds: [] };
    const rounds = add.agreements > 0 ? [...before.rounds.filter((r) => r !== round), round].slice(-ROUNDS_KEPT) : before.rounds;
    const peaked = add.agreements >= options.oneRoundEvidence && add.agreements >= options.minRate * add.evidence;
    const peak = peaked ? { peak: round6(add.agreements), peakRound: round } : before.peakRound === undefined ? {} : { peak: before.peak ?? 0, peakRound: before.peakRound };
    const late = before.late ?? [0, 0];
    const next: PairEvidence = {
      evidence: round6(before.evidence + add.evidence),
      agreements: round6(before.agreements + add.agreements),
      last: round,
      rounds,
      ...peak,
      late: [round6(late[0] + add.late[0]), round6(late[1] + add.late[1])],
    };
    pairs[key] = next as PairEvidence & Json;
  }
  const linked = new Map<string, PairEvidence>();
  for (const [key, value] of Object.entries(pairs)) {
    if (!isPairEvidence(value)) continue;
    if (round - value.last > options.forgetAfterRounds) {
      delete pairs[key];
      continue;
    }
    // Decay to this round before testing: a pair not updated since (only right answers) fades instead of staying frozen.
    const p = decayed(value, round, options);
    const oneRound = p.peakRound !== undefined && round - p.peakRound < options.oneRoundFor;
    if (p.evidence >= options.minEvidence && p.agreements >= options.minRate * p.evidence && (p.rounds.length >= options.minRounds || oneRound)) linked.set(key, p);
  }
  return linked;
}

/** The pair's counts decayed from its last update to `round` (a copy; the stored value is unchanged). */
function decayed(value: PairEvidence, round: number, options: SybilClusterOptions): PairEvidence {
  const kept = options.decay ** Math.max(0, round - value.last);
  const late = value.late ?? [0, 0];
  return { ...value, evidence: round6(value.evidence * kept), agreements: round6(value.agreements * kept), late: [round6(late[0] * kept), round6(late[1] * kept)] };
}

/**
 * The hotkey of a linked pair that its informative agreements show answering later — in at least
 * `followerShare` of them — or null when neither clearly follows (both answer first at times).
 */
function followerOf(key: string, p: PairEvidence, options: SybilClusterOptions): string | null {
  const [a, b] = key.split(' ');
  const [lateA, lateB] = p.late ?? [0, 0];
  const total = lateA + lateB;
  if (total <= 0) return null;
  return lateA >= options.followerShare * total ? a : lateB >= options.followerShare * total ? b : null;
}

/**
 * Who loses a task where cluster members gave the same uninformative answer (a right answer, an
 * extract): not arrival order on this task — a relay that once copied a miner could then answer the
 * right answers faster and take them — but, per linked pair, its follower by informative evidence.
 * A pair with no clear follower (both answer first at times: one operator, or one model's
 * byte-identical output) is one source, and there its later answer loses. `same` is in arrival order.
 */
function followers(same: readonly Answer[], linked: ReadonlyMap<string, PairEvidence>, options: SybilClusterOptions): Answer[] {
  const out = same.filter((x, i) =>
    same.some((y, j) => {
      const key = pairKey(x.view.hotkey, y.view.hotkey);
      const p = x.view.hotkey === y.view.hotkey ? undefined : linked.get(key);
      if (!p) return false;
      const follower = followerOf(key, p, options);
      return follower === null ? j < i : follower === x.view.hotkey;
    }),
  );
  // Followers in a ring (never seen, but possible) would all lose: the earliest keeps then.
  return out.length === same.length ? out.slice(1) : out;
}

/** Connected groups of linked hotkeys, each sorted, groups in order of their first hotkey. */
function clustersOf(linked: ReadonlyMap<string, PairEvidence>): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const key of linked.keys()) {
    const [a, b] = key.split(' ');
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const groups = new Map<string, string[]>();
  for (const x of [...parent.keys()].sort()) groups.set(find(x), [...(groups.get(find(x)) ?? []), x]);
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * A sybil-cluster detector with the given options (the registry's uses the defaults).
 *
 * @example
 * ```ts
 * const patient = createSybilCluster({ minEvidence: 16 });
 * const findings = await patient.inspectRound!(ctx, tasks);
 * ```
 */
export function createSybilCluster(overrides: Partial<SybilClusterOptions> = {}): DetectorDefinition {
  const options = { ...SYBIL_CLUSTER_DEFAULTS, ...overrides };
  return defineDetector({
    name: 'sybil-cluster',
    version: '1.2.0',
    inspectRound(ctx, tasks) {
      // One memory for every plugin (the engine passes them all at once): a pair is the same operator on each.
      const memoryKey = 'pairs';
      const stored = ctx.memory.get(memoryKey);
      const pairs: { [key: string]: Json } = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {};
      ctx.memory.set(memoryKey, pairs);
      const answered = tasks.map(({ task, responses }) => ({ task, answers: readAnswers(task, responses, options) }));
      const linked = updatePairs(pairs, ctx.round, answered.map((t) => t.answers), options);
      const findings: RoundFinding[] = [];
      for (const cluster of clustersOf(linked)) {
        const members = new Set(cluster);
        const pairEvidence: Json[] = [];
        for (const [key, p] of linked) {
          const [a, b] = key.split(' ');
          if (members.has(a)) pairEvidence.push({ hotkeys: [a, b], evidence: p.evidence, agreements: p.agreements, rate: round6(p.agreements / p.evidence), rounds: p.rounds, follower: followerOf(key, p, options) });
        }
        for (const { task, answers } of answered) {
          const byKey = new Map<string, Answer[]>();
          for (const a of answers) if (members.has(a.view.hotkey)) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a]);
          for (const [key, same] of byKey) {
            if (same.length < 2) continue;
            same.sort((x, y) => byArrival(x.view, y.view));
            const informative = same[0].weight > 0;
            const later = informative ? same.slice(1) : followers(same, linked, options);
            if (later.length === 0) continue;
            const kept = same.find((a) => !later.includes(a))!;
            const who = (a: Answer) => ({ uid: a.view.uid, hotkey: a.view.hotkey, receivedAtMs: a.view.receivedAtMs });
            findings.push({
              taskId: task.id,
              uids: later.map((a) => a.view.uid),
              penalty: options.penalty,
              evidence: {
                task: task.id,
                rule: informative ? 'earliest-keeps' : 'follower-loses',
                cluster: cluster.map((hotkey) => ({ hotkey, uid: answers.find((a) => a.view.hotkey === hotkey)?.view.uid ?? null })),
                answer: { sha256: key.slice(key.indexOf(':') + 1), informative },
                kept: who(kept),
                penalised: later.map(who),
                pairs: pairEvidence.slice(0, 20),
                thresholds: { minEvidence: options.minEvidence, minRate: options.minRate, minRounds: options.minRounds, oneRoundEvidence: options.oneRoundEvidence },
              },
            });
          }
        }
      }
      return findings;
    },
  });
}

export default createSybilCluster();
