// The wire contract between the real SDK and the local server, checked against Pinecone's published
// API instead of against the server's own code, so the fake cannot drift into agreeing with our
// bugs. Every schema below is written from pinecone-io/pinecone-api
// `2026-04/db_data_2026-04.oas.yaml` (components.schemas and the paths' parameters); objects are
// strict, so a field the spec does not name (or names differently, like `recordCount` for
// `record_count`) fails. Where the spec puts minLength/maxLength on an array it means item counts.
import { Errors, Pinecone } from '@pinecone-database/pinecone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type PineconeServer, startPineconeServer } from '../src/pinecone-server.js';

// ---- schemas from db_data_2026-04.oas.yaml ---------------------------------------------------

const rpcStatus = z.strictObject({
  code: z.int(),
  message: z.string(),
  details: z.array(
    z.strictObject({ typeUrl: z.string().optional(), value: z.string().optional() }),
  ),
});
const usage = z.strictObject({ readUnits: z.int().nonnegative().optional() });
const pagination = z.strictObject({ next: z.string().optional() });
// Pinecone metadata: strings, numbers, booleans and lists of strings.
const metadata = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
);
const filter = z.record(z.string(), z.unknown());
const denseValues = z.array(z.number()).min(1).max(20_000);
const sparseValues = z.strictObject({
  indices: z.array(z.int()).min(1).max(1000),
  values: z.array(z.number()).min(1).max(1000),
});
const vector = z.strictObject({
  id: z.string().min(1).max(512),
  values: denseValues.optional(),
  sparseValues: sparseValues.optional(),
  metadata: metadata.optional(),
});
const scoredVector = z.strictObject({
  id: z.string().min(1).max(512),
  score: z.number().optional(),
  values: z.array(z.number()).optional(),
  sparseValues: sparseValues.optional(),
  metadata: metadata.optional(),
});
const namespaceDescription = z.strictObject({
  name: z.string().optional(),
  record_count: z.int().nonnegative().optional(),
  schema: z.strictObject({ fields: z.record(z.string(), z.unknown()) }).optional(),
  indexed_fields: z.strictObject({ fields: z.array(z.string()).optional() }).optional(),
});

