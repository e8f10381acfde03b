import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Embedder, type EmbeddingVector, embedAll } from './embedder.js';
import { BackendUnavailableError, InvalidInputError, ScopedRagError } from './errors.js';

/** A fake embedder: text → [length, first char code, 1], with a log of calls and concurrency. */
function fakeEmbedder(
  overrides: Partial<Embedder> & {
    answer?: (texts: readonly string[]) => readonly EmbeddingVector[];
    delay?: (texts: readonly string[]) => number;
  } = {},
) {
  const calls: string[][] = [];
  const signals: AbortSignal[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const embedder: Embedder = {
    specificationVersion: 'v1',
    provider: 'fake',
    model: 'fake-1',
    dimensions: 3,
    maxBatchSize: 4,
    async embed(texts, options) {
      calls.push([...texts]);
      if (options?.signal) signals.push(options.signal);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const ms = overrides.delay?.(texts) ?? 0;
        await new Promise((resolve) => setTimeout(resolve, ms));
        return overrides.answer
          ? overrides.answer(texts)
          : texts.map((text) => [text.length, text.charCodeAt(0) || 0, 1]);
      } finally {
        inFlight -= 1;
      }
    },
    ...overrides,
  };
  return { embedder, calls, signals, maxInFlight: () => maxInFlight };
}

const expected = (text: string) => Float32Array.from([text.length, text.charCodeAt(0) || 0, 1]);

