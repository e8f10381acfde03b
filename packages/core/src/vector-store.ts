// The VectorStore port: the raw, namespaced, unscoped contract every vector backend implements.
// App code never holds one directly; it goes through createScopedVectorStore.
import type { FilterExpression } from './filter.js';
import type { Metadata } from './metadata.js';

export type DistanceMetric = 'cosine' | 'dotproduct' | 'euclidean';

/**
 * Scores follow Pinecone: for `cosine` and `dotproduct` higher is more similar; for `euclidean`
 * the score is the squared distance and lower is more similar. Matches come best first.
 */
export function isHigherBetter(metric: DistanceMetric): boolean {
  return metric !== 'euclidean';
}

/** Cosine needs |v| > 1e-20: below it, scores degenerate into Infinity or NaN. Such vectors are refused. */
export const MIN_SQUARED_NORM = 1e-40;

/**
 * Largest squared norm a vector may have: a quarter of float32's largest value (|v| ≤ ~9.2e18).
 * Then every dot product and squared distance of two vectors fits in float32, where stores and
 * SIMD kernels compute them (|v·q| ≤ |v||q|, |v − q|² ≤ 2|v|² + 2|q|²); beyond it a score could
 * overflow to Infinity or NaN. Such vectors are refused.
 */
export const MAX_SQUARED_NORM = 3.4028234663852886e38 / 4;

export interface VectorRecord {
  readonly id: string;
  readonly values: Float32Array;
  readonly metadata: Metadata;
}

export interface VectorMatch {
  readonly id: string;
  readonly score: number;
  readonly metadata: Metadata;
  readonly values?: Float32Array;
}

export interface VectorStoreCapabilities {
  readonly dimensions: number;
  readonly metric: DistanceMetric;
  /** Most records one `upsert` call takes. Callers split larger batches. */
  readonly maxUpsertBatch: number;
  /** Most ids one `fetch` or `delete` call takes. */
  readonly maxIdsPerRequest: number;
  readonly maxTopK: number;
  /** Longest record id, in characters (ids are printable ASCII). */
  readonly maxIdLength: number;
  readonly maxMetadataBytes: number;
  /** Longest namespace name. */
  readonly maxNamespaceLength: number;
}

export interface UpsertRequest {
  readonly namespace: string;
  readonly records: readonly VectorRecord[];
  readonly signal?: AbortSignal;
}
export interface QueryRequest {
  readonly namespace: string;
  readonly vector: Float32Array;
  readonly topK: number;
  /** Already validated. Absent means every record of the namespace. */
  readonly filter?: FilterExpression;
  readonly includeValues: boolean;
  readonly signal?: AbortSignal;
}
export interface FetchRequest {
  readonly namespace: string;
  readonly ids: readonly string[];
  readonly signal?: AbortSignal;
}
export interface DeleteRequest {
  readonly namespace: string;
  readonly ids: readonly string[];
  readonly signal?: AbortSignal;
}
export interface ListRequest {
  readonly namespace: string;
  readonly prefix?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
  readonly signal?: AbortSignal;
}
export interface ListPage {
  readonly ids: readonly string[];
  /** Present when more ids may follow. */
  readonly cursor?: string;
}
export interface ListNamespacesRequest {
  /** Only namespaces whose name starts with this. */
  readonly prefix?: string;
  readonly limit: number;
  readonly cursor?: string;
  readonly signal?: AbortSignal;
}
export interface NamespacePage {
  /** Names of namespaces holding at least one record, ascending. */
  readonly namespaces: readonly string[];
  readonly cursor?: string;
}
export interface NamespaceRequest {
  readonly namespace: string;
  readonly signal?: AbortSignal;
}

/**
 * Version 1 of the adapter contract. Adapters implement this one interface and run
 * `describeVectorStoreConformance` from `@scoped-rag/testing` to prove it.
 *
 * Semantics every adapter keeps:
 * - namespaces are fully isolated; an unknown namespace is empty (not an error);
 * - `upsert` inserts or replaces whole records by id; `fetch` returns only ids that exist;
 * - `query` returns at most `topK` matches satisfying `filter`, best first, with metadata;
 * - `list` pages ids in ascending lexicographic order, filtered by prefix;
 * - `listNamespaces` pages the names of non-empty namespaces the same way (erasure of a user
 *   across every organization needs it);
 * - failures throw a ScopedRagError (`BACKEND_UNAVAILABLE`, `INVALID_INPUT`, …), never resolve
 *   with partial results; an `upsert` that wrote part of its records throws one whose
 *   `details.writtenIds` lists the ids written (and `details.failedIds` the others).
 */
export interface VectorStore {
  readonly specificationVersion: 'v1';
  /** A short name for logs and errors, e.g. `memory`, `pinecone`, `pgvector`. */
  readonly provider: string;
  readonly capabilities: VectorStoreCapabilities;
  upsert(request: UpsertRequest): Promise<void>;
  query(request: QueryRequest): Promise<readonly VectorMatch[]>;
  fetch(request: FetchRequest): Promise<readonly VectorRecord[]>;
  delete(request: DeleteRequest): Promise<void>;
  list(request: ListRequest): Promise<ListPage>;
  listNamespaces(request: ListNamespacesRequest): Promise<NamespacePage>;
  deleteNamespace(request: NamespaceRequest): Promise<void>;
}
