// A local stand-in for a Pinecone serverless index: an HTTP server speaking the data-plane API
// (version 2026-04, what @pinecone-database/pinecone 8.2 calls) over core's memory store, with
// Pinecone's service limits and faults you can inject. Node-only (node:http), so it lives in its
// own entry, `@scoped-rag/testing/pinecone-server`, away from the package's main index.
//
// Wire format sources: pinecone-io/pinecone-api `2026-04/db_data_2026-04.oas.yaml` and the
// generated client in @pinecone-database/pinecone 8.2.0
// (`dist/pinecone-generated-ts-fetch/db_data/{apis,models}`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryVectorStore,
  type DistanceMetric,
  type FilterExpression,
  type Metadata,
  matchesFilter,
  parseFilter,
  parseMetadata,
  ScopedRagError,
  type VectorRecord,
  type VectorStore,
} from '@scoped-rag/core';

/** Pinecone's documented per-request limits, enforced by the server (each is overridable). */
export interface PineconeServiceLimits {
  /** Records in one upsert request. */
  readonly maxUpsertRecords: number;
  /** Bytes in one upsert request body. */
  readonly maxUpsertBytes: number;
  /** UTF-8 bytes of one record's metadata, serialized as JSON. */
  readonly maxMetadataBytes: number;
  /** Characters in a record id (ids are ASCII). */
  readonly maxIdLength: number;
  readonly maxTopK: number;
  /** Ids in one fetch or delete request. */
  readonly maxIdsPerRequest: number;
  /**
   * Largest `limit` for `GET /vectors/list` and `GET /namespaces`. Pinecone documents only the
   * default (100); the cap here is a conservative guess, not a documented limit.
   */
  readonly maxListLimit: number;
  /**
   * Bytes in the request target (path and query string). Fetch sends every id in the URL, so a
   * fetch can fail on length long before it reaches `maxIdsPerRequest`. Pinecone documents no
   * number; 16 KiB is what common load balancers allow for a request line. Answered with 414.
   */
  readonly maxUrlLength: number;
}

export const PINECONE_SERVICE_LIMITS: PineconeServiceLimits = Object.freeze({
  maxUpsertRecords: 1000,
  maxUpsertBytes: 2 * 1024 * 1024,
  maxMetadataBytes: 40 * 1024,
  maxIdLength: 512,
  maxTopK: 10_000,
  maxIdsPerRequest: 1000,
  maxListLimit: 100,
  maxUrlLength: 16 * 1024,
});

/** The name Pinecone gives the default namespace in responses (API versions 2025-04 and later). */
export const PINECONE_DEFAULT_NAMESPACE = '__default__';

/**
 * How a request fails: an HTTP status with Pinecone's error body (`429` carries `Retry-After`),
 * `'drop'` (the socket is destroyed with no response), or `'fail-after-write'` (the request takes
 * effect, then the answer is a 503: what a timeout after a successful write looks like).
 */
export type PineconeFaultKind = 429 | 500 | 503 | 'drop' | 'fail-after-write';

export type PineconeOperation =
  | 'upsert'
  | 'query'
  | 'fetch'
  | 'update'
  | 'delete'
  | 'list'
  | 'describeIndexStats'
  | 'listNamespaces'
  | 'describeNamespace'
  | 'deleteNamespace';

/** Faults applied to every request; change them at any time through `server.faults` or `setFaults`. */
export interface PineconeFaults {
  /** Delay before each request is handled, in milliseconds. */
  latencyMs: number;
  /** Probability (0 to 1) that a request fails, drawn from the server's seeded generator. */
  failureRate: number;
  /** Kinds a random failure picks from, uniformly. Default `[503]`. */
  failureKinds: readonly PineconeFaultKind[];
  /** The `Retry-After` header of a 429, in seconds. */
  retryAfterSeconds: number;
  /** Queries ignore their filter: a misbehaving backend that core's re-check must catch. */
  ignoreFilters: boolean;
}

