/**
 * Vocabulary of the text families: small fixed lists for flavour, and pronounceable pseudo-words
 * drawn syllable by syllable, which make the space of names and words effectively unbounded.
 */
import type { Random } from '../seeded-random.js';

export const COMMON_WORDS = [
  'apple', 'bridge', 'candle', 'desert', 'engine', 'forest', 'garden', 'harbor', 'island', 'jacket',
  'kettle', 'ladder', 'marble', 'needle', 'orange', 'pencil', 'quartz', 'rocket', 'saddle', 'tunnel',
  'umbrella', 'velvet', 'window', 'yellow', 'zipper', 'anchor', 'basket', 'cactus', 'dragon', 'falcon',
  'glacier', 'hammer', 'jungle', 'lantern', 'meadow', 'nickel', 'oyster', 'parrot', 'rabbit', 'silver',
  'thunder', 'violin', 'walnut', 'blanket', 'compass', 'feather', 'granite', 'horizon', 'journey', 'lobster',
  'mirror', 'planet', 'river', 'stone', 'tiger', 'winter', 'cloud', 'bread', 'chair', 'music',
  'number', 'paper', 'quiet', 'spring', 'train', 'water', 'bright', 'crisp', 'frost', 'grape',
] as const;

export const FIRST_NAMES = [
  'Ada', 'Bilal', 'Chen', 'Dara', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jonas', 'Kaia', 'Lior',
  'Mei', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sanjay', 'Tove', 'Uma', 'Viktor', 'Wen', 'Yara', 'Zeno',
] as const;

export const COLOURS = [
  'amber', 'azure', 'beige', 'bronze', 'cerulean', 'charcoal', 'coral', 'crimson', 'cyan', 'emerald',
  'indigo', 'ivory', 'jade', 'lavender', 'lilac', 'magenta', 'maroon', 'mauve', 'ochre', 'olive',
  'orange', 'plum', 'saffron', 'scarlet', 'teal', 'turquoise', 'vermilion', 'violet',
] as const;

export const SECTORS = [
  'software', 'shipping', 'furniture', 'biotech', 'solar', 'publishing', 'toy', 'coffee', 'ceramics',
  'bicycle', 'insurance', 'fishing', 'printing', 'seed', 'lighting',
] as const;

export const COMPANY_SUFFIXES = ['Labs', 'Systems', 'Foundry', 'Works', 'Collective', 'Analytics', 'Logistics', 'Industries', 'Partners', 'Studio'] as const;

export const CITY_SUFFIXES = ['', '', 'ford', 'haven', 'burg', 'mouth', 'field', 'port', 'wick', 'stead'] as const;

/** Countable things for word problems, plural and the container they come in. */
export const GOODS = [
  { plural: 'apples', pack: 'crates' }, { plural: 'marbles', pack: 'bags' }, { plural: 'pencils', pack: 'boxes' },
  { plural: 'stickers', pack: 'sheets' }, { plural: 'eggs', pack: 'cartons' }, { plural: 'cards', pack: 'packs' },
  { plural: 'bottles', pack: 'cases' }, { plural: 'tiles', pack: 'stacks' }, { plural: 'seeds', pack: 'packets' },
  { plural: 'books', pack: 'boxes' }, { plural: 'candles', pack: 'sets' }, { plural: 'lemons', pack: 'nets' },
] as const;

const ONSETS = ['b', 'br', 'c', 'd', 'dr', 'f', 'g', 'gr', 'h', 'k', 'l', 'm', 'n', 'p', 'pr', 'r', 's', 'st', 't', 'tr', 'v', 'w', 'z', 'th', 'sh'];
const NUCLEI = ['a', 'a', 'e', 'e', 'i', 'o', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', '', '', '', 'n', 'r', 'l', 's', 'm', 'x', 'nd'];

/** Prompts are public: a pseudo-word never contains these (it is redrawn). */
const UNWANTED = /shit|cunt|fag|nig|slut|whor|rape|nazi|satan|dick|cock|piss|tit|porn|sex|bitch|hitler|kill|die|dead/;

/** A lower-case pronounceable pseudo-word of `syllables` syllables. */
export function pseudoWord(random: Random, syllables: number): string {
  for (;;) {
    let word = '';
    for (let i = 0; i < syllables; i++) word += random.pick(ONSETS) + random.pick(NUCLEI) + random.pick(CODAS);
    if (!UNWANTED.test(word)) return word;
  }
}

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * A lower-case word: a common one a quarter of the time, else a pseudo-word of 2–3 syllables
 * (so that a word seldom repeats across rounds).
 */
export function randomWord(random: Random): string {
  return random.next() < 0.25 ? random.pick(COMMON_WORDS) : pseudoWord(random, random.int(2, 3));
}
