/** Sentences and passages for the inference benchmarks: the n-gram model's held-out documents. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundledNgramModelDir } from '../native/ngram/ngram-model.js';

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
export function shuffleWords(text: string, seed: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  let a = seed >>> 0;
  for (let i = words.length - 1; i > 0; i--) {
    a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    const j = a % (i + 1);
    [words[i], words[j]] = [words[j], words[i]];
  }
  return words.join(' ');
}
