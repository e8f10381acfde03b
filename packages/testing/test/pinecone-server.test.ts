// The local Pinecone server driven by the real @pinecone-database/pinecone 8.2 SDK: every data-plane
// operation, the service limits as the SDK's typed errors, and each injectable fault as the SDK
// surfaces it.
//
// What the SDK does with failures (read from its dist/utils/fetch.js and dist/utils/middleware.js,
// and checked below):
// - 5xx: retried by the SDK's own fetch wrapper, `maxRetries` times (default 3, so 4 attempts) with
//   exponential backoff of 200, 400, 800 ms (±12.5% jitter, capped at 20 s). When every attempt
//   fails it throws PineconeMaxRetriesExceededError, never PineconeInternalServerError or
//   PineconeUnavailableError, even with `maxRetries: 0`: the status is lost.
// - 429: not retried. mapHttpStatusError has no case for it, so it throws PineconeUnmappedHttpError
//   whose message carries the body's `message` and "Status: 429". Retry-After is not read; a
//   caller who wants it must pass its own `fetchApi` and look at the raw response.
// - 400 and 403: PineconeBadRequestError with the body's `message`. 401: PineconeAuthorizationError.
//   404: PineconeNotFoundError, whose message is only the URL (the body is dropped).
// - A connection that dies (or is refused): PineconeConnectionError with `cause` the fetch
//   TypeError. Not retried.
// - No error carries the HTTP status as a property.
import { Errors, Pinecone } from '@pinecone-database/pinecone';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PINECONE_SERVICE_LIMITS,
  type PineconeServer,
  startPineconeServer,
} from '../src/pinecone-server.js';

const DIMENSIONS = 3;

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

