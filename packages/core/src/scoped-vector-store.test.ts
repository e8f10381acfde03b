import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryAuditSink } from './audit.js';
import { BackendUnavailableError, ScopedRagError } from './errors.js';
import { createIdentity } from './identity.js';
import { createMemoryVectorStore } from './memory-vector-store.js';
import { orgPolicy, type ScopePolicy, userPolicy } from './policy.js';
import type { Scope } from './scope.js';
import { createScopedVectorStore } from './scoped-vector-store.js';
import type { VectorStore } from './vector-store.js';

const alice = createIdentity({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'org:admin' });
const bob = createIdentity({ userId: 'user_bob', orgId: 'org_acme', orgRole: 'org:member' });
const carol = createIdentity({ userId: 'user_carol', orgId: 'org_globex', orgRole: 'org:admin' });

const v = (...values: number[]) => values;

async function errorOf(promise: Promise<unknown>): Promise<ScopedRagError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!ScopedRagError.isInstance(error))
    throw new Error(`expected a ScopedRagError, got ${String(error)}`);
  return error;
}

function setup(
  policy: ScopePolicy = orgPolicy(),
  store: VectorStore = createMemoryVectorStore({ dimensions: 3 }),
) {
  const audit = createMemoryAuditSink();
  const vectors = createScopedVectorStore({ store, policy, audit });
  return { store, audit, vectors, policy };
}

