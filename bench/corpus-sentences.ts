/** Sentences and passages for the inference benchmarks: the n-gram model's held-out documents. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundledNgramModelDir } from '../native/ngram/ngram-format.js';
import { mulberry32, shuffleWords } from '../datasets/quality/shuffle.js';

const require = createRequire(import.meta.url);

/** The texts the bundled n-gram model never saw, as the build recorded them. */
export function heldOutTexts(): string[] {
  const meta = JSON.parse(readFileSync(join(bundledNgramModelDir(), 'model.json'), 'utf8')) as { heldOut: { package: string; documents: string[] }[] };
  return meta.heldOut.flatMap(({ package: pkg, documents }) => {
    const data = join(dirname(require.resolve(`${pkg}/package.json`)), 'data');
    return documents.map((doc) => readFileSync(join(data, `${doc}.txt`), 'utf8'));
  });
}

export function sentences(texts: readonly string[], minWords = 6, maxWords = 40): string[] {
  return texts
    .flatMap((t) => t.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+/))
    .filter((s) => {
      const words = s.split(' ').length;
      return words >= minWords && words <= maxWords;
    });
}

/** The same words in a seeded random order: natural text's unnatural twin. */
export function shuffledWords(text: string, seed: number): string {
  return shuffleWords(text.trim(), mulberry32(seed));
}