export interface PineconeServerOptions {
  dimensions: number;
  /** Default `cosine`. */
  metric?: DistanceMetric;
  /** When set, requests must carry exactly this `Api-Key` (else 401). Any key is accepted otherwise. */
  apiKey?: string;
  /** Seed for random failures, so a failing run replays. Default 1. */
  seed?: number;
  faults?: Partial<PineconeFaults>;
  limits?: Partial<PineconeServiceLimits>;
}

/** One request as the server received it. */
export interface PineconeRequestRecord {
  readonly method: string;
  /** The path, still percent-encoded, without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** `api-key`, `x-pinecone-api-version`, `content-type` and `user-agent`, when present. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  readonly body: unknown;
  readonly bodyBytes: number;
  /** Undefined for routes the API does not have. */
  readonly operation: PineconeOperation | undefined;
  /** The status answered, `'dropped'` for a destroyed socket, undefined while in flight. */
  readonly status: number | 'dropped' | undefined;
  readonly fault: PineconeFaultKind | undefined;
}

export interface PineconeServer {
  /** `http://127.0.0.1:<port>`: pass as `host` to `pinecone.index({ host })`. */
  readonly host: string;
  readonly port: number;
  /** The store behind the server, to seed or inspect state without HTTP. */
  readonly store: VectorStore;
  readonly limits: PineconeServiceLimits;
  /** Live and mutable: a change applies to the next request. */
  readonly faults: PineconeFaults;
  /** Every request received, oldest first. */
  readonly requests: readonly PineconeRequestRecord[];
  setFaults(faults: Partial<PineconeFaults>): void;
  /** The next `count` requests (of `operation`, when given) fail with `kind`, before random faults. */
  failNext(
    count: number,
    kind: PineconeFaultKind,
    options?: { operation?: PineconeOperation },
  ): void;
  /** Restores the default faults and forgets pending `failNext` calls. */
  clearFaults(): void;
  clearRequests(): void;
  close(): Promise<void>;
}

// gRPC status codes, which Pinecone puts in the `code` field of its error bodies.
const GRPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A failure answered with Pinecone's error body. Internal to the server. */
class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

const badRequest = (message: string) => new ServiceError(400, GRPC.INVALID_ARGUMENT, message);

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function errorReply(status: number, grpcCode: number, message: string): Reply {
  return { status, body: { code: grpcCode, message, details: [] } };
}

const DEFAULT_FAULTS: PineconeFaults = Object.freeze({
  latencyMs: 0,
  failureRate: 0,
  failureKinds: Object.freeze([503]) as readonly PineconeFaultKind[],
  retryAfterSeconds: 1,
  ignoreFilters: false,
});

const FAULT_KINDS: ReadonlySet<unknown> = new Set([429, 500, 503, 'drop', 'fail-after-write']);

function checkFaults(faults: Partial<PineconeFaults>): void {
  const { latencyMs, failureRate, failureKinds, retryAfterSeconds } = faults;
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new RangeError(`latencyMs must be a finite number ≥ 0, got ${latencyMs}.`);
  }
  if (failureRate !== undefined && !(failureRate >= 0 && failureRate <= 1)) {
    throw new RangeError(`failureRate must be from 0 to 1, got ${failureRate}.`);
  }
  if (failureKinds !== undefined) {
    if (failureKinds.length === 0 || !failureKinds.every((kind) => FAULT_KINDS.has(kind))) {
      throw new RangeError(
        `failureKinds must be a non-empty list of 429, 500, 503, 'drop', 'fail-after-write'.`,
      );
    }
  }
  if (
    retryAfterSeconds !== undefined &&
    !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)
  ) {
    throw new RangeError(`retryAfterSeconds must be an integer ≥ 0, got ${retryAfterSeconds}.`);
  }
}

/** mulberry32: a tiny seeded generator, so random failures replay from the seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The shortest decimal that reads back as the same float32. Pinecone stores float32, so values and
 * scores come back at float32 precision; printing them short keeps `0.1` as `0.1` on the wire.
 */
