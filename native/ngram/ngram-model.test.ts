import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isProctorError } from '../../core/errors.js';
import {
  HELD_OUT, buildNgramModel, encodeNgramModel, estimateKneserNey, exactLogProb, modifiedKneserNeyDiscounts,
  splitCorpora, splitPassages, writeNgramModel, type CorpusDocument,
} from './build-ngram.js';
import { LOG_MAX_CODE, LOG_STEP, METADATA_FILE, NGRAM_FILE, bundledNgramModelDir, decodeNgramTables, logValue } from './ngram-format.js';
import { NgramModel, loadNgramModel, perplexityFromLogProbs } from './ngram-model.js';
import { tokenizeSentences } from './tokenize.js';
import { mulberry32 as seeded, shuffleWords } from '../../datasets/quality/shuffle.js';


const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const predictable = (vocabulary: readonly string[]) => vocabulary.filter((w) => w !== '<s>');

function loadedToy(sentences: string[][], options: Parameters<typeof estimateKneserNey>[1]): { exact: ReturnType<typeof estimateKneserNey>; loaded: NgramModel } {
  const exact = estimateKneserNey(sentences, options);
  const metadata = { format: 'proctor-ngram-kn' as const, formatVersion: 1, name: 'toy', order: exact.order, vocabularySize: exact.vocabulary.length, counts: [], discounts: exact.discounts };
  return { exact, loaded: new NgramModel(metadata, decodeNgramTables(encodeNgramModel(exact))) };
}

function gunzipBundled(): Buffer {
  return gunzipSync(readFileSync(join(bundledNgramModelDir(), NGRAM_FILE)));
}

const TOY = 'the cat sat on the mat. the dog sat on the log. the cat saw the dog. a dog sat. the cat sat. the dog saw a cat on the mat. a cat sat on a dog.';

describe('tokenize', () => {
  it('lower-cases, splits punctuation, hyphens and dashes, keeps inner apostrophes and maps digits to 0', () => {
    assert.deepEqual(tokenizeSentences('Call me Ishmael. Some years ago—never mind the sea-captain\'s $1,250.'), [
      ['call', 'me', 'ishmael', '.'],
      ['some', 'years', 'ago', '—', 'never', 'mind', 'the', 'sea', '-', "captain's", '$', '0,000', '.'],
    ]);
  });

  it('does not end a sentence after an initial or a common abbreviation, and ends one at a blank line', () => {
    assert.deepEqual(tokenizeSentences('Mr. J. Q. Adams left. Then\n\nnothing'), [['mr', '.', 'j', '.', 'q', '.', 'adams', 'left', '.'], ['then'], ['nothing']]);
    assert.deepEqual(tokenizeSentences(' \n '), []);
  });
});

