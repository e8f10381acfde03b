// A deterministic embedder that needs no network or model download: feature hashing of words,
// word pairs and character n-grams into a signed, L2-normalised vector. Good enough for local
// development, tests and demos (texts sharing words score higher); not a semantic model.
import { z } from 'zod';
import type { Embedder } from './embedder.js';
import { parseOptions } from './options.js';

export interface LocalEmbedderOptions {
  /** Vector length. Default 384. */
  readonly dimensions?: number;
  readonly ngrams?: {
    /** Longest run of consecutive words hashed as one feature: 1 (words only) to 3. Default 2. */
    readonly words?: number;
    /** Length of the character n-grams taken inside each word (typo tolerance), 2 to 5, or 0 for none. Default 3. */
    readonly chars?: number;
  };
  /** Words left out of the features (after normalisation). Default: a short English list; `[]` keeps all. */
  readonly stopWords?: readonly string[];
}

/** Common English function words: they match everywhere and would drown out the content words. */
export const ENGLISH_STOP_WORDS: readonly string[] = Object.freeze(
  `a about above after again all am an and any are as at be because been before being below between
  both but by can could did do does doing down during each few for from further had has have having
  he her here hers him his how i if in into is it its itself just me more most my no nor not now of
  off on once only or other our ours out over own same she should so some such than that the their
  them then there these they this those through to too under until up very was we were what when
  where which while who whom why will with would you your yours`.split(/\s+/),
);

const optionsSchema = z.strictObject({
  dimensions: z.number().int().min(2).max(20_000).optional(),
  ngrams: z
    .strictObject({
      words: z.number().int().min(1).max(3).optional(),
      chars: z.union([z.literal(0), z.number().int().min(2).max(5)]).optional(),
    })
    .optional(),
  stopWords: z.array(z.string()).optional(),
});

// Weight of one occurrence of a feature, by kind (the feature's first character): words, runs of
// words, character n-grams, and the feature of texts without a single word, which makes their
// vector a unit vector rather than zeros (a zero vector has no cosine similarity; stores refuse it).
const WEIGHTS: Readonly<Record<string, number>> = { w: 1, p: 1, c: 0.5, e: 1 };
const EMPTY_FEATURE = 'e:';

/** FNV-1a over UTF-16 code units with murmur3's finaliser: the same 32 bits on every runtime. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix(hash);
}

function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lower-cased words of letters and digits, accents and apostrophes removed ("Don't" → "dont"). */
export function localEmbedderWords(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+|['’]/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * An embedder that hashes features of the text into a vector: words, runs of up to
 * `ngrams.words` consecutive words, and character n-grams of each word (so "refunds" and a typo
 * like "refnd" still share features with "refund"). Each feature adds ±weight·(1 + ln count) to
 * one dimension chosen by its hash; the vector is then L2-normalised, so the dot product of two
 * vectors is their cosine similarity. Identical texts give identical vectors; texts without any
 * letter or digit (including `''`) all map to one fixed unit vector.
 *
 * Deterministic and runtime-independent: no network, no randomness, the same vector everywhere.
 * `model` encodes the settings (`hash-v1-d384-w2-c3-…`): vectors made with other settings are not
 * comparable, and a pipeline can tell.
 */
export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  const parsed = parseOptions(optionsSchema, options, 'createLocalEmbedder options');
  const dimensions = parsed.dimensions ?? 384;
  const maxWords = parsed.ngrams?.words ?? 2;
  const charSize = parsed.ngrams?.chars ?? 3;
  const stopList = parsed.stopWords ?? ENGLISH_STOP_WORDS;
  const stopWords = new Set(stopList.flatMap(localEmbedderWords));
  const stopHash = hashString([...stopWords].sort().join(' ')).toString(36);
  const model = `hash-v1-d${dimensions}-w${maxWords}-c${charSize}-s${stopHash}`;

  const features = (text: string): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
    const all = localEmbedderWords(text);
    const content = all.filter((word) => !stopWords.has(word));
    // A text made only of stop words ("to be or not to be") still deserves its words.
    const words = content.length > 0 ? content : all;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      add(`w:${word}`);
      for (let n = 2; n <= maxWords && i + n <= words.length; n++) {
        add(`p:${words.slice(i, i + n).join(' ')}`);
      }
      if (charSize > 0) {
        const marked = `<${word}>`;
        for (let c = 0; c + charSize <= marked.length; c++) {
          add(`c:${marked.slice(c, c + charSize)}`);
        }
      }
    }
    if (counts.size === 0) add(EMPTY_FEATURE);
    return counts;
  };

  const embedOne = (text: string): Float32Array => {
    const sums = new Float64Array(dimensions);
    for (const [feature, count] of features(text)) {
      const hash = hashString(feature);
      const sign = mix(hash ^ 0x9e3779b9) & 1 ? -1 : 1;
      // Repeats count sub-linearly: a word said ten times is not ten times as relevant.
      sums[hash % dimensions]! += sign * WEIGHTS[feature[0]!]! * (1 + Math.log(count));
    }
    let squares = 0;
    for (const value of sums) squares += value * value;
    const vector = new Float32Array(dimensions);
    // Features may cancel out by collision; then fall back to the empty-text vector.
    if (squares === 0) return embedOne('');
    const scale = 1 / Math.sqrt(squares);
    for (let d = 0; d < dimensions; d++) vector[d] = sums[d]! * scale;
    return vector;
  };

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider: 'local',
    model,
    dimensions,
    maxBatchSize: 1_024,
    async embed(texts: readonly string[], embedOptions?: { signal?: AbortSignal }) {
      embedOptions?.signal?.throwIfAborted();
      return texts.map(embedOne);
    },
  });
}