function float32Json(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return single;
  // A float32 has 6 to 9 significant digits; a shorter decimal that reads back the same comes out
  // of toPrecision(6) padded with zeros, so the search can start there.
  for (let digits = 6; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

const float32ArrayJson = (values: Float32Array): number[] => Array.from(values, float32Json);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const displayNamespace = (namespace: string) =>
  namespace === '' ? PINECONE_DEFAULT_NAMESPACE : namespace;

/** Pinecone's opaque list cursor: base64 of `{"skip_past": <last name returned>}`. */
function encodeToken(lastReturned: string): string {
  return Buffer.from(JSON.stringify({ skip_past: lastReturned }), 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isPlainObject(parsed) && typeof parsed.skip_past === 'string') return parsed.skip_past;
  } catch {
    // Reported below: any undecodable token is the caller's error.
  }
  throw badRequest(`Invalid pagination token: ${token}`);
}

interface Route {
  readonly operation: PineconeOperation;
  /** For `/namespaces/{namespace}`: the decoded path parameter. */
  readonly pathNamespace?: string;
}

const ROUTES: Readonly<Record<string, Readonly<Record<string, PineconeOperation>>>> = {
  '/vectors/upsert': { POST: 'upsert' },
  '/query': { POST: 'query' },
  '/vectors/fetch': { GET: 'fetch' },
  '/vectors/update': { POST: 'update' },
  '/vectors/delete': { POST: 'delete' },
  '/vectors/list': { GET: 'list' },
  '/describe_index_stats': { POST: 'describeIndexStats' },
  '/namespaces': { GET: 'listNamespaces' },
};

function route(method: string, path: string): Route | ServiceError {
  const byMethod = ROUTES[path];
  if (byMethod) {
    const operation = byMethod[method];
    if (operation) return { operation };
    return new ServiceError(405, GRPC.UNIMPLEMENTED, `Method ${method} is not allowed on ${path}`);
  }
  const parameter = path.startsWith('/namespaces/') ? path.slice('/namespaces/'.length) : null;
  if (parameter !== null && parameter !== '' && !parameter.includes('/')) {
    let pathNamespace: string;
    try {
      pathNamespace = decodeURIComponent(parameter);
    } catch {
      return badRequest(`Invalid namespace in path: ${parameter}`);
    }
    if (method === 'GET') return { operation: 'describeNamespace', pathNamespace };
    if (method === 'DELETE') return { operation: 'deleteNamespace', pathNamespace };
    return new ServiceError(405, GRPC.UNIMPLEMENTED, `Method ${method} is not allowed on ${path}`);
  }
  return new ServiceError(404, GRPC.NOT_FOUND, `Not found: ${method} ${path}`);
}

const RECORDED_HEADERS = ['api-key', 'x-pinecone-api-version', 'content-type', 'user-agent'];

// Bodies beyond this are refused unread; well above every documented limit.
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Starts the server on 127.0.0.1 at a free port. */
export async function startPineconeServer(options: PineconeServerOptions): Promise<PineconeServer> {
  const metric = options.metric ?? 'cosine';
  const { dimensions } = options;
  const store = createMemoryVectorStore({ dimensions, metric });
  const limits: PineconeServiceLimits = Object.freeze({
    ...PINECONE_SERVICE_LIMITS,
    ...options.limits,
  });
  if (options.faults) checkFaults(options.faults);
  const faults: PineconeFaults = { ...DEFAULT_FAULTS, ...options.faults };
  const random = seededRandom(options.seed ?? 1);
  const requests: PineconeRequestRecord[] = [];
  let forced: { remaining: number; kind: PineconeFaultKind; operation?: PineconeOperation }[] = [];
  let closed = false;
  const sleepers = new Set<() => void>();
  // Handlers run one at a time (after their latency), so each request is atomic, as in Pinecone.
  let exclusive: Promise<unknown> = Promise.resolve();

  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = exclusive.then(task, task);
    exclusive = run.catch(() => undefined);
    return run;
  }

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function pickFault(operation: PineconeOperation): PineconeFaultKind | undefined {
    const entry = forced.find((f) => f.operation === undefined || f.operation === operation);
    if (entry) {
      entry.remaining -= 1;
      if (entry.remaining <= 0) forced = forced.filter((f) => f !== entry);
      return entry.kind;
    }
    if (faults.failureRate > 0 && random() < faults.failureRate) {
      const kinds = faults.failureKinds;
      return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))];
    }
    return undefined;
  }

  // ---- request parsing ----------------------------------------------------------------------

  /** `""`, `"__default__"` and a missing namespace all name the default namespace, stored as `""`. */
  function readNamespace(value: unknown, apiVersion: string): string {
    if (value === undefined || value === null || value === '') return '';
    if (typeof value !== 'string') throw badRequest('namespace must be a string');
    if (value === PINECONE_DEFAULT_NAMESPACE) {
      if (apiVersion < '2025-04') {
        throw badRequest(
          `Use of namespace='${PINECONE_DEFAULT_NAMESPACE}' is not allowed in API versions prior to 2025-04`,
        );
      }
      return '';
    }
    return value;
  }

  function readId(value: unknown, where: string): string {
    if (typeof value !== 'string' || value.length === 0) {
      throw badRequest(`${where}: id must be a non-empty string`);
    }
    if (value.length > limits.maxIdLength) {
      throw badRequest(
        `${where}: id length ${value.length} exceeds the maximum of ${limits.maxIdLength} characters`,
      );
    }
    if (!isAscii(value)) throw badRequest(`${where}: id must be ASCII, got '${value}'`);
    return value;
  }

  function readValues(value: unknown, where: string): Float32Array {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw badRequest(`${where}: values must be an array of finite numbers`);
    }
    if (value.length !== dimensions) {
      throw badRequest(
        `Vector dimension ${value.length} does not match the dimension of the index ${dimensions}`,
      );
    }
    return Float32Array.from(value as number[]);
  }

  function readFilter(value: unknown): FilterExpression | undefined {
    if (value === undefined || value === null) return undefined;
    return parseFilter(value);
  }

  function readIds(value: unknown, where: string): string[] {
    if (!Array.isArray(value) || value.length === 0) {
      throw badRequest(`${where}: ids must be a non-empty array of strings`);
    }
    if (value.length > limits.maxIdsPerRequest) {
      throw badRequest(
        `${where}: ${value.length} ids exceed the maximum of ${limits.maxIdsPerRequest} per request`,
      );
    }
    return value.map((id, i) => readId(id, `${where}[${i}]`));
  }

  function readLimit(value: string | null, where: string): number {
    if (value === null) return 100;
    const limit = Number(value);
    if (!/^\d+$/.test(value) || limit < 1 || limit > limits.maxListLimit) {
      throw badRequest(`${where}: limit must be an integer from 1 to ${limits.maxListLimit}`);
    }
    return limit;
  }

  function requireBody(body: unknown): Record<string, unknown> {
    if (!isPlainObject(body)) throw badRequest('The request body must be a JSON object');
    return body;
  }

  function metadataJson(metadata: Metadata): { metadata?: Metadata } {
    return Object.keys(metadata).length === 0 ? {} : { metadata };
  }

  // ---- store helpers ------------------------------------------------------------------------

  const pageSize = store.capabilities.maxIdsPerRequest;

  async function allIds(namespace: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({
        namespace,
        limit: pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      ids.push(...page.ids);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return ids;
  }

  async function allNamespaces(): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listNamespaces({
        limit: pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      names.push(...page.namespaces);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return names;
  }

  async function recordsMatching(
    namespace: string,
    filter: FilterExpression,
  ): Promise<VectorRecord[]> {
    const ids = await allIds(namespace);
    const matching: VectorRecord[] = [];
    for (let i = 0; i < ids.length; i += pageSize) {
      const records = await store.fetch({ namespace, ids: ids.slice(i, i + pageSize) });
      for (const record of records)
        if (matchesFilter(filter, record.metadata)) matching.push(record);
    }
    return matching;
  }

  async function namespaceExists(namespace: string): Promise<boolean> {
    return (await store.list({ namespace, limit: 1 })).ids.length > 0;
  }

  const namespaceNotFound = (namespace: string) =>
    new ServiceError(404, GRPC.NOT_FOUND, `Namespace not found: ${displayNamespace(namespace)}`);

  // ---- operations ---------------------------------------------------------------------------

  interface Incoming {
    readonly body: unknown;
    readonly bodyBytes: number;
    readonly params: URLSearchParams;
    readonly apiVersion: string;
    readonly pathNamespace: string | undefined;
  }

  // `usage.readUnits` is nominal: present where Pinecone reports it, not Pinecone's cost model.
  const operations: Record<PineconeOperation, (request: Incoming) => Promise<Reply>> = {
    async upsert({ body, bodyBytes, apiVersion }) {
      if (bodyBytes > limits.maxUpsertBytes) {
        throw badRequest(
          `Request size ${(bodyBytes / 1024 / 1024).toFixed(1)}MB exceeds the maximum supported size of ${limits.maxUpsertBytes / 1024 / 1024}MB`,
        );
      }
      const request = requireBody(body);
      const namespace = readNamespace(request.namespace, apiVersion);
      const vectors = request.vectors;
      if (!Array.isArray(vectors) || vectors.length === 0) {
        throw badRequest('vectors must be a non-empty array');
      }
      if (vectors.length > limits.maxUpsertRecords) {
        throw badRequest(
          `${vectors.length} vectors exceed the maximum of ${limits.maxUpsertRecords} per upsert request`,
        );
      }
      const records = vectors.map((vector: unknown, i): VectorRecord => {
        const where = `vectors[${i}]`;
        if (!isPlainObject(vector)) throw badRequest(`${where} must be an object`);
        if (vector.sparseValues !== undefined && vector.sparseValues !== null) {
          throw badRequest(`${where}: sparse values are not supported by this dense index`);
        }
        const id = readId(vector.id, where);
        return {
          id,
          values: readValues(vector.values, `${where} (id '${id}')`),
          metadata: parseMetadata(
            vector.metadata,
            `${where} (id '${id}')`,
            limits.maxMetadataBytes,
          ),
        };
      });
      await store.upsert({ namespace, records });
      return ok({ upsertedCount: records.length });
    },

    async query({ body, apiVersion }) {
      const request = requireBody(body);
      const namespace = readNamespace(request.namespace, apiVersion);
      const { topK } = request;
      if (
        typeof topK !== 'number' ||
        !Number.isInteger(topK) ||
        topK < 1 ||
        topK > limits.maxTopK
      ) {
        throw badRequest(
          `topK must be an integer from 1 to ${limits.maxTopK}, got ${String(topK)}`,
        );
      }
      if (request.queries !== undefined) {
        throw badRequest('queries is deprecated and not supported: send vector or id');
      }
      if (request.sparseVector !== undefined && request.sparseVector !== null) {
        throw badRequest('sparse vectors are not supported by this dense index');
      }
      const hasVector = request.vector !== undefined && request.vector !== null;
      const hasId = request.id !== undefined && request.id !== null;
      if (hasVector === hasId) throw badRequest('Exactly one of vector or id must be provided');
      const filter = readFilter(request.filter);
      let vector: Float32Array;
      if (hasVector) {
        vector = readValues(request.vector, 'vector');
      } else {
        const id = readId(request.id, 'id');
        const [record] = await store.fetch({ namespace, ids: [id] });
        if (!record)
          return ok({
            matches: [],
            namespace: displayNamespace(namespace),
            usage: { readUnits: 1 },
          });
        vector = record.values;
      }
      const includeValues = request.includeValues === true;
      const includeMetadata = request.includeMetadata === true;
      const matches = await store.query({
        namespace,
        vector,
        topK,
        includeValues,
        ...(filter === undefined || faults.ignoreFilters ? {} : { filter }),
      });
      return ok({
        matches: matches.map((match) => ({
          id: match.id,
          score: float32Json(match.score),
          // Pinecone sends an empty list when values were not asked for.
          values: includeValues && match.values ? float32ArrayJson(match.values) : [],
          ...(includeMetadata ? metadataJson(match.metadata) : {}),
        })),
        namespace: displayNamespace(namespace),
        usage: { readUnits: Math.max(1, Math.ceil(topK / 100)) },
      });
    },

    async fetch({ params, apiVersion }) {
      const namespace = readNamespace(params.get('namespace'), apiVersion);
      const ids = readIds(params.getAll('ids'), 'ids');
      const records = await store.fetch({ namespace, ids });
      // fromEntries defines own properties: an id such as "__proto__" stays a key, where an
      // assignment would set the prototype and drop the record from the JSON.
      const vectors = Object.fromEntries(
        records.map((record) => [
          record.id,
          {
            id: record.id,
            values: float32ArrayJson(record.values),
            ...metadataJson(record.metadata),
          },
        ]),
      );
      return ok({
        vectors,
        namespace: displayNamespace(namespace),
        usage: { readUnits: Math.max(1, Math.ceil(records.length / 10)) },
      });
    },

    async update({ body, apiVersion }) {
      const request = requireBody(body);
      const namespace = readNamespace(request.namespace, apiVersion);
      const hasId = request.id !== undefined && request.id !== null;
      const hasFilter = request.filter !== undefined && request.filter !== null;
      if (hasId === hasFilter) throw badRequest('Exactly one of id or filter must be provided');
      if (request.sparseValues !== undefined && request.sparseValues !== null) {
        throw badRequest('sparse values are not supported by this dense index');
      }
      const setMetadata = request.setMetadata ?? undefined;
      if (setMetadata !== undefined && !isPlainObject(setMetadata)) {
        throw badRequest('setMetadata must be an object');
      }
      const merge = (record: VectorRecord, values: Float32Array | undefined): VectorRecord => ({
        id: record.id,
        values: values ?? record.values,
        metadata:
          setMetadata === undefined
            ? record.metadata
            : parseMetadata(
                { ...record.metadata, ...setMetadata },
                `the record '${record.id}'`,
                limits.maxMetadataBytes,
              ),
      });
      if (hasId) {
        const id = readId(request.id, 'id');
        const values =
          request.values === undefined || request.values === null
            ? undefined
            : readValues(request.values, 'values');
        const [record] = await store.fetch({ namespace, ids: [id] });
        // Updating an id that does not exist changes nothing and is not an error.
        if (record) await store.upsert({ namespace, records: [merge(record, values)] });
        return ok({});
      }
      if (request.values !== undefined && request.values !== null) {
        throw badRequest('values can only be updated by id, not by filter');
      }
      const matching = await recordsMatching(namespace, parseFilter(request.filter));
      if (request.dryRun !== true && setMetadata !== undefined) {
        const updated = matching.map((record) => merge(record, undefined));
        for (let i = 0; i < updated.length; i += pageSize) {
          await store.upsert({ namespace, records: updated.slice(i, i + pageSize) });
        }
      }
      return ok({ matchedRecords: matching.length });
    },

    async delete({ body, apiVersion }) {
      const request = requireBody(body);
      const namespace = readNamespace(request.namespace, apiVersion);
      const hasIds = request.ids !== undefined && request.ids !== null;
      const hasFilter = request.filter !== undefined && request.filter !== null;
      const deleteAll = request.deleteAll === true;
      if (Number(hasIds) + Number(hasFilter) + Number(deleteAll) !== 1) {
        throw badRequest('Exactly one of ids, filter or deleteAll must be provided');
      }
      const ids = hasIds ? readIds(request.ids, 'ids') : [];
      const filter = hasFilter ? parseFilter(request.filter) : undefined;
      // Pinecone answers 404 for a delete in a namespace that holds nothing.
      if (!(await namespaceExists(namespace))) throw namespaceNotFound(namespace);
      if (deleteAll) {
        await store.deleteNamespace({ namespace });
      } else if (filter) {
        const doomed = (await recordsMatching(namespace, filter)).map((record) => record.id);
        for (let i = 0; i < doomed.length; i += pageSize) {
          await store.delete({ namespace, ids: doomed.slice(i, i + pageSize) });
        }
      } else {
        await store.delete({ namespace, ids });
      }
      return ok({});
    },

    async list({ params, apiVersion }) {
      const namespace = readNamespace(params.get('namespace'), apiVersion);
      const limit = readLimit(params.get('limit'), 'list');
      const prefix = params.get('prefix') ?? '';
      const token = params.get('paginationToken');
      const page = await store.list({
        namespace,
        limit,
        ...(prefix === '' ? {} : { prefix }),
        ...(token === null || token === '' ? {} : { cursor: decodeToken(token) }),
      });
      return ok({
        vectors: page.ids.map((id) => ({ id })),
        ...(page.cursor === undefined ? {} : { pagination: { next: encodeToken(page.cursor) } }),
        namespace: displayNamespace(namespace),
        usage: { readUnits: 1 },
      });
    },

    async describeIndexStats({ body }) {
      const request = body === undefined ? {} : requireBody(body);
      if (request.filter !== undefined && request.filter !== null) {
        throw badRequest(
          'Serverless and starter indexes do not support describing index stats with metadata filtering.',
        );
      }
      const namespaces: Record<string, { vectorCount: number }> = {};
      let totalVectorCount = 0;
      for (const namespace of await allNamespaces()) {
        const vectorCount = (await allIds(namespace)).length;
        Object.defineProperty(namespaces, displayNamespace(namespace), {
          value: { vectorCount },
          enumerable: true,
          writable: true,
          configurable: true,
        });
        totalVectorCount += vectorCount;
      }
      return ok({
        namespaces,
        dimension: dimensions,
        indexFullness: 0,
        totalVectorCount,
        metric,
        vectorType: 'dense',
      });
    },

    async listNamespaces({ params }) {
      const limit = readLimit(params.get('limit'), 'listNamespaces');
      const prefix = params.get('prefix') ?? '';
      const token = params.get('paginationToken');
      const after = token === null || token === '' ? undefined : decodeToken(token);
      // Ordered and paged by the names Pinecone shows, so `__default__` sorts where it reads.
      const names = (await allNamespaces())
        .map((namespace) => ({ namespace, name: displayNamespace(namespace) }))
        .filter(({ name }) => name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const remaining = after === undefined ? names : names.filter(({ name }) => name > after);
      const page = remaining.slice(0, limit);
      const described = [];
      for (const { namespace, name } of page) {
        described.push({ name, record_count: (await allIds(namespace)).length });
      }
      const last = page[page.length - 1];
      return ok({
        namespaces: described,
        ...(remaining.length > limit && last
          ? { pagination: { next: encodeToken(last.name) } }
          : {}),
        total_count: names.length,
      });
    },

    async describeNamespace({ pathNamespace, apiVersion }) {
      const namespace = readNamespace(pathNamespace, apiVersion);
      const recordCount = (await allIds(namespace)).length;
      if (recordCount === 0) throw namespaceNotFound(namespace);
      return ok({ name: displayNamespace(namespace), record_count: recordCount });
    },

    async deleteNamespace({ pathNamespace, apiVersion }) {
      const namespace = readNamespace(pathNamespace, apiVersion);
      if (!(await namespaceExists(namespace))) throw namespaceNotFound(namespace);
      await store.deleteNamespace({ namespace });
      return ok({});
    },
  };

  async function perform(operation: PineconeOperation, request: Incoming): Promise<Reply> {
    try {
      return await serially(() => operations[operation](request));
    } catch (error) {
      if (error instanceof ServiceError)
        return errorReply(error.status, error.grpcCode, error.message);
      // Core refuses bad input (dimensions, metadata, filters, namespaces) with typed errors.
      if (
        ScopedRagError.hasCode(error, 'INVALID_INPUT') ||
        ScopedRagError.hasCode(error, 'INVALID_FILTER')
      ) {
        return errorReply(400, GRPC.INVALID_ARGUMENT, error.message);
      }
      const message = error instanceof Error ? error.message : String(error);
      return errorReply(
        500,
        GRPC.INTERNAL,
        `Internal error in the local Pinecone server: ${message}`,
      );
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  function send(response: ServerResponse, reply: Reply): void {
    if (response.destroyed) return;
    const text = JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...reply.headers,
    });
    response.end(text);
  }

  function faultReply(kind: 429 | 500 | 503): Reply {
    if (kind === 429) {
      return {
        ...errorReply(429, GRPC.RESOURCE_EXHAUSTED, 'Too many requests. Please retry shortly.'),
        headers: { 'retry-after': String(faults.retryAfterSeconds) },
      };
    }
    if (kind === 500) return errorReply(500, GRPC.INTERNAL, 'Internal server error (injected).');
    return errorReply(503, GRPC.UNAVAILABLE, 'Service unavailable (injected).');
  }

  async function readBody(request: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return null;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = request.url ?? '/';
    const url = new URL(target, 'http://localhost');
    const method = request.method ?? 'GET';
    const raw = await readBody(request);
    const text = raw === null ? '' : raw.toString('utf8');
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const headers: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string' && value !== '') headers[name] = value;
    }
    const query: Record<string, string[]> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
    const found = route(method, url.pathname);
    const record: {
      -readonly [K in keyof PineconeRequestRecord]: PineconeRequestRecord[K];
    } = {
      method,
      path: url.pathname,
      query,
      headers,
      body,
      bodyBytes: raw?.length ?? 0,
      operation: found instanceof ServiceError ? undefined : found.operation,
      status: undefined,
      fault: undefined,
    };
    requests.push(record);
    const answer = (reply: Reply) => {
      record.status = reply.status;
      send(response, reply);
    };

    await sleep(faults.latencyMs);
    if (closed) {
      record.status = 'dropped';
      request.socket.destroy();
      return;
    }
    if (found instanceof ServiceError) {
      return answer(errorReply(found.status, found.grpcCode, found.message));
    }
    if (Buffer.byteLength(target) > limits.maxUrlLength) {
      return answer(
        errorReply(
          414,
          GRPC.INVALID_ARGUMENT,
          `The request URL is ${Buffer.byteLength(target)} bytes; the limit is ${limits.maxUrlLength}`,
        ),
      );
    }
    if (raw === null) {
      return answer(errorReply(413, GRPC.INVALID_ARGUMENT, 'The request body is too large'));
    }

    const fault = pickFault(found.operation);
    record.fault = fault;
    if (fault === 'drop') {
      record.status = 'dropped';
      request.socket.destroy();
      return;
    }
    if (fault === 429 || fault === 500 || fault === 503) return answer(faultReply(fault));

    const apiKey = headers['api-key'];
    if (apiKey === undefined || (options.apiKey !== undefined && apiKey !== options.apiKey)) {
      return answer(errorReply(401, GRPC.UNAUTHENTICATED, 'Invalid API Key'));
    }
    const apiVersion = headers['x-pinecone-api-version'];
    if (apiVersion === undefined) {
      return answer(
        errorReply(400, GRPC.INVALID_ARGUMENT, 'Missing required header: X-Pinecone-Api-Version'),
      );
    }
    if (text !== '' && typeof body === 'string') {
      return answer(errorReply(400, GRPC.INVALID_ARGUMENT, 'The request body is not valid JSON'));
    }

    const reply = await perform(found.operation, {
      body,
      bodyBytes: record.bodyBytes,
      params: url.searchParams,
      apiVersion,
      pathNamespace: found.pathNamespace,
    });
    // The write (if any) has happened; the caller is told it failed.
    if (fault === 'fail-after-write' && reply.status < 300) return answer(faultReply(503));
    answer(reply);
  }

  // Fetch puts every id in the URL: let long request lines through to our own 414.
  const server = createServer({ maxHeaderSize: 1024 * 1024 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send(response, errorReply(500, GRPC.INTERNAL, message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: `http://127.0.0.1:${port}`,
    port,
    store,
    limits,
    get faults() {
      return faults;
    },
    get requests() {
      return requests;
    },
    setFaults(next) {
      checkFaults(next);
      Object.assign(faults, next);
    },
    failNext(count, kind, failOptions = {}) {
      if (!Number.isInteger(count) || count < 1) {
        throw new RangeError(`count must be a positive integer, got ${count}.`);
      }
      if (!FAULT_KINDS.has(kind)) throw new RangeError(`Unknown fault kind ${String(kind)}.`);
      forced.push({
        remaining: count,
        kind,
        ...(failOptions.operation === undefined ? {} : { operation: failOptions.operation }),
      });
    },
    clearFaults() {
      Object.assign(faults, DEFAULT_FAULTS);
      forced = [];
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
