import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyCausalLm } from '../../native/tiny-models.js';
import { isProctorError } from '../../core/errors.js';
import type { Json, Sample, Task, Verdict } from '../../core/plugin-api.js';
import type { Embedder } from '../../native/api.js';
import { echoFactor, factCoverage, lengthFactor, stuffingFactor, words } from './measures.js';
import { loadNamedEmbedder } from './native-embedder.js';
import referenceComparison, { compareWithReference, type ComparisonState, type ReferenceComparisonOptions } from './reference-comparison.js';
import { createVectorCache, type VectorCache } from './semantic.js';

const defaults = referenceComparison.options!.defaults;
const lexicalOnly: ReferenceComparisonOptions = { ...defaults, embedder: null };

/** A deterministic stand-in for a sentence embedder: hashed bag of content words, unit length. */
const hashingEmbedder: Embedder = {
  name: 'hashing-test',
  dimensions: 64,
  async embed(texts) {
    return texts.map((text) => {
      const vector = new Float32Array(64);
      for (const word of words(text)) {
        if (word.length < 3) continue;
        let h = 2166136261;
        for (const c of word) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
        vector[(h >>> 0) % 64] += 1;
      }
      const norm = Math.hypot(...vector);
      return norm > 0 ? vector.map((x) => x / norm) : vector;
    });
  },
};

/** Moby-Dick, chapter 61: a continuation task as the text plugin draws it. */
const PASSAGE =
  'It was my turn to stand at the foremast-head; and with my shoulders leaning against the slackened royal shrouds, to and fro I idly swayed in what seemed an enchanted air.';
const CONTINUE = 'Continue the passage in the payload: write the next sentence, in the style of its author. Answer with the continuation only.';
const CONTINUATION =
  'No resolution could withstand it; in that dreamy mood losing all consciousness, at last my soul went out of my body; though my body still continued to sway as a pendulum will, long after the power which first moved it is withdrawn.';
const CONTINUATION_ANSWERS = {
  good: 'No resolve could stand against it; in that dreamy state I lost all awareness, and at last my soul left my body, though my body kept swaying like a pendulum long after the force that first moved it was gone.',
  padded:
    'No resolve could stand against it; my soul left my body, which kept swaying like a pendulum. The sea was wide and the sky was blue, and the ship sailed on across the water while the men worked on the deck and the captain watched them from the stern, as captains have always watched their crews on long voyages across the oceans of the world, from the icy north to the warm south, for as long as men have gone to sea in ships to hunt the whale.',
  stuffed: 'soul body pendulum dreamy soul body pendulum sway soul body dreamy pendulum consciousness body soul pendulum',
};

const DOCUMENT =
  "Nobastead hosted the Sterlo River Festival over the weekend. Next year's dates have not yet been announced. Local bands played on two stages.\n\nThere were 151 stalls selling food and crafts. Organisers counted 43836 visitors. The festival was first held in 1980. Ticket sales brought in 228 thousand dollars, which will go to the local hospital.\n\nThe event was organised by Jonas Fushund and a group of volunteers.";
const SUMMARISE = 'Summarise the document in the payload in one or two sentences, mentioning its key names and numbers. Answer with the summary only.';
const SUMMARY = 'The Sterlo River Festival in Nobastead drew 43836 visitors and raised 228 thousand dollars for the local hospital, organiser Jonas Fushund said.';
const FACTS = ['Sterlo River Festival', 'Nobastead', '43836', '228', 'hospital', 'Jonas Fushund'];
const SUMMARY_ANSWERS = {
  good: "Jonas Fushund's Sterlo River Festival brought 43836 visitors to Nobastead, and its ticket sales raised 228 thousand dollars for the hospital.",
  padded:
    "Jonas Fushund's Sterlo River Festival brought 43836 visitors to Nobastead and raised 228 thousand dollars for the hospital. It was a wonderful event that everyone enjoyed very much, and people from many places came together to celebrate music, food, art, friendship and the spirit of the community, which has always been strong in this part of the country. Many visitors said they would return next year and bring their families and friends with them, because there is nothing quite like it anywhere else.",
  stuffed: 'Sterlo River Festival Nobastead 43836 228 hospital Jonas Fushund festival visitors Sterlo festival Nobastead festival hospital festival visitors',
};

function task(kind: string, prompt: string, payload: Json, reference: string, facts?: string[]): Task {
  return { id: '7-text-3', kind, prompt, payload, answer: reference, meta: { answerType: kind === 'summary' ? 'summary' : 'text', reference, ...(facts ? { facts } : {}) } };
}
const continuationTask = task('continuation', CONTINUE, { passage: PASSAGE }, CONTINUATION);
const summaryTask = task('summary', SUMMARISE, { document: DOCUMENT }, SUMMARY, FACTS);

