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
  // A batch is scored in one synchronous pass (no promise per text); the gain over the baseline is
  // that, and the second core. (One `logProbs` call with every text measured slower: it keeps all
  // the results alive at once.)
  const model = await loadNgramModel();
  let tokens = 0;
  for (const text of task.texts) tokens += model.scoreText(text).logProbs.length;
  return tokens;
}
