/**
 * The n-gram scorer's within-text cache: what followed each 3-token context earlier in the same
 * text. The continuation of a context seen before is predicted with weight
 * `c(h) / (c(h) + distinct(h) + 1)` and mixed with the static model, so a text that repeats itself
 * becomes predictable (see `ngram-model.ts`).
 *
 * Two open-addressing tables in typed arrays, kept by the model and reset for each text by bumping
 * a generation stamp: scoring a text allocates nothing here. (The first version kept two `Map`s per
 * text, keyed by numbers up to V³; those keys are heap numbers, so every token allocated, and the
 * cache cost a fifth of the scoring time.)
 */

const PRIOR = 1;
const INITIAL_SLOTS = 1024;
/** After a text that grew the tables past this many slots, the next text starts small again. */
const KEEP_SLOTS = 1 << 16;

/** One open-addressing table from up to three int32 keys to an int32 value, cleared by generation. */
class IntTable {
  slots = 0;
  mask = 0;
  size = 0;
  k0 = new Int32Array(0);
  k1 = new Int32Array(0);
  k2 = new Int32Array(0);
  value = new Int32Array(0);
  stamp = new Int32Array(0);
  generation = 1;

  constructor() {
    this.allocate(INITIAL_SLOTS);
  }

  private allocate(slots: number): void {
    this.slots = slots;
    this.mask = slots - 1;
    this.k0 = new Int32Array(slots);
    this.k1 = new Int32Array(slots);
    this.k2 = new Int32Array(slots);
    this.value = new Int32Array(slots);
    this.stamp = new Int32Array(slots);
    this.generation = 1;
    this.size = 0;
  }

  clear(): void {
    if (this.slots > KEEP_SLOTS) return this.allocate(INITIAL_SLOTS);
    this.size = 0;
    if (++this.generation === 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  /** The slot of (a, b, c): where it is, or the empty slot where it would go. */
  slotOf(a: number, b: number, c: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
    h ^= h >>> 15;
    let slot = h & this.mask;
    const { k0, k1, k2, stamp, generation } = this;
    while (stamp[slot] === generation && (k0[slot] !== a || k1[slot] !== b || k2[slot] !== c)) slot = (slot + 1) & this.mask;
    return slot;
  }

  has(slot: number): boolean {
    return this.stamp[slot] === this.generation;
  }

  /** Stores (a, b, c) → value at the empty slot `slotOf` gave; slots found before it are stale after. */
  insert(slot: number, a: number, b: number, c: number, value: number): void {
    this.k0[slot] = a;
    this.k1[slot] = b;
    this.k2[slot] = c;
    this.value[slot] = value;
    this.stamp[slot] = this.generation;
    this.size += 1;
    if (2 * this.size > this.slots) this.grow();
  }

  private grow(): void {
    const { k0, k1, k2, value, stamp, generation, slots } = this;
    this.allocate(2 * slots);
    for (let s = 0; s < slots; s++) {
      if (stamp[s] !== generation) continue;
      const slot = this.slotOf(k0[s], k1[s], k2[s]);
      this.k0[slot] = k0[s];
      this.k1[slot] = k1[s];
      this.k2[slot] = k2[s];
      this.value[slot] = value[s];
      this.stamp[slot] = this.generation;
      this.size += 1;
    }
  }
}

/**
 * The cache of one text at a time: `reset()` before each text, then `mix()` for each token in order.
 *
 * @example
 * ```ts
 * const cache = new TextCache();
 * cache.reset();
 * for (const [logProb, word] of scored) out.push(cache.mix(logProb, word));
 * ```
 */
export class TextCache {
  private a = -1;
  private b = -1;
  private c = -1;
  /** (a, b, c) → context index. */
  private readonly contexts = new IntTable();
  /** (context index, word, 0) → how often the word followed that context. */
  private readonly followers = new IntTable();
  /** Per context index: how many tokens followed it, and how many distinct words. */
  private totals = new Int32Array(INITIAL_SLOTS);
  private distinct = new Int32Array(INITIAL_SLOTS);

  reset(): void {
    this.a = this.b = this.c = -1;
    this.contexts.clear();
    this.followers.clear();
    if (this.totals.length > KEEP_SLOTS) {
      this.totals = new Int32Array(INITIAL_SLOTS);
      this.distinct = new Int32Array(INITIAL_SLOTS);
    }
  }

  /** ln((1 − λ) p_static + λ p_cache), then remembers the token. */
  mix(staticLogProb: number, word: number): number {
    const { a, b, c } = this;
    this.a = b;
    this.b = c;
    this.c = word;
    if (a < 0) return staticLogProb;
    const context = this.contextIndex(a, b, c);
    const followers = this.followers;
    const slot = followers.slotOf(context, word, 0);
    const count = followers.has(slot) ? followers.value[slot] : 0;
    const total = this.totals[context];
    let result = staticLogProb;
    if (total > 0) {
      const lambda = total / (total + this.distinct[context] + PRIOR);
      result = Math.log((1 - lambda) * Math.exp(staticLogProb) + (lambda * count) / total);
    }
    if (count > 0) followers.value[slot] = count + 1;
    else followers.insert(slot, context, word, 0, 1);
    this.totals[context] = total + 1;
    if (count === 0) this.distinct[context] += 1;
    return result;
  }

  /** The index of context (a, b, c), a new one (with zero counts) the first time it is seen in this text. */
  private contextIndex(a: number, b: number, c: number): number {
    const contexts = this.contexts;
    const slot = contexts.slotOf(a, b, c);
    if (contexts.has(slot)) return contexts.value[slot];
    const index = contexts.size;
    if (index === this.totals.length) {
      const totals = new Int32Array(2 * index);
      const distinct = new Int32Array(2 * index);
      totals.set(this.totals);
      distinct.set(this.distinct);
      this.totals = totals;
      this.distinct = distinct;
    }
    this.totals[index] = 0;
    this.distinct[index] = 0;
    contexts.insert(slot, a, b, c, index);
    return index;
  }
}
