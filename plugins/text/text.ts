/**
 * The `text` plugin: hidden ground-truth questions (arithmetic word problems, date and time
 * computation, string transformations, fact lookup in a synthetic document) drawn from the round
 * seed, scored by `ground-truth`, answered locally by reference miners that compute their answers.
 */
import { z } from 'zod';
import { definePlugin } from '../../core/plugin-api.js';
import { generateTextTasks, TEXT_DATASET_VERSION } from '../../datasets/text/generate.js';
import { textMiner } from './solver.js';

/** What a miner answers: `{ "answer": "<text>" }` and nothing else. */
const response = z.object({ answer: z.string().max(4096) }).strict();

export default definePlugin({
  name: 'text',
  version: '1.0.0',
  engine: '^0.1.0',
  tasks: { perRound: 8, version: TEXT_DATASET_VERSION, generate: generateTextTasks },
  evaluators: { 'ground-truth': { weight: 1 } },
  detectors: [],
  protocol: { response, maxResponseBytes: 65536, timeoutMs: 5000 },
  miner: textMiner,
});
