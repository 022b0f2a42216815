/**
 * `cache-probe`: catches miners that answer from memory of earlier tasks instead of the task in
 * front of them, on the probes the text plugin mixes into its rounds (`datasets/text/probes.ts`).
 *
 * - A **reworded** probe is an earlier task with one detail changed and so a different answer.
 *   A response to a closed task that scores as the OLD answer (by `ground-truth`'s rules) and not
 *   the new one follows the old wording. A response to an open-ended task follows it when it
 *   repeats an earlier answer to the original (identical, or sharing at least
 *   `paraphraseOverlap` of its own words — words the new task does not contain), or when a summary
 *   names the old value of the changed detail and not the new one.
 * - A **replay** probe repeats an earlier open-ended task for hotkeys that were never sent it; an
 *   answer identical to another hotkey's earlier answer is a shared cache.
 *
 * Only what the task did not supply counts as copied: identical extracts of the same document, or
 * answers that only repeat the task's words, prove nothing and are never matched.
 *
 * A hit zeroes the probe (`probePenalty`). A strong hit (an old answer the new task cannot give;
 * open-ended text), or `weakHits` weak ones (numbers, clock times: a guess can hit them)
 * within `memoryRounds`, also multiplies every other task of the miner that round, and every task
 * of the `probationRounds` rounds after it, by `roundPenalty`: a cache caught once is still a cache
 * when no probe happens to test it. The detector remembers each hotkey's answers to ordinary tasks
 * for `memoryRounds` rounds, and its catches, in its detector memory, which is stored with each
 * completed round: a restarted validator continues from the last completed round's memory.
 */
import { createHash } from 'node:crypto';
import { defineDetector, type Json, type ResponseView, type RoundFinding, type Task, type TaskResponses } from '../../core/plugin-api.js';
import groundTruth from '../../evaluators/ground-truth/ground-truth.js';

/** The thresholds and penalties; the README says how they were chosen. */
export const CACHE_PROBE_DEFAULTS = Object.freeze({
  /** Rounds of answers remembered: at least the rounds a generator draws probes from (`TASK_HISTORY_ROUNDS`). */
  memoryRounds: 64,
  probePenalty: 0,
  roundPenalty: 0,
  /** Rounds after a catch in which the hotkey's tasks keep `roundPenalty`. */
  probationRounds: 8,
  weakHits: 2,
  /** Share of its own words an open-ended answer shares with an earlier answer to count as a reworded copy of it. */
  paraphraseOverlap: 0.5,
  /** Own words an open-ended answer needs before its coincidence with another answer means anything. */
  minOwnWords: 3,
  /**
   * Word hashes remembered of one answer: its smallest ones (a bottom-k sample, compared on the
   * same hash range), and of all a hotkey's remembered answers together (older answers keep only
   * their digest): the memory stays far below the detector-memory cap whatever miners send.
   */
  maxWordsPerAnswer: 256,
  maxWordsPerHotkey: 6144,
});

const MAX_CHARS = 4096;
const OPEN = new Set(['text', 'summary']);

interface Remembered {
  uid: number;
  /** Digest of the answer in normal form. */
  h: string;
  /** Hashed words of an open-ended answer. */
  w?: number[];
}

interface ProbeMeta {
  kind: 'reworded' | 'replay';
  of: string;
  round: number;
  oldAnswer?: Json;
  change?: { from: string; to: string };
  strength?: 'strong' | 'weak';
}

const answerOf = (response: Json): string | null =>
  response !== null && typeof response === 'object' && !Array.isArray(response) && typeof response.answer === 'string' ? response.answer.slice(0, MAX_CHARS) : null;

/** NFKC, lower case, punctuation dropped, whitespace collapsed: the form in which two answers are the same text. */
const normal = (text: string): string => text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]+/gu, ' ').replace(/\s+/g, ' ').trim();
const words = (text: string): string[] => normal(text).split(' ').filter((w) => w.length > 0);
const digest = (text: string): string => createHash('sha256').update(normal(text)).digest('hex').slice(0, 16);

