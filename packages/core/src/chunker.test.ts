import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chunk, createRecursiveChunker, type RecursiveChunkerOptions } from './chunker.js';
import { InvalidInputError } from './errors.js';

/** Text shaped like documents: words, sentences, lines, paragraphs, odd whitespace, emoji. */
const documentText = fc
  .array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          'refund',
          'a',
          'policy',
          'établi',
          'x',
          '🦄',
          '日本語',
          'supercalifragilistic',
        ),
      },
      {
        weight: 4,
        arbitrary: fc.constantFrom(' ', '. ', '\n', '\n\n', '  ', '\t', '\u00a0', ', '),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(''));

const sizes = fc.integer({ min: 2, max: 80 }).chain((chunkSize) =>
  fc.record({
    chunkSize: fc.constant(chunkSize),
    chunkOverlap: fc.integer({ min: 0, max: chunkSize - 1 }),
  }),
);

const isBlank = (text: string) => text.trim() === '';

/** The invariants every chunking must satisfy. */
function expectWellFormed(
  text: string,
  chunks: Chunk[],
  options: Required<Pick<RecursiveChunkerOptions, 'chunkSize' | 'chunkOverlap'>>,
  length = (t: string) => t.length,
) {
  chunks.forEach((chunk, i) => {
    expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    expect(chunk.position).toBe(i);
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(chunk.text).toBe(chunk.text.trim());
    expect(length(chunk.text)).toBeLessThanOrEqual(options.chunkSize);
  });
  // In order; everything left out is whitespace; overlaps within the budget.
  let covered = 0;
  for (const [i, chunk] of chunks.entries()) {
    const previous = chunks[i - 1];
    if (previous) {
      expect(chunk.start).toBeGreaterThan(previous.start);
      expect(chunk.end).toBeGreaterThan(previous.end);
      if (chunk.start < previous.end) {
        expect(length(text.slice(chunk.start, previous.end))).toBeLessThanOrEqual(
          options.chunkOverlap,
        );
      }
    }
    if (chunk.start > covered) expect(isBlank(text.slice(covered, chunk.start))).toBe(true);
    covered = Math.max(covered, chunk.end);
  }
  expect(isBlank(text.slice(covered))).toBe(true);
}

