/**
 * Questions over a synthetic company document (the `lookup` documents) that no single sentence
 * answers: a comparison across all companies (the oldest, the largest workforce), a hop from one
 * fact to another (the city of the company a named person started; the colour of the company
 * based in a city; the founder behind a colour; where a company's partner is based), or
 * arithmetic on two facts (years from founding to a second office). Questions are worded
 * differently from the document ("started", "head office", "brand"), so matching the wording of
 * a sentence is not enough.
 *
 * The answer is a short string read off the document (`answerType: 'string'`), or for the
 * years question a whole number (`answerType: 'number'`, tolerance 0) that the document never states.
 */
import type { Random } from '../seeded-random.js';
import { drawUntil, mentions, type AnswerType, type TextTaskDraft } from './family.js';
import { drawCompanies, paragraph, type Company } from './lookup.js';

export type QaQuestion = 'oldest' | 'youngest' | 'largest' | 'smallest' | 'founder-city' | 'city-colour' | 'colour-founder' | 'partner-city' | 'branch-gap';
const QUESTIONS: readonly QaQuestion[] = ['oldest', 'youngest', 'largest', 'smallest', 'founder-city', 'city-colour', 'colour-founder', 'partner-city', 'branch-gap'];

const NAME = "Answer with the company's name only.";

/** Picks the company with the extreme value of `key`. */
function extreme(companies: Company[], key: 'founded' | 'employees', sign: 1 | -1): Company {
  return companies.reduce((best, c) => (sign * c[key] > sign * best[key] ? c : best));
}

/** The question's prompt text and answer, or null when the document cannot support it. */
function ask(random: Random, question: QaQuestion, companies: Company[]): { prompt: string; answer: string | number } | null {
  const target = random.pick(companies);
  switch (question) {
    case 'oldest':
      return { prompt: `${random.pick(['Which company in the document was founded first?', 'Which of the companies in the document is the oldest?'])} ${NAME}`, answer: extreme(companies, 'founded', -1).name };
    case 'youngest':
      return { prompt: `${random.pick(['Which company in the document was founded most recently?', 'Which of the companies in the document is the youngest?'])} ${NAME}`, answer: extreme(companies, 'founded', 1).name };
    case 'largest':
      return { prompt: `${random.pick(['Which company in the document has the largest workforce?', 'Which company in the document employs the most people?'])} ${NAME}`, answer: extreme(companies, 'employees', 1).name };
    case 'smallest':
      return { prompt: `${random.pick(['Which company in the document has the smallest workforce?', 'Which company in the document employs the fewest people?'])} ${NAME}`, answer: extreme(companies, 'employees', -1).name };
    case 'founder-city':
      return { prompt: `Where is the head office of the company that ${target.founder} started? Answer with the city name only.`, answer: target.city };
    case 'city-colour':
      return { prompt: `Which colour does the company headquartered in ${target.city} use for its brand? Answer with the colour only.`, answer: target.colour };
    case 'colour-founder':
      return { prompt: `Who started the company whose signature colour is ${target.colour}? Answer with the person's full name only.`, answer: target.founder };
    case 'partner-city': {
      const partner = companies.find((c) => c.name === target.partner);
      if (partner === undefined) return null;
      return { prompt: `${target.name} works closely with another company. In which city is that partner headquartered? Answer with the city name only.`, answer: partner.city };
    }
    case 'branch-gap':
      if (target.branch === null) return null;
      return { prompt: `How many years after its founding did ${target.name} open its second office? Answer with a whole number only.`, answer: target.branch.year - target.founded };
  }
}

function drawOnce(random: Random): TextTaskDraft | null {
  const companies = drawCompanies(random);
  const document = companies.map((company) => paragraph(random, company)).join('\n\n');
  const question = random.pick(QUESTIONS);
  const asked = ask(random, question, companies);
  if (asked === null) return null;
  const answerType: AnswerType = typeof asked.answer === 'number' ? 'number' : 'string';
  return {
    kind: 'qa',
    prompt: `Read the document and answer from it alone. ${asked.prompt}`,
    payload: { document },
    answer: asked.answer,
    meta: answerType === 'number' ? { answerType, tolerance: 0, question } : { answerType, question },
  };
}

/** Never in the prompt; a string answer is in the document, a computed number is not. */
function answerable(draft: TextTaskDraft): boolean {
  const type = draft.meta.answerType as AnswerType;
  const { document } = draft.payload as { document: string };
  const inDocument = mentions(document, draft.answer, type);
  return mentions(draft.prompt, draft.answer, type) === 0 && (type === 'number' ? inDocument === 0 : inDocument > 0);
}

/** Draws one document and a question that combines its facts; see the module comment. */
export function qaTask(random: Random, _index: number): TextTaskDraft {
  return drawUntil('qa', () => drawOnce(random), answerable);
}
