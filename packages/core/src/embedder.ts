// The Embedder port (text in, vectors out) and `embedAll`, which feeds an embedder in batches with
// bounded concurrency and checks every vector it returns before anything downstream sees it.
import { z } from 'zod';
import { BackendUnavailableError, InvalidInputError } from './errors.js';
import { parseOptions } from './options.js';

/** One embedding: `dimensions` finite numbers. */
export type EmbeddingVector = Float32Array | readonly number[];

/** What the texts are for. Models trained with query/document prefixes use it; others ignore it. */
export type EmbeddingPurpose = 'document' | 'query';

export interface EmbedOptions {
  readonly signal?: AbortSignal;
  /** Default `'document'`. */
  readonly purpose?: EmbeddingPurpose;
}

/**
 * The Embedder port, specification v1. An adapter is one object:
 *
 * - `provider` and `model` name what made the vectors (vectors of different models are not
 *   comparable: a pipeline records them next to what it stores).
 * - `dimensions` is the length of every vector `embed` returns; `maxBatchSize` the most texts one
 *   `embed` call takes.
 * - `embed(texts)` returns exactly one vector per text, in the order of `texts`. It may throw
 *   scoped-rag errors (`InvalidInputError` for texts the model refuses, `BackendUnavailableError`
 *   when the service fails). It is called with 1 to `maxBatchSize` texts, never with none.
 *
 * App code calls `embedAll(embedder, texts)`, which batches and validates what comes back.
 */
export interface Embedder {
  readonly specificationVersion: 'v1';
  /** Who computes the vectors, e.g. `'openai'`, `'local'`. */
  readonly provider: string;
  readonly model: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  embed(texts: readonly string[], options?: EmbedOptions): Promise<readonly EmbeddingVector[]>;
}

export interface EmbedAllOptions {
  /** Texts per `embed` call, 1 to `embedder.maxBatchSize`. Default `embedder.maxBatchSize`. */
  readonly batchSize?: number;
  /** Batches in flight at once. Default 4. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Default `'document'`. */
  readonly purpose?: EmbeddingPurpose;
}

const positiveInt = z.number().int().positive();
const embedderSchema = z.looseObject({
  specificationVersion: z.literal('v1', {
    error: 'the embedder must implement Embedder specification v1 (specificationVersion: "v1")',
  }),
  provider: z.string(),
  model: z.string(),
  dimensions: positiveInt,
  maxBatchSize: positiveInt,
  embed: z.function(),
});
const embedAllOptionsSchema = z.strictObject({
  batchSize: positiveInt.optional(),
  concurrency: positiveInt.max(64).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  purpose: z.enum(['document', 'query']).optional(),
});

/**
 * Embeds `texts` with `embedder`: in batches of `batchSize`, at most `concurrency` batches at once,
 * results in the order of `texts`. Every vector is checked (count, dimension, finite values) and
 * copied into a `Float32Array`. The first failure aborts the batches still in flight and is thrown.
 *
 * Throws `InvalidInputError` for bad texts or options, `BackendUnavailableError` when the embedder
 * returns something that is not one valid vector per text, and whatever the embedder throws.
 */
export async function embedAll(
  embedder: Embedder,
  texts: readonly string[],
  options: EmbedAllOptions = {},
): Promise<Float32Array[]> {
  parseOptions(embedderSchema, embedder, 'embedder');
  const {
    batchSize = embedder.maxBatchSize,
    concurrency = 4,
    signal,
    purpose = 'document',
  } = parseOptions(embedAllOptionsSchema, options, 'embedAll options');
  if (batchSize > embedder.maxBatchSize) {
    throw new InvalidInputError(
      `batchSize ${batchSize} is more than the ${embedder.provider} embedder takes in one call (maxBatchSize ${embedder.maxBatchSize}): lower it or leave it out.`,
      { details: { batchSize, maxBatchSize: embedder.maxBatchSize } },
    );
  }
  if (!Array.isArray(texts)) {
    throw new InvalidInputError('texts must be an array of strings.');
  }
  texts.forEach((text, i) => {
    if (typeof text !== 'string') {
      throw new InvalidInputError(`texts[${i}] must be a string, got ${typeof text}.`, {
        details: { index: i },
      });
    }
  });
  signal?.throwIfAborted();
  const out = new Array<Float32Array>(texts.length);
  if (texts.length === 0) return out;

  // One controller for the whole call: the caller's abort and the first failure both stop it.
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  const worker = async () => {
    while (next < texts.length && !controller.signal.aborted) {
      const from = next;
      next = Math.min(texts.length, from + batchSize);
      const batch = texts.slice(from, next);
      const vectors = await embedder.embed(batch, { signal: controller.signal, purpose });
      controller.signal.throwIfAborted();
      checkBatch(embedder, vectors, from, batch.length).forEach((vector, i) => {
        out[from + i] = vector;
      });
    }
  };
  try {
    const batches = Math.ceil(texts.length / batchSize);
    const workers = Array.from({ length: Math.min(concurrency, batches) }, () =>
      worker().catch((error: unknown) => {
        if (!controller.signal.aborted) controller.abort(error);
        throw error;
      }),
    );
    const settled = await Promise.allSettled(workers);
    signal?.throwIfAborted();
    // The error that stopped the run (later workers only saw the abort it caused).
    if (controller.signal.aborted) throw controller.signal.reason;
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    return out;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Checks one batch's answer and copies it into Float32Arrays. */
function checkBatch(
  embedder: Embedder,
  vectors: unknown,
  from: number,
  expected: number,
): Float32Array[] {
  const who = `The ${embedder.provider} embedder (model "${embedder.model}")`;
  if (!Array.isArray(vectors) || vectors.length !== expected) {
    throw new BackendUnavailableError(
      `${who} returned ${Array.isArray(vectors) ? `${vectors.length} vectors` : 'no array'} for ${expected} texts (texts[${from}..${from + expected - 1}]): an embedder must return one vector per text, in order.`,
      { details: { provider: embedder.provider, model: embedder.model, from, expected } },
    );
  }
  return vectors.map((vector: unknown, i) => {
    const index = from + i;
    const fail = (problem: string): never => {
      throw new BackendUnavailableError(`${who} returned ${problem} for texts[${index}].`, {
        details: { provider: embedder.provider, model: embedder.model, index },
      });
    };
    if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
      return fail('something that is not a vector (expected a Float32Array or number[])');
    }
    const values = vector as ArrayLike<unknown>;
    if (values.length !== embedder.dimensions) {
      fail(
        `a vector of ${values.length} dimensions, but it declares ${embedder.dimensions} (check the embedder's dimensions option against the model)`,
      );
    }
    const copy = new Float32Array(values.length);
    for (let d = 0; d < values.length; d++) {
      const value = values[d];
      copy[d] = typeof value === 'number' ? value : Number.NaN;
      // Checked after the copy: a finite float64 beyond ±3.4e38 becomes Infinity in float32.
      if (!Number.isFinite(copy[d])) {
        fail(
          `a vector with a value that is not a finite 32-bit float (${String(value)}) at dimension ${d}`,
        );
      }
    }
    return copy;
  });
}