/** FNV-1a of a word: memory keeps 32-bit word hashes, not text. */
function wordHash(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
const wordHashes = (text: string): number[] => [...new Set(words(text).map(wordHash))].sort((a, b) => a - b);

/** The task's public words (prompt and payload strings), hashed. */
function publicWords(task: Task): Set<number> {
  const texts: string[] = [task.prompt];
  const walk = (v: Json) => (typeof v === 'string' ? texts.push(v) : Array.isArray(v) ? v.forEach(walk) : v !== null && typeof v === 'object' ? Object.values(v).forEach(walk) : undefined);
  walk(task.payload);
  return new Set(texts.flatMap(words).map(wordHash));
}

/** Whether `got` scores 1 against `answer` under `ground-truth` with the task's answer type and tolerance. */
function sameAnswer(task: Task, answer: Json, got: string): boolean {
  const verdict = groundTruth.score({ options: { numericTolerance: 1e-9, relativeTolerance: 0 }, log: () => {} }, { task: { ...task, answer }, response: { answer: got } }, undefined);
  return (typeof verdict === 'number' ? verdict : (verdict as { value: number }).value) === 1;
}

interface Hit {
  reason: string;
  strength: 'strong' | 'weak';
  matched?: { uid: number; hotkey: string };
}

/**
 * An earlier answer to `of` (by anyone but `except`) that `got` copies: identical, or (with
 * `overlap`) sharing that share of the words neither task supplied. `ownWords` are `got`'s words
 * that the probe's public text lacks.
 */
function copiedAnswer(memory: Map<string, Json>, of: string, got: string, ownWords: Set<number>, publicNow: Set<number>, except: string | null, overlap: number | null): Hit | null {
  const earlier = memory.get(`answers:${of}`) as { byHotkey: Record<string, Remembered> } | undefined;
  if (earlier === undefined || ownWords.size < CACHE_PROBE_DEFAULTS.minOwnWords) return null;
  const h = digest(got);
  for (const [hotkey, seen] of Object.entries(earlier.byHotkey)) {
    if (hotkey === except) continue;
    if (seen.h === h) return { reason: 'identical-to-earlier-answer', strength: 'strong', matched: { uid: seen.uid, hotkey } };
    if (overlap === null || seen.w === undefined) continue;
    // A cut answer kept its smallest hashes: compare both on that hash range only.
    const limit = seen.w.length >= CACHE_PROBE_DEFAULTS.maxWordsPerAnswer ? seen.w[seen.w.length - 1] : Infinity;
    const mine = limit === Infinity ? ownWords : new Set([...ownWords].filter((x) => x <= limit));
    const theirs = seen.w.filter((x) => !publicNow.has(x));
    const shared = theirs.filter((x) => mine.has(x)).length;
    if (shared / (mine.size + theirs.length - shared) >= overlap) return { reason: 'reworded-earlier-answer', strength: 'strong', matched: { uid: seen.uid, hotkey } };
  }
  return null;
}
function judge(task: Task, probe: ProbeMeta, view: ResponseView, memory: Map<string, Json>): Hit | null {
  const got = answerOf(view.response);
  if (got === null) return null;
  const type = String(task.meta.answerType ?? 'string');
  const publicNow = publicWords(task);
  const own = new Set(wordHashes(got).filter((x) => !publicNow.has(x)));
  if (probe.kind === 'replay') return copiedAnswer(memory, probe.of, got, own, publicNow, view.hotkey, null);
  if (!OPEN.has(type)) {
    if (sameAnswer(task, task.answer, got) || !sameAnswer(task, probe.oldAnswer ?? null, got)) return null;
    return { reason: 'old-answer', strength: probe.strength === 'weak' ? 'weak' : 'strong' };
  }
  const change = probe.change;
  if (type === 'summary' && change !== undefined && change.from !== '') {
    const says = (value: string) => new RegExp(`(?<![\\p{L}\\p{N}])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'iu').test(got);
    if (says(change.from) && !says(change.to)) return { reason: 'old-detail', strength: 'strong' };
  }
  return copiedAnswer(memory, probe.of, got, own, publicNow, null, CACHE_PROBE_DEFAULTS.paraphraseOverlap);
}

const clip = (value: Json): Json => (typeof value === 'string' && value.length > 300 ? `${value.slice(0, 300)}…` : value);

export default defineDetector({
  name: 'cache-probe',
  version: '1.1.0',
  inspectRound(ctx, tasks) {
    const d = CACHE_PROBE_DEFAULTS;
    const findings: RoundFinding[] = [];
    const caught = new Map<number, { hotkey: string; probe: string; reason: string }>();
    for (const { task, responses } of tasks) {
      const probe = task.meta.probe as unknown as ProbeMeta | null | undefined;
      if (probe === undefined || probe === null || typeof probe !== 'object' || (probe.kind !== 'reworded' && probe.kind !== 'replay')) continue;
      for (const view of responses) {
        const hit = judge(task, probe, view, ctx.memory);
        if (hit === null) continue;
        let weak: number[] = [];
        if (hit.strength === 'weak') {
          weak = [...((ctx.memory.get(`weak:${view.hotkey}`) as number[] | undefined) ?? []).filter((r) => r > ctx.round - d.memoryRounds), ctx.round];
          ctx.memory.set(`weak:${view.hotkey}`, weak);
        }
        if (hit.strength === 'strong' || weak.length >= d.weakHits) caught.set(view.uid, { hotkey: view.hotkey, probe: task.id, reason: hit.reason });
        findings.push({
          taskId: task.id,
          uids: [view.uid],
          penalty: d.probePenalty,
          evidence: {
            probe: { task: task.id, kind: probe.kind, of: probe.of, round: probe.round, change: probe.change ?? null },
            hotkey: view.hotkey,
            reason: hit.reason,
            strength: hit.strength,
            ...(hit.strength === 'weak' ? { weakHits: weak.length } : {}),
            answer: clip(answerOf(view.response)),
            oldAnswer: clip(probe.oldAnswer ?? null),
            newAnswer: clip(task.answer),
            ...(hit.matched ? { matched: hit.matched } : {}),
          },
        });
      }
    }
    // A miner caught replaying an old answer loses the rest of its round too: caching must not pay.
    for (const [uid, why] of caught) {
      ctx.memory.set(`caught:${why.hotkey}`, { round: ctx.round, probe: why.probe, hit: why.reason });
      for (const { task, responses } of tasks) {
        if (task.id === why.probe || !responses.some((r) => r.uid === uid)) continue;
        findings.push({ taskId: task.id, uids: [uid], penalty: d.roundPenalty, evidence: { reason: 'caught-on-probe', probe: why.probe, hotkey: why.hotkey, hit: why.reason } });
      }
    }
    // And the rounds after it: probation, keyed by hotkey (a new hotkey on the uid starts clean).
    for (const { task, responses } of tasks) {
      for (const view of responses) {
        const since = ctx.memory.get(`caught:${view.hotkey}`) as { round: number; probe: string; hit: string } | undefined;
        if (since === undefined || since.round >= ctx.round || since.round < ctx.round - d.probationRounds || caught.has(view.uid)) continue;
        findings.push({ taskId: task.id, uids: [view.uid], penalty: d.roundPenalty, evidence: { reason: 'probation', hotkey: view.hotkey, caught: since } });
      }
    }
    remember(ctx.round, ctx.memory, tasks);
    return findings;
  },
});

/** Each hotkey's answer to every ordinary task of the round; answers older than `memoryRounds` are forgotten. */
function remember(round: number, memory: Map<string, Json>, tasks: readonly TaskResponses[]): void {
  for (const { task, responses } of tasks) {
    if (task.meta.probe !== undefined || task.meta.canary !== undefined) continue;
    const open = OPEN.has(String(task.meta.answerType));
    const byHotkey: Record<string, Json> = {};
    for (const view of responses) {
      const got = answerOf(view.response);
      if (got === null) continue;
      byHotkey[view.hotkey] = open ? { uid: view.uid, h: digest(got), w: wordHashes(got).slice(0, CACHE_PROBE_DEFAULTS.maxWordsPerAnswer) } : { uid: view.uid, h: digest(got) };
    }
    memory.set(`answers:${task.id}`, { round, byHotkey });
  }
  capWordsPerHotkey(memory);
  for (const [key, value] of memory) {
    const at = Array.isArray(value) ? Math.max(...(value as number[])) : ((value as { round?: number }).round ?? round);
    const stale = key.startsWith('caught:') ? at < round - CACHE_PROBE_DEFAULTS.probationRounds : at <= round - CACHE_PROBE_DEFAULTS.memoryRounds;
    if (stale) memory.delete(key);
  }
}

/** Keeps each hotkey's newest answers' word hashes up to `maxWordsPerHotkey`; older answers keep their digest only. */
function capWordsPerHotkey(memory: Map<string, Json>): void {
  const answers = [...memory].filter(([key]) => key.startsWith('answers:')).map(([, v]) => v as unknown as { round: number; byHotkey: Record<string, Remembered> });
  answers.sort((a, b) => b.round - a.round);
  const used = new Map<string, number>();
  for (const { byHotkey } of answers) {
    for (const [hotkey, seen] of Object.entries(byHotkey)) {
      if (seen.w === undefined) continue;
      const total = (used.get(hotkey) ?? 0) + seen.w.length;
      if (total > CACHE_PROBE_DEFAULTS.maxWordsPerHotkey) delete seen.w;
      else used.set(hotkey, total);
    }
  }
}
