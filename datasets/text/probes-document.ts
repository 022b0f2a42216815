/**
 * Reworded document tasks: a lookup or qa document with the asked value changed (a fresh city,
 * colour, founder or number; a renamed company for "which is the oldest"; the second office opened
 * in another year), the question word for word the same; a summary's news item with one key
 * number changed in the document, the reference summary and the key facts.
 */
import type { Json, Task } from '../../core/plugin-api.js';
import type { Random } from '../seeded-random.js';
import { conceals, mentions, type AnswerType, type TextTaskDraft } from './family.js';
import { ATTEMPTS, oldAnswerIsStale, payloadOf, replaceOnce, replaceToken, strengthOf, type Reworded } from './probes-change.js';
import { capitalise, CITY_SUFFIXES, COLOURS, pseudoWord } from './words.js';

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

/** A lookup or qa task with the asked value changed in its document; see the module comment. */
export function rewordDocument(task: Task, random: Random): Reworded | null {
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

/** A summary task with one key number of its news item changed; see the module comment. */
export function rewordSummary(task: Task, random: Random): Reworded | null {
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
