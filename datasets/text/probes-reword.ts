/**
 * Reworded copies of earlier text tasks: the same task with ONE detail changed so that its right
 * answer changes — the word problem's starting count, the number of days to add, one letter of the
 * word to reverse, the asked fact's value in the document, the passage's window moved on by one
 * sentence, one number of the news item. The prompt keeps its wording (only the changed detail
 * differs), so a miner that answers from memory of the earlier task answers the old text; a miner
 * that reads the task answers the new one.
 *
 * Every change is chosen so that the OLD answer cannot come from the new task: it is not stated in
 * the new prompt or payload, and it is none of the slips an honest solver makes on the new task
 * (a neighbouring number, day or hour; a letter one place off; the count before the last step).
 * So an honest miner, right or wrong, does not give the old answer except by a rare guess; which
 * answers make that guess likely is `strength` (`weak`: numbers and clock times).
 *
 * Count-letter and weekday questions are not reworded: their answers are so few (0–5, seven days)
 * that a guess hits the old one too often to be evidence.
 */
import type { Json, Task } from '../../core/plugin-api.js';
import type { Random } from '../seeded-random.js';
import { applyStep, type ArithmeticStep } from './arithmetic.js';
import { conceals, type AnswerType, type TextTaskDraft } from './family.js';
import { ATTEMPTS, oldAnswerIsStale, payloadOf, replaceOnce, strengthOf, type Payload, type Reworded } from './probes-change.js';
import { rewordContinuation } from './probes-continuation.js';
import { rewordDocument, rewordSummary } from './probes-document.js';
import { randomWord } from './words.js';

export type { Reworded } from './probes-change.js';

// ---- arithmetic: another starting count, the same steps

/** The counts after each step from `start`, or null when a step would leave a non-integer or too few goods (the generator's own rules). */
function countsFrom(start: number, steps: readonly ArithmeticStep[]): number[] | null {
  const counts = [start];
  for (const step of steps) {
    const count = counts[counts.length - 1];
    if (step.action === 'sell' && (count <= 2 || step.count > count - 2)) return null;
    if ((step.action === 'give-percent' || step.action === 'grow-percent') && (count * step.percent) % 100 !== 0) return null;
    if (step.action === 'give-percent' && count - (count * step.percent) / 100 < 2) return null;
    if (step.action === 'split' && (count % step.groups !== 0 || count / step.groups < 2)) return null;
    counts.push(applyStep(count, step));
  }
  return counts;
}

function rewordArithmetic(task: Task, random: Random): Reworded | null {
  const { start, steps } = payloadOf(task) as { start?: number; steps?: ArithmeticStep[] };
  if (typeof start !== 'number' || !Array.isArray(steps)) return null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const next = random.int(6, 240);
    if (Math.abs(next - start) < 2) continue;
    const counts = countsFrom(next, steps);
    const prompt = replaceOnce(task.prompt, ` has ${start} `, ` has ${next} `);
    if (counts === null || prompt === null) continue;
    const answer = counts[counts.length - 1];
    // Forgetting the last step is the honest slip: it must not land on the old answer.
    if (counts.includes(task.answer as number)) continue;
    const draft: TextTaskDraft = { kind: task.kind, prompt, payload: { ...payloadOf(task), start: next }, answer, meta: { ...task.meta } };
    if (conceals(draft) && oldAnswerIsStale(draft, task.answer)) return { draft, change: { from: String(start), to: String(next) }, strength: 'weak' };
  }
  return null;
}

// ---- dates: another day count, date, end date or duration; the calendar arithmetic is the generator's

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const dayOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
function isoDate(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
const inRange = (day: number): boolean => day >= dayOf('1900-01-01') && day <= dayOf('2099-12-31');

/** One candidate change of a dates task: the new prompt, payload fields, answer and the change; null to try again. */
function datesCandidate(task: Task, random: Random): { prompt: string | null; fields: Payload; answer: Json; change: { from: string; to: string } } | null {
  const p = payloadOf(task);
  const sign = () => (random.next() < 0.5 ? -1 : 1);
  switch (p.operation) {
    case 'add-days': {
      const days = p.days as number;
      const next = random.int(1, 1500) * Math.sign(days);
      if (Math.abs(next - days) < 2 || !inRange(dayOf(p.date as string) + next)) return null;
      const direction = days > 0 ? 'after' : 'before';
      const prompt = replaceOnce(task.prompt, ` ${Math.abs(days)} days ${direction} `, ` ${Math.abs(next)} days ${direction} `);
      return { prompt, fields: { days: next }, answer: isoDate(dayOf(p.date as string) + next), change: { from: String(Math.abs(days)), to: String(Math.abs(next)) } };
    }
    case 'days-between': {
      const days = dayOf(p.to as string) - dayOf(p.from as string);
      const next = days + sign() * random.int(2, 60);
      if (next < 2 || next > 2500 || !inRange(dayOf(p.from as string) + next)) return null;
      const to = isoDate(dayOf(p.from as string) + next);
      return { prompt: replaceOnce(task.prompt, ` to ${p.to},`, ` to ${to},`), fields: { to }, answer: next, change: { from: p.to as string, to } };
    }
    case 'add-duration': {
      const minutes = p.minutes as number;
      const next = random.int(1, 59);
      if (Math.abs(next - minutes) < 2) return null;
      const [hour, minute] = String(p.time).split(':').map(Number);
      const end = (hour * 60 + minute + (p.hours as number) * 60 + next) % 1440;
      return { prompt: replaceOnce(task.prompt, ` and ${minutes} minutes`, ` and ${next} minutes`), fields: { minutes: next }, answer: `${pad(Math.floor(end / 60))}:${pad(end % 60)}`, change: { from: String(minutes), to: String(next) } };
    }
    default:
      return null;
  }
}

function rewordDates(task: Task, random: Random): Reworded | null {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const c = datesCandidate(task, random);
    if (c === null || c.prompt === null) continue;
    const draft: TextTaskDraft = { kind: task.kind, prompt: c.prompt, payload: { ...payloadOf(task), ...c.fields }, answer: c.answer, meta: { ...task.meta } };
    if (conceals(draft) && oldAnswerIsStale(draft, task.answer)) return { draft, change: c.change, strength: strengthOf(draft.meta.answerType as AnswerType) };
  }
  return null;
}

