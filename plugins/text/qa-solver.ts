/**
 * The reference solver of `qa` tasks: it reads every company's facts off the document (whatever
 * the wording), recognises the question from the prompt, and combines the facts it needs. Its
 * near misses are the slips such a question invites: the runner-up of a comparison, the company's
 * own city instead of its partner's, a neighbouring number, another company's value.
 */
import type { PublicTask } from '../../core/plugin-api.js';
import { field, numberSolution, stringSolution, unsolvable, type Solution } from './solution.js';

export interface CompanyFacts {
  name: string;
  city?: string;
  founded?: number;
  employees?: number;
  colour?: string;
  founder?: string;
  branch?: { city: string; year: number };
  partner?: string;
}

const OPENING = /^(.+?) is an? [\p{L} ]+? company\./u;
const STATEMENTS = {
  city: /(?:is headquartered in|head office is in|is based in) ([^.]+)\./,
  founded: /(?:was founded in|was established in|has been operating since) (\d+)\./,
  employees: /(?:employs (\d+) people|has a staff of (\d+)|workforce numbers (\d+))\./,
  colour: /(?:signature colour is|brands everything in|logo is) ([^.]+)\./,
  founder: /was (?:founded|started) by ([^.]+)\./,
  branch: /opened a second office in ([^.]+?) in (\d+)\./,
  partner: /works closely with ([^.]+)\./,
};

/** The companies of a document, one per paragraph that opens "<Name> is a(n) <sector> company.". */
export function readCompanies(document: string): CompanyFacts[] {
  const companies: CompanyFacts[] = [];
  for (const paragraph of document.split(/\n\s*\n/)) {
    const name = OPENING.exec(paragraph)?.[1];
    if (name === undefined) continue;
    const read = (pattern: RegExp) => pattern.exec(paragraph)?.slice(1).find((group) => group !== undefined);
    const company: CompanyFacts = { name };
    const [city, founded, employees, colour, founder, partner] = [read(STATEMENTS.city), read(STATEMENTS.founded), read(STATEMENTS.employees), read(STATEMENTS.colour), read(STATEMENTS.founder), read(STATEMENTS.partner)];
    const branch = STATEMENTS.branch.exec(paragraph);
    if (city !== undefined) company.city = city;
    if (founded !== undefined) company.founded = Number(founded);
    if (employees !== undefined) company.employees = Number(employees);
    if (colour !== undefined) company.colour = colour;
    if (founder !== undefined) company.founder = founder;
    if (partner !== undefined) company.partner = partner;
    if (branch !== null) company.branch = { city: branch[1], year: Number(branch[2]) };
    companies.push(company);
  }
  return companies;
}

/** Companies ordered by `key`, those lacking it left out. */
function ranked(companies: CompanyFacts[], key: 'founded' | 'employees', sign: 1 | -1): CompanyFacts[] {
  return companies.filter((c) => c[key] !== undefined).sort((a, b) => sign * (b[key]! - a[key]!));
}

const others = (companies: CompanyFacts[], except: CompanyFacts, key: 'city' | 'colour' | 'founder'): string[] =>
  companies.filter((c) => c !== except && c[key] !== undefined).map((c) => c[key]!);

type Reader = (match: RegExpExecArray, companies: CompanyFacts[]) => Solution | null;

function extreme(key: 'founded' | 'employees', sign: 1 | -1): Reader {
  return (_match, companies) => {
    const [first, ...rest] = ranked(companies, key, sign);
    return first === undefined ? null : stringSolution(first.name, rest.slice(0, 1).map((c) => c.name));
  };
}

function byValue(key: 'founder' | 'city' | 'colour', answer: 'city' | 'colour' | 'founder'): Reader {
  return (match, companies) => {
    const company = companies.find((c) => c[key] === match[1]);
    const value = company?.[answer];
    if (company === undefined || value === undefined) return null;
    const branch = answer === 'city' && company.branch ? [company.branch.city] : [];
    return stringSolution(value, [...branch, ...others(companies, company, answer)]);
  };
}

const QUESTIONS: [RegExp, Reader][] = [
  [/founded first\?|is the oldest\?/, extreme('founded', -1)],
  [/founded most recently\?|is the youngest\?/, extreme('founded', 1)],
  [/largest workforce\?|employs the most people\?/, extreme('employees', 1)],
  [/smallest workforce\?|employs the fewest people\?/, extreme('employees', -1)],
  [/head office of the company that (.+?) started\?/, byValue('founder', 'city')],
  [/company headquartered in (.+?) use for its brand\?/, byValue('city', 'colour')],
  [/started the company whose signature colour is (.+?)\?/, byValue('colour', 'founder')],
  [
    /(?:^|\. )([^.]+?) works closely with another company\./,
    (match, companies) => {
      const company = companies.find((c) => c.name === match[1]);
      const partner = companies.find((c) => c.name === company?.partner);
      if (company === undefined || partner?.city === undefined) return null;
      return stringSolution(partner.city, [...(company.city ? [company.city] : []), ...others(companies, partner, 'city')]);
    },
  ],
  [
    /did (.+?) open its second office\?/,
    (match, companies) => {
      const company = companies.find((c) => c.name === match[1]);
      if (company?.branch === undefined || company.founded === undefined) return null;
      return numberSolution(company.branch.year - company.founded);
    },
  ],
];

/** Solves a `qa` task from its prompt and document. */
export function solveQa(task: PublicTask): Solution {
  const document = field(task.payload, 'document');
  if (typeof document !== 'string') unsolvable(task, 'has no document');
  const companies = readCompanies(document);
  for (const [question, reader] of QUESTIONS) {
    const match = question.exec(task.prompt);
    if (match === null) continue;
    return reader(match, companies) ?? unsolvable(task, 'asks about a fact its document does not state');
  }
  return unsolvable(task, 'asks a question the solver does not know');
}
