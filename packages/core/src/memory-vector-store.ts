// The embedded default VectorStore: exact search over each namespace's vectors, kept contiguous
// in one Float32Array so a scan streams memory. No dependencies, runs anywhere.
import { InvalidInputError } from './errors.js';
import { compileFilter, type FilterExpression } from './filter.js';
import {
  createScoringKernel,
  growScoringKernel,
  maxKernelRows,
  type ScoringKernel,
} from './kernels/scores.js';
import type { Metadata } from './metadata.js';
import { DEFAULT_RESERVED_KEYS } from './policy.js';
import {
  type DistanceMetric,
  type ListPage,
  MAX_SQUARED_NORM,
  MIN_SQUARED_NORM,
  type NamespacePage,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
  type VectorStoreCapabilities,
} from './vector-store.js';

export interface MemoryVectorStoreOptions {
  dimensions: number;
  /** Default `cosine`. */
  metric?: DistanceMetric;
  /**
   * Keeps each namespace's records in contiguous partitions by this metadata field's (string)
   * value, so a query whose filter requires one value (`{ field: value }`, alone or ANDed) scans
   * only that partition. Default: the tenant key scoped-rag stamps (`_sr_tenant`), which makes a
   * shared namespace as fast per tenant as a namespace of its own. `null` disables it.
   */
  partitionBy?: string | null;
  /**
   * Score with the WebAssembly SIMD kernel where the runtime supports it (default `true`); `false`
   * uses the TypeScript loops. Results agree up to float32 rounding.
   */
  simd?: boolean;
  /** Partitions with fewer rows than this use the TypeScript loops (default 64). */
  simdMinRows?: number;
}

interface Partition {
  /** Rows of `dimensions` floats; inside `kernel.memory` when the SIMD kernel is used. */
  data: Float32Array;
  kernel: ScoringKernel | null;
  /** Cosine: 1/|v| per slot, so stored values stay exactly as written. Float64: tiny norms overflow float32. */
  inverseNorms: Float64Array;
  ids: (string | undefined)[];
  metadata: (Metadata | undefined)[];
  slots: Map<string, number>;
  length: number;
  dead: number;
}

const INITIAL_CAPACITY = 64;
/** Partitions smaller than this scan fast enough without the SIMD kernel (and its own memory). */
const KERNEL_MIN_ROWS = 64;
/** Kernels per store at most (each holds a WebAssembly memory; runtimes cap their number). */
const MAX_KERNELS = 2_048;

