/** A piscina worker for `npm run bench -- inference`: the models loaded once per worker, batches in. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { threadId } from 'node:worker_threads';
import { loadEmbedder } from '../native/hf-models.js';
import { resolveModel } from '../native/model-registry.js';
import { loadNgramModel } from '../native/ngram/ngram-model.js';
import { useNgramTablesFrom } from '../native/ngram/ngram-share.js';
import { chase, spin } from './inference-controls.js';

export type InferenceTask =
  | { kind: 'embed'; texts: string[] }
  | { kind: 'perplexity'; texts: string[]; ngramTablesChannel: string }
  | { kind: 'spin'; iterations: number }
  | { kind: 'chase'; iterations: number; table: Uint32Array };

/** What loading the n-gram model added to this worker, read once after its first load. */
export interface WorkerMemory {
  threadId: number;
  /** JS heap growth across `loadNgramModel()`, live objects only. */
  ngramHeapBytes: number;
  /** ArrayBuffer growth across `loadNgramModel()`: near 0, as the tables are the main thread's, shared. */
  ngramArrayBufferBytes: number;
}

let memory: Promise<WorkerMemory> | null = null;

/**
 * Full collections, so that memory readings hold live objects only (the bench's own use of
 * `--expose-gc`); the pause lets V8 release the buffers the first one freed.
 */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
}

function ngramModel(): ReturnType<typeof loadNgramModel> {
  memory ??= (async () => {
    await collectGarbage();
    const before = process.memoryUsage();
    await loadNgramModel();
    await collectGarbage();
    const after = process.memoryUsage();
    return { threadId, ngramHeapBytes: after.heapUsed - before.heapUsed, ngramArrayBufferBytes: after.arrayBuffers - before.arrayBuffers };
  })();
  return memory.then(() => loadNgramModel());
}

/** A perplexity batch's result: its tokens, the worker's memory reading, and how long the scoring itself took. */
export interface PerplexityBatch {
  tokens: number;
  memory: WorkerMemory;
  /** Time in `scoreText` for the batch's texts, in ms: the pass's wall time less dispatch and waiting. */
  scoringMs: number;
}

export default async function run(task: InferenceTask): Promise<number | PerplexityBatch> {
  if (task.kind === 'spin') return spin(task.iterations);
  if (task.kind === 'chase') return chase(task.iterations, task.table);
  if (task.kind === 'embed') {
    const embedder = await loadEmbedder(resolveModel('glove-sif').dir);
    // Concurrent calls: the embedder coalesces them into batched model runs.
    const vectors = await Promise.all(task.texts.map((t) => embedder.embed([t])));
    return vectors.length;
  }
  // A batch is scored in one synchronous pass (no promise per text); the gain over the baseline is
  // that, and the second core. (One `logProbs` call with every text measured slower: it keeps all
  // the results alive at once.)
  useNgramTablesFrom(task.ngramTablesChannel);
  const model = await ngramModel();
  let tokens = 0;
  const t0 = performance.now();
  for (const text of task.texts) tokens += model.scoreText(text).logProbs.length;
  const scoringMs = performance.now() - t0;
  return { tokens, memory: await memory!, scoringMs };
}