describe('modified Kneser-Ney estimation', () => {
  it('matches a hand-computed bigram model (fallback discounts 0.5, 1, 1.5)', () => {
    // <s> a b </s> ×2, <s> b a </s>. Continuation counts: a 2, b 2, </s> 2, <unk> 0; D(2) = 1, D(1) = 0.5.
    // p1(a) = (2 − 1)/6 + (3/6)/4 = 7/24; p1(<unk>) = 1/8.
    // Context a: b ×2, </s> ×1, total 3, γ = (1 + 0.5)/3 = 1/2: p(b|a) = 1/3 + 7/48 = 23/48, p(a|a) = 7/48.
    const { exact, loaded } = loadedToy([['a', 'b'], ['a', 'b'], ['b', 'a']], { order: 2, minWordCount: 1 });
    assert.deepEqual(exact.discountFallback, [true, true]);
    const expected: [string[], string, number][] = [
      [[], 'a', 7 / 24], [[], '<unk>', 1 / 8], [['a'], 'b', 23 / 48], [['a'], '</s>', 15 / 48], [['a'], 'a', 7 / 48],
      [['a'], '<unk>', 3 / 48], [['<s>'], 'a', 23 / 48], [['<s>'], 'b', 15 / 48], [['b'], '</s>', 23 / 48], [['b'], 'zebra', 3 / 48],
    ];
    for (const [context, word, p] of expected) {
      assert.ok(Math.abs(Math.exp(exactLogProb(exact, context, word)) - p) < 1e-12, `exact p(${word} | ${context.join(' ')})`);
      // Quantised: each stored ln value is within half a step (0.0005); a backed-off one adds a backoff.
      assert.ok(Math.abs(loaded.logProb(context, word) - Math.log(p)) <= 1.1e-3, `loaded p(${word} | ${context.join(' ')})`);
    }
    const { perplexity, tokens } = loaded.perplexity('A b', { cache: false });
    assert.equal(tokens, 3);
    assert.ok(Math.abs(perplexity - 48 / 23) < 2e-3, `perplexity ${perplexity}`);
  });

  it('computes Chen & Goodman discounts from count-of-counts, and refuses degenerate ones', () => {
    const [d1, d2, d3] = modifiedKneserNeyDiscounts([100, 40, 20, 10])!;
    const y = 100 / 180;
    assert.ok(Math.abs(d1 - (1 - (2 * y * 40) / 100)) < 1e-12 && Math.abs(d2 - (2 - (3 * y * 20) / 40)) < 1e-12 && Math.abs(d3 - (3 - (4 * y * 10) / 20)) < 1e-12);
    assert.equal(modifiedKneserNeyDiscounts([5, 3, 0, 1]), null);
  });

  it('gives conditional distributions that sum to 1 over the vocabulary, pruned or not', () => {
    const sentences = tokenizeSentences(TOY);
    for (const options of [{ order: 3, minWordCount: 1, pruneFromOrder: 9 }, { order: 3, minWordCount: 2, pruneFromOrder: 2 }, { order: 4, minWordCount: 1, pruneFromOrder: 3 }]) {
      const { exact, loaded } = loadedToy(sentences, options);
      for (const context of [[], ['<s>'], ['<s>', 'the'], ['the', 'cat'], ['sat', 'on', 'the'], ['zzz', 'the'], ['a', 'dog'], ['never', 'seen', 'this']]) {
        const words = predictable(exact.vocabulary);
        const total = sum(words.map((w) => Math.exp(exactLogProb(exact, context, w))));
        assert.ok(Math.abs(total - 1) < 1e-9, `${JSON.stringify(options)} after "${context.join(' ')}": ${total}`);
        const loadedTotal = sum(words.map((w) => Math.exp(loaded.logProb(context, w))));
        assert.ok(Math.abs(loadedTotal - 1) < 2e-3, `quantised, after "${context.join(' ')}": ${loadedTotal}`);
      }
    }
  });

  it('sums to 1 for random corpora, orders and pruning (property)', () => {
    const sentence = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', '.'), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(sentence, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 5 }),
        fc.array(fc.constantFrom('<s>', 'a', 'b', 'c', 'd', 'e', '.', 'x'), { maxLength: 4 }),
        (sentences, order, minWordCount, pruneFromOrder, context) => {
          const model = estimateKneserNey(sentences, { order, minWordCount, pruneFromOrder });
          const total = sum(predictable(model.vocabulary).map((w) => Math.exp(exactLogProb(model, context, w))));
          assert.ok(Math.abs(total - 1) < 1e-9, `${total}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes identical bytes when built twice from the same documents', () => {
    const documents: CorpusDocument[] = splitCorpora().training.filter((doc) => /moby-dick\/chapter_(1|2|3|4)$/.test(doc.id));
    assert.equal(documents.length, 4);
    const dirs = [mkdtempSync(join(tmpdir(), 'ngram-a-')), mkdtempSync(join(tmpdir(), 'ngram-b-'))];
    try {
      for (const dir of dirs) writeNgramModel(dir, buildNgramModel('tiny', documents, documents.slice(0, 1), { order: 3 }));
      for (const file of [METADATA_FILE, NGRAM_FILE]) assert.deepEqual(readFileSync(join(dirs[0], file)), readFileSync(join(dirs[1], file)), file);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the bundled ngram-kn model', () => {
  const heldOutPassages = () => splitCorpora().heldOut.map((doc) => splitPassages(doc.text, 100)[0]);

  it('records its order, discounts, corpora and held-out documents, and is found from dist/', async () => {
    const model = await loadNgramModel();
    assert.equal(model.name, 'ngram-kn');
    assert.equal(model.order, 4);
    assert.equal(model.metadata.discounts.length, 4);
    assert.deepEqual(model.metadata.heldOut, Object.entries(HELD_OUT).map(([pkg, documents]) => ({ package: pkg, documents: [...documents] })));
    assert.ok(readFileSync(join(bundledNgramModelDir(), NGRAM_FILE)).length < 8e6, 'stays under 8 MB');
    assert.equal(await loadNgramModel(), model, 'cached per thread');
  });

  it('gives held-out natural text a perplexity at least 3 times lower than the same words shuffled', async () => {
    const model = await loadNgramModel();
    const random = seeded(1);
    const passages = heldOutPassages();
    assert.equal(passages.length, 10);
    for (const passage of passages) {
      const natural = model.perplexity(passage).perplexity;
      const shuffled = model.perplexity(shuffleWords(passage, random)).perplexity;
      assert.ok(shuffled >= 3 * natural, `natural ${natural.toFixed(1)}, shuffled ${shuffled.toFixed(1)}: ${passage.slice(0, 60)}`);
    }
  });

  it('scores every sentence token and </s>, with the same numbers twice', async () => {
    const model = await loadNgramModel();
    const text = 'We remain in peace and friendship with foreign powers. The whale, the whale!';
    const [first] = await model.logProbs([text]);
    assert.deepEqual(first.tokens, ['we', 'remain', 'in', 'peace', 'and', 'friendship', 'with', 'foreign', 'powers', '.', '</s>', 'the', 'whale', ',', 'the', 'whale', '!', '</s>']);
    assert.ok(first.logProbs.every((x) => Number.isFinite(x) && x < 0));
    assert.deepEqual((await model.logProbs([text]))[0], first);
    const again = new NgramModel(model.metadata, decodeNgramTables(gunzipBundled()));
    assert.deepEqual(again.scoreText(text), first);
  });

  it('reproduces the held-out perplexities that model.json records', async () => {
    const model = await loadNgramModel();
    const heldOut = splitCorpora().heldOut;
    const recorded = model.metadata.heldOutResults as { tokens: number; perplexity: number; perplexityWithCache: number };
    const staticScores = perplexityFromLogProbs(heldOut.flatMap((doc) => model.scoreText(doc.text, { cache: false }).logProbs));
    assert.equal(staticScores.tokens, recorded.tokens);
    assert.equal(Number(staticScores.perplexity.toFixed(2)), recorded.perplexity);
    assert.equal(Number(perplexityFromLogProbs(heldOut.flatMap((doc) => model.scoreText(doc.text).logProbs)).perplexity.toFixed(2)), recorded.perplexityWithCache);
  });

  it('carries contexts from token to token with exactly the numbers of a walk from the trie root', async () => {
    const model = await loadNgramModel();
    const tables = decodeNgramTables(gunzipBundled());
    const child = (n: number, entry: number, word: number) => {
      for (let i = tables.childStart[n - 1][entry]; i < tables.childStart[n - 1][entry + 1]; i++) if (tables.words[n][i] === word) return i;
      return -1;
    };
    // The textbook backoff query, written out independently: for each context suffix, longest first.
    const fromRoot = (context: number[], word: number) => {
      let backoffSum = 0;
      for (let start = 0; start < context.length; start++) {
        let entry = context[start];
        for (let i = start + 1; i < context.length && entry >= 0; i++) entry = child(i - start, entry, context[i]);
        if (entry < 0) continue;
        const found = child(context.length - start, entry, word);
        if (found >= 0) return backoffSum + logValue(tables.logProb[context.length - start][found], tables.logStep);
        backoffSum += logValue(tables.backoff[context.length - start - 1][entry], tables.logStep);
      }
      return backoffSum + logValue(tables.logProb[0][word], tables.logStep);
    };
    const text = [...heldOutPassages().slice(0, 3), shuffleWords(heldOutPassages()[3], seeded(7))].join('\n\n');
    const { logProbs } = model.scoreText(text, { cache: false });
    const expected: number[] = [];
    for (const sentence of tokenizeSentences(text)) {
      const ids = ['<s>', ...sentence, '</s>'].map((t) => model.idOf(t));
      for (let i = 1; i < ids.length; i++) expected.push(fromRoot(ids.slice(Math.max(0, i - model.order + 1), i), ids[i]));
    }
    assert.ok(expected.length > 400);
    assert.deepEqual(logProbs, expected);
  });

  it('decodes each 16-bit code to the float32 nearest its log value, and the top code to -Infinity', () => {
    const asFloat32 = new Float32Array(1);
    for (let code = 0; code < LOG_MAX_CODE; code++) {
      asFloat32[0] = -code * LOG_STEP;
      assert.equal(logValue(code, LOG_STEP), asFloat32[0]);
    }
    assert.equal(logValue(LOG_MAX_CODE, LOG_STEP), -Infinity);
  });

  it('makes a text that repeats itself predictable through its cache, and leaves static scores alone without it', async () => {
    const model = await loadNgramModel();
    const sentence = 'We remain in peace and friendship with foreign powers. ';
    const once = model.perplexity(sentence).perplexity;
    assert.ok(model.perplexity(sentence.repeat(20)).perplexity < 3);
    assert.ok(Math.abs(model.perplexity(sentence.repeat(20), { cache: false }).perplexity - once) < 1e-6 * once);
  });

  it('fails with MODEL_FILE_MISSING naming the file, and MODEL_MALFORMED for corrupt files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ngram-bad-'));
    try {
      await assert.rejects(loadNgramModel(dir), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_FILE_MISSING' && e.message.includes(METADATA_FILE));
      copyFileSync(join(bundledNgramModelDir(), METADATA_FILE), join(dir, METADATA_FILE));
      await assert.rejects(loadNgramModel(dir), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_FILE_MISSING' && e.message.includes(NGRAM_FILE));
      for (const corrupt of [Buffer.from('not gzip'), gzipSync(Buffer.from('PKN1 and then nonsense')), gzipSync(gunzipBundled().subarray(0, 100_000))]) {
        writeFileSync(join(dir, NGRAM_FILE), corrupt);
        await assert.rejects(loadNgramModel(dir), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_MALFORMED');
      }
      writeFileSync(join(dir, METADATA_FILE), '{"format": "something-else"}');
      await assert.rejects(loadNgramModel(dir), (e: unknown) => isProctorError(e) && e.code === 'PROCTOR_ERR_MODEL_MALFORMED' && e.message.includes('format'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

