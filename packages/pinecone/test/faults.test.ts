// Under injected failures (429 with Retry-After, 500, 503, dropped connections, writes whose reply
// is lost), every record ends up written exactly once or reported failed; a backend that ignores
// filters is caught by core's re-check.
import { Pinecone } from '@pinecone-database/pinecone';
import {
  BackendUnavailableError,
  createIdentity,
  createScopedVectorStore,
  orgPolicy,
  ScopedRagError,
} from '@scoped-rag/core';
import { type PineconeServer, startPineconeServer } from '@scoped-rag/testing/pinecone-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPineconeVectorStore, type PineconeIndexLike } from '../src/index.js';

const DIMS = 8;
let server: PineconeServer;
beforeAll(async () => {
  server = await startPineconeServer({ dimensions: DIMS, seed: 7 });
});
afterAll(() => server.close());

const vector = (i: number) =>
  Array.from({ length: DIMS }, (_, d) => ((i * 7 + d * 3) % 11) - 5 + 0.5);

describe('PineconeVectorStore under faults', () => {
  it('20% injected failures: every record is written exactly once or reported failed, never silently lost', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'fault-test',
      host: server.host,
      dimensions: DIMS,
      concurrency: 4,
      retry: { retries: 0 },
    });
    const vectors = createScopedVectorStore({ store, policy: orgPolicy() });
    const alice = vectors.forIdentity(
      createIdentity({ userId: 'user_alice', orgId: 'org_faults' }),
    );
    server.setFaults({
      failureRate: 0.2,
      failureKinds: [429, 500, 503, 'drop', 'fail-after-write'],
      retryAfterSeconds: 0,
    });
    const written = new Set<string>();
    const failed = new Set<string>();
    for (let call = 0; call < 60; call++) {
      // Small Pinecone requests (2 MB split by size is exercised elsewhere): 25 records per call.
      const records = Array.from({ length: 25 }, (_, i) => ({
        id: `doc-${call}-${i}`,
        values: vector(call * 25 + i),
        metadata: { call },
      }));
      try {
        await alice.upsert(records);
        for (const r of records) written.add(r.id);
      } catch (error) {
        expect(ScopedRagError.isInstance(error)).toBe(true);
        const details = (error as ScopedRagError).details as {
          writtenIds?: string[];
          failedIds?: string[];
        };
        if (details.writtenIds) {
          for (const id of details.writtenIds) written.add(id);
          for (const id of details.failedIds ?? []) failed.add(id);
        } else for (const r of records) failed.add(r.id);
      }
    }
    server.clearFaults();
    // About a fifth of all requests (pre-write fetches, upserts, retries) failed.
    const faultsSeen = server.requests.filter((r) => r.fault !== undefined).length;
    expect(faultsSeen / server.requests.length).toBeGreaterThan(0.1);
    expect(faultsSeen / server.requests.length).toBeLessThan(0.3);
    expect(failed.size).toBeGreaterThan(0); // the budget ran out for some: reported, not hidden
    expect([...written].filter((id) => failed.has(id))).toEqual([]);
    expect(written.size + failed.size).toBe(60 * 25);
    const present = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await alice.list({ limit: 1_000, ...(cursor ? { cursor } : {}) });
      for (const id of page.ids) {
        expect(present.has(id), `listed twice: ${id}`).toBe(false);
        present.add(id);
      }
      cursor = page.cursor;
    } while (cursor);
    for (const id of written)
      expect(present.has(id), `reported written but missing: ${id}`).toBe(true);
    for (const id of present) expect(written.has(id) || failed.has(id)).toBe(true);
    // Whatever was written holds exactly what was sent.
    const sample = [...written].slice(0, 50);
    const fetched = await alice.fetch(sample);
    for (const record of fetched.records) {
      const [, call, i] = record.id.split('-').map(Number) as [number, number, number];
      expect(Array.from(record.values)).toEqual(vector(call * 25 + i));
    }
  });

  it('splits a large upsert into Pinecone-sized requests and reports exactly which ids were written', async () => {
    const sdkIndex = new Pinecone({ apiKey: 'split-test', maxRetries: 0 }).index({
      host: server.host,
    }) as unknown as PineconeIndexLike;
    let calls = 0;
    const secondFails: PineconeIndexLike = {
      ...sdkIndex,
      upsert: (options) => {
        calls++;
        if (calls === 2) return Promise.reject(new BackendUnavailableError('request 2 lost'));
        return sdkIndex.upsert(options);
      },
      fetch: (options) => sdkIndex.fetch(options),
    };
    const store = createPineconeVectorStore({
      index: secondFails,
      dimensions: DIMS,
      concurrency: 1,
      retry: { retries: 0 },
    });
    const records = Array.from({ length: 2_500 }, (_, i) => ({
      id: `r${i}`,
      values: Float32Array.from(vector(i)),
      metadata: {},
    }));
    server.clearRequests();
    const error = (await store
      .upsert({ namespace: 'split', records })
      .catch((e: unknown) => e)) as ScopedRagError;
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    const { writtenIds, failedIds } = error.details as {
      writtenIds: string[];
      failedIds: string[];
    };
    // Requests of 1,000 / 1,000 / 500; the second failed, and with concurrency 1 no third started.
    expect(writtenIds).toEqual(records.slice(0, 1_000).map((r) => r.id));
    expect(failedIds).toEqual(records.slice(1_000).map((r) => r.id));
    const sent = server.requests
      .filter((r) => r.operation === 'upsert')
      .map((r) => (r.body as { vectors: unknown[] }).vectors.length);
    expect(sent).toEqual([1_000]);
    expect(await store.fetch({ namespace: 'split', ids: ['r999', 'r1000'] })).toHaveLength(1);
  });

  it('splits by request size too: 2 MB per request', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'size-test',
      host: server.host,
      dimensions: DIMS,
      concurrency: 2,
    });
    server.clearRequests();
    const text = 'x'.repeat(30_000);
    const records = Array.from({ length: 200 }, (_, i) => ({
      id: `big${i}`,
      values: Float32Array.from(vector(i)),
      metadata: { text },
    }));
    await store.upsert({ namespace: 'sizes', records });
    const sizes = server.requests.filter((r) => r.operation === 'upsert').map((r) => r.bodyBytes);
    expect(sizes.length).toBeGreaterThan(2);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('retries 429 after Retry-After and 5xx, then succeeds', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'retry-test',
      host: server.host,
      dimensions: DIMS,
      retry: { baseDelayMs: 1 },
    });
    server.setFaults({ retryAfterSeconds: 1 });
    server.failNext(1, 429, { operation: 'upsert' });
    server.failNext(1, 503, { operation: 'upsert' });
    const started = Date.now();
    await store.upsert({
      namespace: 'retry',
      records: [{ id: 'a', values: Float32Array.from(vector(1)), metadata: {} }],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // honoured Retry-After: 1
    expect((await store.fetch({ namespace: 'retry', ids: ['a'] })).map((r) => r.id)).toEqual(['a']);
    server.clearFaults();
  });

  it('reports a query that exhausts its retries as BACKEND_UNAVAILABLE', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'exhaust-test',
      host: server.host,
      dimensions: DIMS,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    server.failNext(5, 'drop', { operation: 'query' });
    await expect(
      store.query({
        namespace: 'x',
        vector: Float32Array.from(vector(1)),
        topK: 1,
        includeValues: false,
      }),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    server.clearFaults();
  });

  it('a server that ignores filters is caught by the scoped store: SCOPE_BREACH, nothing leaks', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'leak-test',
      host: server.host,
      dimensions: DIMS,
    });
    const vectors = createScopedVectorStore({
      store,
      policy: orgPolicy({ isolation: { mode: 'shared', namespace: 'leaky' } }),
    });
    const acme = vectors.forIdentity(createIdentity({ userId: 'user_a', orgId: 'org_acme' }));
    const globex = vectors.forIdentity(createIdentity({ userId: 'user_g', orgId: 'org_globex' }));
    await globex.upsert([{ id: 'globex-secret', values: vector(3) }]);
    await acme.upsert([{ id: 'acme-doc', values: vector(4) }]);
    server.setFaults({ ignoreFilters: true });
    await expect(acme.query({ vector: vector(3), topK: 5 })).rejects.toMatchObject({
      code: 'SCOPE_BREACH',
    });
    server.clearFaults();
    expect((await acme.query({ vector: vector(3), topK: 5 })).matches.map((m) => m.id)).toEqual([
      'acme-doc',
    ]);
  });
});

