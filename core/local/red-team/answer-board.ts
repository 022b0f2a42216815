/**
 * What the red team can see of the honest miners: the local subnet's reference miners post each
 * answer here as they send it, the way a relay operator would watch (or pay for) a better miner's
 * output. Relays (`copycat`, `slow-relay`) wait for the source's answer to the same task; caches
 * look through the source's earlier answers. Only the watched uids are kept, with bounded history:
 * image answers are tens of kilobytes each.
 */
import type { Json, PublicTask } from '../../plugin-api.js';

/** One answer a reference miner sent. */
export interface PostedAnswer {
  plugin: string;
  task: PublicTask;
  uid: number;
  answer: Json;
  /** `Date.now()` when it was posted, just before the miner's server sent it. */
  postedAt: number;
}

export interface AnswerBoard {
  /** Records an answer; ignored unless its uid is watched. */
  post(entry: PostedAnswer): void;
  /** The watched uid's answer to the task: at once if posted, else when it is, or null after `timeoutMs`. */
  wait(plugin: string, taskId: string, uid: number, timeoutMs: number): Promise<PostedAnswer | null>;
  /** The watched uids' answers of a plugin, oldest first (at most `historyLimit`). */
  history(plugin: string): readonly PostedAnswer[];
}

const keyOf = (plugin: string, taskId: string, uid: number): string => `${plugin}\u0000${taskId}\u0000${uid}`;

/**
 * A board that keeps the answers of `watched` uids: the last `historyLimit` per plugin, and waiters
 * for answers not yet posted.
 *
 * @example
 * ```ts
 * const board = createAnswerBoard([4]);
 * const copy = board.wait('text', '1-text-0', 4, 5000); // resolves when uid 4 posts its answer
 * board.post({ plugin: 'text', task, uid: 4, answer: { answer: '42' }, postedAt: Date.now() });
 * ```
 */
export function createAnswerBoard(watched: readonly number[], historyLimit = 256): AnswerBoard {
  const watch = new Set(watched);
  const byKey = new Map<string, PostedAnswer>();
  const histories = new Map<string, PostedAnswer[]>();
  const waiters = new Map<string, ((entry: PostedAnswer) => void)[]>();
  return {
    post(entry) {
      if (!watch.has(entry.uid)) return;
      const key = keyOf(entry.plugin, entry.task.id, entry.uid);
      byKey.set(key, entry);
      // Bounded: the oldest entries go first (a Map iterates in insertion order).
      while (byKey.size > historyLimit * 4) byKey.delete(byKey.keys().next().value!);
      const history = histories.get(entry.plugin) ?? [];
      history.push(entry);
      if (history.length > historyLimit) history.splice(0, history.length - historyLimit);
      histories.set(entry.plugin, history);
      for (const resolve of waiters.get(key) ?? []) resolve(entry);
      waiters.delete(key);
    },
    wait(plugin, taskId, uid, timeoutMs) {
      const key = keyOf(plugin, taskId, uid);
      const posted = byKey.get(key);
      if (posted !== undefined) return Promise.resolve(posted);
      if (!watch.has(uid)) return Promise.resolve(null);
      return new Promise((resolve) => {
        const done = (entry: PostedAnswer | null) => {
          clearTimeout(timer);
          resolve(entry);
        };
        const timer = setTimeout(() => {
          const list = (waiters.get(key) ?? []).filter((w) => w !== done);
          if (list.length > 0) waiters.set(key, list);
          else waiters.delete(key);
          resolve(null);
        }, Math.max(0, timeoutMs));
        waiters.set(key, [...(waiters.get(key) ?? []), done]);
      });
    },
    history(plugin) {
      return histories.get(plugin) ?? [];
    },
  };
}