async function setup(options: ReferenceComparisonOptions): Promise<ComparisonState> {
  return referenceComparison.setup!({ options, log: () => {} });
}

async function score(sample: Sample, options: ReferenceComparisonOptions, state: ComparisonState): Promise<Verdict> {
  const verdict = await referenceComparison.score({ options, log: () => {} }, sample, state);
  assert.ok(typeof verdict === 'object', 'a verdict with details');
  return verdict;
}

/** The embedders a ranking test runs under: none, the hashing stand-in, and glove-sif when this build has it. */
const embedders: { label: string; vectors: () => VectorCache | null }[] = [
  { label: 'without an embedder', vectors: () => null },
  { label: 'with a hashing embedder', vectors: () => createVectorCache(hashingEmbedder) },
];
let glove: VectorCache | null = null;
let gloveMissing = 'glove-sif was not loaded';

before(async () => {
  try {
    glove = createVectorCache(await loadNamedEmbedder('glove-sif'));
    embedders.push({ label: 'with glove-sif', vectors: () => glove });
  } catch (error) {
    gloveMissing = `glove-sif is not available in this build (${(error as Error).message}); the semantic tests with a real model are skipped`;
  }
});

async function valueOf(t: Task, answer: string, vectors: VectorCache | null): Promise<number> {
  const payload = Object.values(t.payload as { [key: string]: string }).join('\n');
  const facts = (t.meta.facts as string[] | undefined) ?? null;
  return (await compareWithReference({ response: answer, reference: t.meta.reference as string, prompt: t.prompt, payload, facts }, defaults.weights, vectors)).value;
}

