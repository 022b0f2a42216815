/**
 * Multi-step arithmetic word problems: someone starts with a count of goods and goes through 2–4
 * steps (buys packs, buys more, sells some, gives away or gains a percentage, splits into equal
 * groups and keeps one). Every intermediate count is a positive integer, and the answer equals
 * none of the numbers in the prompt, so a solver has to carry the steps through.
 *
 * The payload carries the operands: `{ operation: 'word-problem', start, steps: ArithmeticStep[] }`.
 */
import type { Random } from '../seeded-random.js';
import { drawUntil, type TextTaskDraft } from './family.js';
import { FIRST_NAMES, GOODS } from './words.js';

export type ArithmeticStep =
  | { action: 'buy-packs'; packs: number; perPack: number }
  | { action: 'buy'; count: number }
  | { action: 'sell'; count: number }
  | { action: 'give-percent'; percent: number }
  | { action: 'grow-percent'; percent: number }
  | { action: 'split'; groups: number };

const GIVE_PERCENTS = [10, 20, 25, 30, 40, 50, 60, 75, 80];
const GROW_PERCENTS = [10, 20, 25, 50, 100];

/** The count after one step; the generator only draws steps that keep it a positive integer. */
export function applyStep(count: number, step: ArithmeticStep): number {
  switch (step.action) {
    case 'buy-packs': return count + step.packs * step.perPack;
    case 'buy': return count + step.count;
    case 'sell': return count - step.count;
    case 'give-percent': return count - (count * step.percent) / 100;
    case 'grow-percent': return count + (count * step.percent) / 100;
    case 'split': return count / step.groups;
  }
}

/** The steps that keep `count` a positive integer, one drawn per feasible action. */
function feasibleSteps(random: Random, count: number): ArithmeticStep[] {
  const steps: ArithmeticStep[] = [
    { action: 'buy-packs', packs: random.int(2, 9), perPack: random.int(2, 24) },
    { action: 'buy', count: random.int(2, 60) },
  ];
  if (count > 2) steps.push({ action: 'sell', count: random.int(1, count - 2) });
  const give = GIVE_PERCENTS.filter((p) => (count * p) % 100 === 0 && count - (count * p) / 100 >= 2);
  if (give.length > 0) steps.push({ action: 'give-percent', percent: random.pick(give) });
  const grow = GROW_PERCENTS.filter((p) => (count * p) % 100 === 0);
  if (grow.length > 0) steps.push({ action: 'grow-percent', percent: random.pick(grow) });
  const groups = [2, 3, 4, 5, 6].filter((g) => count % g === 0 && count / g >= 2);
  if (groups.length > 0) steps.push({ action: 'split', groups: random.pick(groups) });
  return steps;
}

function describe(step: ArithmeticStep, name: string, goods: (typeof GOODS)[number]): string {
  switch (step.action) {
    case 'buy-packs': return `${name} buys ${step.packs} ${goods.pack} of ${step.perPack} ${goods.plural} each.`;
    case 'buy': return `${name} buys ${step.count} more ${goods.plural}.`;
    case 'sell': return `${name} sells ${step.count} of the ${goods.plural}.`;
    case 'give-percent': return `${name} gives away ${step.percent}% of the ${goods.plural}.`;
    case 'grow-percent': return `${name}'s stock of ${goods.plural} grows by ${step.percent}%.`;
    case 'split': return `${name} splits the ${goods.plural} into ${step.groups} equal groups and keeps just one group.`;
  }
}

function drawOnce(random: Random): TextTaskDraft {
  const name = random.pick(FIRST_NAMES);
  const goods = random.pick(GOODS);
  const start = random.int(6, 240);
  const steps: ArithmeticStep[] = [];
  let count = start;
  for (let n = random.int(2, 4); n > 0; n--) {
    const step = random.pick(feasibleSteps(random, count));
    steps.push(step);
    count = applyStep(count, step);
  }
  const prompt = [
    `${name} has ${start} ${goods.plural}.`,
    ...steps.map((step) => describe(step, name, goods)),
    `How many ${goods.plural} does ${name} have now? Answer with a whole number only.`,
  ].join(' ');
  return {
    kind: 'arithmetic',
    prompt,
    payload: { operation: 'word-problem', start, steps },
    answer: count,
    meta: { answerType: 'number', tolerance: 0, steps: steps.length },
  };
}

/** Draws one word problem; see the module comment. */
export function arithmeticTask(random: Random, _index: number): TextTaskDraft {
  return drawUntil('arithmetic', () => drawOnce(random));
}