// ---- strings: one letter of the word, the shift, or one word of the phrase

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
/**
 * Kept in step with `words.ts`'s list of substrings a public word must not contain: a changed
 * letter could make one.
 */
const UNWANTED = /shit|cunt|fag|nig|slut|whor|rape|nazi|satan|dick|cock|piss|tit|porn|sex|bitch|hitler|kill|die|dead/;

const VOWELS = 'aeiou';

/**
 * Another letter for `c`: a vowel for a vowel (so the word keeps its syllables), else a consonant
 * at least two places away in the alphabet, so that "one letter on" slips never meet.
 */
function otherLetter(random: Random, c: string): string {
  if (VOWELS.includes(c)) return random.pick([...VOWELS].filter((v) => v !== c));
  const far = [...ALPHABET].filter((x) => !VOWELS.includes(x) && Math.min(Math.abs(x.charCodeAt(0) - c.charCodeAt(0)), 26 - Math.abs(x.charCodeAt(0) - c.charCodeAt(0))) >= 2);
  return random.pick(far);
}

const STRING_ANSWERS: Record<string, (text: string, p: Payload) => string> = {
  reverse: (text) => [...text].reverse().join(''),
  'sort-letters': (text) => [...text].sort().join(''),
  'remove-vowels': (text) => text.replace(/[aeiou]/g, ''),
  'reverse-words': (text) => text.split(' ').reverse().join(' '),
  caesar: (text, p) => [...text].map((c) => ALPHABET[(ALPHABET.indexOf(c) + (p.shift as number)) % 26]).join(''),
};

function rewordStrings(task: Task, random: Random): Reworded | null {
  const p = payloadOf(task);
  const operation = p.operation as string;
  const text = p.text as string;
  const answerOf = STRING_ANSWERS[operation];
  if (answerOf === undefined || typeof text !== 'string') return null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let fields: Payload;
    let prompt: string | null;
    let change: { from: string; to: string };
    if (operation === 'caesar') {
      const shift = p.shift as number;
      const next = random.int(1, 25);
      const gap = Math.abs(next - shift);
      if (Math.min(gap, 26 - gap) < 2) continue;
      const once = replaceOnce(task.prompt, `shift of ${shift} to`, `shift of ${next} to`);
      prompt = once === null ? null : replaceOnce(once, `letter ${shift} places`, `letter ${next} places`);
      [fields, change] = [{ shift: next }, { from: String(shift), to: String(next) }];
    } else {
      let next: string;
      if (operation === 'reverse-words') {
        const words = text.split(' ');
        const at = random.int(0, words.length - 1);
        const word = randomWord(random);
        if (words.includes(word)) continue;
        next = words.map((w, i) => (i === at ? word : w)).join(' ');
      } else {
        const at = random.int(0, text.length - 1);
        next = text.slice(0, at) + otherLetter(random, text[at]) + text.slice(at + 1);
      }
      if (UNWANTED.test(next)) continue;
      prompt = replaceOnce(task.prompt, `"${text}"`, `"${next}"`);
      [fields, change] = [{ text: next }, { from: text, to: next }];
    }
    if (prompt === null) continue;
    const payload = { ...p, ...fields };
    const answer = answerOf(payload.text as string, payload);
    if (answer === task.answer || answer.length < 3 || answer === payload.text) continue;
    const draft: TextTaskDraft = { kind: task.kind, prompt, payload, answer, meta: { ...task.meta } };
    if (conceals(draft) && oldAnswerIsStale(draft, task.answer)) return { draft, change, strength: 'strong' };
  }
  return null;
}

const REWORD: Record<string, (task: Task, random: Random) => Reworded | null> = {
  arithmetic: rewordArithmetic,
  dates: rewordDates,
  strings: rewordStrings,
  lookup: rewordDocument,
  qa: rewordDocument,
  continuation: rewordContinuation,
  summary: rewordSummary,
};

/**
 * A reworded copy of `task` (an ordinary task of an earlier round), or null when its kind or its
 * draw offers no change that keeps the family's rules.
 *
 * @example
 * ```ts
 * const probe = rewordTask(earlier, seededRandom(seed, 'text-probe-content'));
 * probe?.change; // { from: '17', to: '45' }: "Ada has 17 apples." became "Ada has 45 apples."
 * ```
 */
export function rewordTask(task: Task, random: Random): Reworded | null {
  const operation = payloadOf(task).operation;
  if ((task.kind === 'strings' && operation === 'count-letter') || (task.kind === 'dates' && operation === 'weekday')) return null;
  return REWORD[task.kind]?.(task, random) ?? null;
}
