/**
 * One copy of an n-gram model per process: worker threads read the tables the main thread loaded,
 * over real `worker_threads` and the real evaluator pool.
 */
import { strict as assert } from 'node:assert';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import type { EvaluationJob } from '../../core/pool/evaluation.js';
import { createEvaluatorPool } from '../../core/pool/pool.js';
import { builtinEvaluators } from '../../core/registry.js';
import { bundledNgramModelDir, METADATA_FILE, NGRAM_FILE } from './ngram-format.js';
import { loadNgramModel, perplexityFromLogProbs, serveNgramModels } from './ngram-model.js';
import { serveNgramTables } from './ngram-share.js';
import { proctorError } from '../../core/errors.js';

const TEXTS = ['Call me Ishmael.', 'Some years ago, never mind how long precisely, I thought I would sail about a little.'];

const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const share = await import(workerData.share);
  const { loadNgramModel } = await import(workerData.model);
  share.useNgramTablesFrom(workerData.channel);
  try {
    const model = await loadNgramModel(workerData.dir);
    parentPort.postMessage({
      logProbs: workerData.texts.map((t) => model.scoreText(t).logProbs),
      shared: model.tables.logProb.every((a) => a.buffer instanceof SharedArrayBuffer),
    });
  } catch (error) {
    parentPort.postMessage({ code: error.code, message: error.message });
  }
})();
`;

interface WorkerAnswer {
  logProbs?: number[][];
  shared?: boolean;
  code?: string;
  message?: string;
}

function loadInWorker(channel: string, dir: string): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const workerData = {
      share: new URL('./ngram-share.js', import.meta.url).href,
      model: new URL('./ngram-model.js', import.meta.url).href,
      channel,
      dir,
      texts: TEXTS,
    };
    const worker = new Worker(WORKER_SCRIPT, { eval: true, workerData });
    worker.once('message', (answer: WorkerAnswer) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('n-gram tables shared with worker threads', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proctor-ngram-share-'));
    for (const file of [METADATA_FILE, NGRAM_FILE]) await copyFile(join(bundledNgramModelDir(), file), join(dir, file));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves two workers the main thread\'s copy: they score without the folder, bit-identically', async () => {
    const server = serveNgramModels();
    try {
      const main = await loadNgramModel(dir);
      const expected = TEXTS.map((t) => main.scoreText(t).logProbs);
      // With the folder gone, a worker that read its own copy would fail with MODEL_FILE_MISSING.
      await rm(join(dir, NGRAM_FILE));
      const answers = await Promise.all([loadInWorker(server.channel, dir), loadInWorker(server.channel, dir)]);
      for (const answer of answers) {
        assert.equal(answer.code, undefined, answer.message);
        assert.equal(answer.shared, true, 'the tables are SharedArrayBuffer views');
        assert.deepEqual(answer.logProbs, expected);
      }
      assert.equal(server.requests, 2);
    } finally {
      server.close();
      await copyFile(join(bundledNgramModelDir(), NGRAM_FILE), join(dir, NGRAM_FILE));
    }
  });

  it('passes the serving thread\'s coded error to the worker that asked', async () => {
    // The server's loader fails with MALFORMED; a worker reading the (missing) folder itself would get FILE_MISSING.
    const server = serveNgramTables(async (asked) => {
      throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: 'served', file: join(asked, NGRAM_FILE), problem: 'is refused by the server' });
    });
    try {
      const answer = await loadInWorker(server.channel, join(dir, 'no-such-model'));
      assert.equal(answer.code, 'PROCTOR_ERR_MODEL_MALFORMED');
      assert.match(answer.message ?? '', /refused by the server/);
      assert.equal(server.requests, 1);
    } finally {
      server.close();
    }
  });

  it('drops the answer to a request whose load ends after the server closed, without an error', async () => {
    const model = await loadNgramModel();
    let finish: () => void = () => {};
    const server = serveNgramTables(() => new Promise((resolve) => (finish = () => resolve({ metadata: model.metadata, tables: model.tables }))));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const asker = new BroadcastChannel(server.channel);
    try {
      asker.postMessage({ kind: 'request', id: 'late', dir });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(server.requests, 1);
      server.close();
      finish();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      asker.close();
    }
  });

  it('gives the evaluator pool\'s perplexity evaluator the same scores as the main thread', async () => {
    const pool = createEvaluatorPool({ size: 2 });
    try {
      const module = builtinEvaluators.perplexity;
      const { default: definition } = (await import(module)) as { default: { version: string } };
      const evaluator = { name: 'perplexity', version: definition.version, module, options: {} };
      const jobs: EvaluationJob[] = Array.from({ length: 8 }, (_, id) => ({
        id,
        evaluator,
        sample: { task: { id: `t${id}`, kind: 'continuation', prompt: 'Continue.', payload: null, answer: null, meta: {} }, response: { answer: TEXTS[id % 2] } },
      }));
      const results = await pool.evaluate(jobs);
      const { ngramTableRequests } = pool.stats();
      assert.ok(ngramTableRequests >= 1 && ngramTableRequests <= 2, `each worker that scored asked once, got ${ngramTableRequests}`);
      const main = await loadNgramModel();
      for (const result of results) {
        assert.equal(result.status, 'ok', JSON.stringify(result));
        const details = result.status === 'ok' ? (result.details as { perplexity?: number }) : {};
        assert.equal(details.perplexity, perplexityFromLogProbs(main.scoreText(TEXTS[result.id % 2]).logProbs).perplexity);
      }
    } finally {
      await pool.close();
    }
  });
});
