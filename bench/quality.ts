/**
 * `npm run bench -- quality`: on sets the project builds, the ROC AUC of the bundled embedder
 * (paraphrase pairs vs unrelated pairs, by cosine) and of the n-gram model (held-out natural
 * passages vs the same words shuffled, by perplexity).
 */
import { loadEmbedder } from '../native/hf-models.js';
import { resolveModel } from '../native/model-registry.js';
import { loadNgramModel } from '../native/ngram/ngram-model.js';
import { paraphrasePairs, rocAuc } from '../datasets/quality/paraphrases.js';
import { heldOutTexts, sentences, shuffledWords } from './corpus-sentences.js';
import { printTable } from './timing.js';

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export async function runQualityBench(): Promise<void> {
  const embedder = await loadEmbedder(resolveModel('glove-sif').dir);
  const pairs = paraphrasePairs(300);
  const a = await embedder.embed(pairs.map((p) => p.a));
  const b = await embedder.embed(pairs.map((p) => p.b));
  const cos = pairs.map((_, i) => dot(a[i], b[i]));
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const paraCos = cos.filter((_, i) => pairs[i].paraphrase);
  const unrelCos = cos.filter((_, i) => !pairs[i].paraphrase);

  const model = await loadNgramModel();
  const passages: string[] = [];
  const all = sentences(heldOutTexts(), 5, 60);
  for (let i = 0; i + 3 <= all.length && passages.length < 300; i += 3) passages.push(all.slice(i, i + 3).join(' '));
  const natural = passages.map((p) => model.perplexity(p).perplexity);
  const shuffled = passages.map((p, i) => model.perplexity(shuffledWords(p, i + 1)).perplexity);
  const aucPpl = rocAuc([...natural.map((x) => -x), ...shuffled.map((x) => -x)], [...natural.map(() => true), ...shuffled.map(() => false)]);

  console.log('quality of the bundled models on sets the project builds');
  printTable(
    ['model', 'set', 'positives', 'negatives', 'mean (pos / neg)', 'ROC AUC'],
    [
      ['glove-sif', `paraphrase vs unrelated pairs (${pairs.length})`, 'paraphrase', 'unrelated', `${mean(paraCos).toFixed(3)} / ${mean(unrelCos).toFixed(3)} cosine`, rocAuc(cos, pairs.map((p) => p.paraphrase)).toFixed(3)],
      ['ngram-kn', `held-out passages vs shuffled (${passages.length} each)`, 'natural', 'shuffled', `${mean(natural).toFixed(0)} / ${mean(shuffled).toFixed(0)} perplexity`, aucPpl.toFixed(3)],
    ],
  );
}
