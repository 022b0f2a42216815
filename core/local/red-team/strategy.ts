/**
 * The red team's contract: a strategy is one object that answers a public task the way a gaming
 * miner would, never from the hidden answer. The local subnet serves each red-team miner as a real
 * signed-HTTP server with its own dev hotkey (`red-team-miners.ts`); `validator bench gaming`
 * measures what each strategy earns under Proctor and under a naive scorer.
 *
 * Every strategy answers in the plugin's response schema, so its answers are scored, not refused
 * as invalid: a red team that only sent malformed bytes would prove nothing.
 */
import type { Json, PublicTask } from '../../plugin-api.js';
import type { LoadedPlugin } from '../../plugin-loader.js';
import type { AnswerBoard } from './answer-board.js';

/** Everything a strategy may use to answer one request: the public task, and what a gaming miner could see. */
export interface StrategyContext {
  plugin: LoadedPlugin;
  task: PublicTask;
  /** The deadline the validator announced (`deadline_ms`), from `arrivedAt`. */
  deadlineMs: number;
  /** `Date.now()` when the request arrived. */
  arrivedAt: number;
  /** This miner's own generator, in [0, 1). */
  random: () => number;
  /** This miner's memory for the run (a sybil cluster's members share one). */
  memory: Map<string, unknown>;
  /** The reference miners' answers as they are sent (`answer-board.ts`). */
  board: AnswerBoard;
  /** The uid a relay copies: the most skilled reference miner; null when there is none. */
  sourceUid: number | null;
  /** Index of this miner within its entry (a sybil cluster's member), and the entry's size. */
  member: number;
  members: number;
  /** The run's seed: generators shared by a sybil cluster derive from it. */
  seed: string;
}

export interface RedTeamStrategy {
  /** = file name = registry key. */
  name: string;
  /** What it does, in one line. */
  summary: string;
  /** Which Proctor defence should stop it. */
  defence: string;
  /** `name:n` is one cluster of n uids sharing a model (true), or n independent miners (default). */
  cluster?: boolean;
  /** The default n of `name` without `:n`. */
  defaultCount?: number;
  /**
   * A cluster's one model answers at this skill: the bench measures what the cluster's extra uids
   * earn beyond one honest miner of the same skill, which is what running them gains.
   */
  modelSkill?: number;
  /** Loads what the strategy needs (a model) before the first request, so that loading does not eat a deadline. */
  prepare?: () => Promise<void>;
  answer(ctx: StrategyContext): Promise<Json>;
}

/**
 * Declares a strategy.
 *
 * @example
 * ```ts
 * export default defineStrategy({ name: 'constant', summary: '…', defence: '…', answer: async (ctx) => textResponse(ctx, 'Yes.') });
 * ```
 */
export function defineStrategy(strategy: RedTeamStrategy): RedTeamStrategy {
  return Object.freeze(strategy);
}

/** How a plugin's answers look: `{ answer: string }` (text), `{ image: base64 }` (image), or something else. */
export type AnswerShape = 'text' | 'image' | 'other';

// The smallest valid PNG (1×1 white): enough to ask a schema whether it takes `{ image }`.
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC';

const shapes = new WeakMap<object, AnswerShape>();

/** The plugin's answer shape, found by asking its response schema. */
export function answerShape(plugin: LoadedPlugin): AnswerShape {
  const known = shapes.get(plugin.definition);
  if (known !== undefined) return known;
  const schema = plugin.definition.protocol.response;
  const shape: AnswerShape = schema.safeParse({ answer: 'x' }).success ? 'text' : schema.safeParse({ image: TINY_PNG }).success ? 'image' : 'other';
  shapes.set(plugin.definition, shape);
  return shape;
}

/**
 * `{ answer: text }`, shortened until the plugin's schema takes it (the text plugin caps answers at
 * 4096 characters; a longer one would be refused, not scored).
 */
export function textResponse(ctx: Pick<StrategyContext, 'plugin'>, text: string): Json {
  const schema = ctx.plugin.definition.protocol.response;
  let shown = text.length > 4096 ? text.slice(0, 4096) : text;
  while (shown.length > 1 && !schema.safeParse({ answer: shown }).success) shown = shown.slice(0, Math.floor(shown.length / 2));
  return { answer: shown.trimEnd() || '.' };
}

/** The plugin's own reference miner at `skill`: what the strategies that do some honest work start from. */
export async function referenceAnswer(ctx: Pick<StrategyContext, 'plugin' | 'task'>, skill: number, random: () => number): Promise<Json> {
  return ctx.plugin.definition.miner.answer(ctx.task, skill, random);
}

/** Resolves after `ms` milliseconds (0 or less: on the next turn of the event loop). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
