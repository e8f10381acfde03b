// Splitting documents into chunks to embed: a recursive splitter in the manner of LangChain's
// RecursiveCharacterTextSplitter, which also says where each chunk is in the original text.
import { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { parseOptions } from './options.js';

/** A piece of a document: `text === document.slice(start, end)`. */
export interface Chunk {
  readonly text: string;
  /** 0, 1, 2 … in document order. */
  readonly position: number;
  /** Offsets into the document, in UTF-16 code units (as `String.prototype.slice` counts). */
  readonly start: number;
  readonly end: number;
}

export interface Chunker {
  chunk(text: string): Chunk[];
}

export interface RecursiveChunkerOptions {
  /** Largest chunk, measured by `lengthFunction`. Default 1,000. */
  readonly chunkSize?: number;
  /** Most text consecutive chunks share, measured by `lengthFunction`; below `chunkSize`. Default 150. */
  readonly chunkOverlap?: number;
  /**
   * Tried in order: the text is split on the first one it contains, and pieces still too long are
   * split on the next ones. `''` splits between characters. Default
   * `['\n\n', '\n', '. ', ' ', '']`: paragraphs, lines, sentences, words, characters.
   */
  readonly separators?: readonly string[];
  /** How to measure text, e.g. a tokenizer's count. Default: `text.length`. */
  readonly lengthFunction?: (text: string) => number;
}

export const DEFAULT_SEPARATORS: readonly string[] = Object.freeze(['\n\n', '\n', '. ', ' ', '']);

const optionsSchema = z
  .strictObject({
    chunkSize: z.number().int().positive().optional(),
    chunkOverlap: z.number().int().nonnegative().optional(),
    separators: z
      .array(z.string())
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'separators must not repeat')
      .optional(),
    lengthFunction: z.function().optional(),
  })
  .refine((options) => (options.chunkOverlap ?? 150) < (options.chunkSize ?? 1_000), {
    message: 'chunkOverlap must be less than chunkSize (defaults: 150 and 1000)',
    path: ['chunkOverlap'],
  });

/** A span of the document. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Whitespace as `String.prototype.trim` sees it. */
function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Splits text recursively on `separators` (paragraphs, then lines, sentences, words, characters),
 * then merges neighbouring pieces into chunks of up to `chunkSize`, consecutive chunks sharing up to
 * `chunkOverlap` of text. Separators stay in the text, at the end of the piece they close; chunks
 * are trimmed of surrounding whitespace, and whitespace-only chunks are dropped.
 *
 * For every chunk, `text.slice(start, end) === chunk.text`. Chunks come in document order (starts
 * and ends strictly increase), only whitespace is left out between them, and none is longer than
 * `chunkSize`, unless no separator can split it (with `''` among the separators, only a single
 * character measured longer than `chunkSize` can be). The same input gives the same chunks.
 */
export function createRecursiveChunker(options: RecursiveChunkerOptions = {}): Chunker {
  parseOptions(optionsSchema, options, 'createRecursiveChunker options');
  const chunkSize = options.chunkSize ?? 1_000;
  const chunkOverlap = options.chunkOverlap ?? 150;
  const separators = options.separators ?? DEFAULT_SEPARATORS;
  const lengthFunction = options.lengthFunction;

  return Object.freeze({
    chunk(text: string): Chunk[] {
      if (typeof text !== 'string') {
        throw new InvalidInputError(`chunk(text) takes a string, got ${typeof text}.`);
      }
      /** The span without surrounding whitespace (empty, start === end, when all whitespace). */
      const trim = (start: number, end: number): Span => {
        let from = start;
        let to = end;
        while (from < to && isWhitespace(text.charCodeAt(from))) from++;
        while (to > from && isWhitespace(text.charCodeAt(to - 1))) to--;
        return { start: from, end: to };
      };
      const isBlank = (span: Span) => {
        const trimmed = trim(span.start, span.end);
        return trimmed.start === trimmed.end;
      };
      /** The length of the chunk this span would make (trimmed). */
      const measure = (start: number, end: number): number => {
        const span = trim(start, end);
        if (span.start === span.end) return 0;
        return lengthFunction
          ? lengthFunction(text.slice(span.start, span.end))
          : span.end - span.start;
      };

      const spans: Span[] = [];
      const emit = (start: number, end: number) => {
        const span = trim(start, end);
        if (span.start < span.end) spans.push(span);
      };

      /** Greedily merges consecutive pieces (each at most chunkSize) into overlapping chunks. */
      const merge = (pieces: readonly Span[]) => {
        let lo = 0; // the window is pieces[lo..hi)
        let hi = 0;
        for (let i = 0; i < pieces.length; i++) {
          const piece = pieces[i]!;
          if (lo < hi && measure(pieces[lo]!.start, piece.end) > chunkSize) {
            emit(pieces[lo]!.start, pieces[hi - 1]!.end);
            // Keep the longest tail of the window that fits the overlap and leaves room for piece.
            while (
              lo < hi &&
              (measure(pieces[lo]!.start, pieces[hi - 1]!.end) > chunkOverlap ||
                measure(pieces[lo]!.start, piece.end) > chunkSize)
            ) {
              lo++;
            }
          }
          // An empty window takes no whitespace-only piece: the chunk would start with it.
          if (lo === hi) {
            if (isBlank(piece)) {
              lo = hi = i + 1;
              continue;
            }
            lo = i;
          }
          hi = i + 1;
        }
        if (lo < hi) emit(pieces[lo]!.start, pieces[hi - 1]!.end);
      };

      /** Pieces of [start, end) split on `separator`, each keeping the separator that closes it. */
      const piecesOf = (start: number, end: number, separator: string): Span[] => {
        const pieces: Span[] = [];
        if (separator === '') {
          for (let at = start; at < end; ) {
            const code = text.charCodeAt(at);
            const pair =
              code >= 0xd800 && code <= 0xdbff && at + 1 < end
                ? text.charCodeAt(at + 1) >= 0xdc00 && text.charCodeAt(at + 1) <= 0xdfff
                : false;
            const next = at + (pair ? 2 : 1);
            pieces.push({ start: at, end: next });
            at = next;
          }
          return pieces;
        }
        let from = start;
        for (
          let found = text.indexOf(separator, from);
          found !== -1 && found + separator.length <= end;
          found = text.indexOf(separator, from)
        ) {
          pieces.push({ start: from, end: found + separator.length });
          from = found + separator.length;
        }
        if (from < end) pieces.push({ start: from, end });
        return pieces;
      };

      const split = (start: number, end: number, firstSeparator: number) => {
        // The first separator found in the span ('' always is); none: the span is one piece.
        let chosen = separators.length;
        for (let s = firstSeparator; s < separators.length; s++) {
          const separator = separators[s]!;
          const found = separator === '' ? start : text.indexOf(separator, start);
          if (found !== -1 && found + separator.length <= end) {
            chosen = s;
            break;
          }
        }
        const pieces =
          chosen < separators.length ? piecesOf(start, end, separators[chosen]!) : [{ start, end }];
        let fitting: Span[] = [];
        for (const piece of pieces) {
          if (measure(piece.start, piece.end) <= chunkSize) {
            fitting.push(piece);
            continue;
          }
          merge(fitting);
          fitting = [];
          if (chosen + 1 < separators.length) split(piece.start, piece.end, chosen + 1);
          else emit(piece.start, piece.end); // nothing left to split it with
        }
        merge(fitting);
      };

      split(0, text.length, 0);
      return spans.map((span, position) => ({
        text: text.slice(span.start, span.end),
        position,
        start: span.start,
        end: span.end,
      }));
    },
  });
}
