/**
 * The image plugin's text-rendering tasks: "render the string S legibly", S drawn from the round
 * seed, scored by reading the image back with OCR (`ocr-match`).
 *
 * S is 2–3 groups of 3–6 characters separated by single spaces, from `TEXT_RENDER_ALPHABET`:
 * upper-case letters and digits with every glyph that a sans-serif font draws like another member
 * of the set removed, both members of each pair, so a misreading can never be "forgiven" into the
 * right answer and never needs to be:
 *
 * | removed | because it looks like |
 * |---|---|
 * | `0 O Q` | each other (and `Q` a tailed `O`) |
 * | `1 I L` | each other and lower-case `l`, `|` |
 * | `2 Z` | each other |
 * | `5 S` | each other |
 * | `6 G` | each other |
 * | `8 B` | each other |
 *
 * Left: `A C D E F H J K M N P R T U V W X Y 3 4 7 9` (22). Only upper case, because most
 * letters' lower-case forms differ from the capitals by size alone (c/C, o/O, s/S, v/V, w/W, x/X,
 * z/Z, k/K, p/P, u/U): a line of them is ambiguous even to a human. `ocr-match` therefore compares
 * case-insensitively. 22 symbols and at least 6 characters give more than 10⁸ strings.
 *
 * Draws come from `seededRandom(seed, 'image-text-tasks')`, task after task, so the first n tasks of
 * a longer draw are the n tasks of a shorter one.
 *
 * @example
 * ```ts
 * const [task] = generateTextRenderTasks({ seed: 'c0ffee', count: 1, round: 3 });
 * task.payload; // { text: 'K7M HXRA', width: 320, height: 64 } (for example)
 * ```
 */
import type { Task, TaskContext } from '../../core/plugin-api.js';
import { seededRandom, type Random } from '../seeded-random.js';

/** Stored with every task; bump it whenever the same seed could give different tasks. */
export const IMAGE_TEXT_DATASET_VERSION = '1.0.0';

/** The characters of hidden strings, in a fixed order (the order is part of the recipe: `pick` indexes it). */
export const TEXT_RENDER_ALPHABET = 'ACDEFHJKMNPRTUVWXY3479';

/** The alphabet's name, stored as `meta.alphabet`: `ocr-match` uses it to decide how to compare. */
export const TEXT_RENDER_ALPHABET_NAME = 'upper-unambiguous-22';

/** Image sizes a task may ask for, width × height: room for the longest string (20 characters) at a legible size. */
export const TEXT_RENDER_SIZES: readonly (readonly [number, number])[] = Object.freeze([
  [320, 64],
  [384, 96],
  [448, 96],
]);

/** A task before the caller gives it its id. */
export type TextRenderDraft = Omit<Task, 'id'>;

/** A hidden string: 2–3 groups of 3–6 characters of the alphabet, joined by single spaces. */
export function drawRenderString(random: Random): string {
  const groups = random.int(2, 3);
  const words: string[] = [];
  for (let g = 0; g < groups; g++) {
    const length = random.int(3, 6);
    let word = '';
    for (let c = 0; c < length; c++) word += random.pick([...TEXT_RENDER_ALPHABET]);
    words.push(word);
  }
  return words.join(' ');
}

/** The instruction for string `text` at `width` × `height`. */
export function textRenderPrompt(text: string, width: number, height: number): string {
  return (
    `Render the string "${text}" legibly as dark text on a light background, as a PNG or WebP image of ${width}×${height} pixels. ` +
    // The restoration tasks' wording, so that a miner parses one reply format.
    'Reply with JSON {"image": "<base64 of a PNG or WebP file, no data: prefix>"}.'
  );
}

/** Draws one text-rendering task from the stream. */
export function drawTextRenderTask(random: Random): TextRenderDraft {
  const text = drawRenderString(random);
  const [width, height] = random.pick(TEXT_RENDER_SIZES);
  return {
    kind: 'render-text',
    prompt: textRenderPrompt(text, width, height),
    payload: { text, width, height },
    answer: text,
    meta: { alphabet: TEXT_RENDER_ALPHABET_NAME },
  };
}

/**
 * `ctx.count` text-rendering tasks for the round, ids `<round>-image-<index>`. Pure and synchronous:
 * the same context gives the same tasks.
 */
export function generateTextRenderTasks(ctx: TaskContext): Task[] {
  const random = seededRandom(ctx.seed, 'image-text-tasks');
  return Array.from({ length: ctx.count }, (_, index) => ({ id: `${ctx.round}-image-${index}`, ...drawTextRenderTask(random) }));
}
