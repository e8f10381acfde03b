import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { embedAll } from './embedder.js';
import { InvalidInputError } from './errors.js';
import { createLocalEmbedder, hashString, localEmbedderWords } from './local-embedder.js';

const dot = (a: Float32Array, b: Float32Array) =>
  a.reduce((sum, value, i) => sum + value * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

const docs = [
  'Refund policy: you get a full refund within 30 days of purchase, no questions asked.',
  'The office is closed on public holidays and at weekends.',
  'Shipping takes 3 to 5 business days within the EU.',
  'Our team uses TypeScript and Postgres for the billing service.',
];

describe('createLocalEmbedder', () => {
  it('ranks the related document first for a question about it', async () => {
    const embedder = createLocalEmbedder();
    const [refund, office, shipping, stack] = await embedAll(embedder, docs);
    const [query] = await embedAll(embedder, ['What is your refund policy?'], { purpose: 'query' });
    const scores = [refund, office, shipping, stack].map((doc) => dot(query!, doc!));
    expect(scores[0]).toBeGreaterThan(0.4);
    for (const other of scores.slice(1)) expect(scores[0]! - other).toBeGreaterThan(0.3);
  });

  it('tolerates plurals and a typo through character n-grams', async () => {
    const embedder = createLocalEmbedder();
    const [doc, plural, typo, unrelated] = await embedAll(embedder, [
      'refund',
      'refunds',
      'refnud',
      'weekend',
    ]);
    expect(dot(doc!, plural!)).toBeGreaterThan(0.4);
    expect(dot(doc!, typo!)).toBeGreaterThan(dot(doc!, unrelated!));
  });

  it('gives identical texts identical unit vectors (cosine 1)', async () => {
    const embedder = createLocalEmbedder();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const [a, b] = await embedder.embed([text, text]);
        expect(a).toEqual(b);
        expect(norm(a as Float32Array)).toBeCloseTo(1, 5);
        expect((a as Float32Array).every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('maps texts without letters or digits to one fixed unit vector, never zeros or NaN', async () => {
    const embedder = createLocalEmbedder({ dimensions: 16 });
    const [empty, punctuation, spaces] = (await embedder.embed([
      '',
      '?!…',
      '   ',
    ])) as Float32Array[];
    expect(norm(empty!)).toBeCloseTo(1, 6);
    expect(empty).toEqual(punctuation);
    expect(empty).toEqual(spaces);
  });

  it('ignores case, accents and apostrophes, and keeps texts made only of stop words', async () => {
    const embedder = createLocalEmbedder();
    const [a, b, c, d] = (await embedder.embed([
      'Café — DON’T',
      'cafe dont',
      'to be or not to be',
      'the',
    ])) as Float32Array[];
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
    expect(dot(c!, d!)).toBeLessThan(0.9);
    expect(localEmbedderWords('Ünïcödé, naïve! 42x')).toEqual(['unicode', 'naive', '42x']);
  });

  it('is the same on every runtime: pinned hashes and a pinned vector', async () => {
    // FNV-1a's published 32-bit test vectors, then murmur3's fmix32, both computed here with BigInt.
    const fmix32 = (value: number) => {
      let h = BigInt(value);
      const m = 0xffffffffn;
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) & m;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) & m;
      h ^= h >> 16n;
      return Number(h);
    };
    expect(hashString('')).toBe(fmix32(0x811c9dc5));
    expect(hashString('a')).toBe(fmix32(0xe40c292c));
    expect(hashString('foobar')).toBe(fmix32(0xbf9cf968));
    const embedder = createLocalEmbedder({ dimensions: 8 });
    const [vector] = (await embedder.embed(['Refund policy for 2024'])) as Float32Array[];
    expect(Array.from(vector!, (value) => Number(value.toFixed(6)))).toMatchInlineSnapshot(`
      [
        -0.884652,
        -0.294884,
        0.294884,
        0.147442,
        -0.147442,
        0,
        0,
        0,
      ]
    `);
    expect(embedder.model).toMatch(/^hash-v1-d8-w2-c3-s[0-9a-z]+$/);
  });

  it('names its settings in `model`, so vectors of other settings are told apart', () => {
    const models = new Set([
      createLocalEmbedder().model,
      createLocalEmbedder({ dimensions: 256 }).model,
      createLocalEmbedder({ ngrams: { words: 1 } }).model,
      createLocalEmbedder({ ngrams: { chars: 0 } }).model,
      createLocalEmbedder({ stopWords: [] }).model,
    ]);
    expect(models.size).toBe(5);
    expect(createLocalEmbedder().model).toBe(createLocalEmbedder({ dimensions: 384 }).model);
  });

  it('without word pairs, word order does not matter; with them, it does', async () => {
    const unigrams = createLocalEmbedder({ ngrams: { words: 1 } });
    const pairs = createLocalEmbedder();
    const texts = ['dog bites man', 'man bites dog'];
    const [a, b] = (await unigrams.embed(texts)) as Float32Array[];
    const [c, d] = (await pairs.embed(texts)) as Float32Array[];
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
    expect(dot(c!, d!)).toBeLessThan(0.95);
  });

  it('is a v1 embedder of the declared dimension', async () => {
    const embedder = createLocalEmbedder({ dimensions: 64 });
    expect(embedder).toMatchObject({
      specificationVersion: 'v1',
      provider: 'local',
      dimensions: 64,
    });
    const vectors = await embedAll(embedder, ['a', 'b c']);
    expect(vectors.map((v) => v.length)).toEqual([64, 64]);
  });

  it.each([
    [{ dimensions: 1 }, /at dimensions/],
    [{ dimensions: 1.5 }, /at dimensions/],
    [{ ngrams: { words: 4 } }, /at ngrams\.words/],
    [{ ngrams: { chars: 1 } }, /at ngrams\.chars/],
    [{ dims: 3 }, /Unrecognized key/],
  ])('refuses the options %j', (options, message) => {
    const error = (() => {
      try {
        createLocalEmbedder(options as never);
      } catch (e) {
        return e;
      }
    })();
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('honours an aborted signal', async () => {
    await expect(
      createLocalEmbedder().embed(['a'], { signal: AbortSignal.abort(new Error('stop')) }),
    ).rejects.toThrow('stop');
  });
});