describe('createScopedVectorStore', () => {
  it('has no query method of its own: every operation goes through a scope', () => {
    const { vectors } = setup();
    expect(Object.keys(vectors).sort()).toEqual([
      'capabilities',
      'eraseMember',
      'eraseTenant',
      'eraseUser',
      'forIdentity',
      'forScope',
      'policy',
    ]);
  });

  it('refuses a missing scope and a hand-built scope with UNSCOPED_QUERY', () => {
    const { vectors, policy } = setup();
    const real = policy.scopeFor(alice);
    for (const bad of [undefined, null, { ...real }, JSON.parse(JSON.stringify(real))]) {
      let code: string | undefined;
      try {
        vectors.forScope(bad as Scope);
      } catch (error) {
        code = (error as ScopedRagError).code;
      }
      expect(code).toBe('UNSCOPED_QUERY');
    }
  });

  it('keeps tenants apart: a query sees only its own tenant', async () => {
    const { vectors } = setup();
    await vectors
      .forIdentity(alice)
      .upsert([{ id: 'plan', values: v(1, 0, 0), metadata: { title: 'Acme plan' } }]);
    await vectors
      .forIdentity(carol)
      .upsert([{ id: 'plan', values: v(1, 0, 0), metadata: { title: 'Globex plan' } }]);
    const acme = await vectors.forIdentity(bob).query({ vector: v(1, 0, 0), topK: 10 });
    expect(acme.matches.map((m) => m.metadata.title)).toEqual(['Acme plan']);
    expect(acme.matches[0]).toMatchObject({ id: 'plan', owner: 'user_alice', visibility: 'org' });
    expect(acme.matches[0]!.metadata).not.toHaveProperty('_sr_tenant');
  });

  it('keeps private records private to their owner, ids included', async () => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const b = vectors.forIdentity(bob);
    await a.upsert([
      { id: 'shared', values: v(1, 0, 0) },
      { id: 'secret', values: v(1, 0, 0), visibility: 'private' },
    ]);
    expect((await b.query({ vector: v(1, 0, 0), topK: 10 })).matches.map((m) => m.id)).toEqual([
      'shared',
    ]);
    expect((await b.fetch(['secret', 'shared'])).records.map((r) => r.id)).toEqual(['shared']);
    expect((await b.list()).ids).toEqual(['shared']);
    expect((await a.list()).ids).toEqual(['secret', 'shared']);
    // Bob cannot overwrite or delete what he cannot see.
    expect((await errorOf(b.upsert([{ id: 'secret', values: v(0, 1, 0) }]))).code).toBe(
      'SCOPE_VIOLATION',
    );
    expect(await b.delete({ ids: ['secret'] })).toEqual({ deletedCount: 0, skippedCount: 0 });
    expect((await a.fetch(['secret'])).records[0]!.values[0]).toBe(1);
  });

  it.each([
    ['directly', { _sr_tenant: 'o_org_globex' }],
    ['inside $or', { $or: [{ title: 'x' }, { _sr_tenant: 'o_org_globex' }] }],
    ['with $ne', { _sr_tenant: { $ne: 'o_org_acme' } }],
    ['with $nin', { _sr_owner: { $nin: ['user_alice'] } }],
    ['with $exists', { _sr_visibility: { $exists: false } }],
    ['deep inside $and/$or', { $and: [{ $or: [{ $and: [{ _sr_owner: 'user_bob' }] }] }] }],
  ])('refuses a filter naming a reserved key %s with SCOPE_VIOLATION', async (_, filter) => {
    const { vectors } = setup();
    const error = await errorOf(
      vectors.forIdentity(alice).query({ vector: v(1, 0, 0), topK: 1, filter }),
    );
    expect(error.code).toBe('SCOPE_VIOLATION');
    expect(error.message).toMatch(/reserved key/);
  });

  it('refuses user metadata that sets a reserved key, writing nothing', async () => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const error = await errorOf(
      a.upsert([
        { id: 'ok', values: v(1, 0, 0) },
        { id: 'evil', values: v(1, 0, 0), metadata: { _sr_tenant: 'o_org_globex' } },
      ]),
    );
    expect(error.code).toBe('SCOPE_VIOLATION');
    expect((await a.list()).ids).toEqual([]);
  });

  it('in shared isolation, two tenants upserting the same id keep two records', async () => {
    const { vectors, store } = setup(
      orgPolicy({ isolation: { mode: 'shared', namespace: 'all' } }),
    );
    await vectors
      .forIdentity(alice)
      .upsert([{ id: 'doc-1', values: v(1, 0, 0), metadata: { who: 'acme' } }]);
    await vectors
      .forIdentity(carol)
      .upsert([{ id: 'doc-1', values: v(0, 1, 0), metadata: { who: 'globex' } }]);
    expect((await vectors.forIdentity(alice).fetch(['doc-1'])).records[0]!.metadata.who).toBe(
      'acme',
    );
    expect((await vectors.forIdentity(carol).fetch(['doc-1'])).records[0]!.metadata.who).toBe(
      'globex',
    );
    expect((await store.list({ namespace: 'all', limit: 10 })).ids).toEqual([
      'o_org_acme#doc-1',
      'o_org_globex#doc-1',
    ]);
    await vectors.forIdentity(carol).deleteAll();
    expect((await vectors.forIdentity(alice).fetch(['doc-1'])).records).toHaveLength(1);
  });

  it('catches a backend that ignores namespaces and filters: SCOPE_BREACH, nothing returned, audit hears it', async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    const leaky: VectorStore = {
      ...inner,
      // Answers from another tenant's namespace and drops the filter.
      query: (request) =>
        inner.query({ ...request, namespace: 'o_org_globex', filter: undefined as never }),
    };
    const { vectors, audit } = setup(orgPolicy(), leaky);
    await vectors.forIdentity(carol).upsert([{ id: 'globex-secret', values: v(1, 0, 0) }]);
    const error = await errorOf(vectors.forIdentity(alice).query({ vector: v(1, 0, 0), topK: 5 }));
    expect(error.code).toBe('SCOPE_BREACH');
    expect(error.details).toMatchObject({ count: 1, tenantKey: 'o_org_acme' });
    expect(JSON.stringify(error.toJSON())).not.toContain('globex-secret');
    expect(audit.events.filter((e) => e.action === 'breach')).toMatchObject([
      { tenantKey: 'o_org_acme', userId: 'user_alice', ids: ['globex-secret'] },
    ]);
  });

  it('catches a backend whose fetch returns records that were not asked for', async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    const leaky: VectorStore = {
      ...inner,
      fetch: (request) => inner.fetch({ ...request, namespace: 'o_org_globex', ids: ['g'] }),
    };
    const { vectors } = setup(orgPolicy(), leaky);
    await vectors.forIdentity(carol).upsert([{ id: 'g', values: v(1, 0, 0) }]);
    expect((await errorOf(vectors.forIdentity(alice).fetch(['mine']))).code).toBe('SCOPE_BREACH');
  });

  it('reports exactly which ids were written when a batch fails half-way', async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    let calls = 0;
    const flaky: VectorStore = {
      ...inner,
      capabilities: { ...inner.capabilities, maxUpsertBatch: 2 },
      upsert: async (request) => {
        calls += 1;
        if (calls === 2) throw new Error('503 from upstream');
        return inner.upsert(request);
      },
    };
    const { vectors } = setup(userPolicy(), flaky);
    const records = ['a', 'b', 'c', 'd'].map((id) => ({ id, values: v(1, 0, 0) }));
    const error = await errorOf(vectors.forIdentity(alice).upsert(records));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.details).toMatchObject({ writtenIds: ['a', 'b'], failedIds: ['c', 'd'] });
    expect(error.cause).toBeInstanceOf(Error);
    expect((await vectors.forIdentity(alice).list()).ids).toEqual(['a', 'b']);
  });

  it("reports an adapter's own partial write with the caller's ids (shared isolation)", async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    const partial: VectorStore = {
      ...inner,
      upsert: async (request) => {
        await inner.upsert({ ...request, records: request.records.slice(0, 1) });
        throw new BackendUnavailableError('second request failed', {
          details: {
            writtenIds: [request.records[0]!.id],
            failedIds: request.records.slice(1).map((r) => r.id),
          },
        });
      },
    };
    const { vectors } = setup(
      orgPolicy({ isolation: { mode: 'shared', namespace: 'all' } }),
      partial,
    );
    const error = await errorOf(
      vectors.forIdentity(alice).upsert(['a', 'b', 'c'].map((id) => ({ id, values: v(1, 0, 0) }))),
    );
    expect(error.details).toMatchObject({ writtenIds: ['a'], failedIds: ['b', 'c'] });
  });

  it('wraps unexpected backend errors as BACKEND_UNAVAILABLE with the cause', async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    const broken: VectorStore = {
      ...inner,
      query: async () => Promise.reject(new TypeError('fetch failed')),
    };
    const { vectors } = setup(orgPolicy(), broken);
    const error = await errorOf(vectors.forIdentity(alice).query({ vector: v(1, 0, 0), topK: 1 }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect((error.cause as Error).message).toBe('fetch failed');
  });

  it.each([
    ['a dimension mismatch', [{ id: 'a', values: [1, 0] }], /2 dimensions; the store holds 3/],
    ['NaN', [{ id: 'a', values: [1, Number.NaN, 0] }], /non-finite/],
    ['a value beyond float32', [{ id: 'a', values: [1e39, 0, 0] }], /non-finite/],
    ['a zero vector', [{ id: 'a', values: [0, 0, 0] }], /zero \(or near-zero/],
    ['a norm whose scores overflow float32', [{ id: 'a', values: [1e30, 1e30, 0] }], /overflow/],
    ['strings as values', [{ id: 'a', values: ['1', '0', '0'] }], /array of numbers/],
    ['an empty id', [{ id: '', values: [1, 0, 0] }], /1 to 512 printable ASCII/],
    ['a non-ASCII id', [{ id: 'dóc', values: [1, 0, 0] }], /printable ASCII/],
    ['a 513-character id', [{ id: 'x'.repeat(513), values: [1, 0, 0] }], /1 to 512/],
    [
      'a duplicate id',
      [
        { id: 'a', values: [1, 0, 0] },
        { id: 'a', values: [1, 0, 0] },
      ],
      /appears twice/,
    ],
    [
      'null metadata',
      [{ id: 'a', values: [1, 0, 0], metadata: { x: null } }],
      /null is not supported/,
    ],
    [
      'nested metadata',
      [{ id: 'a', values: [1, 0, 0], metadata: { x: { y: 1 } } }],
      /got an object/,
    ],
    [
      'oversized metadata',
      [{ id: 'a', values: [1, 0, 0], metadata: { x: 'y'.repeat(41_000) } }],
      /limit is 40960/,
    ],
    [
      'an unknown visibility',
      [{ id: 'a', values: [1, 0, 0], visibility: 'public' }],
      /Visibility must be/,
    ],
  ])('refuses %s with INVALID_INPUT and writes nothing', async (_, records, message) => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const error = await errorOf(
      a.upsert([{ id: 'first', values: [1, 0, 0] }, ...(records as never[])]),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(message);
    expect((await a.list()).ids).toEqual([]);
  });

  it('refuses an oversized batch, a bad topK and a malformed filter', async () => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const many = Array.from({ length: 1_001 }, (_, i) => ({ id: `r${i}`, values: [1, 0, 0] }));
    expect((await errorOf(a.upsert(many))).message).toMatch(/at most 1000 records/);
    expect((await errorOf(a.query({ vector: [1, 0, 0], topK: 0 }))).code).toBe('INVALID_INPUT');
    expect((await errorOf(a.query({ vector: [1, 0, 0], topK: 10_001 }))).code).toBe(
      'INVALID_INPUT',
    );
    expect((await errorOf(a.query({ vector: [1, 0, 0], topK: 1.5 }))).code).toBe('INVALID_INPUT');
    expect(
      (
        await errorOf(
          a.query({ vector: [1, 0, 0], topK: 1, filter: { x: { $regex: 'a' } } as never }),
        )
      ).code,
    ).toBe('INVALID_FILTER');
    expect((await errorOf(a.fetch(Array.from({ length: 1_001 }, (_, i) => `r${i}`)))).code).toBe(
      'INVALID_INPUT',
    );
    expect((await errorOf(a.delete({} as never))).message).toMatch(/exactly one of/);
    expect((await errorOf(a.list({ limit: 0 }))).code).toBe('INVALID_INPUT');
  });

  it('deletes by filter only what the caller may change, and reports what it kept', async () => {
    const { vectors } = setup(orgPolicy({ writePermission: 'org:docs:write' }));
    const writer = createIdentity({
      userId: 'user_w',
      orgId: 'org_acme',
      orgPermissions: ['org:docs:write'],
    });
    await vectors
      .forIdentity(writer)
      .upsert([{ id: 'shared', values: v(1, 0, 0), metadata: { kind: 'note' } }]);
    await vectors.forIdentity(bob).upsert([
      { id: 'mine', values: v(1, 0, 0), metadata: { kind: 'note' }, visibility: 'private' },
      { id: 'mine-other', values: v(1, 0, 0), metadata: { kind: 'memo' }, visibility: 'private' },
    ]);
    const result = await vectors.forIdentity(bob).delete({ filter: { kind: 'note' } });
    expect(result).toEqual({ deletedCount: 1, skippedCount: 1 });
    expect((await vectors.forIdentity(bob).list()).ids).toEqual(['mine-other', 'shared']);
    expect((await errorOf(vectors.forIdentity(bob).delete({ ids: ['shared'] }))).code).toBe(
      'FORBIDDEN',
    );
  });

  it('erases a tenant only when the policy allows it, verifies it, and leaves other tenants alone', async () => {
    const { vectors, audit } = setup();
    await vectors.forIdentity(alice).upsert([
      { id: 'a1', values: v(1, 0, 0) },
      { id: 'a2', values: v(0, 1, 0), visibility: 'private' },
    ]);
    await vectors
      .forIdentity(bob)
      .upsert([{ id: 'b1', values: v(1, 0, 0), visibility: 'private' }]);
    await vectors.forIdentity(carol).upsert([{ id: 'c1', values: v(1, 0, 0) }]);
    expect((await errorOf(vectors.forIdentity(bob).deleteAll())).code).toBe('FORBIDDEN');
    expect(await vectors.forIdentity(alice).deleteAll()).toEqual({ deletedCount: 3 });
    expect((await vectors.forIdentity(alice).list()).ids).toEqual([]);
    expect((await vectors.forIdentity(carol).list()).ids).toEqual(['c1']);
    expect(audit.events.find((e) => e.action === 'deleteAll')).toMatchObject({
      action: 'deleteAll',
      tenantKey: 'o_org_acme',
      ids: ['a1', 'a2', 'b1'],
    });
  });

  describe('metadata schema (the silent zero-result trap of seed 000)', () => {
    const metadataSchema = z.strictObject({
      category: z.enum(['guide', 'faq']),
      year: z.number().int(),
      tags: z.array(z.string()).optional(),
    });
    const make = () =>
      createScopedVectorStore({
        store: createMemoryVectorStore({ dimensions: 3 }),
        policy: orgPolicy(),
        metadataSchema,
      }).forIdentity(alice);

    it('refuses a misspelt field or a value of the wrong type in a filter instead of returning nothing', async () => {
      const a = make();
      await a.upsert([
        { id: 'x', values: v(1, 0, 0), metadata: { category: 'guide', year: 2024, tags: ['a'] } },
      ]);
      const typo = await errorOf(
        a.query({ vector: v(1, 0, 0), topK: 5, filter: { categry: 'guide' } }),
      );
      expect(typo).toMatchObject({ code: 'INVALID_FILTER' });
      expect(typo.message).toMatch(/"categry".*known: category, year, tags/);
      const mistyped = await errorOf(
        a.query({ vector: v(1, 0, 0), topK: 5, filter: { year: '2024' } }),
      );
      expect(mistyped.message).toMatch(/compares "year" with "2024"/);
      expect(
        (
          await errorOf(
            a.query({
              vector: v(1, 0, 0),
              topK: 5,
              filter: { category: { $in: ['guide', 'blog'] } },
            }),
          )
        ).code,
      ).toBe('INVALID_FILTER');
      const ok = await a.query({
        vector: v(1, 0, 0),
        topK: 5,
        filter: { year: { $gte: 2020 }, tags: 'a', category: 'guide' },
      });
      expect(ok.matches.map((m) => m.id)).toEqual(['x']);
    });

    it('refuses metadata that does not match the schema, writing nothing', async () => {
      const a = make();
      const error = await errorOf(
        a.upsert([
          { id: 'ok', values: v(1, 0, 0), metadata: { category: 'faq', year: 2023 } },
          { id: 'bad', values: v(1, 0, 0), metadata: { category: 'faq', yaer: 2023 } },
        ]),
      );
      expect(error.code).toBe('INVALID_INPUT');
      expect((await a.list()).ids).toEqual([]);
    });

    it('still answers a reserved key with SCOPE_VIOLATION', async () => {
      const error = await errorOf(
        make().upsert([
          {
            id: 'x',
            values: v(1, 0, 0),
            metadata: { _sr_tenant: 'o_x', category: 'faq', year: 1 },
          },
        ]),
      );
      expect(error.code).toBe('SCOPE_VIOLATION');
    });
  });

  it("writes an audit event for each operation with the caller's filter", async () => {
    const { vectors, audit } = setup();
    const a = vectors.forIdentity(alice);
    await a.upsert([{ id: 'x', values: v(1, 0, 0), metadata: { lang: 'en' } }]);
    await a.query({ vector: v(1, 0, 0), topK: 3, filter: { lang: 'en' } });
    expect(audit.events.map((e) => e.action)).toEqual(['upsert', 'query']);
    expect(audit.events[1]).toMatchObject({
      ids: ['x'],
      filter: { lang: { $eq: 'en' } },
      userId: 'user_alice',
    });
  });

  it('reports an audit sink failure after a completed write as BACKEND_UNAVAILABLE, saying it completed', async () => {
    const vectors = createScopedVectorStore({
      store: createMemoryVectorStore({ dimensions: 3 }),
      policy: orgPolicy(),
      audit: {
        specificationVersion: 'v1',
        record: async () => Promise.reject(new Error('disk full')),
      },
    });
    const a = vectors.forIdentity(alice);
    const error = await errorOf(a.upsert([{ id: 'x', values: v(1, 0, 0) }]));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/completed .* audit sink failed/);
    expect(error.details).toMatchObject({ action: 'upsert', ids: ['x'], completed: true });
  });

  it('validates its options: adapter specification version, capabilities, limits', () => {
    const store = createMemoryVectorStore({ dimensions: 3 });
    const attempt = (options: unknown) => {
      try {
        createScopedVectorStore(options as never);
      } catch (error) {
        return error as ScopedRagError;
      }
      return undefined;
    };
    expect(
      attempt({ store: { ...store, specificationVersion: 'v2' }, policy: orgPolicy() })?.message,
    ).toMatch(/specification v1/);
    expect(
      attempt({
        store: { ...store, capabilities: { ...store.capabilities, dimensions: 0 } },
        policy: orgPolicy(),
      })?.code,
    ).toBe('INVALID_INPUT');
    expect(attempt({ store, policy: orgPolicy(), limits: { maxBatch: -1 } })?.message).toMatch(
      /limits\.maxBatch/,
    );
    expect(attempt({ store, policy: orgPolicy(), limits: { maxBatchSize: 5 } })?.code).toBe(
      'INVALID_INPUT',
    );
    expect(attempt({ store, policy: {} })?.code).toBe('INVALID_INPUT');
    expect(attempt({ store, policy: orgPolicy() })).toBeUndefined();
  });

  it("never reveals another member's private id through a list cursor", async () => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const b = vectors.forIdentity(bob);
    await a.upsert([
      { id: 'a-shared', values: v(1, 0, 0) },
      { id: 'b-alice-salary', values: v(1, 0, 0), visibility: 'private' },
      { id: 'c-shared', values: v(1, 0, 0) },
      { id: 'd-alice-medical', values: v(1, 0, 0), visibility: 'private' },
      { id: 'e-alice-zz', values: v(1, 0, 0), visibility: 'private' },
    ]);
    for (const limit of [1, 2, 3, 4]) {
      const ids: string[] = [];
      const cursors: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await b.list({ limit, ...(cursor ? { cursor } : {}) });
        ids.push(...page.ids);
        cursor = page.cursor;
        if (cursor) cursors.push(cursor);
      } while (cursor);
      expect(ids).toEqual(['a-shared', 'c-shared']);
      expect(cursors.join(' ')).not.toMatch(/alice/);
    }
  });

  it('refuses delete with a null or empty filter instead of deleting everything', async () => {
    const { vectors } = setup();
    const b = vectors.forIdentity(bob);
    await b.upsert([{ id: 'x', values: v(1, 0, 0) }]);
    expect((await errorOf(b.delete({ filter: null } as never))).message).toMatch(/exactly one of/);
    expect((await errorOf(b.delete({ filter: {} }))).code).toBe('INVALID_FILTER');
    expect((await b.list()).ids).toEqual(['x']);
  });

  it('audits the filter that was applied, even if the input object changes while deleting', async () => {
    const { vectors, audit } = setup();
    const b = vectors.forIdentity(bob);
    await b.upsert([{ id: 'x', values: v(1, 0, 0), metadata: { kind: 'a' } }]);
    let reads = 0;
    const sneaky = {
      get filter() {
        reads += 1;
        return reads === 1 ? { kind: 'a' } : { kind: 'nothing-to-see' };
      },
    };
    expect(await b.delete(sneaky as never)).toEqual({ deletedCount: 1, skippedCount: 0 });
    expect(audit.events.find((e) => e.action === 'delete')?.filter).toEqual({ kind: { $eq: 'a' } });
  });

  it("does not let concurrent writes of one id overwrite another member's private record", async () => {
    const { vectors } = setup();
    const a = vectors.forIdentity(alice);
    const b = vectors.forIdentity(bob);
    const results = await Promise.allSettled([
      b.upsert([
        { id: 'q3-plan', values: v(1, 0, 0), metadata: { v: 'bob' }, visibility: 'private' },
      ]),
      a.upsert([{ id: 'q3-plan', values: v(1, 0, 0), metadata: { v: 'alice' } }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((await b.fetch(['q3-plan'])).records[0]).toMatchObject({
      owner: 'user_bob',
      visibility: 'private',
      metadata: { v: 'bob' },
    });
  });

  it("refuses to erase a namespace that holds another tenant's records (SCOPE_BREACH), erasing nothing", async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    const { vectors } = setup(orgPolicy(), inner);
    await vectors.forIdentity(alice).upsert([{ id: 'mine', values: v(1, 0, 0) }]);
    // A backend that normalised names and put another tenant's record in this namespace.
    await inner.upsert({
      namespace: 'o_org_acme',
      records: [
        {
          id: 'theirs',
          values: Float32Array.from([1, 0, 0]),
          metadata: { _sr_tenant: 'o_org_other', _sr_owner: 'x', _sr_visibility: 'org' },
        },
      ],
    });
    expect((await errorOf(vectors.forIdentity(alice).deleteAll())).code).toBe('SCOPE_BREACH');
    expect(await inner.fetch({ namespace: 'o_org_acme', ids: ['mine', 'theirs'] })).toHaveLength(2);
    expect(
      (await errorOf(vectors.forIdentity(alice).upsert([{ id: 'theirs', values: v(1, 0, 0) }])))
        .code,
    ).toBe('SCOPE_BREACH');
  });

  describe.each([
    ['namespace per tenant', orgPolicy()],
    ['shared namespace', orgPolicy({ isolation: { mode: 'shared', namespace: 'all' } })],
  ])('lifecycle erasure (%s)', (_, policy) => {
    async function seed() {
      const ctx = setup(policy);
      const { vectors } = ctx;
      const aliceHome = createIdentity({ userId: 'user_alice' });
      const aliceGlobex = createIdentity({ userId: 'user_alice', orgId: 'org_globex' });
      await vectors.forIdentity(aliceHome).upsert([{ id: 'diary', values: v(1, 0, 0) }]);
      await vectors.forIdentity(alice).upsert([
        { id: 'acme-shared', values: v(1, 0, 0) },
        { id: 'acme-private', values: v(1, 0, 0), visibility: 'private' },
      ]);
      await vectors
        .forIdentity(aliceGlobex)
        .upsert([{ id: 'globex-private', values: v(1, 0, 0), visibility: 'private' }]);
      await vectors
        .forIdentity(bob)
        .upsert([{ id: 'bob-private', values: v(1, 0, 0), visibility: 'private' }]);
      await vectors.forIdentity(carol).upsert([{ id: 'carol-shared', values: v(1, 0, 0) }]);
      return { ...ctx, aliceHome, aliceGlobex };
    }

    it('eraseUser removes the personal tenant and private records everywhere, keeps org-visible ones', async () => {
      const { vectors, audit, aliceHome, aliceGlobex } = await seed();
      const receipt = await vectors.eraseUser('user_alice', { actor: 'clerk:webhook:msg_1' });
      expect(receipt).toEqual({ deletedCount: 3, tenantsScanned: 3, verified: true });
      expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual([]);
      expect((await vectors.forIdentity(alice).list()).ids).toEqual(['acme-shared']);
      expect((await vectors.forIdentity(aliceGlobex).list()).ids).toEqual(['carol-shared']);
      expect((await vectors.forIdentity(bob).list()).ids).toEqual(['acme-shared', 'bob-private']);
      expect(
        audit.events
          .filter((e) => e.action === 'erase')
          .every((e) => e.userId === 'clerk:webhook:msg_1'),
      ).toBe(true);
      // Idempotent: a retried webhook erases nothing more and still verifies.
      expect(await vectors.eraseUser('user_alice')).toEqual({
        deletedCount: 0,
        tenantsScanned: 3,
        verified: true,
      });
    });

    it('eraseTenant removes an organization completely and nothing else', async () => {
      const { vectors, aliceHome } = await seed();
      expect(await vectors.eraseTenant({ kind: 'org', id: 'org_acme' })).toEqual({
        deletedCount: 3,
        tenantsScanned: 1,
        verified: true,
      });
      expect((await vectors.forIdentity(bob).list()).ids).toEqual([]);
      expect((await vectors.forIdentity(carol).list()).ids).toEqual(
        ['carol-shared', 'globex-private'].filter((id) => id !== 'globex-private'),
      );
      expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual(['diary']);
    });

    it("eraseMember removes a former member's private records in that organization only", async () => {
      const { vectors, aliceGlobex } = await seed();
      expect(await vectors.eraseMember('user_alice', 'org_acme')).toEqual({
        deletedCount: 1,
        tenantsScanned: 1,
        verified: true,
      });
      expect((await vectors.forIdentity(alice).list()).ids).toEqual(['acme-shared']);
      expect((await vectors.forIdentity(aliceGlobex).list()).ids).toEqual([
        'carol-shared',
        'globex-private',
      ]);
    });

    it('finds organizations page by page on a backend with small request limits', async () => {
      const inner = createMemoryVectorStore({ dimensions: 3 });
      const small: VectorStore = {
        ...inner,
        capabilities: { ...inner.capabilities, maxIdsPerRequest: 2 },
      };
      const { vectors } = setup(policy, small);
      for (const org of ['org_a', 'org_b', 'org_c', 'org_d', 'org_e']) {
        const member = createIdentity({ userId: 'user_alice', orgId: org });
        await vectors
          .forIdentity(member)
          .upsert([{ id: 'p', values: v(1, 0, 0), visibility: 'private' }]);
      }
      expect(await vectors.eraseUser('user_alice')).toMatchObject({
        deletedCount: 5,
        tenantsScanned: 6,
      });
    });

    it('refuses writes into an erased tenant and by an erased user while sessions from before may live', async () => {
      const { vectors, aliceHome, aliceGlobex } = await seed();
      await vectors.eraseTenant({ kind: 'org', id: 'org_acme' });
      const late = await errorOf(
        vectors.forIdentity(bob).upsert([{ id: 'after', values: v(1, 0, 0) }]),
      );
      expect(late).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'erased' } });
      expect((await vectors.forIdentity(bob).list()).ids).toEqual([]);
      await vectors.eraseUser('user_alice');
      for (const who of [aliceHome, aliceGlobex]) {
        expect(
          (await errorOf(vectors.forIdentity(who).upsert([{ id: 'x', values: v(1, 0, 0) }]))).code,
        ).toBe('FORBIDDEN');
      }
      await vectors.forIdentity(carol).upsert([{ id: 'unaffected', values: v(1, 0, 0) }]);
    });

    it('tombstones end after tombstoneMs (0 disables them)', async () => {
      const vectors = createScopedVectorStore({
        store: createMemoryVectorStore({ dimensions: 3 }),
        policy,
        tombstoneMs: 0,
      });
      await vectors.eraseTenant({ kind: 'org', id: 'org_acme' });
      await expect(
        vectors.forIdentity(bob).upsert([{ id: 'x', values: v(1, 0, 0) }]),
      ).resolves.toEqual({ upsertedCount: 1 });
    });

    it('eraseMember with before spares private records written later (a re-joined member)', async () => {
      const { vectors } = await seed();
      const ended = Date.now() - 60_000;
      expect(await vectors.eraseMember('user_alice', 'org_acme', { before: ended })).toMatchObject({
        deletedCount: 0,
      });
      expect(
        await vectors.eraseMember('user_alice', 'org_acme', { before: Date.now() }),
      ).toMatchObject({ deletedCount: 1 });
    });

    it('refuses invalid ids with INVALID_INPUT', async () => {
      const { vectors } = setup(policy);
      expect((await errorOf(vectors.eraseUser(''))).code).toBe('INVALID_INPUT');
      expect((await errorOf(vectors.eraseTenant({ kind: 'team', id: 'x' } as never))).code).toBe(
        'INVALID_INPUT',
      );
      expect((await errorOf(vectors.eraseMember('user_alice', ''))).code).toBe('INVALID_INPUT');
    });
  });
});
