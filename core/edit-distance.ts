/**
 * Levenshtein distance between two sequences (code points, words, …), two rows of memory: the one
 * implementation the registry's "did you mean", `ground-truth`'s character error rate and
 * `ocr-match` share.
 *
 * @example
 * ```ts
 * editDistance([...'KITTEN'], [...'SITTING']); // 3
 * ```
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Uint32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}
