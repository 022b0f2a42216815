/** A piscina worker for `npm run bench -- inference`: the models loaded once per worker, batches in. */
import { loadEmbedder } from '../native/hf-models.js';
import { resolveModel } from '../native/model-registry.js';
import { loadNgramModel } from '../native/ngram/ngram-model.js';

export default async function run(task: { kind: 'embed' | 'perplexity'; texts: string[] }): Promise<number> {
  if (task.kind === 'embed') {
    const embedder = await loadEmbedder(resolveModel('glove-sif').dir);
    // Concurrent calls: the embedder coalesces them into batched model runs.
    const vectors = await Promise.all(task.texts.map((t) => embedder.embed([t])));
    return vectors.length;
  }
  // An n-gram lookup gains nothing from batching (one big call measured slower than many small
  // ones), so each worker scores its share text by text; the gain is the second core.
  const model = await loadNgramModel();
  let tokens = 0;
  for (const text of task.texts) tokens += (await model.logProbs([text]))[0].logProbs.length;
  return tokens;
}
