/**
 * `npm run bench -- inference`: sentence embeddings/s and perplexity tokens/s with the bundled
 * models — a pool of 2 workers fed batches (the embedder batching concurrent requests) against one
 * thread scoring one text at a time — and the p50/p99 latency of one evaluation of each evaluator.
 */
import { Piscina } from 'piscina';
import { loadEmbedder } from '../native/hf-models.js';
import { resolveModel } from '../native/model-registry.js';
import { loadNgramModel } from '../native/ngram/ngram-model.js';
import { createInlineEvaluator } from '../core/pool/inline.js';
import { builtinEvaluators } from '../core/registry.js';
import type { EvaluationJob } from '../core/pool/evaluation.js';
import { heldOutTexts, sentences } from './corpus-sentences.js';
import { printTable } from './timing.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function pooled(pool: Piscina, kind: 'embed' | 'perplexity', texts: string[], chunk: number): Promise<{ ms: number; units: number }> {
  const started = performance.now();
  const chunks: string[][] = [];
  for (let i = 0; i < texts.length; i += chunk) chunks.push(texts.slice(i, i + chunk));
  const counts = (await Promise.all(chunks.map((c) => pool.run({ kind, texts: c })))) as number[];
  return { ms: performance.now() - started, units: counts.reduce((a, b) => a + b, 0) };
}

async function latencies(evaluator: string, samples: EvaluationJob['sample'][]): Promise<number[]> {
  const inline = createInlineEvaluator();
  const ref = { name: evaluator, version: '', module: builtinEvaluators[evaluator], options: {} };
  const mod = (await import(ref.module)) as { default: { version: string } };
  ref.version = mod.default.version;
  await inline.evaluate([{ id: 0, evaluator: ref, sample: samples[0] }]);
  const out: number[] = [];
  for (const sample of samples) {
    const t0 = performance.now();
    await inline.evaluate([{ id: 0, evaluator: ref, sample }]);
    out.push(performance.now() - t0);
  }
  await inline.close();
  return out.sort((a, b) => a - b);
}

export async function runInferenceBench(args: string[]): Promise<void> {
  const count = args[0] ? Number(args[0]) : 8000;
  const all = sentences(heldOutTexts());
  const texts = Array.from({ length: count }, (_, i) => all[i % all.length]);
  const embedder = await loadEmbedder(resolveModel('glove-sif').dir);
  const ngram = await loadNgramModel();
  // Both sides get the same treatment: one untimed pass over all the texts (JIT, model caches), then
  // the best of three timed passes, which is what a warm validator sees.
  const best = async (pass: () => Promise<number>) => {
    await pass();
    return Math.min(await pass(), await pass(), await pass());
  };
  const timed = async (work: () => Promise<void>) => {
    const t0 = performance.now();
    await work();
    return performance.now() - t0;
  };
  // One thread, one text at a time: the baseline.
  const embedSingle = await best(() => timed(async () => {
    for (const t of texts) await embedder.embed([t]);
  }));
  let tokens = 0;
  for (const t of texts) tokens += (await ngram.logProbs([t]))[0].logProbs.length;
  const pplSingle = await best(() => timed(async () => {
    for (const t of texts) await ngram.logProbs([t]);
  }));

  const pool = new Piscina({ filename: new URL('./inference-worker.js', import.meta.url).href, minThreads: 2, maxThreads: 2, idleTimeout: Infinity });
  const embedPool = { ms: await best(async () => (await pooled(pool, 'embed', texts, 256)).ms), units: texts.length };
  const pplPool = { ms: await best(async () => (await pooled(pool, 'perplexity', texts, 1000)).ms) };
  await pool.destroy();

  console.log(`inference: ${count} held-out sentences, bundled glove-sif embedder and ngram-kn model`);
  printTable(
    ['work', 'one thread, unbatched', 'pool of 2, batched', 'ratio'],
    [
      ['embeddings/s', (count / (embedSingle / 1000)).toFixed(0), (embedPool.units / (embedPool.ms / 1000)).toFixed(0), `${(embedSingle / embedPool.ms).toFixed(2)}×`],
      ['perplexity tokens/s', (tokens / (pplSingle / 1000)).toFixed(0), (tokens / (pplPool.ms / 1000)).toFixed(0), `${(pplSingle / pplPool.ms).toFixed(2)}×`],
    ],
  );

  const samples = all.slice(0, 300).map((s, i) => ({
    task: { id: `s${i}`, kind: 'continuation', prompt: 'Continue the passage.', payload: null, answer: all[(i + 1) % all.length], meta: { answerType: 'text' } },
    response: { answer: s },
  }));
  const rows: string[][] = [];
  for (const evaluator of ['embedding-similarity', 'perplexity']) {
    const ms = await latencies(evaluator, samples);
    rows.push([evaluator, percentile(ms, 0.5).toFixed(3), percentile(ms, 0.99).toFixed(3)]);
  }
  console.log('\nlatency of one evaluation (ms, inline, warm)');
  printTable(['evaluator', 'p50', 'p99'], rows);
}