function client(server: PineconeServer, options: { maxRetries?: number; namespace?: string } = {}) {
  const pinecone = new Pinecone({
    apiKey: 'local',
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  return pinecone.index({
    host: server.host,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
}

/** A raw call, for what the SDK never sends (missing headers, unknown routes). */
async function raw(
  server: PineconeServer,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string | null> } = {},
) {
  const headers = new Headers({
    'content-type': 'application/json',
    'api-key': 'local',
    'x-pinecone-api-version': '2026-04',
  });
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  const response = await fetch(`${server.host}${path}`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function storedIds(server: PineconeServer, namespace: string): Promise<string[]> {
  return [...(await server.store.list({ namespace, limit: 10_000 })).ids];
}

describe('the local Pinecone server with the real SDK', () => {
  let server: PineconeServer;
  beforeAll(async () => {
    server = await startPineconeServer({ dimensions: DIMENSIONS, metric: 'cosine' });
  });
  afterAll(() => server.close());

  it('returns records exactly as written and queries with a metadata filter', async () => {
    const index = client(server).namespace('tenant-a');
    await index.upsert({
      records: [
        { id: 'red-1', values: [0.1, 0.2, 0.3], metadata: { color: 'red', rank: 1 } },
        { id: 'red-2', values: [0.3, 0.2, 0.1], metadata: { color: 'red', rank: 2, tags: ['x'] } },
        { id: 'blue-1', values: [0.1, 0.2, 0.31], metadata: { color: 'blue', rank: 3 } },
        { id: 'plain', values: [1 / 3, 2 / 3, 1] },
      ],
    });

    const fetched = await index.fetch({ ids: ['red-1', 'plain', 'missing'] });
    expect(Object.keys(fetched.records).sort()).toEqual(['plain', 'red-1']);
    expect(fetched.records['red-1']).toEqual({
      id: 'red-1',
      values: [0.1, 0.2, 0.3],
      metadata: { color: 'red', rank: 1 },
    });
    // float32 on the server: each value reads back as the float32 nearest what was sent.
    expect(fetched.records.plain?.values?.map(Math.fround)).toEqual(
      [1 / 3, 2 / 3, 1].map(Math.fround),
    );
    expect(fetched.records.plain?.metadata).toBeUndefined();
    expect(fetched.namespace).toBe('tenant-a');

    const result = await index.query({
      vector: [0.1, 0.2, 0.3],
      topK: 10,
      filter: { color: { $eq: 'red' } },
      includeMetadata: true,
      includeValues: true,
    });
    expect(result.matches.map((match) => match.id)).toEqual(['red-1', 'red-2']);
    expect(result.matches[0]?.score).toBeCloseTo(1, 6);
    expect(result.matches[0]?.values).toEqual([0.1, 0.2, 0.3]);
    expect(result.matches[1]?.metadata).toEqual({ color: 'red', rank: 2, tags: ['x'] });

    const bare = await index.query({ vector: [0.1, 0.2, 0.3], topK: 2 });
    expect(bare.matches).toHaveLength(2);
    expect(bare.matches[0]?.values).toEqual([]);
    expect(bare.matches[0]?.metadata).toBeUndefined();

    const byId = await index.query({ id: 'blue-1', topK: 1, filter: { rank: { $gte: 3 } } });
    expect(byId.matches.map((match) => match.id)).toEqual(['blue-1']);
    expect((await index.query({ id: 'missing', topK: 3 })).matches).toEqual([]);
  });

  it('treats "", "__default__" and a missing namespace as one default namespace', async () => {
    const index = client(server); // the SDK sends "__default__"
    await index.upsert({ records: [{ id: 'default-1', values: [1, 0, 0] }] });
    await index.upsert({ records: [{ id: 'default-2', values: [0, 1, 0] }], namespace: '' });
    expect(await storedIds(server, '')).toEqual(['default-1', 'default-2']);

    const viaEmpty = await index.fetch({ ids: ['default-1', 'default-2'], namespace: '' });
    expect(Object.keys(viaEmpty.records).sort()).toEqual(['default-1', 'default-2']);
    expect(viaEmpty.namespace).toBe('__default__');

    const noNamespace = await raw(server, '/query', {
      body: { topK: 5, vector: [1, 0, 0] },
    });
    expect(noNamespace.body.matches.map((match: { id: string }) => match.id)).toEqual([
      'default-1',
      'default-2',
    ]);
    expect(noNamespace.body.namespace).toBe('__default__');

    const stats = await index.describeIndexStats();
    expect(stats.namespaces?.__default__?.recordCount).toBe(2);
    expect(stats.namespaces?.['']).toBeUndefined();

    await index.deleteAll();
    expect(await storedIds(server, '')).toEqual([]);
  });

  it('updates merge metadata, replace values and ignore unknown ids', async () => {
    const index = client(server).namespace('updates');
    await index.upsert({
      records: [{ id: 'doc', values: [1, 0, 0], metadata: { title: 'a', year: 2020 } }],
    });
    await index.update({ id: 'doc', metadata: { year: 2021, lang: 'en' } });
    await index.update({ id: 'doc', values: [0, 0, 1] });
    await index.update({ id: 'nobody', metadata: { year: 1 } });

    const { records } = await index.fetch({ ids: ['doc', 'nobody'] });
    expect(records).toEqual({
      doc: { id: 'doc', values: [0, 0, 1], metadata: { title: 'a', year: 2021, lang: 'en' } },
    });

    await index.update({ filter: { lang: { $eq: 'en' } }, metadata: { reviewed: true } });
    expect((await index.fetch({ ids: ['doc'] })).records.doc?.metadata).toEqual({
      title: 'a',
      year: 2021,
      lang: 'en',
      reviewed: true,
    });
  });

  it('deletes by ids, by filter and all', async () => {
    const index = client(server).namespace('deletes');
    await index.upsert({
      records: Array.from({ length: 6 }, (_, i) => ({
        id: `r${i}`,
        values: [1, i, 0],
        metadata: { even: i % 2 === 0 },
      })),
    });
    await index.deleteOne({ id: 'r0' });
    await index.deleteMany({ ids: ['r1', 'r2', 'never-there'] });
    expect(await storedIds(server, 'deletes')).toEqual(['r3', 'r4', 'r5']);

    await index.deleteMany({ filter: { even: { $eq: false } } });
    expect(await storedIds(server, 'deletes')).toEqual(['r4']);

    await index.deleteAll();
    expect(await storedIds(server, 'deletes')).toEqual([]);
  });

  it('answers 404 for a delete in a namespace that holds nothing, as Pinecone does', async () => {
    const index = client(server).namespace('never-written');
    for (const attempt of [
      () => index.deleteOne({ id: 'x' }),
      () => index.deleteMany({ ids: ['x'] }),
      () => index.deleteMany({ filter: { a: { $eq: 1 } } }),
      () => index.deleteAll(),
      () => index.deleteNamespace('never-written'),
      () => index.describeNamespace('never-written'),
    ]) {
      expect(await rejectionOf(attempt())).toBeInstanceOf(Errors.PineconeNotFoundError);
    }
  });

  it('lists ids by prefix in ascending order, page by page, with opaque tokens', async () => {
    const index = client(server).namespace('listing');
    const ids = [
      ...Array.from({ length: 11 }, (_, i) => `doc1#chunk${String(i).padStart(2, '0')}`),
      'doc2#chunk00',
      'doc10#chunk00',
    ];
    await index.upsert({ records: ids.map((id, i) => ({ id, values: [1, i, 1] })) });

    const seen: string[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = await index.listPaginated({
        prefix: 'doc1#',
        limit: 4,
        ...(token === undefined ? {} : { paginationToken: token }),
      });
      expect(page.namespace).toBe('listing');
      expect(page.vectors?.length).toBeLessThanOrEqual(4);
      seen.push(...(page.vectors ?? []).map((item) => item.id ?? ''));
      token = page.pagination?.next;
      if (token !== undefined) tokens.push(token);
    } while (token !== undefined);

    expect(seen).toEqual(ids.slice(0, 11));
    expect(tokens).toHaveLength(2);
    // Tokens are opaque (base64), not the last id.
    for (const t of tokens) expect(seen).not.toContain(t);

    const all = await index.listPaginated();
    expect(all.vectors?.map((item) => item.id)).toEqual(
      [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect(all.pagination).toBeUndefined();

    const error = await rejectionOf(index.listPaginated({ paginationToken: 'not a token' }));
    expect(error).toBeInstanceOf(Errors.PineconeBadRequestError);
    expect(error.message).toMatch(/pagination token/i);
  });

  it('lists namespaces with record counts, pages them, and deletes one', async () => {
    const local = await startPineconeServer({ dimensions: DIMENSIONS });
    try {
      const index = client(local);
      await index.upsert({ records: [{ id: 'd', values: [1, 0, 0] }] });
      for (const name of ['org-a', 'org-b', 'org-c']) {
        await index.namespace(name).upsert({
          records: [
            { id: `${name}-1`, values: [1, 1, 0] },
            { id: `${name}-2`, values: [0, 1, 1] },
          ],
        });
      }

      const first = await index.listNamespaces({ limit: 3 });
      expect(first.namespaces?.map((ns) => [ns.name, ns.recordCount])).toEqual([
        ['__default__', 1],
        ['org-a', 2],
        ['org-b', 2],
      ]);
      expect(first.totalCount).toBe(4);
      const next = first.pagination?.next;
      expect(next).toBeTypeOf('string');
      const second = await index.listNamespaces({ limit: 3, paginationToken: next ?? '' });
      expect(second.namespaces?.map((ns) => ns.name)).toEqual(['org-c']);
      expect(second.pagination).toBeUndefined();

      const prefixed = await index.listNamespaces({ prefix: 'org-' });
      expect(prefixed.namespaces?.map((ns) => ns.name)).toEqual(['org-a', 'org-b', 'org-c']);
      expect(prefixed.totalCount).toBe(3);

      expect(await index.describeNamespace('org-b')).toMatchObject({
        name: 'org-b',
        recordCount: 2,
      });
      await index.deleteNamespace('org-b');
      expect((await index.listNamespaces()).namespaces?.map((ns) => ns.name)).toEqual([
        '__default__',
        'org-a',
        'org-c',
      ]);
      await index.deleteNamespace('__default__');
      expect(await storedIds(local, '')).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('describes index stats per namespace and refuses a metadata filter like serverless', async () => {
    const local = await startPineconeServer({ dimensions: 4, metric: 'dotproduct' });
    try {
      const index = client(local);
      await index.namespace('a').upsert({
        records: [
          { id: '1', values: [1, 2, 3, 4] },
          { id: '2', values: [1, 2, 3, 5] },
        ],
      });
      await index.namespace('b').upsert({ records: [{ id: '1', values: [0, 0, 0, 1] }] });
      expect(await index.describeIndexStats()).toEqual({
        namespaces: { a: { recordCount: 2 }, b: { recordCount: 1 } },
        dimension: 4,
        indexFullness: 0,
        totalRecordCount: 3,
      });
      const error = await rejectionOf(index.describeIndexStats({ filter: { x: { $eq: 1 } } }));
      expect(error).toBeInstanceOf(Errors.PineconeBadRequestError);
    } finally {
      await local.close();
    }
  });

  it('scores like Pinecone: cosine similarity, dot product, squared euclidean distance', async () => {
    // [3, 0] against the query [2, 2].
    for (const [metric, want] of [
      ['cosine', 6 / (3 * Math.sqrt(8))],
      ['dotproduct', 6],
      ['euclidean', 1 + 4],
    ] as const) {
      const local = await startPineconeServer({ dimensions: 2, metric });
      try {
        const index = client(local);
        await index.upsert({ records: [{ id: 'v', values: [3, 0] }] });
        const [match] = (await index.query({ vector: [2, 2], topK: 1 })).matches;
        expect(match?.score).toBeCloseTo(want, 5);
      } finally {
        await local.close();
      }
    }
  });
});

describe('service limits surface as the SDK typed errors, with nothing written', () => {
  let server: PineconeServer;
  beforeAll(async () => {
    server = await startPineconeServer({ dimensions: DIMENSIONS });
  });
  afterAll(() => server.close());

  const badRequest = async (attempt: Promise<unknown>, message: RegExp) => {
    const error = await rejectionOf(attempt);
    expect(error).toBeInstanceOf(Errors.PineconeBadRequestError);
    expect(error.message).toMatch(message);
  };

  it('refuses more than 1000 records in one upsert', async () => {
    const index = client(server).namespace('too-many');
    const records = Array.from({ length: 1001 }, (_, i) => ({ id: `r${i}`, values: [1, 1, i] }));
    await badRequest(index.upsert({ records }), /1001 vectors exceed the maximum of 1000/);
    expect(await storedIds(server, 'too-many')).toEqual([]);
    await index.upsert({ records: records.slice(0, 1000) });
    expect(await storedIds(server, 'too-many')).toHaveLength(1000);
  });

  it('refuses an upsert body over 2 MB', async () => {
    const wide = await startPineconeServer({ dimensions: 1536 });
    try {
      const index = client(wide).namespace('big');
      const records = Array.from({ length: 100 }, (_, i) => ({
        id: `r${i}`,
        values: Array.from({ length: 1536 }, (_, j) => Math.sin(i * 1536 + j) / 7),
      }));
      await badRequest(index.upsert({ records }), /exceeds the maximum supported size of 2MB/);
      expect(await storedIds(wide, 'big')).toEqual([]);
      await index.upsert({ records: records.slice(0, 50) });
      expect(await storedIds(wide, 'big')).toHaveLength(50);
    } finally {
      await wide.close();
    }
  });

  it('refuses metadata over 40 KB, null metadata values and nested objects', async () => {
    const index = client(server).namespace('metadata');
    const record = (metadata: unknown) => ({
      id: 'm',
      values: [1, 0, 0],
      metadata: metadata as Record<string, string>,
    });
    await badRequest(
      index.upsert({ records: [record({ text: 'x'.repeat(40 * 1024) })] }),
      /limit is 40960 bytes/,
    );
    await badRequest(index.upsert({ records: [record({ gone: null })] }), /null/);
    await badRequest(index.upsert({ records: [record({ nested: { a: 1 } })] }), /nested|object/);
    expect(await storedIds(server, 'metadata')).toEqual([]);
    await index.upsert({ records: [record({ text: 'x'.repeat(40 * 1024 - 20) })] });
    expect(await storedIds(server, 'metadata')).toEqual(['m']);
  });

  it('refuses ids longer than 512 characters or outside ASCII', async () => {
    const index = client(server).namespace('ids');
    await badRequest(
      index.upsert({ records: [{ id: 'x'.repeat(513), values: [1, 0, 0] }] }),
      /exceeds the maximum of 512/,
    );
    await badRequest(index.upsert({ records: [{ id: 'café', values: [1, 0, 0] }] }), /ASCII/);
    expect(await storedIds(server, 'ids')).toEqual([]);
    await index.upsert({ records: [{ id: 'x'.repeat(512), values: [1, 0, 0] }] });
  });

  it('refuses a wrong dimension in upsert, query and update', async () => {
    const index = client(server).namespace('dims');
    const mismatch = /Vector dimension 2 does not match the dimension of the index 3/;
    await badRequest(index.upsert({ records: [{ id: 'a', values: [1, 0] }] }), mismatch);
    await badRequest(index.query({ vector: [1, 0], topK: 1 }), mismatch);
    await index.upsert({ records: [{ id: 'a', values: [1, 0, 0] }] });
    await badRequest(index.update({ id: 'a', values: [1, 0] }), mismatch);
    expect((await index.fetch({ ids: ['a'] })).records.a?.values).toEqual([1, 0, 0]);
  });

  it('refuses topK above 10,000 and more than 1000 ids per fetch or delete', async () => {
    const index = client(server).namespace('counts');
    await index.upsert({ records: [{ id: 'a', values: [1, 0, 0] }] });
    await badRequest(index.query({ vector: [1, 0, 0], topK: 10_001 }), /topK/);
    expect((await index.query({ vector: [1, 0, 0], topK: 10_000 })).matches).toHaveLength(1);
    const ids = Array.from({ length: 1001 }, (_, i) => `i${i}`);
    await badRequest(index.fetch({ ids }), /1001 ids exceed the maximum of 1000/);
    await badRequest(index.deleteMany({ ids }), /1001 ids exceed the maximum of 1000/);
    expect(Object.keys((await index.fetch({ ids: ids.slice(0, 1000) })).records)).toEqual([]);
  });

  it('answers 414 when a fetch URL is too long, which the SDK does not map', async () => {
    const index = client(server).namespace('long-urls');
    const ids = Array.from({ length: 40 }, (_, i) => `${i}-${'x'.repeat(500)}`);
    const error = await rejectionOf(index.fetch({ ids }));
    expect(error).toBeInstanceOf(Errors.PineconeUnmappedHttpError);
    expect(error.message).toMatch(/Status: 414/);
    expect(PINECONE_SERVICE_LIMITS.maxUrlLength).toBe(16 * 1024);
  });

  it('refuses an invalid filter with the reason from core', async () => {
    const index = client(server).namespace('filters');
    await index.upsert({ records: [{ id: 'a', values: [1, 0, 0] }] });
    await badRequest(
      index.query({ vector: [1, 0, 0], topK: 1, filter: { a: { $regex: 'x' } } }),
      /Invalid filter/,
    );
    await badRequest(index.deleteMany({ filter: { $nor: [{ a: 1 }] } }), /Invalid filter/);
    const many = Array.from({ length: 10_001 }, (_, i) => `v${i}`);
    await badRequest(
      index.query({ vector: [1, 0, 0], topK: 1, filter: { a: { $in: many } } }),
      /10000/,
    );
    expect(await storedIds(server, 'filters')).toEqual(['a']);
  });

  it('requires an API key, and the configured one when set', async () => {
    const anonymous = await raw(server, '/describe_index_stats', {
      body: {},
      headers: { 'api-key': null },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 16, details: [] });
    const locked = await startPineconeServer({ dimensions: DIMENSIONS, apiKey: 'secret' });
    try {
      const error = await rejectionOf(client(locked).describeIndexStats());
      expect(error).toBeInstanceOf(Errors.PineconeAuthorizationError);
      const allowed = new Pinecone({ apiKey: 'secret' }).index({ host: locked.host });
      expect((await allowed.describeIndexStats()).totalRecordCount).toBe(0);
    } finally {
      await locked.close();
    }
  });

  it('requires X-Pinecone-Api-Version, and refuses "__default__" before 2025-04', async () => {
    const missing = await raw(server, '/describe_index_stats', {
      body: {},
      headers: { 'x-pinecone-api-version': null },
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      code: 3,
      message: 'Missing required header: X-Pinecone-Api-Version',
      details: [],
    });
    const old = await raw(server, '/query', {
      body: { topK: 1, vector: [1, 0, 0], namespace: '__default__' },
      headers: { 'x-pinecone-api-version': '2025-01' },
    });
    expect(old.status).toBe(400);
    expect(old.body.message).toMatch(/not allowed in API versions prior to 2025-04/);
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    const unknown = await raw(server, '/vectors/nope', { body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 5, details: [] });
    expect((await raw(server, '/query', { method: 'GET' })).status).toBe(405);
  });
});

describe('faults, as the SDK observes them', () => {
  let server: PineconeServer;
  beforeAll(async () => {
    server = await startPineconeServer({ dimensions: DIMENSIONS });
  });
  afterEach(() => {
    server.clearFaults();
    server.clearRequests();
  });
  afterAll(() => server.close());

  const one = [{ id: 'a', values: [1, 0, 0] }];

  it('429: not retried, PineconeUnmappedHttpError, Retry-After sent, nothing written', async () => {
    const retryAfter: (string | null)[] = [];
    const pinecone = new Pinecone({
      apiKey: 'local',
      fetchApi: async (url, init) => {
        const response = await fetch(url, init);
        retryAfter.push(response.headers.get('retry-after'));
        return response;
      },
    });
    const index = pinecone.index({ host: server.host, namespace: 'rate' });
    server.setFaults({ retryAfterSeconds: 7 });
    server.failNext(1, 429);
    const error = await rejectionOf(index.upsert({ records: one }));
    expect(error).toBeInstanceOf(Errors.PineconeUnmappedHttpError);
    expect(error.message).toMatch(/Status: 429/);
    expect(retryAfter).toEqual(['7']);
    expect(server.requests.map((r) => [r.operation, r.status, r.fault])).toEqual([
      ['upsert', 429, 429],
    ]);
    expect(await storedIds(server, 'rate')).toEqual([]);
  });

  it('500 and 503: with maxRetries 0 the SDK throws PineconeMaxRetriesExceededError at once', async () => {
    const index = client(server, { maxRetries: 0, namespace: 'five-hundreds' });
    for (const kind of [500, 503] as const) {
      server.clearRequests();
      server.failNext(1, kind);
      const error = await rejectionOf(index.upsert({ records: one }));
      expect(error).toBeInstanceOf(Errors.PineconeMaxRetriesExceededError);
      expect(server.requests.map((r) => r.status)).toEqual([kind]);
    }
    expect(await storedIds(server, 'five-hundreds')).toEqual([]);
  });

  it('5xx: the SDK retries by itself and a later attempt succeeds, writing once', async () => {
    const index = client(server, { namespace: 'retried' });
    server.failNext(2, 503, { operation: 'upsert' });
    await index.upsert({ records: one });
    expect(server.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(await storedIds(server, 'retried')).toEqual(['a']);
  });

  it('5xx: four failed attempts by default, then PineconeMaxRetriesExceededError', async () => {
    const index = client(server, { namespace: 'exhausted' });
    server.failNext(4, 500);
    const error = await rejectionOf(index.query({ vector: [1, 0, 0], topK: 1 }));
    expect(error).toBeInstanceOf(Errors.PineconeMaxRetriesExceededError);
    expect(error.message).toMatch(/max configured retries \(3\)/);
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 500, 500]);
  });

  it('drop: the socket dies with no answer, PineconeConnectionError, not retried', async () => {
    const index = client(server, { namespace: 'dropped' });
    server.failNext(1, 'drop');
    const error = await rejectionOf(index.upsert({ records: one }));
    expect(error).toBeInstanceOf(Errors.PineconeConnectionError);
    expect((error.cause as Error).name).toBe('TypeError');
    expect(server.requests.map((r) => r.status)).toEqual(['dropped']);
    expect(await storedIds(server, 'dropped')).toEqual([]);
    await index.upsert({ records: one });
    expect(await storedIds(server, 'dropped')).toEqual(['a']);
  });

  it('fail-after-write: the write lands although the caller sees a failure', async () => {
    const index = client(server, { maxRetries: 0, namespace: 'landed' });
    server.failNext(1, 'fail-after-write');
    const error = await rejectionOf(index.upsert({ records: one }));
    expect(error).toBeInstanceOf(Errors.PineconeMaxRetriesExceededError);
    expect(server.requests.map((r) => [r.status, r.fault])).toEqual([[503, 'fail-after-write']]);
    expect(await storedIds(server, 'landed')).toEqual(['a']);
  });

  it('fail-after-write: the SDK retry of a delete that landed meets a 404', async () => {
    // The hazard for adapters: the namespace emptied by the first attempt no longer exists.
    const index = client(server, { namespace: 'last-record' });
    await index.upsert({ records: one });
    server.clearRequests();
    server.failNext(1, 'fail-after-write', { operation: 'delete' });
    const error = await rejectionOf(index.deleteOne({ id: 'a' }));
    expect(error).toBeInstanceOf(Errors.PineconeNotFoundError);
    expect(server.requests.map((r) => r.status)).toEqual([503, 404]);
    expect(await storedIds(server, 'last-record')).toEqual([]);
  });

  it('failNext with an operation leaves other operations alone', async () => {
    const index = client(server, { maxRetries: 0, namespace: 'targeted' });
    server.failNext(1, 503, { operation: 'query' });
    await index.upsert({ records: one });
    await index.fetch({ ids: ['a'] });
    expect(await rejectionOf(index.query({ vector: [1, 0, 0], topK: 1 }))).toBeInstanceOf(
      Errors.PineconeMaxRetriesExceededError,
    );
    expect((await index.query({ vector: [1, 0, 0], topK: 1 })).matches).toHaveLength(1);
  });

  it('latencyMs delays every response', async () => {
    const index = client(server, { namespace: 'slow' });
    server.faults.latencyMs = 120;
    const started = performance.now();
    await index.upsert({ records: one });
    await index.fetch({ ids: ['a'] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 120 - 5);
  });

  it('failureRate fails about that share of requests, the same ones for the same seed', async () => {
    const pattern = async (seed: number) => {
      const local = await startPineconeServer({
        dimensions: DIMENSIONS,
        seed,
        faults: { failureRate: 0.3, failureKinds: [429, 'drop'] },
      });
      try {
        const index = client(local, { maxRetries: 0 });
        const outcomes: string[] = [];
        for (let i = 0; i < 60; i++) {
          try {
            await index.describeIndexStats();
            outcomes.push('ok');
          } catch (error) {
            outcomes.push((error as Error).name);
          }
        }
        return outcomes;
      } finally {
        await local.close();
      }
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(await pattern(43)).not.toEqual(first);
    const failed = first.filter((outcome) => outcome !== 'ok');
    expect(failed.length).toBeGreaterThan(6);
    expect(failed.length).toBeLessThan(32);
    expect(new Set(failed)).toEqual(
      new Set(['PineconeUnmappedHttpError', 'PineconeConnectionError']),
    );
  });

  it('ignoreFilters makes queries return records the filter excludes', async () => {
    const index = client(server, { namespace: 'leaky' });
    await index.upsert({
      records: [
        { id: 'mine', values: [1, 0, 0], metadata: { owner: 'me' } },
        { id: 'theirs', values: [1, 0.1, 0], metadata: { owner: 'them' } },
      ],
    });
    const query = () =>
      index.query({ vector: [1, 0, 0], topK: 5, filter: { owner: { $eq: 'me' } } });
    expect((await query()).matches.map((m) => m.id)).toEqual(['mine']);
    server.setFaults({ ignoreFilters: true });
    expect((await query()).matches.map((m) => m.id)).toEqual(['mine', 'theirs']);
  });

  it('refuses invalid fault settings', () => {
    expect(() => server.setFaults({ failureRate: 2 })).toThrow(RangeError);
    expect(() => server.setFaults({ failureKinds: [] })).toThrow(RangeError);
    expect(() => server.failNext(0, 503)).toThrow(RangeError);
  });

  it('close() ends requests that are still waiting out their latency', async () => {
    const local = await startPineconeServer({
      dimensions: DIMENSIONS,
      faults: { latencyMs: 60_000 },
    });
    const pending = rejectionOf(client(local, { maxRetries: 0 }).describeIndexStats());
    await expect.poll(() => local.requests.length).toBe(1);
    await local.close();
    expect(await pending).toBeInstanceOf(Errors.PineconeConnectionError);
  });
});
