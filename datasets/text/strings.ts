/**
 * String transformations on random lower-case words (common words and pseudo-words):
 * - `reverse`: the word's letters in reverse order;
 * - `sort-letters`: the word's letters in alphabetical order;
 * - `count-letter`: how often a letter occurs in a short phrase → an integer;
 * - `caesar`: each letter shifted forward by k places, wrapping from z to a;
 * - `remove-vowels`: the word without a, e, i, o and u;
 * - `reverse-words`: the words of a phrase in reverse order.
 *
 * Draws whose answer would equal their input (a palindrome, already-sorted letters, …) are
 * redrawn, so the answer never appears in the public task.
 */
import type { Json } from '../../core/plugin-api.js';
import type { Random } from '../seeded-random.js';
import { drawUntil, type TextTaskDraft } from './family.js';
import { randomWord } from './words.js';

export type StringsOperation = 'reverse' | 'sort-letters' | 'count-letter' | 'caesar' | 'remove-vowels' | 'reverse-words';
const OPERATIONS: readonly StringsOperation[] = ['reverse', 'sort-letters', 'count-letter', 'caesar', 'remove-vowels', 'reverse-words'];

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function phrase(random: Random, words: number): string[] {
  const out: string[] = [];
  while (out.length < words) {
    const word = randomWord(random);
    if (!out.includes(word)) out.push(word);
  }
  return out;
}

function stringTask(operation: StringsOperation, prompt: string, payload: { [key: string]: string | number }, answer: string | number): TextTaskDraft {
  const meta: { [key: string]: Json } = typeof answer === 'number' ? { answerType: 'number', tolerance: 0, operation } : { answerType: 'string', operation };
  return { kind: 'strings', prompt, payload: { operation, ...payload }, answer, meta };
}

const DRAW: Record<StringsOperation, (random: Random) => TextTaskDraft> = {
  reverse(random) {
    const text = randomWord(random);
    return stringTask('reverse', `Write the letters of the word "${text}" in reverse order. Answer with the reversed word only.`, { text }, [...text].reverse().join(''));
  },
  'sort-letters'(random) {
    const text = randomWord(random);
    return stringTask('sort-letters', `Sort the letters of the word "${text}" alphabetically from a to z, keeping repeated letters. Answer with the sorted letters as one word.`, { text }, [...text].sort().join(''));
  },
  'count-letter'(random) {
    const text = phrase(random, random.int(2, 4)).join(' ');
    // Mostly a letter of the phrase; now and then one it lacks, so that 0 is a possible answer.
    const letter = random.next() < 0.85 ? random.pick([...text.replace(/ /g, '')]) : random.pick([...ALPHABET]);
    const count = [...text].filter((c) => c === letter).length;
    return stringTask('count-letter', `How many times does the letter "${letter}" occur in the phrase "${text}"? Answer with a whole number only.`, { text, letter }, count);
  },
  caesar(random) {
    const text = randomWord(random);
    const shift = random.int(1, 25);
    const shifted = [...text].map((c) => ALPHABET[(ALPHABET.indexOf(c) + shift) % 26]).join('');
    return stringTask('caesar', `Apply a Caesar shift of ${shift} to the word "${text}": replace every letter with the letter ${shift} places later in the alphabet, wrapping around from z to a. Answer with the shifted word only.`, { text, shift }, shifted);
  },
  'remove-vowels'(random) {
    const text = randomWord(random);
    return stringTask('remove-vowels', `Remove every vowel (a, e, i, o and u) from the word "${text}". Answer with the remaining letters as one word.`, { text }, text.replace(/[aeiou]/g, ''));
  },
  'reverse-words'(random) {
    const words = phrase(random, random.int(3, 5));
    return stringTask('reverse-words', `Reverse the order of the words in the phrase "${words.join(' ')}", keeping each word as it is. Answer with the words separated by single spaces.`, { text: words.join(' ') }, [...words].reverse().join(' '));
  },
};

/** Draws one string transformation; see the module comment. */
export function stringsTask(random: Random, _index: number): TextTaskDraft {
  const draw = DRAW[random.pick(OPERATIONS)];
  return drawUntil('strings', () => {
    const draft = draw(random);
    // A one- or two-letter answer is too easy to hit by chance (e.g. vowels removed from "area").
    return typeof draft.answer === 'string' && draft.answer.length < 3 ? null : draft;
  });
}