describe('reference-comparison', () => {
  it('scores a verbatim copy of the hidden reference 1: for hidden ground truth it is the right answer', async () => {
    for (const { label, vectors } of embedders) {
      assert.equal(await valueOf(continuationTask, CONTINUATION, vectors()), 1, label);
      assert.equal(await valueOf(summaryTask, SUMMARY, vectors()), 1, label);
    }
  });

  it('ranks a good answer above a padded one, a keyword-stuffed one, an empty one and an echo of the prompt or payload', async () => {
    for (const { label, vectors } of embedders) {
      for (const [t, answers, payload] of [[continuationTask, CONTINUATION_ANSWERS, PASSAGE], [summaryTask, SUMMARY_ANSWERS, DOCUMENT]] as const) {
        const good = await valueOf(t, answers.good, vectors());
        assert.ok(good > 0.4, `${label}, ${t.kind}: the good answer scores ${good}`);
        for (const [name, answer] of Object.entries({ padded: answers.padded, stuffed: answers.stuffed, empty: '', prompt: t.prompt, payload })) {
          const value = await valueOf(t, answer, vectors());
          assert.ok(value < good / 2, `${label}, ${t.kind}: ${name} scores ${value}, the good answer ${good}`);
        }
      }
    }
  });

  it('scores 0 for the empty answer, filler, the prompt echoed back, the payload echoed back and a bare list of the facts', async () => {
    for (const { label, vectors } of embedders) {
      for (const answer of ['', '   ', '...', SUMMARISE, DOCUMENT, 'This is a good and complete answer to the question, written carefully and in full.', FACTS.join(', ')]) {
        const value = await valueOf(summaryTask, answer, vectors());
        assert.ok(value < 0.05, `${label}: ${JSON.stringify(answer.slice(0, 40))} scored ${value}`);
      }
    }
  });

  it('credits an extract of a few document sentences: an extractive summary is not an echo', async () => {
    const extract = 'Organisers counted 43836 visitors. Ticket sales brought in 228 thousand dollars, which will go to the local hospital. The event was organised by Jonas Fushund and a group of volunteers.';
    assert.equal(echoFactor(words(extract), words(SUMMARY), [words(DOCUMENT)]).factor, 1);
    assert.ok((await valueOf(summaryTask, extract, null)) > 0.4);
  });

  it('uses glove-sif to score a paraphrase above an unrelated sentence, and filler at 0', async (t) => {
    if (glove === null) return t.skip(gloveMissing);
    const paraphrase = await valueOf(continuationTask, CONTINUATION_ANSWERS.good, glove);
    const unrelated = await valueOf(continuationTask, 'The committee will report on the budget for the next fiscal year, and Congress should act on it.', glove);
    assert.ok(paraphrase > 0.5 && unrelated < 0.1, `paraphrase ${paraphrase}, unrelated ${unrelated}`);
    const verdict = await compareWithReference({ response: "I don't know.", reference: CONTINUATION, prompt: CONTINUE, payload: PASSAGE, facts: null }, defaults.weights, glove);
    assert.equal(verdict.details?.components && (verdict.details.components as { semantic: number }).semantic, 0);
  });

  it('gives the length factor 1 inside 0.5–2 times the reference, rising before and falling after (monotone)', () => {
    assert.equal(lengthFactor(10, 20), 1);
    assert.equal(lengthFactor(40, 20), 1);
    assert.equal(lengthFactor(5, 20), 0.5);
    assert.ok(Math.abs(lengthFactor(80, 20) - 0.5 ** 1.5) < 1e-12);
    assert.equal(lengthFactor(0, 0), 1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.nat(2000), fc.nat(2000), (reference, a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a];
        const [f, g] = [lengthFactor(shorter, reference), lengthFactor(longer, reference)];
        assert.ok(f >= 0 && f <= 1 && g >= 0 && g <= 1);
        if (longer <= 0.5 * reference) assert.ok(f <= g, 'non-decreasing below the band');
        if (shorter >= 2 * reference) assert.ok(f >= g, 'non-increasing above the band');
      }),
    );
  });

  it('catches keyword stuffing (repeated words, repeated phrases, bare keyword lists) relative to the reference style', () => {
    const reference = words(SUMMARY);
    assert.equal(stuffingFactor(words(SUMMARY_ANSWERS.good), reference).factor, 1);
    assert.equal(stuffingFactor(words(SUMMARY_ANSWERS.stuffed), reference).factor, 0, 'repeated keywords');
    assert.ok(stuffingFactor(words(`${SUMMARY} ${SUMMARY}`), reference).factor < 0.1, 'the reference twice');
    assert.equal(stuffingFactor(words(FACTS.join(' ')), reference).factor, 0, 'keywords without function words');
    const refrain = words('Row, row, row your boat, gently down the stream. Merrily, merrily, merrily, merrily, life is but a dream.');
    assert.equal(stuffingFactor(refrain, refrain).factor, 1, 'a repetitive reference does not penalise its own style');
  });

  it('counts key facts mentioned as whole word sequences, numbers with or without thousands separators', () => {
    const coverage = factCoverage(words('Jonas Fushund said 43,836 people came to Nobastead.'), FACTS)!;
    assert.deepEqual(coverage.missing, ['Sterlo River Festival', '228', 'hospital']);
    assert.equal(coverage.share, 0.5);
    assert.deepEqual(factCoverage(words('The Jonas Fushundson festival'), ['Jonas Fushund'])!.missing, ['Jonas Fushund'], 'not inside a longer word');
    assert.equal(factCoverage(words('anything'), ['', '...']), null, 'no usable fact');
  });

  it('renormalises the weights over the components that apply, and says which did', async () => {
    const state = await setup(lexicalOnly);
    const verdict = await score({ task: continuationTask, response: { answer: CONTINUATION_ANSWERS.good } }, lexicalOnly, state);
    assert.deepEqual(verdict.details?.components, { semantic: null, overlap: (verdict.details!.components as { overlap: number }).overlap, facts: null });
    assert.equal(verdict.value, (verdict.details!.components as { overlap: number }).overlap, 'overlap alone carries the weight');
    const onlyFacts = { ...lexicalOnly, weights: { semantic: 0, overlap: 0, facts: 1 } };
    const facts = await score({ task: summaryTask, response: { answer: SUMMARY_ANSWERS.good } }, onlyFacts, state);
    assert.equal(facts.value, Math.round((5 / 6) * 1e6) / 1e6);
    const none = await score({ task: continuationTask, response: { answer: CONTINUATION_ANSWERS.good } }, onlyFacts, state);
    assert.equal(none.value, 0);
    assert.equal(none.details?.reason, 'no component with a positive weight applies');
  });

  it('compares with meta.reference, else a text answer, and says which; with neither and no generator it scores 0 with a reason', async () => {
    const state = await setup(lexicalOnly);
    const fromAnswer: Task = { ...continuationTask, meta: {} };
    assert.equal((await score({ task: fromAnswer, response: { answer: CONTINUATION } }, lexicalOnly, state)).details?.reference, 'answer');
    assert.equal((await score({ task: continuationTask, response: { answer: CONTINUATION } }, lexicalOnly, state)).details?.reference, 'meta.reference');
    const none = await score({ task: { ...continuationTask, answer: null, meta: {} }, response: { answer: 'text' } }, lexicalOnly, state);
    assert.equal(none.value, 0);
    assert.match(String(none.details?.reason), /no reference/);
    const bare = await score({ task: continuationTask, response: 'a bare string answer' }, lexicalOnly, state);
    assert.ok(bare.value >= 0, 'a bare string response is read as the answer');
  });

  it('never throws on arbitrary JSON, stays in [0, 1], agrees with itself and leaves the sample as it was', async () => {
    const states = [
      { options: lexicalOnly, state: await setup(lexicalOnly) },
      { options: defaults, state: { vectors: createVectorCache(hashingEmbedder), generated: new Map() } as ComparisonState },
    ];
    const text = fc.oneof(fc.string(), fc.constantFrom(CONTINUATION, SUMMARY, SUMMARY_ANSWERS.stuffed, ''));
    const answer = fc.oneof(fc.jsonValue(), text.map((a) => ({ answer: a }) as Json));
    await fc.assert(
      fc.asyncProperty(answer, fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), async (response, taskAnswer, reference, facts, payload) => {
        const sample: Sample = {
          task: { id: 'x', kind: 'summary', prompt: SUMMARISE, payload: payload as Json, answer: taskAnswer as Json, meta: { reference: reference as Json, facts: facts as Json } },
          response: response as Json,
        };
        const before = structuredClone(sample);
        for (const { options, state } of states) {
          const first = await score(sample, options, state);
          assert.ok(first.value >= 0 && first.value <= 1 && Number.isFinite(first.value), String(first.value));
          assert.deepEqual(await score(sample, options, state), first);
          assert.doesNotThrow(() => JSON.stringify(first));
        }
        assert.deepEqual(sample, before);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same verdict from a fresh worker state as from a warm one (caches change nothing)', async () => {
    for (const { label, vectors } of embedders) {
      const cold = label === 'with glove-sif' ? createVectorCache(glove!.embedder) : vectors();
      for (const answer of [SUMMARY_ANSWERS.good, SUMMARY_ANSWERS.padded, DOCUMENT]) {
        const input = { response: answer, reference: SUMMARY, prompt: SUMMARISE, payload: DOCUMENT, facts: FACTS };
        const warm = vectors();
        await compareWithReference(input, defaults.weights, warm);
        assert.deepEqual(await compareWithReference(input, defaults.weights, warm), await compareWithReference(input, defaults.weights, cold), label);
      }
    }
  });

  it('stays fast and in range on an answer of 100,000 words: the quadratic measure reads the first 2000', async () => {
    const started = performance.now();
    const huge = `${SUMMARY} `.repeat(5000);
    const verdict = await compareWithReference({ response: huge, reference: SUMMARY, prompt: SUMMARISE, payload: DOCUMENT, facts: FACTS }, defaults.weights, createVectorCache(hashingEmbedder));
    assert.ok(verdict.value < 0.01, `padding by repetition scores ${verdict.value}`);
    assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
  });

  it('has an options schema that fills the defaults and names what it refuses', () => {
    const { schema } = referenceComparison.options!;
    assert.deepEqual(schema.parse(defaults), defaults);
    const parsed = schema.parse({ ...defaults, generator: { kind: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'm' } }) as ReferenceComparisonOptions;
    assert.deepEqual(parsed.generator, { kind: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'm', timeoutMs: 20000 });
    for (const bad of [
      { ...defaults, extra: 1 },
      { ...defaults, weights: { semantic: 0, overlap: 0, facts: 0 } },
      { ...defaults, weights: { semantic: -1, overlap: 1, facts: 0 } },
      { ...defaults, generator: { kind: 'openai', url: 'ftp://host/v1', model: 'm' } },
      { ...defaults, generator: { kind: 'openai', url: 'http://host/v1' } },
      { ...defaults, generator: { kind: 'openai', url: 'http://host/v1', model: 'm', apiKeyEnv: 'not a name' } },
      { ...defaults, generator: { kind: 'llama', model: 'm' } },
      { ...defaults, embedder: '' },
    ]) {
      assert.equal(schema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('declares its name, version, inputs and output range', () => {
    assert.equal(referenceComparison.name, 'reference-comparison');
    assert.equal(referenceComparison.version, '1.1.0');
    assert.deepEqual(referenceComparison.inputs, ['response', 'answer']);
    assert.deepEqual(referenceComparison.output, { range: [0, 1], higherIsBetter: true });
  });
});

describe('reference-comparison with a reference generator', () => {
  let server: Server;
  let base: string;
  const requests: { url: string; authorization: string | undefined; body: { model: string; messages: { content: string }[] } }[] = [];
  let reply: (res: ServerResponse) => void = (res) => res.end();

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
        reply(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const openTask: Task = { id: '9-text-1', kind: 'explain', prompt: 'Why is the sky blue?', payload: { hint: 'physics' }, answer: null, meta: {} };
  const generatorOptions = (extra: object = {}): ReferenceComparisonOptions => ({
    ...lexicalOnly,
    generator: { kind: 'openai', url: `${base}/`, model: 'tiny', timeoutMs: 2000, ...extra },
  });
  const completion = (content: string) => (res: ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  };

  it('asks POST {url}/chat/completions once per task for a missing reference, and scores against it', async () => {
    requests.length = 0;
    reply = completion('Air scatters blue sunlight more than red light.');
    const options = generatorOptions();
    const state = await setup(options);
    const right = await score({ task: openTask, response: { answer: 'Air scatters blue sunlight more than red light.' } }, options, state);
    const wrong = await score({ task: openTask, response: { answer: 'Because the ocean reflects into it.' } }, options, state);
    assert.equal(right.value, 1);
    assert.equal(right.details?.reference, 'generator');
    assert.ok(wrong.value < 0.2);
    assert.equal(requests.length, 1, 'one request for two responses to one task');
    assert.equal(requests[0].url, '/v1/chat/completions');
    assert.equal(requests[0].body.model, 'tiny');
    assert.equal(requests[0].body.messages[0].content, 'Why is the sky blue?\n\nphysics');
    assert.equal(requests[0].authorization, undefined);
  });

  it('sends the API key from the named environment variable, and refuses to run when it is unset', async () => {
    requests.length = 0;
    reply = completion('A reference.');
    process.env.PROCTOR_TEST_REFERENCE_KEY = 'sk-test';
    const options = generatorOptions({ apiKeyEnv: 'PROCTOR_TEST_REFERENCE_KEY' });
    await score({ task: { ...openTask, id: 'key-1' }, response: { answer: 'A reference.' } }, options, await setup(options));
    assert.equal(requests[0].authorization, 'Bearer sk-test');
    delete process.env.PROCTOR_TEST_REFERENCE_KEY;
    await assert.rejects(score({ task: { ...openTask, id: 'key-2' }, response: { answer: 'x' } }, options, await setup(options)), /PROCTOR_TEST_REFERENCE_KEY/);
  });

  it('turns an HTTP error, a body that is not a completion and a timeout into PROCTOR_ERR_REFERENCE_ENDPOINT', async () => {
    const cases: [string, (res: ServerResponse) => void, RegExp][] = [
      ['status', (res) => void res.writeHead(503).end('overloaded'), /HTTP 503: overloaded/],
      ['json', (res) => res.end('not json'), /not JSON/],
      ['shape', completion(''), /choices\[0\]\.message\.content/],
      ['timeout', () => {}, /no answer within 300 ms/],
    ];
    for (const [id, handler, message] of cases) {
      reply = handler;
      const options = generatorOptions({ timeoutMs: 300 });
      await assert.rejects(
        score({ task: { ...openTask, id }, response: { answer: 'x' } }, options, await setup(options)),
        (error) => isProctorError(error) && error.code === 'PROCTOR_ERR_REFERENCE_ENDPOINT' && message.test(error.message) && error.message.includes('/v1/chat/completions'),
        id,
      );
    }
  });

  it('uses the task\'s own reference without asking the generator', async () => {
    requests.length = 0;
    const options = generatorOptions();
    await score({ task: continuationTask, response: { answer: CONTINUATION } }, options, await setup(options));
    assert.equal(requests.length, 0);
  });

  it('writes the reference with a local ONNX causal LM when the task has none, the same every time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-generator-'));
    try {
      await writeTinyCausalLm(dir);
      const options: ReferenceComparisonOptions = { ...lexicalOnly, generator: { kind: 'onnx', model: dir, maxNewTokens: 6 } };
      const state = await setup(options);
      const task: Task = { id: 'g-1', kind: 'continuation', prompt: 'the cat', payload: null, answer: null, meta: {} };
      const first = await score({ task, response: { answer: 'sat on the mat' } }, options, state);
      assert.equal(first.details?.reference, 'generator');
      assert.ok(first.value >= 0 && first.value <= 1);
      const again = await score({ task, response: { answer: 'sat on the mat' } }, options, await setup(options));
      assert.deepEqual(again, first, 'greedy generation is deterministic');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an onnx generator whose model is not found', async () => {
    await assert.rejects(setup({ ...lexicalOnly, generator: { kind: 'onnx', model: './models/no-such-model' } }), (error) =>
      isProctorError(error) && error.code === 'PROCTOR_ERR_MODEL_NOT_FOUND',
    );
  });});
