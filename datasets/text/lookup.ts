/**
 * Fact lookup in a synthetic document. The payload is `{ document }`: one paragraph per fictional
 * company (3–5 of them), each opening "<Name> is a(n) <sector> company." and then stating, in shuffled
 * order and varied wording (subject the name, "It" or "The company"), its city, founding year,
 * staff, signature colour and founder, with distractors: now and then a second office in another
 * city and a later year, and last a partner company. The prompt asks one attribute of one company.
 *
 * Every value in a document is unique, so the asked fact occurs in the document exactly once and
 * never in the prompt.
 */
import type { Random } from '../seeded-random.js';
import { drawUntil, mentions, type AnswerType, type TextTaskDraft } from './family.js';
import { capitalise, CITY_SUFFIXES, COLOURS, COMPANY_SUFFIXES, FIRST_NAMES, pseudoWord, SECTORS } from './words.js';

export type LookupAttribute = 'city' | 'founded' | 'employees' | 'colour' | 'founder';
const ATTRIBUTES: readonly LookupAttribute[] = ['city', 'founded', 'employees', 'colour', 'founder'];

/** One fictional company of a document; `qa` asks questions that combine these facts. */
export interface Company {
  name: string;
  sector: string;
  city: string;
  founded: number;
  employees: number;
  colour: string;
  founder: string;
  branch: { city: string; year: number } | null;
  partner: string | null;
}

/** Ways to refer to a company after its opening sentence: [subject, possessive]. */
function subjects(name: string): [string, string][] {
  return [[name, name.endsWith('s') ? `${name}'` : `${name}'s`], ['It', 'Its'], ['The company', "The company's"]];
}

type Sentence = (s: string, p: string, company: Company) => string;

const SENTENCES: Record<LookupAttribute, readonly Sentence[]> = {
  city: [(s, _p, c) => `${s} is headquartered in ${c.city}.`, (_s, p, c) => `${p} head office is in ${c.city}.`, (s, _p, c) => `${s} is based in ${c.city}.`],
  founded: [(s, _p, c) => `${s} was founded in ${c.founded}.`, (s, _p, c) => `${s} was established in ${c.founded}.`, (s, _p, c) => `${s} has been operating since ${c.founded}.`],
  employees: [(s, _p, c) => `${s} employs ${c.employees} people.`, (s, _p, c) => `${s} has a staff of ${c.employees}.`, (_s, p, c) => `${p} workforce numbers ${c.employees}.`],
  colour: [(_s, p, c) => `${p} signature colour is ${c.colour}.`, (s, _p, c) => `${s} brands everything in ${c.colour}.`, (_s, p, c) => `${p} logo is ${c.colour}.`],
  founder: [(s, _p, c) => `${s} was founded by ${c.founder}.`, (s, _p, c) => `${s} was started by ${c.founder}.`],
};

const QUESTIONS: Record<LookupAttribute, (name: string) => string> = {
  city: (name) => `In which city is ${name} headquartered? Answer with the city name only.`,
  founded: (name) => `In which year was ${name} founded? Answer with the year only.`,
  employees: (name) => `How many people does ${name} employ? Answer with a whole number only.`,
  colour: (name) => `What is the signature colour of ${name}? Answer with the colour only.`,
  founder: (name) => `Who founded ${name}? Answer with the founder's full name only.`,
};

/**
 * Draws a value not drawn before in this document. Every range it is used with holds more values
 * than a document uses (at most 15 numbers; founding years end in 1990 so that a later branch year
 * has at least 34 to choose from), so it ends.
 */
function fresh<T>(used: Set<string>, draw: () => T): T {
  for (;;) {
    const value = draw();
    const key = String(value).toLowerCase();
    if (!used.has(key)) {
      used.add(key);
      return value;
    }
  }
}

/** 3–5 companies whose values (names, cities, years, staff, colours, founders) are unique within the document. */
export function drawCompanies(random: Random): Company[] {
  // Colours are taken up front so that no generated name coincides with one.
  const used = new Set<string>(COLOURS);
  const root = (syllables: number) => fresh(used, () => capitalise(pseudoWord(random, syllables)));
  const colours = random.shuffle(COLOURS);
  const companies: Company[] = [];
  for (let i = random.int(3, 5); i > 0; i--) {
    const founded = fresh(used, () => random.int(1850, 1990));
    companies.push({
      name: `${root(2)} ${random.pick(COMPANY_SUFFIXES)}`,
      sector: random.pick(SECTORS),
      city: root(2) + random.pick(CITY_SUFFIXES),
      founded,
      employees: fresh(used, () => random.int(12, 9800)),
      colour: colours[i],
      founder: `${random.pick(FIRST_NAMES)} ${root(random.int(2, 3))}`,
      branch: random.next() < 0.5 ? { city: root(2) + random.pick(CITY_SUFFIXES), year: fresh(used, () => random.int(founded + 1, 2024)) } : null,
      partner: null,
    });
  }
  for (const company of companies) {
    if (random.next() < 0.5) company.partner = random.pick(companies.filter((other) => other !== company)).name;
  }
  return companies;
}

/** The company's paragraph: the opening sentence, then its facts in shuffled order and varied wording. */
export function paragraph(random: Random, company: Company): string {
  const sentences: Sentence[] = ATTRIBUTES.map((attribute) => random.pick(SENTENCES[attribute]));
  if (company.branch) sentences.push((s, _p, c) => `${s} opened a second office in ${c.branch!.city} in ${c.branch!.year}.`);
  const forms = subjects(company.name);
  const body = random.shuffle(sentences).map((sentence) => {
    const [s, p] = random.pick(forms);
    return sentence(s, p, company);
  });
  // Last, so that no "It" after it could be read as the partner.
  if (company.partner) body.push(`${random.pick(forms)[0]} works closely with ${company.partner}.`);
  const article = /^[aeiou]/.test(company.sector) ? 'an' : 'a';
  return [`${company.name} is ${article} ${company.sector} company.`, ...body].join(' ');
}

function drawOnce(random: Random): TextTaskDraft {
  const companies = drawCompanies(random);
  const document = companies.map((company) => paragraph(random, company)).join('\n\n');
  const target = random.pick(companies);
  const attribute = random.pick(ATTRIBUTES);
  const answerType: AnswerType = attribute === 'founded' || attribute === 'employees' ? 'number' : 'string';
  return {
    kind: 'lookup',
    prompt: `Read the document and answer from it alone. ${QUESTIONS[attribute](target.name)}`,
    payload: { document },
    answer: target[attribute],
    meta: answerType === 'number' ? { answerType, tolerance: 0, attribute } : { answerType, attribute },
  };
}

/** The lookup's own concealment: absent from the prompt, stated once in the document. */
function findable(draft: TextTaskDraft): boolean {
  const type = draft.meta.answerType as AnswerType;
  const { document } = draft.payload as { document: string };
  return mentions(draft.prompt, draft.answer, type) === 0 && mentions(document, draft.answer, type) === 1;
}

/** Draws one document and question; see the module comment. */
export function lookupTask(random: Random, _index: number): TextTaskDraft {
  return drawUntil('lookup', () => drawOnce(random), findable);
}