function dot(query: Float32Array, data: Float32Array, offset: number, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let i = 0;
  const unrolled = dims - (dims % 8);
  for (; i < unrolled; i += 8) {
    const o = offset + i;
    s0 += query[i]! * data[o]!;
    s1 += query[i + 1]! * data[o + 1]!;
    s2 += query[i + 2]! * data[o + 2]!;
    s3 += query[i + 3]! * data[o + 3]!;
    s4 += query[i + 4]! * data[o + 4]!;
    s5 += query[i + 5]! * data[o + 5]!;
    s6 += query[i + 6]! * data[o + 6]!;
    s7 += query[i + 7]! * data[o + 7]!;
  }
  for (; i < dims; i++) s0 += query[i]! * data[offset + i]!;
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

/** Sum of squares; four accumulators so the adds don't wait on each other. */
function squaredNorm(values: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const unrolled = values.length - (values.length % 4);
  for (; i < unrolled; i += 4) {
    const v0 = values[i]!;
    const v1 = values[i + 1]!;
    const v2 = values[i + 2]!;
    const v3 = values[i + 3]!;
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; i < values.length; i++) s0 += values[i]! * values[i]!;
  return s0 + s1 + s2 + s3;
}

function squaredDistance(
  query: Float32Array,
  data: Float32Array,
  offset: number,
  dims: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const unrolled = dims - (dims % 4);
  for (; i < unrolled; i += 4) {
    const o = offset + i;
    const d0 = query[i]! - data[o]!;
    const d1 = query[i + 1]! - data[o + 1]!;
    const d2 = query[i + 2]! - data[o + 2]!;
    const d3 = query[i + 3]! - data[o + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dims; i++) {
    const d = query[i]! - data[offset + i]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** A kernel's scores for `rows` rows from byte `data`: squared distances, or dot products. */
function scoreRows(
  metric: DistanceMetric,
  kernel: ScoringKernel,
  data: number,
  query: number,
  out: number,
  rows: number,
  dims: number,
): void {
  if (metric === 'euclidean') kernel.sqdist(data, query, out, rows, dims);
  else kernel.dot(data, query, out, rows, dims);
}

/** The key the top k ranks by (higher is better) from a kernel's raw score of a row. */
function rankKey(metric: DistanceMetric, raw: number, inverseNorm: number): number {
  return metric === 'euclidean' ? -raw : metric === 'cosine' ? raw * inverseNorm : raw;
}

/** Rows sampled to estimate how many rows of a partition a filter keeps. */
const FILTER_SAMPLE = 32;

/**
 * True when `predicate` likely keeps at most one row in eight of `partition`, judged on up to
 * FILTER_SAMPLE live rows spread evenly over it. Then checking the filter on every row and scoring
 * only the rows it keeps beats scoring every row (a selective filter on a field the store does not
 * partition by, e.g. one document's chunks in a tenant's namespace).
 */
function selective(
  partition: { ids: (string | undefined)[]; metadata: (Metadata | undefined)[]; length: number },
  predicate: (metadata: Metadata) => boolean,
): boolean {
  const step = Math.max(1, Math.floor(partition.length / FILTER_SAMPLE));
  let sampled = 0;
  let kept = 0;
  for (let slot = 0; slot < partition.length; slot += step) {
    if (partition.ids[slot] === undefined) continue;
    sampled++;
    if (predicate(partition.metadata[slot]!)) kept++;
  }
  return sampled > 0 && kept * 8 <= sampled;
}

/** Keeps the k best (highest key) slots seen; the worst kept one sits at the root. */
class TopK {
  readonly keys: Float64Array;
  /** Position of the candidate in scan order (partition by partition, slot by slot). */
  readonly slots: Int32Array;
  size = 0;
  constructor(readonly k: number) {
    this.keys = new Float64Array(k);
    this.slots = new Int32Array(k);
  }
  // a is worse than b: lower key, or equal key and later in scan order (earlier wins ties).
  private worse(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.slots[a]! > this.slots[b]!);
  }
  /** Threshold a candidate must beat once full. */
  get floor(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.keys[0]!;
  }
  push(key: number, slot: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      this.keys[i] = key;
      this.slots[i] = slot;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    // Full: replace the root when the candidate is better (ties go to the earlier slot).
    if (key < this.keys[0]! || (key === this.keys[0]! && slot > this.slots[0]!)) return;
    this.keys[0] = key;
    this.slots[0] = slot;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < this.size && this.worse(left, worst)) worst = left;
      if (right < this.size && this.worse(right, worst)) worst = right;
      if (worst === i) break;
      this.swap(i, worst);
      i = worst;
    }
  }
  private swap(a: number, b: number): void {
    const key = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = key;
    const slot = this.slots[a]!;
    this.slots[a] = this.slots[b]!;
    this.slots[b] = slot;
  }
  /** Slots best first. */
  sorted(): { key: number; slot: number }[] {
    const out: { key: number; slot: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, slot: this.slots[i]! });
    return out.sort((a, b) => b.key - a.key || a.slot - b.slot);
  }
}

export const MEMORY_VECTOR_STORE_LIMITS = Object.freeze({
  maxUpsertBatch: 10_000,
  maxIdsPerRequest: 10_000,
  maxTopK: 10_000,
  maxIdLength: 512,
  maxMetadataBytes: 40 * 1024,
  maxNamespaceLength: 512,
  maxDimensions: 20_000,
});

