/**
 * The reference solver of the text tasks: it computes every answer from the public task alone
 * (prompt and payload), never from the hidden answer, and knows the plausible mistakes a weaker
 * miner makes. Its date arithmetic is its own (days from the civil calendar, integer-only), not the
 * generator's `Date`-based one, so the tests that check it against the generator check both.
 */
import type { Json, PublicTask, ReferenceMiner } from '../../core/plugin-api.js';
// The steps are public (the payload); applying one is the word problem's own arithmetic.
import { applyStep, type ArithmeticStep } from '../../datasets/text/arithmetic.js';
import type { AnswerType } from '../../datasets/text/family.js';
import { askedSentences, writeContinuation } from './continuation-writer.js';
import { solveQa } from './qa-solver.js';
import { field, misspell, numberSolution, unsolvable, type Solution } from './solution.js';
import { summarise } from './summariser.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// ---- dates: Howard Hinnant's civil-calendar algorithms, proleptic Gregorian, day 0 = 1970-01-01.

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function civilFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return `${pad(yoe + era * 400 + (m <= 2 ? 1 : 0), 4)}-${pad(m)}-${pad(d)}`;
}

function parseDay(task: PublicTask, value: Json | undefined): number {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) unsolvable(task, `has no ISO date where one is expected (${JSON.stringify(value)})`);
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
}

