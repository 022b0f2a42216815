/**
 * A CPU-bound loop that touches almost no memory: the inference bench runs it on one thread and on
 * both pool workers at once, so its ratio says how much of two cores the machine gave the bench
 * while it ran (2.00× on an idle machine; less when other processes share the cores).
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