/** Creates the embedded, exact-search vector store. */
export function createMemoryVectorStore(options: MemoryVectorStoreOptions): VectorStore {
  const { dimensions } = options;
  const metric = options.metric ?? 'cosine';
  if (
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > MEMORY_VECTOR_STORE_LIMITS.maxDimensions
  ) {
    throw new InvalidInputError(
      `dimensions must be an integer from 1 to ${MEMORY_VECTOR_STORE_LIMITS.maxDimensions}, got ${dimensions}.`,
    );
  }
  if (metric !== 'cosine' && metric !== 'dotproduct' && metric !== 'euclidean') {
    throw new InvalidInputError(
      `metric must be cosine, dotproduct or euclidean, got ${String(metric)}.`,
    );
  }
  const useSimd = options.simd ?? true;
  const simdMinRows = options.simdMinRows ?? KERNEL_MIN_ROWS;
  const partitionBy =
    options.partitionBy === undefined ? DEFAULT_RESERVED_KEYS.tenant : options.partitionBy;
  // Namespace → its partitions (by the partitionBy value) and where each id lives.
  const spaces = new Map<
    string,
    { partitions: Map<string, Partition>; location: Map<string, Partition> }
  >();
  const partitionKey = (metadata: Metadata): string => {
    const value = partitionBy === null ? undefined : metadata[partitionBy];
    return typeof value === 'string' ? value : '';
  };

  const capabilities: VectorStoreCapabilities = Object.freeze({
    dimensions,
    metric,
    maxUpsertBatch: MEMORY_VECTOR_STORE_LIMITS.maxUpsertBatch,
    maxIdsPerRequest: MEMORY_VECTOR_STORE_LIMITS.maxIdsPerRequest,
    maxTopK: MEMORY_VECTOR_STORE_LIMITS.maxTopK,
    maxIdLength: MEMORY_VECTOR_STORE_LIMITS.maxIdLength,
    maxMetadataBytes: MEMORY_VECTOR_STORE_LIMITS.maxMetadataBytes,
    maxNamespaceLength: MEMORY_VECTOR_STORE_LIMITS.maxNamespaceLength,
  });

  function checkNamespace(namespace: string): void {
    if (typeof namespace !== 'string' || namespace.length > capabilities.maxNamespaceLength) {
      throw new InvalidInputError(
        `Namespace must be a string of at most ${capabilities.maxNamespaceLength} characters.`,
      );
    }
  }

  // Checks shape and finiteness in one pass and returns the squared norm.
  // `where` is built only for an error: records are checked by the hundred thousand.
  function checkVector(values: Float32Array, where: () => string): number {
    if (!(values instanceof Float32Array) || values.length !== dimensions) {
      throw new InvalidInputError(
        `${where()} has ${values?.length ?? 'no'} dimensions; this store holds ${dimensions}-dimensional vectors.`,
      );
    }
    const squares = squaredNorm(values);
    // NaN or ±Infinity anywhere makes the sum non-finite; only then look for where.
    if (!Number.isFinite(squares)) {
      const at = values.findIndex((value) => !Number.isFinite(value));
      if (at >= 0) throw new InvalidInputError(`${where()} has a non-finite value at index ${at}.`);
    }
    // The SIMD kernel scores in float32: beyond this a dot product or distance could overflow.
    if (squares > MAX_SQUARED_NORM) {
      throw new InvalidInputError(
        `${where()} has a norm above ~9.2e18 (|v|² > ${MAX_SQUARED_NORM.toExponential(2)}): its scores could overflow float32. Normalise it.`,
      );
    }
    return squares;
  }

  function checkIds(ids: readonly string[]): void {
    if (ids.length > capabilities.maxIdsPerRequest) {
      throw new InvalidInputError(
        `At most ${capabilities.maxIdsPerRequest} ids per request, got ${ids.length}.`,
      );
    }
  }

  let kernels = 0;
  const kernelRowLimit = maxKernelRows(dimensions);
  // Row storage for `capacity` rows: in a SIMD kernel's memory for partitions big enough to gain
  // from it (each kernel has its own memory; the runtime allows a few thousand), else plain.
  function allocate(capacity: number): { data: Float32Array; kernel: ScoringKernel | null } {
    const wanted = useSimd && capacity >= simdMinRows && kernels < MAX_KERNELS;
    const kernel = wanted ? createScoringKernel(capacity, dimensions) : null;
    if (kernel) kernels++;
    const data = kernel
      ? new Float32Array(kernel.memory.buffer, 0, capacity * dimensions)
      : new Float32Array(capacity * dimensions);
    return { data, kernel };
  }

  function newPartition(expected: number): Partition {
    const capacity = Math.max(INITIAL_CAPACITY, expected);
    return {
      ...allocate(capacity),
      inverseNorms: new Float64Array(capacity),
      ids: [],
      metadata: [],
      slots: new Map(),
      length: 0,
      dead: 0,
    };
  }

  // Tombstones a record; drops its partition, and then its namespace, once empty.
  function remove(namespace: string, id: string): void {
    const space = spaces.get(namespace);
    const partition = space?.location.get(id);
    if (!space || !partition) return;
    const slot = partition.slots.get(id)!;
    partition.slots.delete(id);
    partition.ids[slot] = undefined;
    partition.metadata[slot] = undefined;
    partition.dead++;
    space.location.delete(id);
    if (partition.slots.size === 0) {
      if (partition.kernel) kernels--;
      for (const [key, candidate] of space.partitions) {
        if (candidate === partition) space.partitions.delete(key);
      }
      if (space.location.size === 0) spaces.delete(namespace);
    } else if (partition.dead > 64 && partition.dead * 2 > partition.length) compact(partition);
  }

  // The one partition a filter confines a query to, when it requires a single partition value.
  function requiredPartition(filter: FilterExpression | undefined): string | null {
    if (!filter || partitionBy === null) return null;
    const parts = filter.kind === 'and' ? filter.children : [filter];
    for (const part of parts) {
      if (
        part.kind === 'field' &&
        part.field === partitionBy &&
        part.op === '$eq' &&
        typeof part.value === 'string'
      ) {
        return part.value;
      }
    }
    return null;
  }

  function reserve(partition: Partition, needed: number): void {
    const capacity = partition.inverseNorms.length;
    if (needed <= capacity) return;
    // A kernel's memory grows in place and untouched pages stay unallocated by the OS, so it can
    // quadruple (few grow calls, each of which costs the runtime a system call and accounting, and
    // no resident cost), up to what one kernel holds; plain arrays are copied and zero-filled on
    // growth, so they grow by half: amortised O(1) appends either way.
    const factor = partition.kernel ? 4 : 1.5;
    let next = capacity;
    while (next < needed) next = Math.max(next + 64, Math.ceil(next * factor));
    if (partition.kernel) next = Math.max(needed, Math.min(next, kernelRowLimit));
    const inverseNorms = new Float64Array(next);
    inverseNorms.set(partition.inverseNorms.subarray(0, partition.length));
    partition.inverseNorms = inverseNorms;
    // A kernel's memory grows in place: nothing is copied.
    if (partition.kernel && growScoringKernel(partition.kernel, next, dimensions)) {
      partition.data = new Float32Array(partition.kernel.memory.buffer, 0, next * dimensions);
      return;
    }
    if (partition.kernel) kernels--;
    const { data, kernel } = allocate(next);
    data.set(partition.data.subarray(0, partition.length * dimensions));
    partition.data = data;
    partition.kernel = kernel;
  }

  // Rewrites the live slots contiguously once tombstones outnumber them.
  function compact(partition: Partition): void {
    let write = 0;
    for (let read = 0; read < partition.length; read++) {
      const id = partition.ids[read];
      if (id === undefined) continue;
      if (write !== read) {
        partition.data.copyWithin(write * dimensions, read * dimensions, (read + 1) * dimensions);
        partition.inverseNorms[write] = partition.inverseNorms[read]!;
        partition.ids[write] = id;
        partition.metadata[write] = partition.metadata[read];
        partition.slots.set(id, write);
      }
      write++;
    }
    partition.ids.length = write;
    partition.metadata.length = write;
    partition.length = write;
    partition.dead = 0;
  }

  function recordAt(partition: Partition, slot: number): VectorRecord {
    return {
      id: partition.ids[slot]!,
      values: partition.data.slice(slot * dimensions, (slot + 1) * dimensions),
      metadata: { ...partition.metadata[slot]! },
    };
  }

  const store: VectorStore = {
    specificationVersion: 'v1',
    provider: 'memory',
    capabilities,

    async upsert({ namespace, records }) {
      checkNamespace(namespace);
      if (records.length > capabilities.maxUpsertBatch) {
        throw new InvalidInputError(
          `At most ${capabilities.maxUpsertBatch} records per upsert, got ${records.length}.`,
        );
      }
      // Validate everything before writing anything; keep each vector's squared norm.
      const squaredNorms = new Float64Array(records.length);
      records.forEach((record, i) => {
        if (
          typeof record.id !== 'string' ||
          record.id.length === 0 ||
          record.id.length > capabilities.maxIdLength
        ) {
          throw new InvalidInputError(
            `records[${i}].id must be 1 to ${capabilities.maxIdLength} characters.`,
          );
        }
        squaredNorms[i] = checkVector(record.values, () => `records[${i}] (id "${record.id}")`);
        if (metric === 'cosine' && squaredNorms[i]! < MIN_SQUARED_NORM) {
          throw new InvalidInputError(
            `records[${i}] (id "${record.id}") is a zero (or near-zero, |v| ≤ 1e-20) vector, which has no cosine similarity.`,
          );
        }
      });
      // Room for the whole batch up front: one reallocation per partition, not one per growth step.
      const incoming = new Map<string, number>();
      const keys = records.map((record) => partitionKey(record.metadata));
      for (const key of keys) incoming.set(key, (incoming.get(key) ?? 0) + 1);
      const existing = spaces.get(namespace);
      for (const [key, count] of incoming) {
        const partition = existing?.partitions.get(key);
        if (partition) reserve(partition, partition.length + count);
      }
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        let space = spaces.get(namespace);
        if (!space) {
          space = { partitions: new Map(), location: new Map() };
          spaces.set(namespace, space);
        }
        const key = keys[i]!;
        let partition = space.partitions.get(key);
        const current = space.location.get(record.id);
        if (current !== undefined && current !== partition) {
          remove(namespace, record.id); // its partition value changed
          if (!spaces.has(namespace)) spaces.set(namespace, space);
          partition = space.partitions.get(key);
        }
        if (!partition) {
          partition = newPartition(incoming.get(key) ?? 1);
          space.partitions.set(key, partition);
        }
        // An id new to the namespace is in no partition: skip the lookup.
        let slot = current === undefined ? undefined : partition.slots.get(record.id);
        if (slot === undefined) {
          reserve(partition, partition.length + 1);
          slot = partition.length++;
          partition.slots.set(record.id, slot);
          partition.ids[slot] = record.id;
          space.location.set(record.id, partition);
        }
        partition.data.set(record.values, slot * dimensions);
        partition.inverseNorms[slot] = metric === 'cosine' ? 1 / Math.sqrt(squaredNorms[i]!) : 1;
        // A private, unfrozen copy: frozen objects are markedly slower to read in the scan loop.
        partition.metadata[slot] = { ...record.metadata };
      }
    },

    async query({ namespace, vector, topK, filter, includeValues }) {
      checkNamespace(namespace);
      const querySquares = checkVector(vector, () => 'The query vector');
      if (metric === 'cosine' && querySquares < MIN_SQUARED_NORM) {
        throw new InvalidInputError(
          'The query vector is a zero (or near-zero, |v| ≤ 1e-20) vector, which has no cosine similarity.',
        );
      }
      if (!Number.isInteger(topK) || topK < 1 || topK > capabilities.maxTopK) {
        throw new InvalidInputError(
          `topK must be an integer from 1 to ${capabilities.maxTopK}, got ${topK}.`,
        );
      }
      const space = spaces.get(namespace);
      if (!space) return [];
      const only = requiredPartition(filter);
      const scanned =
        only === null
          ? [...space.partitions.values()]
          : space.partitions.has(only)
            ? [space.partitions.get(only)!]
            : [];
      const predicate = filter ? compileFilter(filter) : null;
      const best = new TopK(topK);
      // Candidates are numbered in scan order across partitions, for ties and lookup.
      const starts: number[] = [];
      let base = 0;
      for (const partition of scanned) {
        starts.push(base);
        const { data, ids, metadata, inverseNorms, kernel } = partition;
        if (kernel) {
          const queryAt = inverseNorms.length * dimensions * 4;
          const scoresAt = queryAt + dimensions * 4;
          new Float32Array(kernel.memory.buffer, queryAt, dimensions).set(vector);
          if (predicate !== null && selective(partition, predicate)) {
            // Few rows pass the filter: check it on every row and score only those that pass.
            const score = new Float32Array(kernel.memory.buffer, scoresAt, 1);
            const rowBytes = dimensions * 4;
            for (let slot = 0; slot < partition.length; slot++) {
              if (ids[slot] === undefined || !predicate(metadata[slot]!)) continue;
              scoreRows(metric, kernel, slot * rowBytes, queryAt, scoresAt, 1, dimensions);
              const key = rankKey(metric, score[0]!, inverseNorms[slot]!);
              if (key >= best.floor) best.push(key, base + slot);
            }
            base += partition.length;
            continue;
          }
          // Score every row with SIMD in one call, then filter only the rows that could enter the
          // top k: cheaper than scoring row by row when many rows pass.
          scoreRows(metric, kernel, 0, queryAt, scoresAt, partition.length, dimensions);
          const scores = new Float32Array(kernel.memory.buffer, scoresAt, partition.length);
          for (let slot = 0; slot < partition.length; slot++) {
            if (ids[slot] === undefined) continue;
            const key = rankKey(metric, scores[slot]!, inverseNorms[slot]!);
            if (key < best.floor) continue;
            if (predicate !== null && !predicate(metadata[slot]!)) continue;
            best.push(key, base + slot);
          }
        } else {
          for (let slot = 0; slot < partition.length; slot++) {
            if (ids[slot] === undefined) continue;
            if (predicate !== null && !predicate(metadata[slot]!)) continue;
            const offset = slot * dimensions;
            const key =
              metric === 'euclidean'
                ? -squaredDistance(vector, data, offset, dimensions)
                : metric === 'cosine'
                  ? dot(vector, data, offset, dimensions) * inverseNorms[slot]!
                  : dot(vector, data, offset, dimensions);
            if (key >= best.floor) best.push(key, base + slot);
          }
        }
        base += partition.length;
      }
      const queryScale = metric === 'cosine' ? 1 / Math.sqrt(querySquares) : 1;
      return best.sorted().map(({ key, slot: position }): VectorMatch => {
        let index = starts.length - 1;
        while (starts[index]! > position) index--;
        const partition = scanned[index]!;
        const slot = position - starts[index]!;
        const score = metric === 'euclidean' ? -key : key * queryScale;
        const match = {
          id: partition.ids[slot]!,
          score,
          metadata: { ...partition.metadata[slot]! },
        };
        return includeValues
          ? { ...match, values: partition.data.slice(slot * dimensions, (slot + 1) * dimensions) }
          : match;
      });
    },

    async fetch({ namespace, ids }) {
      checkNamespace(namespace);
      checkIds(ids);
      const space = spaces.get(namespace);
      if (!space) return [];
      const out: VectorRecord[] = [];
      for (const id of new Set(ids)) {
        const partition = space.location.get(id);
        if (partition) out.push(recordAt(partition, partition.slots.get(id)!));
      }
      return out;
    },

    async delete({ namespace, ids }) {
      checkNamespace(namespace);
      checkIds(ids);
      for (const id of ids) remove(namespace, id);
    },

    async list({ namespace, prefix = '', limit, cursor }): Promise<ListPage> {
      checkNamespace(namespace);
      if (!Number.isInteger(limit) || limit < 1 || limit > capabilities.maxIdsPerRequest) {
        throw new InvalidInputError(
          `limit must be an integer from 1 to ${capabilities.maxIdsPerRequest}, got ${limit}.`,
        );
      }
      const space = spaces.get(namespace);
      if (!space) return { ids: [] };
      const matching = [...space.location.keys()]
        .filter((id) => id.startsWith(prefix) && (cursor === undefined || id > cursor))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const ids = matching.slice(0, limit);
      return matching.length > limit ? { ids, cursor: ids[ids.length - 1]! } : { ids };
    },

    async listNamespaces({ prefix = '', limit, cursor }): Promise<NamespacePage> {
      if (!Number.isInteger(limit) || limit < 1 || limit > capabilities.maxIdsPerRequest) {
        throw new InvalidInputError(
          `limit must be an integer from 1 to ${capabilities.maxIdsPerRequest}, got ${limit}.`,
        );
      }
      const matching = [...spaces.keys()]
        .filter((name) => name.startsWith(prefix) && (cursor === undefined || name > cursor))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const namespaces = matching.slice(0, limit);
      return matching.length > limit
        ? { namespaces, cursor: namespaces[namespaces.length - 1]! }
        : { namespaces };
    },

    async deleteNamespace({ namespace }) {
      checkNamespace(namespace);
      const space = spaces.get(namespace);
      for (const partition of space?.partitions.values() ?? []) if (partition.kernel) kernels--;
      spaces.delete(namespace);
    },
  };
  return Object.freeze(store);
}