describe('createPineconeVectorStore options', () => {
  it('takes an SDK client and an index name, an index, or an API key and host, and refuses anything else', async () => {
    const client = {
      index: ({ name }: { name: string }) =>
        new Pinecone({ apiKey: 'k', maxRetries: 0 }).index({ host: name }),
    };
    const viaClient = createPineconeVectorStore({
      client,
      indexName: server.host,
      dimensions: DIMS,
    });
    await viaClient.upsert({
      namespace: 'opts',
      records: [{ id: 'a', values: Float32Array.from(vector(2)), metadata: {} }],
    });
    expect((await viaClient.fetch({ namespace: 'opts', ids: ['a'] })).map((r) => r.id)).toEqual([
      'a',
    ]);
    expect(() => createPineconeVectorStore({ dimensions: DIMS })).toThrowError(/needs an `index`/);
    expect(() =>
      createPineconeVectorStore({ apiKey: 'k', host: server.host, dimensions: 0 }),
    ).toThrowError(/dimensions/);
    expect(() =>
      createPineconeVectorStore({
        apiKey: 'k',
        host: server.host,
        dimensions: DIMS,
        concurrency: 0,
      }),
    ).toThrowError(/concurrency/);
  });

  it('refuses records Pinecone would refuse before sending anything', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'limits',
      host: server.host,
      dimensions: DIMS,
    });
    server.clearRequests();
    const good = { id: 'ok', values: Float32Array.from(vector(1)), metadata: {} };
    for (const bad of [
      { id: 'x'.repeat(513), values: Float32Array.from(vector(1)), metadata: {} },
      { id: 'dóc', values: Float32Array.from(vector(1)), metadata: {} },
      { id: 'short', values: Float32Array.from([1, 2]), metadata: {} },
      { id: 'nan', values: Float32Array.from(vector(1).map(() => Number.NaN)), metadata: {} },
      {
        id: 'big',
        values: Float32Array.from(vector(1)),
        metadata: { text: 'x'.repeat(41 * 1024) },
      },
      { id: 'null', values: Float32Array.from(vector(1)), metadata: { gone: null as never } },
    ]) {
      await expect(
        store.upsert({ namespace: 'limits', records: [good, bad] }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(
      store.query({
        namespace: 'limits',
        vector: Float32Array.from(vector(1)),
        topK: 10_001,
        includeValues: false,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(server.requests).toEqual([]);
  });

  it('maps the default namespace "" to Pinecone\'s "__default__" for listing and deleting', async () => {
    const store = createPineconeVectorStore({
      apiKey: 'default-ns',
      host: server.host,
      dimensions: DIMS,
    });
    await store.upsert({
      namespace: '',
      records: [{ id: 'a', values: Float32Array.from(vector(1)), metadata: {} }],
    });
    expect((await store.listNamespaces({ limit: 100 })).namespaces).toContain('');
    await store.deleteNamespace({ namespace: '' });
    expect(await store.fetch({ namespace: '', ids: ['a'] })).toEqual([]);
  });

  it('keeps requests under 2 MB even for vectors whose values print long', async () => {
    const wide = await startPineconeServer({ dimensions: 1536 });
    try {
      const store = createPineconeVectorStore({
        apiKey: 'long-values',
        host: wide.host,
        dimensions: 1536,
      });
      // Each value prints as 25 characters of JSON: the worst case for the size estimate.
      const values = Float32Array.from(
        { length: 1536 },
        (_, i) => -0.0000036077644836041145 * (1 + i / 1e6),
      );
      expect(JSON.stringify(Array.from(values.slice(0, 1)))).toHaveLength(27);
      const records = Array.from({ length: 200 }, (_, i) => ({
        id: `t${i}`,
        values,
        metadata: {},
      }));
      await store.upsert({ namespace: 'long', records });
      const sizes = wide.requests.filter((r) => r.operation === 'upsert').map((r) => r.bodyBytes);
      expect(sizes.length).toBeGreaterThan(3);
      for (const size of sizes) expect(size).toBeLessThanOrEqual(2_000_000);
      expect((await store.list({ namespace: 'long', limit: 100 })).ids.length).toBe(100);
    } finally {
      await wide.close();
    }
  });
});
