/**
 * A paraphrase set the project builds itself, for measuring sentence embedders: each fact is said
 * twice in different words (a paraphrase pair), and a pair of sentences about different facts is
 * unrelated — half of those about the same names and numbers, so that word overlap alone does not
 * separate them. Seeded, so every run measures the same pairs.
 */
import { seededRandom } from '../seeded-random.js';

interface Slots {
  name: string;
  person: string;
  city: string;
  year: number;
  count: number;
  month: string;
  animal: string;
  thing: string;
  place: string;
  food: string;
}

/** Two ways of saying the same thing. */
const templates: [(s: Slots) => string, (s: Slots) => string][] = [
  [(s) => `${s.name} was founded in ${s.year}.`, (s) => `The company ${s.name} dates back to ${s.year}, when it was established.`],
  [(s) => `${s.name} has ${s.count} employees.`, (s) => `The staff of ${s.name} numbers ${s.count} people.`],
  [(s) => `${s.name} is based in ${s.city}.`, (s) => `The headquarters of ${s.name} are located in ${s.city}.`],
  [(s) => `${s.person} moved to ${s.city} in ${s.year}.`, (s) => `In ${s.year}, ${s.person} relocated to the city of ${s.city}.`],
  [(s) => `The ${s.animal} chased the ${s.thing} across the ${s.place}.`, (s) => `Across the ${s.place}, the ${s.thing} was chased by the ${s.animal}.`],
  [(s) => `Prices in ${s.city} rose sharply in ${s.month}.`, (s) => `In ${s.month}, costs in ${s.city} went up steeply.`],
  [(s) => `${s.person} cooked ${s.food} for dinner.`, (s) => `For the evening meal, ${s.person} prepared ${s.food}.`],
  [(s) => `The meeting in ${s.city} was cancelled because of the storm.`, (s) => `Because of the storm, the ${s.city} meeting was called off.`],
  [(s) => `${s.person} bought ${s.count} tickets for the concert.`, (s) => `For the concert, ${s.person} purchased ${s.count} tickets.`],
  [(s) => `The ${s.animal} slept near the ${s.place} all afternoon.`, (s) => `All afternoon the ${s.animal} was asleep by the ${s.place}.`],
  [(s) => `${s.name} reported record profits in ${s.month}.`, (s) => `In ${s.month}, ${s.name} announced its highest earnings ever.`],
  [(s) => `${s.person} forgot the ${s.thing} at the ${s.place}.`, (s) => `The ${s.thing} was left behind at the ${s.place} by ${s.person}.`],
];

const names = ['Halvorsen Labs', 'Brightwater Corp', 'Kestrel Systems', 'Marlow & Finch', 'Orion Textiles', 'Pellucid Foods', 'Quarry Motors', 'Sable Networks'];
const people = ['Amara', 'Bjorn', 'Chiara', 'Dmitri', 'Esi', 'Farid', 'Greta', 'Hiroshi', 'Ines', 'Jonas'];
const cities = ['Oslo', 'Lisbon', 'Nairobi', 'Osaka', 'Quito', 'Tallinn', 'Perth', 'Montreal'];
const months = ['January', 'March', 'May', 'July', 'September', 'November'];
const animals = ['dog', 'cat', 'fox', 'horse', 'goat', 'crow'];
const things = ['ball', 'kite', 'umbrella', 'basket', 'scarf', 'bicycle'];
const places = ['garden', 'river', 'station', 'market', 'harbour', 'field'];
const foods = ['lentil soup', 'roast chicken', 'fried rice', 'a vegetable curry', 'fresh pasta'];

export interface SentencePair {
  a: string;
  b: string;
  /** True for two wordings of one fact, false for two unrelated facts. */
  paraphrase: boolean;
}

function slots(random: ReturnType<typeof seededRandom>): Slots {
  return {
    name: random.pick(names),
    person: random.pick(people),
    city: random.pick(cities),
    year: random.int(1890, 2020),
    count: random.int(12, 9000),
    month: random.pick(months),
    animal: random.pick(animals),
    thing: random.pick(things),
    place: random.pick(places),
    food: random.pick(foods),
  };
}

/** `count` paraphrase pairs and `count` unrelated pairs, interleaved. */
export function paraphrasePairs(count: number, seed = 'proctor-quality'): SentencePair[] {
  const random = seededRandom(Buffer.from(seed).toString('hex'), 'paraphrases');
  const pairs: SentencePair[] = [];
  for (let i = 0; i < count; i++) {
    const t = random.int(0, templates.length - 1);
    const s = slots(random);
    const [first, second] = random.next() < 0.5 ? [templates[t][0], templates[t][1]] : [templates[t][1], templates[t][0]];
    pairs.push({ a: first(s), b: second(s), paraphrase: true });
    let u = random.int(0, templates.length - 2);
    if (u >= t) u += 1;
    // Half the unrelated pairs are hard: another fact about the same names, places and numbers.
    const other = random.next() < 0.5 ? s : slots(random);
    pairs.push({ a: templates[t][random.int(0, 1)](s), b: templates[u][random.int(0, 1)](other), paraphrase: false });
  }
  return pairs;
}

/** ROC AUC of `scores` for separating positives (higher = more positive), ties counted half. */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : Number.NaN;
}
