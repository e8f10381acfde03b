// describeEmbedderConformance: the Embedder contract (v1) that every embedder keeps, checked in the
// adapter author's own vitest run.
import { type Embedder, embedAll, ScopedRagError } from '@scoped-rag/core';
import { describe, expect, it } from 'vitest';

export type MakeEmbedder = () => Embedder | Promise<Embedder>;

export interface EmbedderConformanceOptions {
  /** Same text, same vector, bit for bit (true for local models; hosted APIs may vary). Default false. */
  readonly deterministic?: boolean;
  /** Largest batch the suite sends (it never sends more than maxBatchSize). Default 16. */
  readonly largestBatch?: number;
}

const TOPICS = [
  'Refunds are paid to the original card within 14 days of the return arriving.',
  'Parcels leave our warehouse within two working days; shipping is free over 50 euros.',
  'To reset your password, open Settings, then Security, and choose Reset password.',
  'Our office in Lisbon is closed on public holidays and at weekends.',
];

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
};

function expectVectors(embedder: Embedder, vectors: unknown, count: number): void {
  expect(Array.isArray(vectors), 'embed returns an array').toBe(true);
  const list = vectors as ArrayLike<unknown>[];
  expect(list, 'one vector per text').toHaveLength(count);
  for (const vector of list) {
    expect(vector instanceof Float32Array || Array.isArray(vector)).toBe(true);
    expect(vector.length).toBe(embedder.dimensions);
    expect(Array.from(vector).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  }
}

/** Registers the conformance suite for an Embedder. */
export function describeEmbedderConformance(
  name: string,
  makeEmbedder: MakeEmbedder,
  options: EmbedderConformanceOptions = {},
): void {
  describe(`${name}: Embedder conformance`, () => {
    it('declares specification v1, who it is and its limits', async () => {
      const embedder = await makeEmbedder();
      expect(embedder.specificationVersion).toBe('v1');
      expect(embedder.provider).toMatch(/\S/);
      expect(embedder.model).toMatch(/\S/);
      expect(Number.isInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
      expect(Number.isInteger(embedder.maxBatchSize) && embedder.maxBatchSize > 0).toBe(true);
    });

    it('returns one vector of `dimensions` finite numbers per text', async () => {
      const embedder = await makeEmbedder();
      expectVectors(embedder, await embedder.embed([TOPICS[0]!]), 1);
      const batch = TOPICS.slice(0, Math.min(TOPICS.length, embedder.maxBatchSize));
      expectVectors(embedder, await embedder.embed(batch), batch.length);
    });

    it('keeps the order of the texts: each vector is closest to its own text embedded alone', async () => {
      const embedder = await makeEmbedder();
      const texts = TOPICS.slice(0, Math.min(TOPICS.length, embedder.maxBatchSize));
      const together = await embedder.embed(texts);
      const alone = await Promise.all(
        texts.map(async (text) => (await embedder.embed([text]))[0]!),
      );
      together.forEach((vector, i) => {
        const scores = alone.map((single) => cosine(vector, single));
        expect(scores.indexOf(Math.max(...scores)), `texts[${i}]`).toBe(i);
        expect(scores[i]).toBeGreaterThan(0.98);
      });
    });

    it('takes a full batch', async () => {
      const embedder = await makeEmbedder();
      const size = Math.min(embedder.maxBatchSize, options.largestBatch ?? 16);
      const texts = Array.from({ length: size }, (_, i) => `${TOPICS[i % TOPICS.length]} (${i})`);
      expectVectors(embedder, await embedder.embed(texts), size);
    });

    it('embeds any Unicode text: accents, CJK, emoji, right-to-left, long text', async () => {
      const embedder = await makeEmbedder();
      const texts = [
        'Ünïcödé café — naïve façade',
        '退款将在14天内退回原卡。',
        'Rückerstattung 💳✅ 👍🏽',
        'سيتم رد المبلغ خلال 14 يومًا',
        TOPICS.join(' ').repeat(6),
      ].slice(0, embedder.maxBatchSize);
      expectVectors(embedder, await embedder.embed(texts), texts.length);
    });

    it('embeds an empty text or refuses it with INVALID_INPUT', async () => {
      const embedder = await makeEmbedder();
      try {
        expectVectors(embedder, await embedder.embed(['']), 1);
      } catch (error) {
        expect(ScopedRagError.hasCode(error, 'INVALID_INPUT'), String(error)).toBe(true);
      }
    });

    it('rejects when the signal is already aborted', async () => {
      const embedder = await makeEmbedder();
      const reason = new Error('the user left');
      await expect(
        embedder.embed([TOPICS[0]!], { signal: AbortSignal.abort(reason) }),
      ).rejects.toBeDefined();
    });

    it('accepts the purpose hint for documents and queries', async () => {
      const embedder = await makeEmbedder();
      expectVectors(embedder, await embedder.embed([TOPICS[0]!], { purpose: 'document' }), 1);
      expectVectors(embedder, await embedder.embed(['refund time?'], { purpose: 'query' }), 1);
    });

    it('works through embedAll across several batches', async () => {
      const embedder = await makeEmbedder();
      const batchSize = Math.min(embedder.maxBatchSize, 2);
      const vectors = await embedAll(embedder, TOPICS, { batchSize, concurrency: 2 });
      expect(vectors).toHaveLength(TOPICS.length);
    });

    if (options.deterministic) {
      it('gives the same text the same vector, in any batch', async () => {
        const embedder = await makeEmbedder();
        const [first] = await embedder.embed([TOPICS[1]!]);
        const batch = await embedder.embed(TOPICS.slice(0, Math.min(2, embedder.maxBatchSize)));
        expect(Array.from(batch.at(-1)!)).toEqual(Array.from(first!));
      });
    }
  });
}