describe('createRecursiveChunker', () => {
  it('makes chunks that slice the text exactly, cover it in order, fit the size and the overlap', () => {
    fc.assert(
      fc.property(documentText, sizes, (text, options) => {
        const chunks = createRecursiveChunker(options).chunk(text);
        expectWellFormed(text, chunks, options);
      }),
      { numRuns: 500 },
    );
  });

  it('holds the same invariants for any string, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), sizes, (text, options) => {
        expectWellFormed(text, createRecursiveChunker(options).chunk(text), options);
      }),
      { numRuns: 300 },
    );
  });

  it('measures with lengthFunction (here: words), and never exceeds chunkSize by it', () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    fc.assert(
      fc.property(documentText, fc.integer({ min: 1, max: 12 }), (text, chunkSize) => {
        const options = { chunkSize, chunkOverlap: Math.floor(chunkSize / 3) };
        const chunks = createRecursiveChunker({ ...options, lengthFunction: words }).chunk(text);
        expectWellFormed(text, chunks, options, words);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(documentText, sizes, (text, options) => {
        expect(createRecursiveChunker(options).chunk(text)).toEqual(
          createRecursiveChunker(options).chunk(text),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('keeps paragraphs whole when they fit, merging small ones up to chunkSize', () => {
    const text =
      'First paragraph here.\n\nSecond one.\n\nThird paragraph is a bit longer than the others.';
    const chunks = createRecursiveChunker({ chunkSize: 40, chunkOverlap: 0 }).chunk(text);
    // The third paragraph (48) does not fit: it has no line or sentence break, so it splits on words.
    expect(chunks).toEqual([
      { text: 'First paragraph here.\n\nSecond one.', position: 0, start: 0, end: 34 },
      { text: 'Third paragraph is a bit longer than the', position: 1, start: 36, end: 76 },
      { text: 'others.', position: 2, start: 77, end: 84 },
    ]);
  });

  it('splits at sentence ends, and repeats the last sentence when it fits the overlap', () => {
    const text = 'Refunds take five days. Shipping takes two days. Returns are free of charge.';
    expect(createRecursiveChunker({ chunkSize: 60, chunkOverlap: 30 }).chunk(text)).toEqual([
      { text: 'Refunds take five days. Shipping takes two days.', position: 0, start: 0, end: 48 },
      {
        text: 'Shipping takes two days. Returns are free of charge.',
        position: 1,
        start: 24,
        end: 76,
      },
    ]);
    // With less room, the shared sentence would push the next chunk over chunkSize: no overlap.
    expect(
      createRecursiveChunker({ chunkSize: 50, chunkOverlap: 25 })
        .chunk(text)
        .map((c) => c.text),
    ).toEqual(['Refunds take five days. Shipping takes two days.', 'Returns are free of charge.']);
  });

  it('overlaps word-split chunks by whole words, up to chunkOverlap', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    expect(
      createRecursiveChunker({ chunkSize: 30, chunkOverlap: 12 })
        .chunk(text)
        .map((c) => c.text),
    ).toEqual([
      'one two three four five six',
      'five six seven eight nine ten',
      'nine ten eleven twelve',
    ]);
  });

  it('falls back to characters for a word longer than chunkSize, never splitting an emoji', () => {
    expect(createRecursiveChunker({ chunkSize: 4, chunkOverlap: 1 }).chunk('ab🦄cdefg')).toEqual([
      { text: 'ab🦄', position: 0, start: 0, end: 4 },
      { text: 'cdef', position: 1, start: 4, end: 8 },
      { text: 'fg', position: 2, start: 7, end: 9 },
    ]);
  });

  it('returns no chunks for empty or whitespace-only text', () => {
    const chunker = createRecursiveChunker();
    expect(chunker.chunk('')).toEqual([]);
    expect(chunker.chunk(' \n\n\t ')).toEqual([]);
  });

  it('returns a short text as one chunk with its offsets, trimmed', () => {
    expect(createRecursiveChunker().chunk('  Hello world.\n')).toEqual([
      { text: 'Hello world.', position: 0, start: 2, end: 14 },
    ]);
  });

  it('leaves a piece no separator can split whole (when "" is not among the separators)', () => {
    const chunks = createRecursiveChunker({
      chunkSize: 5,
      chunkOverlap: 0,
      separators: [' '],
    }).chunk('tiny enormousword ok');
    expect(chunks.map((c) => c.text)).toEqual(['tiny', 'enormousword', 'ok']);
  });

  it.each<[RecursiveChunkerOptions, RegExp]>([
    [{ chunkSize: 0 }, /at chunkSize/],
    [{ chunkSize: 10.5 }, /at chunkSize/],
    [{ chunkSize: 100, chunkOverlap: 100 }, /chunkOverlap must be less than chunkSize/],
    [{ chunkSize: 100 }, /chunkOverlap must be less than chunkSize \(defaults: 150 and 1000\)/],
    [{ chunkOverlap: -1 }, /at chunkOverlap/],
    [{ separators: [] }, /at separators/],
    [{ separators: ['\n', '\n'] }, /separators must not repeat/],
    [{ chunk_size: 3 } as never, /Unrecognized key/],
  ])('refuses the options %j', (options, message) => {
    let error: unknown;
    try {
      createRecursiveChunker(options);
    } catch (e) {
      error = e;
    }
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a text that is not a string', () => {
    expect(() => createRecursiveChunker().chunk(42 as never)).toThrow(
      'chunk(text) takes a string, got number.',
    );
  });
});
