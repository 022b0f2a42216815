/**
 * Natural text's unnatural twin: the same words in a seeded random order, for measuring language
 * models (a good model gives the shuffle a much higher perplexity).
 */

/** mulberry32: a small seeded generator in [0, 1), so shuffles are the same on every run. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The words of `text` (split on white space) in a Fisher–Yates order drawn from `random`. */
export function shuffleWords(text: string, random: () => number): string {
  const words = text.split(/\s+/);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [words[i], words[j]] = [words[j], words[i]];
  }
  return words.join(' ');
}
