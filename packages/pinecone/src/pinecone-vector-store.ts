// createPineconeVectorStore: core's VectorStore over @pinecone-database/pinecone. Adds what the SDK
// leaves to callers: service limits checked before sending, size-aware batching with bounded
// concurrency, retries for 429/5xx/dropped connections, and exact reports of partial writes.
import { Pinecone } from '@pinecone-database/pinecone';
import {
  BackendUnavailableError,
  type DistanceMetric,
  filterToJSON,
  InvalidInputError,
  type ListPage,
  type Metadata,
  metadataByteSize,
  type NamespacePage,
  ScopedRagError,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
  type VectorStoreCapabilities,
} from '@scoped-rag/core';
import { isRetryable, type RetryOptions, statusOf, withRetries } from './retry.js';

/** The subset of the SDK's `Index` this adapter uses (tested with SDK 8.2). */
export interface PineconeIndexLike {
  upsert(options: {
    records: { id: string; values: number[]; metadata?: Metadata }[];
    namespace?: string;
  }): Promise<unknown>;
  query(options: {
    namespace?: string;
    vector: number[];
    topK: number;
    filter?: object;
    includeValues?: boolean;
    includeMetadata?: boolean;
  }): Promise<{ matches?: { id: string; score?: number; values?: number[]; metadata?: object }[] }>;
  fetch(options: {
    ids: string[];
    namespace?: string;
  }): Promise<{ records?: Record<string, { id: string; values?: number[]; metadata?: object }> }>;
  deleteMany(options: { ids: string[]; namespace?: string }): Promise<unknown>;
  listPaginated(options: {
    prefix?: string;
    limit?: number;
    paginationToken?: string;
    namespace?: string;
  }): Promise<{
    vectors?: { id?: string }[];
    pagination?: { next?: string };
  }>;
  listNamespaces(options?: { limit?: number; paginationToken?: string; prefix?: string }): Promise<{
    namespaces?: { name?: string; recordCount?: number }[];
    pagination?: { next?: string };
  }>;
  deleteNamespace(namespace: string): Promise<unknown>;
}

export interface PineconeVectorStoreOptions {
  /**
   * An `Index` from the SDK. Create it once per process and reuse it, from a client made with
   * `maxRetries: 0` (this adapter retries; the SDK's own retries would multiply with them).
   */
  index?: PineconeIndexLike;
  /** Or the API key and the index host (from `describeIndex` or the console); the client is cached per process. */
  apiKey?: string;
  host?: string;
  /**
   * Or your own SDK client and the index name (the SDK resolves the host through the control
   * plane on first use). Create the client with `maxRetries: 0`: this adapter retries.
   */
  client?: { index(options: { name: string }): unknown };
  indexName?: string;
  /** The index's dimension (Pinecone fixes it when the index is created). */
  dimensions: number;
  /** The index's metric. Default `cosine`. */
  metric?: DistanceMetric;
  /** Upsert requests in flight at once. Default 4. */
  concurrency?: number;
  retry?: RetryOptions;
}

/** Pinecone's service limits (the SDK checks none of them). */
export const PINECONE_LIMITS = Object.freeze({
  maxRecordsPerUpsert: 1_000,
  /** Pinecone documents "2 MB"; stay under the decimal reading. */
  maxUpsertBytes: 2_000_000,
  maxMetadataBytes: 40 * 1024,
  maxIdLength: 512,
  maxIdsPerRequest: 1_000,
  maxTopK: 10_000,
  maxListLimit: 100,
  /** Ids travel in the query string of a fetch: keep URLs short. */
  maxFetchUrlIdChars: 4_000,
  maxNamespaceLength: 512,
});

// A float32 widened to a double prints as up to 25 characters of JSON (e.g.
// -0.0000036077644836041145), plus a comma.
const BYTES_PER_VALUE = 26;

const clients = new Map<string, PineconeIndexLike>();

/**
 * A fetch that honours `Retry-After` on 429 for the very request that got it (the SDK neither
 * retries 429 nor exposes the header): it waits as asked, up to 60 s in all, and sends the request
 * again (five times at most); other failures are left to the adapter's retries.
 */
