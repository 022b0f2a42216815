/**
 * The `text` plugin: questions drawn from the round seed, some with one right answer (arithmetic
 * word problems, date and time computation, string transformations, fact lookup and multi-fact
 * questions over a synthetic document) scored by `ground-truth`, and some open-ended with a hidden
 * reference (continuing a passage of a public-domain corpus, summarising a news item) scored by
 * `reference-comparison`, `embedding-similarity` and `perplexity`. Each evaluator scores only the
 * task kinds it lists; a response's score weighs the evaluators that apply to its task.
 *
 * A few tasks of each round are probes that look like the others (`datasets/text/probes.ts`):
 * reworded copies of earlier tasks and replays, checked by `cache-probe`, and canaries with a
 * trap answer, checked by `canary`.
 */
import { z } from 'zod';
import { definePlugin } from '../../core/plugin-api.js';
import { generateTextRound, TEXT_ROUND_VERSION } from '../../datasets/text/probes.js';
import { textMiner } from './solver.js';

/** What a miner answers: `{ "answer": "<text>" }` and nothing else. */
const response = z.object({ answer: z.string().max(4096) }).strict();

/** Kinds with one right answer, and open-ended kinds compared with a hidden reference. */
const CLOSED_KINDS = ['arithmetic', 'dates', 'strings', 'lookup', 'qa'];
const OPEN_KINDS = ['continuation', 'summary'];

export default definePlugin({
  name: 'text',
  version: '2.1.0',
  engine: '^0.1.0',
  tasks: { perRound: 8, version: TEXT_ROUND_VERSION, generate: generateTextRound },
  evaluators: {
    'ground-truth': { weight: 1, kinds: CLOSED_KINDS },
    'reference-comparison': { weight: 0.6, kinds: OPEN_KINDS },
    'embedding-similarity': { weight: 0.2, kinds: OPEN_KINDS },
    perplexity: { weight: 0.2, kinds: OPEN_KINDS },
  },
  detectors: ['cache-probe', 'canary', 'latency-floor', 'near-duplicate-text', 'stuffing', 'sybil-cluster'],
  protocol: { response, maxResponseBytes: 65536, timeoutMs: 5000 },
  miner: textMiner,
});