/** Request bodies (POST) or query parameters (GET), and the 200 response, per operation. */
const CONTRACT = {
  upsert: {
    request: z.strictObject({
      vectors: z.array(vector).min(1).max(1000),
      namespace: z.string().optional(),
    }),
    response: z.strictObject({ upsertedCount: z.int().nonnegative().optional() }),
  },
  query: {
    request: z.strictObject({
      namespace: z.string().optional(),
      topK: z.int().min(1).max(10_000),
      filter: filter.optional(),
      includeValues: z.boolean().optional(),
      includeMetadata: z.boolean().optional(),
      queries: z.array(z.unknown()).min(1).max(10).optional(),
      vector: denseValues.optional(),
      sparseVector: sparseValues.optional(),
      id: z.string().max(512).optional(),
      scanFactor: z.number().min(0.5).max(4).optional(),
      maxCandidates: z.int().min(1).max(100_000).optional(),
    }),
    response: z.strictObject({
      results: z.array(z.unknown()).optional(),
      matches: z.array(scoredVector).optional(),
      namespace: z.string().optional(),
      usage: usage.optional(),
    }),
  },
  fetch: {
    request: z.strictObject({ ids: z.array(z.string()).min(1), namespace: z.string().optional() }),
    response: z.strictObject({
      vectors: z.record(z.string(), vector).optional(),
      namespace: z.string().optional(),
      usage: usage.optional(),
    }),
  },
  update: {
    request: z.strictObject({
      id: z.string().min(1).max(512).optional(),
      values: denseValues.optional(),
      sparseValues: sparseValues.optional(),
      setMetadata: z.record(z.string(), z.unknown()).optional(),
      namespace: z.string().optional(),
      filter: filter.optional(),
      dryRun: z.boolean().optional(),
    }),
    response: z.strictObject({ matchedRecords: z.int().nonnegative().optional() }),
  },
  delete: {
    request: z.strictObject({
      ids: z.array(z.string()).min(1).max(1000).optional(),
      deleteAll: z.boolean().optional(),
      namespace: z.string().optional(),
      filter: filter.optional(),
    }),
    response: z.strictObject({}),
  },
  list: {
    request: z.strictObject({
      prefix: z.string().optional(),
      limit: z.string().regex(/^\d+$/).optional(),
      paginationToken: z.string().optional(),
      namespace: z.string().optional(),
    }),
    response: z.strictObject({
      vectors: z.array(z.strictObject({ id: z.string().optional() })).optional(),
      pagination: pagination.optional(),
      namespace: z.string().optional(),
      usage: usage.optional(),
    }),
  },
  describeIndexStats: {
    request: z.strictObject({ filter: filter.optional() }),
    response: z.strictObject({
      namespaces: z
        .record(z.string(), z.strictObject({ vectorCount: z.int().nonnegative().optional() }))
        .optional(),
      dimension: z.int().optional(),
      indexFullness: z.number().optional(),
      totalVectorCount: z.int().optional(),
      metric: z.string().optional(),
      vectorType: z.string().optional(),
      memory_fullness: z.number().optional(),
      storage_fullness: z.number().optional(),
    }),
  },
  listNamespaces: {
    request: z.strictObject({
      limit: z.string().regex(/^\d+$/).optional(),
      paginationToken: z.string().optional(),
      prefix: z.string().optional(),
    }),
    response: z.strictObject({
      namespaces: z.array(namespaceDescription).optional(),
      pagination: pagination.optional(),
      total_count: z.int().optional(),
    }),
  },
  describeNamespace: { request: z.strictObject({}), response: namespaceDescription },
  deleteNamespace: { request: z.strictObject({}), response: z.strictObject({}) },
} as const;

type Operation = keyof typeof CONTRACT;

/** The spec's paths, independently of the server's router. */
function operationOf(method: string, path: string): Operation {
  const fixed: Record<string, Operation> = {
    'POST /vectors/upsert': 'upsert',
    'POST /query': 'query',
    'GET /vectors/fetch': 'fetch',
    'POST /vectors/update': 'update',
    'POST /vectors/delete': 'delete',
    'GET /vectors/list': 'list',
    'POST /describe_index_stats': 'describeIndexStats',
    'GET /namespaces': 'listNamespaces',
  };
  const known = fixed[`${method} ${path}`];
  if (known) return known;
  if (/^\/namespaces\/[^/]+$/.test(path)) {
    if (method === 'GET') return 'describeNamespace';
    if (method === 'DELETE') return 'deleteNamespace';
  }
  throw new Error(`The SDK called ${method} ${path}, which is not in the 2026-04 data-plane spec.`);
}

// ---- capture what crosses the wire -------------------------------------------------------------

interface Exchange {
  readonly operation: Operation;
  readonly method: string;
  readonly url: URL;
  readonly requestHeaders: Headers;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseHeaders: Headers;
  readonly responseBody: unknown;
}

function capturingClient(server: PineconeServer, exchanges: Exchange[]) {
  const pinecone = new Pinecone({
    apiKey: 'local',
    maxRetries: 0,
    fetchApi: async (input, init) => {
      const response = await fetch(input, init);
      const url = new URL(String(input instanceof Request ? input.url : input));
      const method = init?.method ?? 'GET';
      const text = await response.clone().text();
      exchanges.push({
        operation: operationOf(method, url.pathname),
        method,
        url,
        requestHeaders: new Headers(init?.headers),
        requestBody: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
        status: response.status,
        responseHeaders: response.headers,
        responseBody: text === '' ? undefined : JSON.parse(text),
      });
      return response;
    },
  });
  return pinecone.index({ host: server.host });
}