export function createRetryAfterFetch(
  baseFetch: typeof fetch = fetch,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): typeof fetch {
  return async (input, init) => {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const response = await baseFetch(input, init);
      if (response.status !== 429 || attempt > 5) return response;
      const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
      const wait = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Number.NaN;
      if (Number.isNaN(wait) || waited + wait > 60_000 || init?.signal?.aborted) return response;
      await response.body?.cancel();
      await sleep(wait);
      waited += wait;
    }
  };
}

// One client per API key and host for the process's lifetime: serverless functions reuse it
// across warm invocations instead of paying the client set-up on every request.
function cachedIndex(apiKey: string, host: string): PineconeIndexLike {
  const key = `${apiKey}\u0000${host}`;
  let index = clients.get(key);
  if (!index) {
    // maxRetries: 0: this adapter retries (429 included), so the SDK must not retry underneath.
    const client = new Pinecone({ apiKey, fetchApi: createRetryAfterFetch(), maxRetries: 0 });
    index = client.index({ host }) as unknown as PineconeIndexLike;
    clients.set(key, index);
  }
  return index;
}

// The SDK and Pinecone name the default namespace "__default__" in paths and listings; the
// VectorStore contract calls it "".
const DEFAULT_NAMESPACE = '__default__';
const toPinecone = (namespace: string) => (namespace === '' ? DEFAULT_NAMESPACE : namespace);
const fromPinecone = (namespace: string) => (namespace === DEFAULT_NAMESPACE ? '' : namespace);

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// Pinecone answers 404 to a delete in a namespace that holds nothing (also when a retry follows a
// delete whose reply was lost): the records are gone either way.
async function ignoreNotFound(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (statusOf(error) === 404 || (error as Error)?.name === 'PineconeNotFoundError') return;
    throw error;
  }
}

function toError(error: unknown, operation: string): Error {
  if (ScopedRagError.isInstance(error)) return error;
  const status = statusOf(error);
  const message = `Pinecone ${operation} failed: ${(error as Error)?.message ?? String(error)}`;
  if (status === 400 || (error as Error)?.name === 'PineconeBadRequestError') {
    return new InvalidInputError(message, { cause: error, details: { operation, status: 400 } });
  }
  return new BackendUnavailableError(message, {
    cause: error,
    details: { operation, ...(status ? { status } : {}), retryable: isRetryable(error) },
  });
}