function clock(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

function solveDates(task: PublicTask): Solution {
  const { payload } = task;
  switch (field(payload, 'operation')) {
    case 'add-days': {
      const day = parseDay(task, field(payload, 'date')) + Number(field(payload, 'days'));
      return { answer: civilFromDays(day), type: 'date', nearMisses: [civilFromDays(day + 1), civilFromDays(day - 1)] };
    }
    case 'weekday': {
      const w = (((parseDay(task, field(payload, 'date')) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
      return { answer: WEEKDAYS[w], type: 'weekday', nearMisses: [WEEKDAYS[(w + 1) % 7], WEEKDAYS[(w + 6) % 7]] };
    }
    case 'days-between': {
      const days = parseDay(task, field(payload, 'to')) - parseDay(task, field(payload, 'from'));
      return numberSolution(days, [days + 1]); // counting both ends is the classic slip
    }
    case 'add-duration': {
      const match = /^(\d{2}):(\d{2})$/.exec(String(field(payload, 'time')));
      if (!match) unsolvable(task, 'has no HH:MM time');
      const end = Number(match[1]) * 60 + Number(match[2]) + Number(field(payload, 'hours')) * 60 + Number(field(payload, 'minutes'));
      return { answer: clock(end), type: 'time', nearMisses: [clock(end + 60), clock(end - 60)] };
    }
    default:
      return unsolvable(task, 'has an unknown dates operation');
  }
}

// ---- arithmetic

function solveArithmetic(task: PublicTask): Solution {
  const start = field(task.payload, 'start');
  const steps = field(task.payload, 'steps');
  if (typeof start !== 'number' || !Array.isArray(steps)) unsolvable(task, 'has no start and steps');
  const counts = [start];
  for (const step of steps as unknown as ArithmeticStep[]) counts.push(applyStep(counts[counts.length - 1], step));
  // Forgetting the last step is the plausible slip.
  return numberSolution(counts[counts.length - 1], [counts[counts.length - 2]]);
}

// ---- strings

function solveStrings(task: PublicTask): Solution {
  const { payload } = task;
  const text = field(payload, 'text');
  if (typeof text !== 'string') unsolvable(task, 'has no text');
  const string = (answer: string, ...misses: string[]): Solution => ({ answer, type: 'string', nearMisses: [misspell(answer), ...misses] });
  switch (field(payload, 'operation')) {
    case 'reverse': return string([...text].reverse().join(''));
    case 'sort-letters': return string([...text].sort().join(''));
    case 'remove-vowels': return string(text.replace(/[aeiou]/g, ''));
    case 'reverse-words': return string(text.split(' ').reverse().join(' '), text);
    case 'caesar': {
      const shift = Number(field(payload, 'shift'));
      const rotate = (k: number) => text.replace(/[a-z]/g, (c) => String.fromCharCode(97 + ((c.charCodeAt(0) - 97 + k) % 26)));
      return string(rotate(shift), rotate((shift + 1) % 26 || 1));
    }
    case 'count-letter': {
      const letter = field(payload, 'letter');
      return numberSolution([...text].filter((c) => c === letter).length);
    }
    default:
      return unsolvable(task, 'has an unknown strings operation');
  }
}

// ---- lookup: read the question from the prompt, the fact from the document's paragraphs

const QUESTIONS: [RegExp, RegExp, AnswerType][] = [
  [/In which city is (.+?) headquartered\?/, /(?:is headquartered in|head office is in|is based in) ([^.]+)\./, 'string'],
  [/In which year was (.+?) founded\?/, /(?:was founded in|was established in|has been operating since) (\d+)\./, 'number'],
  [/How many people does (.+?) employ\?/, /(?:employs (\d+) people|has a staff of (\d+)|workforce numbers (\d+))\./, 'number'],
  [/What is the signature colour of (.+?)\?/, /(?:signature colour is|brands everything in|logo is) ([^.]+)\./, 'string'],
  [/Who founded (.+?)\?/, /was (?:founded|started) by ([^.]+)\./, 'string'],
];

function solveLookup(task: PublicTask): Solution {
  const document = field(task.payload, 'document');
  if (typeof document !== 'string') unsolvable(task, 'has no document');
  for (const [question, statement, type] of QUESTIONS) {
    const asked = question.exec(task.prompt);
    if (!asked) continue;
    const paragraphs = document.split(/\n\s*\n/);
    const read = (paragraph: string): string | null => {
      const match = statement.exec(paragraph);
      return match ? match.slice(1).find((group) => group !== undefined) ?? null : null;
    };
    const own = paragraphs.find((p) => p.startsWith(`${asked[1]} is a `) || p.startsWith(`${asked[1]} is an `));
    const answer = own === undefined ? null : read(own);
    if (answer === null) return unsolvable(task, `states no such fact about ${asked[1]}`);
    // Reading the same fact off another company's paragraph is the plausible slip.
    const others = paragraphs.filter((p) => p !== own).map(read).filter((v): v is string => v !== null && v !== answer);
    return type === 'number' ? numberSolution(Number(answer), others.map(Number)) : { answer, type, nearMisses: [...others, misspell(answer)] };
  }
  return unsolvable(task, 'asks a question the solver does not know');
}

const SOLVERS: Record<string, (task: PublicTask) => Solution> = {
  arithmetic: solveArithmetic,
  dates: solveDates,
  lookup: solveLookup,
  qa: solveQa,
  strings: solveStrings,
};

function solve(task: PublicTask): Solution {
  const solver = SOLVERS[task.kind];
  if (solver === undefined) unsolvable(task, 'is of a kind the text solver does not know');
  return solver(task);
}

/**
 * The correct answer to a text task with one right answer (every kind but `continuation` and
 * `summary`), computed from its public part only, in the canonical format the prompt asks for.
 *
 * @example
 * ```ts
 * solveTextTask({ id: '1-text-0', kind: 'strings', prompt: '…', payload: { operation: 'reverse', text: 'stone' } }); // 'enots'
 * ```
 */
export function solveTextTask(task: PublicTask): string {
  return solve(task).answer;
}

/** The open-ended answer at a quality drawn from the skill: the good method with probability `skill`, else one of two poor ones. */
function writeOpenEnded(task: PublicTask, skill: number, random: () => number): string {
  const good = random() < skill;
  const poor = random() < 0.5;
  const text = field(task.payload, task.kind === 'summary' ? 'document' : 'passage');
  if (typeof text !== 'string') unsolvable(task, `has no ${task.kind === 'summary' ? 'document' : 'passage'}`);
  if (task.kind === 'summary') return summarise(text, good ? 'extract' : poor ? 'first-sentence' : 'random-words', random);
  return writeContinuation(text, askedSentences(task.prompt), good ? 'model' : poor ? 'unrelated' : 'random-words', random);
}

/**
 * The text plugin's reference miner. On tasks with one right answer: with probability `skill` the
 * solver's answer, otherwise one of its near misses (off by one, the neighbouring day or hour, a
 * misspelling, another company's fact), so a miner of skill s is right on a fraction s of them on
 * average. On open-ended tasks it writes real text (`continuation-writer.ts`, `summariser.ts`):
 * with probability `skill` by its good method, otherwise by a poor one. It never sees `answer` or `meta`.
 */
export const textMiner: ReferenceMiner = {
  answer(task, skill, random) {
    if (task.kind === 'continuation' || task.kind === 'summary') return { answer: writeOpenEnded(task, skill, random) };
    const solution = solve(task);
    if (random() < skill) return { answer: solution.answer };
    return { answer: solution.nearMisses[Math.floor(random() * solution.nearMisses.length)] };
  },
};