function requestOf(exchange: Exchange): unknown {
  if (exchange.method === 'POST') return exchange.requestBody;
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(exchange.url.searchParams.keys())) {
    const values = exchange.url.searchParams.getAll(key);
    query[key] = key === 'ids' ? values : (values[0] ?? '');
  }
  return query;
}

describe('wire contract: the SDK against the local server, checked with the published spec', () => {
  let server: PineconeServer;
  const exchanges: Exchange[] = [];
  beforeAll(async () => {
    server = await startPineconeServer({ dimensions: 3, metric: 'cosine' });
    const index = capturingClient(server, exchanges);
    const tenant = index.namespace('tenant/a b');

    // Every data-plane operation the adapter may use, successes and failures alike.
    await index.upsert({ records: [{ id: 'd1', values: [1, 0, 0] }] });
    await tenant.upsert({
      records: [
        { id: 'doc1#1', values: [0.1, 0.2, 0.3], metadata: { owner: 'u1', tags: ['a', 'b'] } },
        { id: 'doc1#2', values: [0.3, 0.2, 0.1], metadata: { owner: 'u2', score: 0.5 } },
        { id: 'doc2#1', values: [0.2, 0.2, 0.2], metadata: { draft: true } },
      ],
    });
    await tenant.query({
      vector: [0.1, 0.2, 0.3],
      topK: 2,
      filter: { owner: { $in: ['u1', 'u2'] } },
      includeMetadata: true,
      includeValues: true,
    });
    await tenant.query({ id: 'doc1#1', topK: 1 });
    await tenant.fetch({ ids: ['doc1#1', 'doc2#1', 'missing'] });
    await tenant.update({ id: 'doc1#1', metadata: { reviewed: true }, values: [0.1, 0.1, 0.1] });
    await tenant.update({ filter: { owner: { $eq: 'u2' } }, metadata: { flagged: true } });
    await tenant.listPaginated({ prefix: 'doc1#', limit: 1 });
    await index.describeIndexStats();
    await index.listNamespaces({ limit: 1 });
    await index.describeNamespace('tenant/a b');
    await tenant.deleteOne({ id: 'doc2#1' });
    await tenant.deleteMany({ ids: ['doc1#1'] });
    await tenant.deleteMany({ filter: { owner: { $eq: 'u2' } } });
    await index.deleteAll();
    await index.upsert({ records: [{ id: 'd2', values: [0, 1, 0] }] });
    await index.deleteNamespace('__default__');
    // Failures: a 400, a 404 and a 429.
    await expect(index.upsert({ records: [{ id: 'x', values: [1, 0] }] })).rejects.toBeInstanceOf(
      Errors.PineconeBadRequestError,
    );
    await expect(tenant.deleteAll()).rejects.toBeInstanceOf(Errors.PineconeNotFoundError);
    server.failNext(1, 429);
    await expect(index.describeIndexStats()).rejects.toBeInstanceOf(
      Errors.PineconeUnmappedHttpError,
    );
  });
  afterAll(() => server.close());

  /** The first exchange of `operation` (that also satisfies `where`). */
  function exchangeOf(operation: Operation, where: (e: Exchange) => boolean = () => true) {
    const found = exchanges.find((e) => e.operation === operation && where(e));
    if (!found) throw new Error(`No ${operation} exchange was captured.`);
    return found;
  }

  it('exercised every operation of the contract', () => {
    expect(new Set(exchanges.map((e) => e.operation))).toEqual(new Set(Object.keys(CONTRACT)));
    expect(server.requests).toHaveLength(exchanges.length);
  });

  it('every request the SDK sent matches the spec', () => {
    for (const exchange of exchanges) {
      const parsed = CONTRACT[exchange.operation].request.safeParse(requestOf(exchange));
      expect(parsed.error, `${exchange.method} ${exchange.url}`).toBeUndefined();
    }
  });

  it('every response the server gave matches the spec: the 200 shape or rpcStatus', () => {
    for (const exchange of exchanges) {
      const schema = exchange.status === 200 ? CONTRACT[exchange.operation].response : rpcStatus;
      const parsed = schema.safeParse(exchange.responseBody);
      expect(
        parsed.error,
        `${exchange.method} ${exchange.url} → ${exchange.status}`,
      ).toBeUndefined();
      expect(exchange.responseHeaders.get('content-type')).toBe('application/json');
    }
    expect(exchanges.map((e) => e.status).filter((status) => status !== 200)).toEqual([
      400, 404, 429,
    ]);
  });

  it('every request carries Api-Key and X-Pinecone-Api-Version 2026-04, and the server logged them', () => {
    for (const exchange of exchanges) {
      expect(exchange.requestHeaders.get('Api-Key')).toBe('local');
      expect(exchange.requestHeaders.get('X-Pinecone-Api-Version')).toBe('2026-04');
    }
    for (const request of server.requests) {
      expect(request.headers['x-pinecone-api-version']).toBe('2026-04');
      expect(request.headers['api-key']).toBe('local');
    }
  });

  it('the SDK names the default namespace "__default__" in bodies and query strings', () => {
    const upsert = exchangeOf('upsert');
    expect(upsert.requestBody).toEqual({
      vectors: [{ id: 'd1', values: [1, 0, 0] }],
      namespace: '__default__',
    });
    const deleteAll = exchangeOf(
      'delete',
      (e) => (e.requestBody as { deleteAll?: boolean }).deleteAll === true,
    );
    expect(deleteAll.requestBody).toEqual({ deleteAll: true, namespace: '__default__' });
    const stats = exchangeOf('describeIndexStats', (e) => e.status === 200);
    expect(stats.requestBody).toEqual({});
  });

  it('fetch repeats ids= in the query string; list and namespaces use the spec parameter names', () => {
    const fetchCall = exchangeOf('fetch');
    expect(fetchCall.url.search).toBe(
      '?ids=doc1%231&ids=doc2%231&ids=missing&namespace=tenant%2Fa%20b',
    );
    const list = exchangeOf('list');
    expect(Object.fromEntries(list.url.searchParams)).toEqual({
      prefix: 'doc1#',
      limit: '1',
      namespace: 'tenant/a b',
    });
    const namespaces = exchangeOf('listNamespaces');
    expect(namespaces.url.search).toBe('?limit=1');
  });

  it('update sends metadata as setMetadata; namespace paths are percent-encoded', () => {
    const update = exchangeOf('update');
    expect(update.requestBody).toEqual({
      id: 'doc1#1',
      values: [0.1, 0.1, 0.1],
      setMetadata: { reviewed: true },
      namespace: 'tenant/a b',
    });
    const describe = exchangeOf('describeNamespace');
    expect(describe.url.pathname).toBe('/namespaces/tenant%2Fa%20b');
    expect(describe.responseBody).toEqual({ name: 'tenant/a b', record_count: 3 });
  });

  it('responses carry what the spec promises beyond shape', () => {
    const query = exchangeOf('query');
    const matches = (query.responseBody as { matches: { id: string; score: number }[] }).matches;
    expect(matches.map((m) => m.id)).toEqual(['doc1#1', 'doc1#2']);
    // "The matches are ordered from most similar to least similar."
    expect(matches[0]!.score).toBeGreaterThanOrEqual(matches[1]!.score);
    const fetched = exchangeOf('fetch').responseBody as {
      vectors: Record<string, { id: string }>;
    };
    // "a map between the fetched ids and the fetched vectors"
    for (const [key, value] of Object.entries(fetched.vectors)) expect(value.id).toBe(key);
    const list = exchangeOf('list').responseBody as {
      pagination?: { next?: string };
    };
    expect(list.pagination?.next).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const limited = exchangeOf('describeIndexStats', (e) => e.status === 429);
    expect(limited.responseHeaders.get('retry-after')).toBe('1');
  });
});