describe('embedAll', () => {
  it('returns one Float32Array per text, in order, whatever the batch size and concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
        async (texts, batchSize, concurrency, delays) => {
          let n = 0;
          const fake = fakeEmbedder({ delay: () => delays[n++ % delays.length]! });
          const vectors = await embedAll(fake.embedder, texts, { batchSize, concurrency });
          expect(vectors).toEqual(texts.map(expected));
          expect(vectors.every((v) => v instanceof Float32Array)).toBe(true);
          expect(fake.calls.flat()).toHaveLength(texts.length);
          expect(fake.calls.every((batch) => batch.length >= 1 && batch.length <= batchSize)).toBe(
            true,
          );
          expect(fake.maxInFlight()).toBeLessThanOrEqual(concurrency);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('runs up to `concurrency` batches at once', async () => {
    const fake = fakeEmbedder({ delay: () => 5 });
    await embedAll(
      fake.embedder,
      Array.from({ length: 40 }, (_, i) => String(i)),
      {
        batchSize: 2,
        concurrency: 3,
      },
    );
    expect(fake.maxInFlight()).toBe(3);
    expect(fake.calls).toHaveLength(20);
  });

  it('defaults the batch size to the embedder’s maxBatchSize', async () => {
    const fake = fakeEmbedder();
    await embedAll(fake.embedder, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    expect(fake.calls.map((batch) => batch.length)).toEqual([4, 4, 1]);
  });

  it('calls nothing for no texts', async () => {
    const fake = fakeEmbedder();
    expect(await embedAll(fake.embedder, [])).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('passes the purpose to the embedder', async () => {
    const purposes: unknown[] = [];
    const fake = fakeEmbedder();
    const embedder: Embedder = {
      ...fake.embedder,
      embed: (texts, options) => {
        purposes.push(options?.purpose);
        return fake.embedder.embed(texts, options);
      },
    };
    await embedAll(embedder, ['q'], { purpose: 'query' });
    await embedAll(embedder, ['d']);
    expect(purposes).toEqual(['query', 'document']);
  });

  it.each([
    [{ batchSize: 5 }, /batchSize 5 is more than the fake embedder takes in one call/],
    [{ batchSize: 0 }, /at batchSize/],
    [{ concurrency: 1.5 }, /at concurrency/],
    [{ concurrency: 0 }, /at concurrency/],
    [{ purpose: 'search' }, /at purpose/],
    [{ batchsize: 2 }, /Unrecognized key/],
  ])('refuses the options %j', async (options, message) => {
    const fake = fakeEmbedder();
    const error = await embedAll(fake.embedder, ['a'], options as never).catch((e: unknown) => e);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(fake.calls).toEqual([]);
  });

  it('refuses texts that are not strings, naming the index', async () => {
    const fake = fakeEmbedder();
    const error = await embedAll(fake.embedder, ['a', 3 as never]).catch((e: unknown) => e);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('texts[1] must be a string, got number.');
  });

  it('refuses an object that is not a v1 embedder', async () => {
    const fake = fakeEmbedder();
    const error = await embedAll({ ...fake.embedder, specificationVersion: 'v2' } as never, [
      'a',
    ]).catch((e: unknown) => e);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Embedder specification v1/);
  });

  it.each([
    ['too few vectors', () => [[1, 2, 3]], /returned 1 vectors for 2 texts/],
    ['no array', () => ({}) as never, /returned no array for 2 texts/],
    [
      'a short vector',
      () => [
        [1, 2, 3],
        [1, 2],
      ],
      /2 dimensions, but it declares 3.*texts\[1\]/,
    ],
    [
      'NaN',
      () => [
        [1, 2, 3],
        [1, Number.NaN, 3],
      ],
      /\(NaN\) at dimension 1 for texts\[1\]/,
    ],
    [
      'a string value',
      () =>
        [
          ['1', 2, 3],
          [1, 2, 3],
        ] as never,
      /\(1\) at dimension 0/,
    ],
    [
      'a value beyond float32',
      () => [
        [1, 2, 3e39],
        [1, 2, 3],
      ],
      /not a finite 32-bit float/,
    ],
    ['not a vector', () => ['abc', [1, 2, 3]] as never, /not a vector/],
  ])('refuses an answer with %s', async (_, answer, message) => {
    const fake = fakeEmbedder({ answer });
    const error = await embedAll(fake.embedder, ['ab', 'cd']).catch((e: unknown) => e);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('stops at the first failure: aborts the batches in flight and starts no more', async () => {
    const failure = new BackendUnavailableError('boom');
    const fake = fakeEmbedder({ delay: (texts) => (texts[0] === '0' ? 1 : 30) });
    const embedder: Embedder = {
      ...fake.embedder,
      embed: async (texts, options) => {
        if (texts[0] === '0') {
          await fake.embedder.embed(texts, options);
          throw failure;
        }
        return fake.embedder.embed(texts, options);
      },
    };
    const texts = Array.from({ length: 20 }, (_, i) => String(i));
    const error = await embedAll(embedder, texts, { batchSize: 1, concurrency: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBe(failure);
    expect(fake.calls.map((batch) => batch[0])).toEqual(['0', '1']);
    expect(fake.signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('rejects with the caller’s abort reason and passes the abort on', async () => {
    const controller = new AbortController();
    const fake = fakeEmbedder({ delay: () => 20 });
    const pending = embedAll(fake.embedder, ['a', 'b', 'c', 'd', 'e'], {
      batchSize: 1,
      signal: controller.signal,
    });
    const reason = new Error('user left');
    setTimeout(() => controller.abort(reason), 5);
    await expect(pending).rejects.toBe(reason);
    expect(fake.signals[0]?.aborted).toBe(true);
    expect(fake.calls.length).toBeLessThan(5);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const fake = fakeEmbedder();
    await expect(embedAll(fake.embedder, ['a'], { signal: AbortSignal.abort() })).rejects.toThrow(
      /abort/i,
    );
    expect(fake.calls).toEqual([]);
  });

  it('passes the embedder’s own typed errors through unchanged', async () => {
    const refused = new InvalidInputError('texts[0] is too long');
    const fake = fakeEmbedder();
    const error = await embedAll({ ...fake.embedder, embed: () => Promise.reject(refused) }, [
      'a',
    ]).catch((e: unknown) => e);
    expect(error).toBe(refused);
    expect(ScopedRagError.hasCode(error, 'INVALID_INPUT')).toBe(true);
  });
});
