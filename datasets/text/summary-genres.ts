/**
 * The kinds of short news item the summary family writes. A genre draws its facts, then offers the
 * sentences that state them (each fact in at least one, worded one of several ways), filler
 * sentences (some with distractor numbers that a summary need not mention), and the reference
 * summary, one sentence that states every fact.
 */
import type { Random } from '../seeded-random.js';
import { capitalise, CITY_SUFFIXES, COMPANY_SUFFIXES, FIRST_NAMES, pseudoWord } from './words.js';

export interface NewsItem {
  genre: string;
  /** The opening sentence, always first. */
  lead: string;
  /** Sentences stating the remaining facts. */
  facts: string[];
  /** Sentences a summary may leave out. */
  filler: string[];
  /** One sentence stating every key fact. */
  summary: string;
  /** The key facts, as the document writes them. */
  keyFacts: string[];
}

/** Draws distinct values: names and numbers never repeat within one item. */
function fresh(random: Random, used: Set<string>) {
  const take = <T>(draw: () => T): T => {
    for (;;) {
      const value = draw();
      if (!used.has(String(value).toLowerCase())) {
        used.add(String(value).toLowerCase());
        return value;
      }
    }
  };
  return {
    int: (min: number, max: number) => take(() => random.int(min, max)),
    root: (syllables = 2) => take(() => capitalise(pseudoWord(random, syllables))),
    person: () => `${random.pick(FIRST_NAMES)} ${take(() => capitalise(pseudoWord(random, random.int(2, 3))))}`,
  };
}

function expansion(random: Random): NewsItem {
  const f = fresh(random, new Set());
  const company = `${f.root()} ${random.pick(COMPANY_SUFFIXES)}`;
  const facility = random.pick(['factory', 'warehouse', 'research centre', 'bakery', 'data centre', 'workshop', 'distribution hub']);
  const city = f.root() + random.pick(CITY_SUFFIXES);
  const [year, jobs, cost, leader] = [f.int(2026, 2033), f.int(40, 900), f.int(5, 480), f.person()];
  const [population, oldYear] = [f.int(12000, 95000), f.int(1950, 1999)];
  return {
    genre: 'expansion',
    lead: random.pick([`${company} has announced plans to open a new ${facility} in ${city}.`, `${company} will build a new ${facility} in ${city}, the company said this week.`]),
    facts: [
      random.pick([`The ${facility} is expected to open in ${year}.`, `Work on the site should be finished in ${year}, when the ${facility} opens.`]),
      random.pick([`It will create ${jobs} jobs once it is running.`, `About ${jobs} people are expected to work there.`]),
      random.pick([`The project will cost ${cost} million dollars.`, `${company} is investing ${cost} million dollars in the site.`]),
      random.pick([`"This is a long-term commitment to the region," said ${leader}, the company's chief executive.`, `Chief executive ${leader} called the decision a vote of confidence in the region.`]),
    ],
    filler: [
      'Local officials welcomed the news at a council meeting.',
      'Some residents have raised concerns about traffic on the roads near the site.',
      `${city} has about ${population} inhabitants.`,
      `The site was last used as a ${random.pick(['railway yard', 'brewery', 'car park', 'textile mill'])} in ${oldYear}.`,
      'Analysts said the move had been expected for some time.',
      'A spokesperson declined to say when hiring would begin.',
    ],
    summary: `${company} will open a new ${facility} in ${city} in ${year}, investing ${cost} million dollars and creating ${jobs} jobs, chief executive ${leader} announced.`,
    keyFacts: [company, facility, city, String(year), String(jobs), String(cost), leader],
  };
}

function expedition(random: Random): NewsItem {
  const f = fresh(random, new Set());
  const institute = random.next() < 0.5 ? `${f.root()} Institute` : `University of ${f.root()}`;
  const place = `${f.root()} ${random.pick(['Mountains', 'Islands', 'Valley', 'Plateau', 'Delta'])}`;
  const group = random.pick(['beetles', 'orchids', 'frogs', 'mosses', 'spiders', 'butterflies']);
  const [days, count, newCount, leader] = [f.int(12, 90), f.int(100, 600), f.int(3, 39), f.person()];
  const [team, altitude, oldYear] = [f.int(4, 11), f.int(800, 4800), f.int(1955, 1999)];
  return {
    genre: 'expedition',
    lead: random.pick([`Researchers from the ${institute} have returned from an expedition to the ${place}.`, `An expedition from the ${institute} to the ${place} has come to an end.`]),
    facts: [
      random.pick([`The team spent ${days} days in the field.`, `The trip lasted ${days} days.`]),
      random.pick([`The expedition was led by ${leader}.`, `"We saw things nobody had seen before," said ${leader}, who led the team.`]),
      random.pick([`They recorded ${count} species of ${group}.`, `In total, ${count} species of ${group} were catalogued.`]),
      random.pick([`Of the species found, ${newCount} are new to science.`, `The researchers believe ${newCount} of the species had never been described before.`]),
    ],
    filler: [
      `The team was made up of ${team} scientists and guides.`,
      `The main camp sat at an altitude of ${altitude} metres.`,
      'Heavy rain made the last part of the trip difficult.',
      `The region was last surveyed in ${oldYear}.`,
      'Samples will be studied over the coming months.',
      'Local guides helped the team find its way.',
    ],
    summary: `A team from the ${institute} led by ${leader} spent ${days} days in the ${place}, recording ${count} species of ${group}, ${newCount} of them new to science.`,
    keyFacts: [institute, leader, place, String(days), String(count), group, String(newCount)],
  };
}

function festival(random: Random): NewsItem {
  const f = fresh(random, new Set());
  const name = `${f.root()} ${random.pick(['Harvest', 'Lantern', 'River', 'Music', 'Kite', 'Book'])} Festival`;
  const town = f.root() + random.pick(CITY_SUFFIXES);
  const cause = random.pick(['library', 'hospital', 'school', 'harbour', 'museum', 'park']);
  const [visitors, raised, organiser] = [f.int(1200, 48000), f.int(5, 250), f.person()];
  const [founded, stalls] = [f.int(1960, 2015), f.int(20, 180)];
  return {
    genre: 'festival',
    lead: random.pick([`The ${name} returned to ${town} this weekend.`, `${town} hosted the ${name} over the weekend.`]),
    facts: [
      random.pick([`Organisers counted ${visitors} visitors.`, `Some ${visitors} people came to the event.`]),
      random.pick([`The festival raised ${raised} thousand dollars for the town's ${cause}.`, `Ticket sales brought in ${raised} thousand dollars, which will go to the local ${cause}.`]),
      random.pick([`"It was our best year so far," said organiser ${organiser}.`, `The event was organised by ${organiser} and a group of volunteers.`]),
    ],
    filler: [
      `The festival was first held in ${founded}.`,
      'Parking near the centre was scarce on both days.',
      `There were ${stalls} stalls selling food and crafts.`,
      'The weather stayed dry until Sunday evening.',
      'Local bands played on two stages.',
      "Next year's dates have not yet been announced.",
    ],
    summary: `The ${name} in ${town} drew ${visitors} visitors and raised ${raised} thousand dollars for the local ${cause}, organiser ${organiser} said.`,
    keyFacts: [name, town, String(visitors), String(raised), cause, organiser],
  };
}

export const GENRES: readonly ((random: Random) => NewsItem)[] = [expansion, expedition, festival];
