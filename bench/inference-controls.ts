/**
 * The inference bench's two controls, run on one thread and on both pool workers at once: their
 * ratios say what the machine gave two threads while the bench ran, so the ratios of the real work
 * can be read against them (2.00× on an idle machine with two like cores).
 *
 * - `spin` touches almost no memory: it falls below 2× when other processes take the cores.
 * - `chase` follows dependent random reads through an 8 MiB table, as an n-gram lookup does through
 *   the model, and like the model's tables it is one copy in shared memory that both workers read:
 *   it also falls below 2× when the two cores do not see memory alike (on a shared VM, one vCPU's
 *   cache can be crowded by a neighbour, and its reads go to DRAM).
 */
export function spin(iterations: number): number {
  const scratch = new Int32Array(1024);
  let x = 1;
  for (let i = 0; i < iterations; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    scratch[i & 1023] ^= x;
  }
  return scratch[x & 1023];
}

const CHASE_SLOTS = (8 * 2 ** 20) / 4;

/** One random cycle through every slot (Sattolo's shuffle, fixed seed), in shared memory for the workers. */
export function chaseTable(): Uint32Array {
  const table = new Uint32Array(new SharedArrayBuffer(CHASE_SLOTS * 4));
  for (let i = 0; i < table.length; i++) table[i] = i;
  let seed = 12345;
  for (let i = table.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const k = Math.floor((seed / 2 ** 32) * i);
    [table[i], table[k]] = [table[k], table[i]];
  }
  return table;
}

export function chase(steps: number, table: Uint32Array): number {
  let slot = 0;
  for (let i = 0; i < steps; i++) slot = table[slot];
  return slot;
}