export function createPineconeVectorStore(options: PineconeVectorStoreOptions): VectorStore {
  const { dimensions } = options;
  const metric = options.metric ?? 'cosine';
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 20_000) {
    throw new InvalidInputError(
      `dimensions must be the index's dimension (an integer from 1 to 20,000), got ${dimensions}.`,
    );
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new InvalidInputError(`concurrency must be an integer from 1 to 64, got ${concurrency}.`);
  }
  let index: PineconeIndexLike;
  if (options.index) index = options.index;
  else if (options.apiKey && options.host) index = cachedIndex(options.apiKey, options.host);
  else if (options.client && options.indexName) {
    index = options.client.index({ name: options.indexName }) as PineconeIndexLike;
  } else {
    throw new InvalidInputError(
      'createPineconeVectorStore needs an `index` from the SDK, `apiKey` and `host` (the index host from describeIndex or the console), or `client` and `indexName`.',
    );
  }
  const retryOptions = options.retry ?? {};
  const retried = <T>(
    operation: string,
    attempt: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> =>
    withRetries(attempt, retryOptions, { signal }).catch((error: unknown) => {
      throw toError(error, operation);
    });

  const capabilities: VectorStoreCapabilities = Object.freeze({
    dimensions,
    metric,
    // Larger upserts are split here into requests within Pinecone's limits.
    maxUpsertBatch: 100_000,
    maxIdsPerRequest: PINECONE_LIMITS.maxIdsPerRequest,
    maxTopK: PINECONE_LIMITS.maxTopK,
    maxIdLength: PINECONE_LIMITS.maxIdLength,
    maxMetadataBytes: PINECONE_LIMITS.maxMetadataBytes,
    maxNamespaceLength: PINECONE_LIMITS.maxNamespaceLength,
  });

  function checkRecord(record: VectorRecord, where: string): number {
    if (typeof record.id !== 'string' || !/^[\x20-\x7e]{1,512}$/.test(record.id)) {
      throw new InvalidInputError(
        `${where}.id must be 1 to 512 printable ASCII characters (Pinecone's limit).`,
      );
    }
    if (!(record.values instanceof Float32Array) || record.values.length !== dimensions) {
      throw new InvalidInputError(
        `${where} (id "${record.id}") has ${record.values?.length ?? 'no'} dimensions; the index has ${dimensions}.`,
      );
    }
    for (const value of record.values) {
      if (!Number.isFinite(value))
        throw new InvalidInputError(`${where} (id "${record.id}") has a non-finite value.`);
    }
    for (const [key, value] of Object.entries(record.metadata)) {
      if (value === null)
        throw new InvalidInputError(
          `${where} (id "${record.id}") metadata "${key}" is null, which Pinecone refuses.`,
        );
    }
    const metadataBytes = metadataByteSize(record.metadata);
    if (metadataBytes > PINECONE_LIMITS.maxMetadataBytes) {
      throw new InvalidInputError(
        `${where} (id "${record.id}") metadata is ${metadataBytes} bytes; Pinecone's limit is 40 KB.`,
      );
    }
    return JSON.stringify(record.id).length + metadataBytes + dimensions * BYTES_PER_VALUE + 64;
  }

  // Splits records into requests of at most 1,000 records and 2 MB.
  function requests(records: readonly VectorRecord[]): VectorRecord[][] {
    const out: VectorRecord[][] = [];
    let current: VectorRecord[] = [];
    let bytes = 0;
    records.forEach((record, i) => {
      const size = checkRecord(record, `records[${i}]`);
      if (
        current.length === PINECONE_LIMITS.maxRecordsPerUpsert ||
        (current.length > 0 && bytes + size > PINECONE_LIMITS.maxUpsertBytes)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(record);
      bytes += size;
    });
    if (current.length > 0) out.push(current);
    return out;
  }

  const store: VectorStore = {
    specificationVersion: 'v1',
    provider: 'pinecone',
    capabilities,

    async upsert({ namespace, records, signal }) {
      const batches = requests(records); // validates everything before sending anything
      const written: string[] = [];
      let failure: unknown;
      let next = 0;
      // A pool of workers keeps `concurrency` requests in flight until the batches run out or
      // one fails for good; then no new batch starts and the in-flight ones finish.
      const worker = async () => {
        while (failure === undefined && next < batches.length) {
          const batch = batches[next++]!;
          try {
            await retried(
              'upsert',
              () =>
                index.upsert({
                  namespace,
                  records: batch.map((r) => ({
                    id: r.id,
                    values: Array.from(r.values),
                    metadata: r.metadata,
                  })),
                }),
              signal,
            );
            for (const record of batch) written.push(record.id);
          } catch (error) {
            failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      if (failure === undefined) return;
      if (written.length === 0) throw failure;
      const done = new Set(written);
      throw new BackendUnavailableError(
        `Pinecone upsert failed after ${written.length} of ${records.length} records were written: ${(failure as Error).message} Retry the failed ones (upsert is idempotent).`,
        {
          cause: failure,
          details: {
            writtenIds: written,
            failedIds: records.map((r) => r.id).filter((id) => !done.has(id)),
          },
        },
      );
    },

    async query({ namespace, vector, topK, filter, includeValues, signal }) {
      if (vector.length !== dimensions) {
        throw new InvalidInputError(
          `The query vector has ${vector.length} dimensions; the index has ${dimensions}.`,
        );
      }
      if (!Number.isInteger(topK) || topK < 1 || topK > PINECONE_LIMITS.maxTopK) {
        throw new InvalidInputError(
          `topK must be an integer from 1 to ${PINECONE_LIMITS.maxTopK}, got ${topK}.`,
        );
      }
      const json = filter ? filterToJSON(filter) : {};
      const response = await retried(
        'query',
        () =>
          index.query({
            namespace,
            vector: Array.from(vector),
            topK,
            ...(Object.keys(json).length > 0 ? { filter: json } : {}),
            includeValues,
            includeMetadata: true,
          }),
        signal,
      );
      return (response.matches ?? []).map(
        (match): VectorMatch => ({
          id: match.id,
          score: match.score ?? Number.NaN,
          metadata: (match.metadata ?? {}) as Metadata,
          ...(includeValues && match.values ? { values: Float32Array.from(match.values) } : {}),
        }),
      );
    },

    async fetch({ namespace, ids, signal }) {
      if (ids.length > PINECONE_LIMITS.maxIdsPerRequest) {
        throw new InvalidInputError(
          `At most ${PINECONE_LIMITS.maxIdsPerRequest} ids per fetch, got ${ids.length}.`,
        );
      }
      // Ids go into the URL: group them so no request's query string grows too long.
      const groups: string[][] = [];
      let group: string[] = [];
      let chars = 0;
      for (const id of new Set(ids)) {
        const cost = encodeURIComponent(id).length + 5;
        if (group.length > 0 && chars + cost > PINECONE_LIMITS.maxFetchUrlIdChars) {
          groups.push(group);
          group = [];
          chars = 0;
        }
        group.push(id);
        chars += cost;
      }
      if (group.length > 0) groups.push(group);
      const out: VectorRecord[] = [];
      for (const part of groups) {
        const response = await retried(
          'fetch',
          () => index.fetch({ ids: part, namespace }),
          signal,
        );
        for (const record of Object.values(response.records ?? {})) {
          out.push({
            id: record.id,
            values: Float32Array.from(record.values ?? []),
            metadata: (record.metadata ?? {}) as Metadata,
          });
        }
      }
      return out;
    },

    async delete({ namespace, ids, signal }) {
      for (const part of chunk([...new Set(ids)], PINECONE_LIMITS.maxIdsPerRequest)) {
        await retried(
          'delete',
          () => ignoreNotFound(index.deleteMany({ ids: part, namespace })),
          signal,
        );
      }
    },

    async list({ namespace, prefix, limit, cursor, signal }): Promise<ListPage> {
      const response = await retried(
        'list',
        () =>
          index.listPaginated({
            namespace,
            limit: Math.min(limit, PINECONE_LIMITS.maxListLimit),
            ...(prefix ? { prefix } : {}),
            ...(cursor ? { paginationToken: cursor } : {}),
          }),
        signal,
      );
      const ids = (response.vectors ?? [])
        .map((v) => v.id)
        .filter((id): id is string => typeof id === 'string');
      const next = response.pagination?.next;
      return next ? { ids, cursor: next } : { ids };
    },

    async listNamespaces({ prefix, limit, cursor, signal }): Promise<NamespacePage> {
      const response = await retried(
        'listNamespaces',
        () =>
          index.listNamespaces({
            limit: Math.min(limit, PINECONE_LIMITS.maxListLimit),
            ...(prefix ? { prefix } : {}),
            ...(cursor ? { paginationToken: cursor } : {}),
          }),
        signal,
      );
      const namespaces = (response.namespaces ?? [])
        .filter(
          (n) => typeof n.name === 'string' && (n.recordCount === undefined || n.recordCount > 0),
        )
        .map((n) => fromPinecone(n.name!))
        .filter((name) => !prefix || name.startsWith(prefix));
      const next = response.pagination?.next;
      return next ? { namespaces, cursor: next } : { namespaces };
    },

    async deleteNamespace({ namespace, signal }) {
      await retried(
        'deleteNamespace',
        () => ignoreNotFound(index.deleteNamespace(toPinecone(namespace))),
        signal,
      );
    },
  };
  return Object.freeze(store);
}
