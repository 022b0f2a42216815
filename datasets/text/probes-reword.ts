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
import { conceals, mentions, payloadText, type AnswerType, type TextTaskDraft } from './family.js';
import { rewordContinuation } from './probes-continuation.js';
import { capitalise, CITY_SUFFIXES, COLOURS, pseudoWord, randomWord } from './words.js';

/** A reworded draft and what changed; `generateTextRound` gives it the slot's id and `meta.probe`. */
export interface Reworded {
  draft: TextTaskDraft;
  /** The changed detail as the task writes it, before and after. */
  change: { from: string; to: string };
  strength: 'strong' | 'weak';
}

const ATTEMPTS = 48;

/** `text` with the one occurrence of `from` replaced, or null when `from` does not occur exactly once. */
export function replaceOnce(text: string, from: string, to: string): string | null {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) return null;
  return text.slice(0, at) + to + text.slice(at + from.length);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every whole-token occurrence of `value` in `text` replaced (case kept as given). */
function replaceToken(text: string, value: string, to: string): string {
  return text.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escape(value)}(?![\\p{L}\\p{N}])`, 'gu'), to);
}

/** Same length and one letter apart by one place in the alphabet (cyclically): the slip of a careless solver (`misspell`). */
export function onePlaceApart(a: string, b: string): boolean {
  [a, b] = [a.toLowerCase(), b.toLowerCase()];
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const at = [...a].findIndex((c, i) => c !== b[i]);
  if (a.slice(at + 1) !== b.slice(at + 1) || !/[a-z]/.test(a[at]) || !/[a-z]/.test(b[at])) return false;
  const gap = Math.abs(a.charCodeAt(at) - b.charCodeAt(at));
  return gap === 1 || gap === 25;
}

/**
 * True when the old answer is not derivable from the reworded task: absent from its prompt and
 * payload, and not a slip away from its answer (±1 for numbers, one letter one place on for text).
 */
function oldAnswerIsStale(draft: TextTaskDraft, oldAnswer: Json): boolean {
  const type = draft.meta.answerType as AnswerType;
  if (mentions(draft.prompt, oldAnswer, type) > 0 || mentions(payloadText(draft.payload), oldAnswer, type) > 0) return false;
  if (typeof oldAnswer === 'number' && typeof draft.answer === 'number') return Math.abs(oldAnswer - draft.answer) >= 2;
  return !onePlaceApart(String(oldAnswer), String(draft.answer));
}

function strengthOf(type: AnswerType): 'strong' | 'weak' {
  return type === 'number' || type === 'time' ? 'weak' : 'strong';
}

type Payload = { [key: string]: Json };
const payloadOf = (task: Task): Payload => (task.payload !== null && typeof task.payload === 'object' && !Array.isArray(task.payload) ? task.payload : {});

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

// ---- lookup and qa: the asked value changed in the document, the question word for word the same

/** A value of the same shape as `old` for a document fact: a city, a colour, a founder, a company name. */
export function freshLike(random: Random, old: string, what: string): string {
  switch (what) {
    case 'city':
      return capitalise(pseudoWord(random, 2)) + random.pick(CITY_SUFFIXES);
    case 'colour':
      return random.pick(COLOURS);
    case 'founder': // the same first name, another family name
      return `${old.split(' ')[0]} ${capitalise(pseudoWord(random, random.int(2, 3)))}`;
    default: // a company: another name, the same suffix
      return `${capitalise(pseudoWord(random, 2))} ${old.split(' ').slice(1).join(' ')}`.trim();
  }
}

/** What a qa question's string answer is: a city, a colour, a founder or a company. */
export const QA_SHAPE: Readonly<Record<string, string>> = {
  'founder-city': 'city', 'partner-city': 'city', 'city-colour': 'colour', 'colour-founder': 'founder',
  oldest: 'company', youngest: 'company', largest: 'company', smallest: 'company',
};

/** A number for the fact: a founding year moved earlier (a later second office stays later), a workforce anywhere; null when none fits. */
function freshNumber(random: Random, old: number, attribute: string): number | null {
  if (attribute !== 'founded') return random.int(12, 9800);
  return old - 2 >= 1850 ? random.int(Math.max(1850, old - 60), old - 2) : null;
}

/** The branch-gap question: the second office opened in another year, so the gap changes. */
function branchGap(task: Task, random: Random, document: string): { document: string; answer: number; change: { from: string; to: string } } | null {
  const name = /did (.+?) open its second office\?/.exec(task.prompt)?.[1];
  const paragraph = document.split(/\n\s*\n/).find((p) => name !== undefined && (p.startsWith(`${name} is a `) || p.startsWith(`${name} is an `)));
  const office = paragraph === undefined ? null : /opened a second office in ([^.]+?) in (\d+)\./.exec(paragraph);
  if (paragraph === undefined || office === null) return null;
  const year = Number(office[2]);
  const founded = year - (task.answer as number);
  const next = random.int(founded + 1, 2024);
  if (Math.abs(next - year) < 2 || mentions(document, next, 'number') > 0) return null;
  const changed = replaceOnce(paragraph, office[0], office[0].replace(` in ${year}.`, ` in ${next}.`));
  const whole = changed === null ? null : replaceOnce(document, paragraph, changed);
  return whole === null ? null : { document: whole, answer: next - founded, change: { from: String(year), to: String(next) } };
}

function rewordDocument(task: Task, random: Random): Reworded | null {
  const document = payloadOf(task).document;
  if (typeof document !== 'string') return null;
  const type = task.meta.answerType as AnswerType;
  const what = task.kind === 'lookup' ? String(task.meta.attribute) : QA_SHAPE[String(task.meta.question)];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let next: { document: string; answer: Json; change: { from: string; to: string } } | null;
    if (task.kind === 'qa' && task.meta.question === 'branch-gap') next = branchGap(task, random, document);
    else if (type === 'number' && task.kind === 'lookup') {
      const value = freshNumber(random, task.answer as number, what);
      next = value === null || mentions(document, value, 'number') > 0 ? null : { document: replaceToken(document, String(task.answer), String(value)), answer: value, change: { from: String(task.answer), to: String(value) } };
    } else if (type === 'string' && what !== undefined) {
      const value = freshLike(random, String(task.answer), what);
      const taken = mentions(document, value, 'string') > 0 || value.split(' ').some((w) => w.length > 2 && mentions(document, w, 'string') > 0 && !String(task.answer).split(' ').includes(w));
      next = taken ? null : { document: replaceToken(document, String(task.answer), value), answer: value, change: { from: String(task.answer), to: value } };
    } else return null;
    if (next === null) continue;
    const draft: TextTaskDraft = { kind: task.kind, prompt: task.prompt, payload: { ...payloadOf(task), document: next.document }, answer: next.answer, meta: { ...task.meta } };
    // The family's own rule: a text answer stated in the document (once for lookup), a computed number never.
    const stated = mentions(next.document, next.answer, type);
    const findable = type === 'number' && task.kind === 'qa' ? stated === 0 : task.kind === 'lookup' ? stated === 1 : stated > 0;
    if (findable && mentions(draft.prompt, draft.answer, type) === 0 && oldAnswerIsStale(draft, task.answer)) return { draft, change: next.change, strength: strengthOf(type) };
  }
  return null;
}

// ---- summary: one number of the news item changed in the document, the reference and the key facts

function rewordSummary(task: Task, random: Random): Reworded | null {
  const document = payloadOf(task).document;
  const facts = Array.isArray(task.meta.facts) ? (task.meta.facts as Json[]).map(String) : [];
  const reference = String(task.answer);
  const numbers = facts.filter((f) => /^\d+$/.test(f) && mentions(String(document), Number(f), 'number') === 1 && mentions(reference, Number(f), 'number') === 1);
  if (typeof document !== 'string' || numbers.length === 0) return null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const from = random.pick(numbers);
    const old = Number(from);
    // A plausible neighbour: a year moves a few years, any other number by up to a quarter.
    const reach = old >= 1900 && old <= 2100 ? 5 : Math.max(3, Math.floor(old / 4));
    const value = old + (random.next() < 0.5 ? -1 : 1) * random.int(2, reach);
    if (value < 1 || mentions(document, value, 'number') > 0 || mentions(reference, value, 'number') > 0) continue;
    const to = String(value);
    const answer = replaceToken(reference, from, to);
    const draft: TextTaskDraft = {
      kind: task.kind,
      prompt: task.prompt,
      payload: { ...payloadOf(task), document: replaceToken(document, from, to) },
      answer,
      meta: { ...task.meta, reference: answer, facts: facts.map((f) => (f === from ? to : f)) },
    };
    if (conceals(draft)) return { draft, change: { from, to }, strength: 'strong' };
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
