// Conformance suites for the persistence ports (DocumentStore, ThreadStore, AuditLog): the
// contract, and a model-checked attack in which many tenants' users interleave operations with
// hostile ids. The reference model is core's in-memory implementation; on top of agreeing with
// it, every row an adapter returns must belong to the caller's tenant and be readable by the
// caller, whatever the model says.
import {
  type AuditAction,
  type AuditLog,
  type ChunkWrite,
  createIdentity,
  createMemoryAuditSink,
  createMemoryDocumentStore,
  createMemoryThreadStore,
  type DocumentStore,
  type DocumentWrite,
  encodeKeyPart,
  type Identity,
  orgPolicy,
  type Page,
  type Scope,
  ScopedRagError,
  type StoredChunk,
  type StoredDocument,
  scopeAccess,
  type Thread,
  type ThreadMessage,
  type ThreadStore,
} from '@scoped-rag/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileIdArb, RECORD_IDS } from './arbitraries.js';
import { ERASE_ROLE, WRITE_PERMISSION } from './model.js';

export interface PersistenceConformanceOptions {
  /** fast-check runs of the cross-tenant model. Each run calls the factory once. Default 60. */
  attackRuns?: number;
  /** Operations per run. Default 80. */
  operationsPerRun?: number;
  seed?: number;
  /** Per-test timeout in ms. Default 240,000. */
  timeout?: number;
}

/**
 * Makes the store under test. Each call must return a store with no rows (for a database:
 * truncate the tables), since the model starts empty.
 */
export type MakeStore<T> = () => T | Promise<T>;

const policy = orgPolicy({ writePermission: WRITE_PERMISSION, eraseRole: ERASE_ROLE });

/** Ids usable as document and thread ids (≤ 200 printable ASCII), shared across tenants. */
const ROW_IDS = RECORD_IDS.filter((id) => id.length <= 200);
const rowIdArb = fc.constantFrom(...ROW_IDS);

interface Actor {
  readonly identity: Identity;
  readonly scope: Scope;
}

const actorsArb: fc.Arbitrary<Actor[]> = fc
  .record({
    users: fc.uniqueArray(hostileIdArb, { minLength: 2, maxLength: 3 }),
    orgs: fc.uniqueArray(hostileIdArb, { minLength: 1, maxLength: 2 }),
  })
  .chain(({ users, orgs }) =>
    fc.array(
      fc.record({
        userId: fc.constantFrom(...users),
        orgId: fc.option(fc.constantFrom(...orgs), { freq: 3 }),
        admin: fc.boolean(),
        writer: fc.boolean(),
      }),
      { minLength: 3, maxLength: 6 },
    ),
  )
  .map((specs) =>
    specs.map(({ userId, orgId, admin, writer }) => {
      const identity = createIdentity({
        userId,
        orgId,
        orgRole: orgId === null ? null : admin ? ERASE_ROLE : 'org:member',
        orgPermissions: orgId !== null && writer ? [WRITE_PERMISSION] : [],
      });
      return { identity, scope: policy.scopeFor(identity) };
    }),
  );

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

async function settle(promise: Promise<unknown>, normalize: (value: unknown) => unknown) {
  try {
    return { ok: true, value: normalize(await promise) } as Outcome;
  } catch (error) {
    return {
      ok: false,
      code: ScopedRagError.isInstance(error) ? error.code : `not a ScopedRagError: ${error}`,
    } as Outcome;
  }
}

/** Drops what legitimately differs between implementations: clocks and generated ids. */
function withoutClock<T extends object>(row: T): Omit<T, 'createdAt' | 'updatedAt'> {
  const {
    createdAt: _c,
    updatedAt: _u,
    ...rest
  } = row as T & {
    createdAt?: string;
    updatedAt?: string;
  };
  return rest;
}

const byJson = (a: unknown, b: unknown) =>
  JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;

/** Reads every page, checking page sizes and that cursors end. */
async function drain<T>(
  read: (cursor: string | null) => Promise<Page<T>>,
  limit: number,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page: Page<T> = await read(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

/** The documents in a result (a document, or none). */
function leakCandidates(value: unknown): StoredDocument[] {
  return typeof value === 'object' && value !== null && 'tenantKey' in value && 'ownerId' in value
    ? [value as StoredDocument]
    : [];
}

/** Fails the test when a row is not the actor's to see. */
function assertVisibleDocument(actor: Actor, doc: StoredDocument): void {
  const access = scopeAccess(actor.scope);
  if (doc.tenantKey !== access.tenantKey || !access.canRead(doc)) {
    throw new Error(
      `LEAK: ${actor.identity.userId} in ${access.tenantKey} got document ${doc.id} of ${doc.tenantKey} (owner ${doc.ownerId}, ${doc.visibility})`,
    );
  }
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const result = await settle(promise, (v) => v);
  expect(result).toEqual({ ok: false, code });
}

const fixtures = () => {
  const member = (userId: string, orgId: string | null, extra: Partial<Identity> = {}) =>
    policy.scopeFor(
      createIdentity({
        userId,
        orgId,
        orgRole: orgId === null ? null : 'org:member',
        orgPermissions: orgId === null ? [] : [WRITE_PERMISSION],
        ...extra,
      }),
    );
  return {
    alice: member('user_alice', 'org_acme'),
    bob: member('user_bob', 'org_acme'),
    reader: member('user_carol', 'org_acme', { orgPermissions: [] }),
    admin: member('user_dana', 'org_acme', { orgRole: ERASE_ROLE }),
    mallory: member('user_mallory', 'org_evil'),
    alicePersonal: member('user_alice', null),
    // An org whose id equals a user id: tenants must still differ.
    lookalike: member('user_alice', 'user_alice'),
  };
};

const doc = (id: string, extra: Partial<DocumentWrite> = {}): DocumentWrite => ({
  id,
  state: 'pending',
  contentHash: `h-${id.length}`,
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// DocumentStore

type DocOp =
  | { t: 'create'; a: number; id: string; org: boolean; title: string }
  | { t: 'replace'; a: number; id: string; stale: boolean; state: 'indexed' | 'failed' }
  | { t: 'get'; a: number; id: string }
  | { t: 'list'; a: number; limit: number }
  | { t: 'delete'; a: number; id: string }
  | { t: 'putChunks'; a: number; id: string; gen: string; vectors: string[] }
  | { t: 'listChunks'; a: number; id: string }
  | { t: 'getChunks'; a: number; vectors: string[] }
  | { t: 'deleteChunks'; a: number; id: string; gens: string[] }
  | { t: 'eraseTenant'; a: number }
  | { t: 'erasePrivate'; a: number; everywhere: boolean };

const genArb = fc.constantFrom('g1', 'g2');
const vectorIdArb = fc.constantFrom('v1', 'v2', 'v3', 'doc-1#g1#0', 'V1');

function docOpArb(actors: number): fc.Arbitrary<DocOp> {
  const a = fc.nat({ max: actors - 1 });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant('create' as const),
        a,
        id: rowIdArb,
        org: fc.boolean(),
        title: fc.string({ maxLength: 12 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('replace' as const),
        a,
        id: rowIdArb,
        stale: fc.boolean(),
        state: fc.constantFrom('indexed' as const, 'failed' as const),
      }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('get' as const), a, id: rowIdArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('list' as const),
        a,
        limit: fc.integer({ min: 1, max: 4 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), a, id: rowIdArb }) },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('putChunks' as const),
        a,
        id: rowIdArb,
        gen: genArb,
        vectors: fc.uniqueArray(vectorIdArb, { maxLength: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('listChunks' as const), a, id: rowIdArb }) },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('getChunks' as const),
        a,
        vectors: fc.uniqueArray(vectorIdArb, { maxLength: 5 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('deleteChunks' as const),
        a,
        id: rowIdArb,
        gens: fc.uniqueArray(genArb, { maxLength: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseTenant' as const), a }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('erasePrivate' as const),
        a,
        everywhere: fc.boolean(),
      }),
    },
  );
}

const normalizeDoc = (value: unknown) =>
  value === null ? null : withoutClock(value as StoredDocument);
const sortChunks = (value: unknown) => [...(value as StoredChunk[])].sort(byJson);

/** Registers the DocumentStore conformance suite. */
export function describeDocumentStoreConformance(
  name: string,
  makeStore: MakeStore<DocumentStore>,
  options: PersistenceConformanceOptions = {},
): void {
  const { attackRuns = 60, operationsPerRun = 80, timeout = 240_000 } = options;
  const seed = options.seed === undefined ? {} : { seed: options.seed };

  describe(`${name}: DocumentStore conformance`, () => {
    it('creates, reads back and replaces a document with compare-and-set revisions', async () => {
      const store = await makeStore();
      const { alice, bob } = fixtures();
      const created = await store.putDocument(
        alice,
        doc('doc-1', { title: 'Plan', metadata: { n: 1 } }),
        {
          expectedRevision: null,
        },
      );
      expect(created).toMatchObject({
        id: 'doc-1',
        tenantKey: alice.tenantKey,
        ownerId: 'user_alice',
        visibility: 'org',
        state: 'pending',
        title: 'Plan',
        metadata: { n: 1 },
        revision: 1,
        chunkCount: 0,
        error: null,
        source: null,
      });
      expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
      expect(await store.getDocument(alice, 'doc-1')).toEqual(created);
      await expectCode(
        store.putDocument(alice, doc('doc-1'), { expectedRevision: null }),
        'CONFLICT',
      );
      const replaced = await store.putDocument(
        bob,
        doc('doc-1', { state: 'indexed', chunkCount: 3 }),
        { expectedRevision: 1 },
      );
      // Another member changes an org-visible document; it stays Alice's, keeps its title.
      expect(replaced).toMatchObject({
        ownerId: 'user_alice',
        state: 'indexed',
        chunkCount: 3,
        title: 'Plan',
        revision: 2,
      });
      expect(Date.parse(replaced.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      await expectCode(store.putDocument(alice, doc('doc-1'), { expectedRevision: 1 }), 'CONFLICT');
      await expectCode(store.putDocument(alice, doc('nope'), { expectedRevision: 1 }), 'NOT_FOUND');
    });

    it('keeps tenants apart: same ids, look-alike tenants, no reads or writes across', async () => {
      const store = await makeStore();
      const { alice, mallory, alicePersonal, lookalike } = fixtures();
      for (const scope of [alice, mallory, alicePersonal, lookalike]) {
        await store.putDocument(scope, doc('doc-1', { title: scope.tenantKey }), {
          expectedRevision: null,
        });
      }
      for (const scope of [alice, mallory, alicePersonal, lookalike]) {
        expect((await store.getDocument(scope, 'doc-1'))?.title).toBe(scope.tenantKey);
        const listed = await store.listDocuments(scope);
        expect(listed.items.map((d) => d.title)).toEqual([scope.tenantKey]);
      }
      expect(await store.deleteDocument(mallory, 'doc-1')).toBe(true);
      expect((await store.getDocument(alice, 'doc-1'))?.title).toBe(alice.tenantKey);
    });

    it('private documents: owner only; others see nothing and cannot change or take the id', async () => {
      const store = await makeStore();
      const { alice, bob, admin } = fixtures();
      await store.putDocument(alice, doc('secret', { visibility: 'private' }), {
        expectedRevision: null,
      });
      await store.putChunks(alice, 'secret', 'g1', [
        { position: 0, text: 'alice only', vectorId: 'v-s' },
      ]);
      for (const other of [bob, admin]) {
        expect(await store.getDocument(other, 'secret')).toBeNull();
        expect((await store.listDocuments(other)).items).toEqual([]);
        expect(await store.listChunks(other, 'secret')).toEqual([]);
        expect(await store.getChunks(other, ['v-s'])).toEqual([]);
        expect(await store.deleteDocument(other, 'secret')).toBe(false);
        await expectCode(
          store.putDocument(other, doc('secret'), { expectedRevision: 1 }),
          'NOT_FOUND',
        );
        await expectCode(
          store.putDocument(other, doc('secret'), { expectedRevision: null }),
          'CONFLICT',
        );
        await expectCode(store.putChunks(other, 'secret', 'g2', []), 'NOT_FOUND');
        await expectCode(store.deleteChunks(other, 'secret', ['g1']), 'NOT_FOUND');
      }
      expect(await store.getChunks(alice, ['v-s'])).toEqual([
        {
          documentId: 'secret',
          generation: 'g1',
          position: 0,
          text: 'alice only',
          vectorId: 'v-s',
        },
      ]);
    });

    it("applies the policy's write rules: org-visible writes need the permission, none in a personal workspace", async () => {
      const store = await makeStore();
      const { alice, reader, alicePersonal } = fixtures();
      await expectCode(
        store.putDocument(reader, doc('d', { visibility: 'org' }), { expectedRevision: null }),
        'FORBIDDEN',
      );
      await expectCode(
        store.putDocument(alicePersonal, doc('d', { visibility: 'org' }), {
          expectedRevision: null,
        }),
        'SCOPE_VIOLATION',
      );
      expect(
        (
          await store.putDocument(reader, doc('d', { visibility: 'private' }), {
            expectedRevision: null,
          })
        ).visibility,
      ).toBe('private');
      expect(
        (await store.putDocument(alicePersonal, doc('d'), { expectedRevision: null })).visibility,
      ).toBe('private');
      await store.putDocument(alice, doc('shared'), { expectedRevision: null });
      // A reader sees the org document but may not change it.
      expect(await store.getDocument(reader, 'shared')).not.toBeNull();
      await expectCode(
        store.putDocument(reader, doc('shared'), { expectedRevision: 1 }),
        'NOT_FOUND',
      );
      expect(await store.deleteDocument(reader, 'shared')).toBe(false);
    });

    it('chunks: generations replace independently, vector ids are unique per tenant, delete removes them', async () => {
      const store = await makeStore();
      const { alice, mallory } = fixtures();
      await store.putDocument(alice, doc('d1'), { expectedRevision: null });
      await store.putDocument(alice, doc('d2'), { expectedRevision: null });
      const g1: ChunkWrite[] = [
        { position: 1, text: 'second', vectorId: 'd1#g1#1' },
        { position: 0, text: 'first', vectorId: 'd1#g1#0' },
      ];
      await store.putChunks(alice, 'd1', 'g1', g1);
      await store.putChunks(alice, 'd1', 'g2', [{ position: 0, text: 'new', vectorId: 'd1#g2#0' }]);
      expect(
        (await store.listChunks(alice, 'd1')).map((c) => [c.generation, c.position, c.text]),
      ).toEqual([
        ['g1', 0, 'first'],
        ['g1', 1, 'second'],
        ['g2', 0, 'new'],
      ]);
      // Re-putting a generation replaces it whole.
      await store.putChunks(alice, 'd1', 'g1', [
        { position: 0, text: 'only', vectorId: 'd1#g1#0' },
      ]);
      expect(
        (await store.listChunks(alice, 'd1')).filter((c) => c.generation === 'g1'),
      ).toHaveLength(1);
      await expectCode(
        store.putChunks(alice, 'd2', 'g1', [{ position: 0, text: 'x', vectorId: 'd1#g2#0' }]),
        'CONFLICT',
      );
      // The same vector id in another tenant is another chunk.
      await store.putDocument(mallory, doc('d1'), { expectedRevision: null });
      await store.putChunks(mallory, 'd1', 'g1', [
        { position: 0, text: 'evil', vectorId: 'd1#g2#0' },
      ]);
      expect((await store.getChunks(alice, ['d1#g2#0', 'unknown'])).map((c) => c.text)).toEqual([
        'new',
      ]);
      expect(await store.deleteChunks(alice, 'd1', ['g1'])).toBe(1);
      expect(await store.deleteDocument(alice, 'd1')).toBe(true);
      expect(await store.getChunks(alice, ['d1#g2#0'])).toEqual([]);
      // The vector id is free again.
      await store.putChunks(alice, 'd2', 'g1', [{ position: 0, text: 'x', vectorId: 'd1#g2#0' }]);
      expect((await store.getChunks(mallory, ['d1#g2#0'])).map((c) => c.text)).toEqual(['evil']);
    });

    it('lists newest first with stable cursors, filtered by state', async () => {
      const store = await makeStore();
      const { alice } = fixtures();
      const ids = Array.from({ length: 7 }, (_, i) => `doc-${i}`);
      for (const id of ids) {
        await store.putDocument(alice, doc(id, { state: id === 'doc-3' ? 'failed' : 'pending' }), {
          expectedRevision: null,
        });
      }
      const all = await drain((cursor) => store.listDocuments(alice, { cursor, limit: 3 }), 3);
      expect(all.map((d) => d.id)).toEqual([...ids].reverse());
      const failed = await store.listDocuments(alice, { states: ['failed'] });
      expect(failed.items.map((d) => d.id)).toEqual(['doc-3']);
      await expectCode(store.listDocuments(alice, { cursor: 'not-a-cursor' }), 'INVALID_INPUT');
      await expectCode(store.listDocuments(alice, { limit: 0 }), 'INVALID_INPUT');
    });

    it('refuses bad input with INVALID_INPUT and unscoped calls with UNSCOPED_QUERY', async () => {
      const store = await makeStore();
      const { alice } = fixtures();
      const fake = { ...alice } as Scope;
      await expectCode(store.getDocument(fake, 'doc-1'), 'UNSCOPED_QUERY');
      await expectCode(store.listDocuments(undefined as unknown as Scope), 'UNSCOPED_QUERY');
      await expectCode(
        store.putDocument(fake, doc('d'), { expectedRevision: null }),
        'UNSCOPED_QUERY',
      );
      const bad: DocumentWrite[] = [
        doc(''),
        doc('x'.repeat(201)),
        doc('tab\tid'),
        doc('ok', { state: 'deleted' as never }),
        doc('ok', { contentHash: '' }),
        doc('ok', { visibility: 'public' as never }),
        doc('ok', { chunkCount: -1 }),
        doc('ok', { metadata: { bad: null } as never }),
        doc('ok', { title: 'x'.repeat(1_001) }),
        doc('ok', { title: 'nul \u0000 byte' }),
        doc('ok', { metadata: { k: 'nul \u0000' } }),
      ];
      for (const input of bad) {
        await expectCode(
          store.putDocument(alice, input, { expectedRevision: null }),
          'INVALID_INPUT',
        );
      }
      await store.putDocument(alice, doc('ok'), { expectedRevision: null });
      await expectCode(
        store.putChunks(alice, 'ok', 'g', [
          { position: 0, text: 'a', vectorId: 'v' },
          { position: 0, text: 'b', vectorId: 'w' },
        ]),
        'INVALID_INPUT',
      );
      await expectCode(
        store.putChunks(alice, 'ok', 'g', [{ position: -1, text: 'a', vectorId: 'v' }]),
        'INVALID_INPUT',
      );
      await expectCode(
        store.putChunks(alice, 'ok', 'g', [{ position: 0, text: 'nul \u0000', vectorId: 'v' }]),
        'INVALID_INPUT',
      );
      await expectCode(
        store.getChunks(
          alice,
          Array.from({ length: 1_001 }, (_, i) => `v${i}`),
        ),
        'INVALID_INPUT',
      );
      // Nothing was half-written.
      expect(await store.listChunks(alice, 'ok')).toEqual([]);
      expect((await store.listDocuments(alice)).items.map((d) => d.id)).toEqual(['ok']);
    });

    it('lifecycle: eraseTenant removes one tenant only; erasePrivate spares org-visible and later writes', async () => {
      const store = await makeStore();
      const { alice, bob, mallory, alicePersonal } = fixtures();
      await store.putDocument(alice, doc('shared'), { expectedRevision: null });
      await store.putDocument(alice, doc('mine', { visibility: 'private' }), {
        expectedRevision: null,
      });
      await store.putChunks(alice, 'mine', 'g', [{ position: 0, text: 't', vectorId: 'v' }]);
      await store.putDocument(bob, doc('bobs', { visibility: 'private' }), {
        expectedRevision: null,
      });
      await store.putDocument(alicePersonal, doc('home'), { expectedRevision: null });
      await store.putDocument(mallory, doc('evil'), { expectedRevision: null });
      expect(
        await store.erasePrivate('user_alice', { tenantKey: alice.tenantKey, before: 0 }),
      ).toEqual({ documents: 0, chunks: 0 });
      expect(await store.erasePrivate('user_alice', { tenantKey: alice.tenantKey })).toEqual({
        documents: 1,
        chunks: 1,
      });
      expect((await store.listDocuments(alice)).items.map((d) => d.id).sort()).toEqual(['shared']);
      expect((await store.listDocuments(bob)).items.map((d) => d.id).sort()).toEqual([
        'bobs',
        'shared',
      ]);
      expect(await store.getDocument(alicePersonal, 'home')).not.toBeNull();
      expect(await store.eraseTenant({ tenantKey: alice.tenantKey })).toEqual({
        documents: 2,
        chunks: 0,
      });
      expect((await store.listDocuments(bob)).items).toEqual([]);
      expect(await store.getDocument(mallory, 'evil')).not.toBeNull();
      expect(await store.eraseTenant({ tenantKey: alice.tenantKey })).toEqual({
        documents: 0,
        chunks: 0,
      });
    });

    it('lists every tenant’s unfinished documents for a lifecycle sweep (when it implements listUnfinished)', async () => {
      const store = await makeStore();
      if (!store.listUnfinished) return;
      const { alice, bob, mallory } = fixtures();
      await store.putDocument(alice, doc('done', { state: 'indexed' }), { expectedRevision: null });
      await store.putDocument(alice, doc('b', { visibility: 'private' }), {
        expectedRevision: null,
      });
      await store.putDocument(bob, doc('a', { state: 'failed', visibility: 'private' }), {
        expectedRevision: null,
      });
      await store.putDocument(mallory, doc('z', { state: 'deleting' }), { expectedRevision: null });
      const all = await drain((cursor) => store.listUnfinished!({ cursor, limit: 2 }), 2);
      expect(all).toEqual(
        [
          { tenantKey: alice.tenantKey, id: 'a', ownerId: 'user_bob', state: 'failed' },
          { tenantKey: alice.tenantKey, id: 'b', ownerId: 'user_alice', state: 'pending' },
          { tenantKey: mallory.tenantKey, id: 'z', ownerId: 'user_mallory', state: 'deleting' },
        ].sort((x, y) => (x.tenantKey === y.tenantKey ? 0 : x.tenantKey < y.tenantKey ? -1 : 1)),
      );
    });

    it(
      `${attackRuns} × ${operationsPerRun} interleaved operations of many tenants agree with the model and never leak`,
      async () => {
        const operations = await attackDocumentStore(makeStore, {
          attackRuns,
          operationsPerRun,
          ...seed,
        });
        expect(operations).toBe(attackRuns * operationsPerRun);
      },
      timeout,
    );
  });
}

/**
 * The model-checked attack on a DocumentStore, on its own: rejects with the first disagreement or
 * leak (fast-check shrinks it), resolves with the number of operations run.
 */
export async function attackDocumentStore(
  makeStore: MakeStore<DocumentStore>,
  options: PersistenceConformanceOptions = {},
): Promise<number> {
  const { attackRuns = 60, operationsPerRun = 80 } = options;
  let operations = 0;
  await fc.assert(
    fc.asyncProperty(
      actorsArb.chain((actors) =>
        fc.tuple(
          fc.constant(actors),
          fc.array(docOpArb(actors.length), {
            minLength: operationsPerRun,
            maxLength: operationsPerRun,
          }),
        ),
      ),
      async ([actors, ops]) => {
        const store = await makeStore();
        const model = createMemoryDocumentStore();
        for (const op of ops) {
          await docStep(op, actors, store, model);
          operations++;
        }
        if (store.listUnfinished) {
          // The lifecycle sweep lists every tenant's unfinished documents, as the model does.
          const read = (s: DocumentStore) =>
            drain((cursor) => s.listUnfinished!({ cursor, limit: 3 }), 3);
          expect(await read(store)).toEqual(await read(model));
        }
        for (const actor of actors) {
          const got = await drain(
            (cursor) => store.listDocuments(actor.scope, { cursor, limit: 100 }),
            100,
          );
          for (const row of got) assertVisibleDocument(actor, row);
          const want = await drain(
            (cursor) => model.listDocuments(actor.scope, { cursor, limit: 100 }),
            100,
          );
          expect(got.map(normalizeDoc).sort(byJson)).toEqual(want.map(normalizeDoc).sort(byJson));
        }
      },
    ),
    {
      numRuns: attackRuns,
      endOnFailure: true,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  return operations;
}

async function docStep(
  op: DocOp,
  actors: readonly Actor[],
  store: DocumentStore,
  model: DocumentStore,
): Promise<void> {
  const actor = actors[op.a]!;
  const { scope } = actor;
  // Leaks are named as such (checked on the raw rows first); then the adapter must agree with the model.
  const both = async (
    call: (s: DocumentStore) => Promise<unknown>,
    normalize: (v: unknown) => unknown = (v) => v,
  ) => {
    const [raw, want] = await Promise.all([
      settle(call(store), (v) => v),
      settle(call(model), normalize),
    ]);
    if (raw.ok) for (const row of leakCandidates(raw.value)) assertVisibleDocument(actor, row);
    const got = raw.ok ? { ok: true, value: normalize(raw.value) } : raw;
    expect({ op, result: got }).toEqual({ op, result: want });
    return got;
  };
  switch (op.t) {
    case 'create': {
      const visibility = op.org ? 'org' : 'private';
      await both(
        (s) =>
          s.putDocument(scope, doc(op.id, { visibility, title: op.title }), {
            expectedRevision: null,
          }),
        normalizeDoc,
      );
      return;
    }
    case 'replace': {
      const current = await model.getDocument(scope, op.id);
      const revision = current === null ? 1 : current.revision - (op.stale ? 1 : 0);
      await both(
        (s) =>
          s.putDocument(scope, doc(op.id, { state: op.state, chunkCount: 2 }), {
            expectedRevision: revision,
          }),
        normalizeDoc,
      );
      return;
    }
    case 'get':
      await both((s) => s.getDocument(scope, op.id), normalizeDoc);
      return;
    case 'list': {
      const got = await drain(
        (cursor) => store.listDocuments(scope, { cursor, limit: op.limit }),
        op.limit,
      );
      for (const row of got) assertVisibleDocument(actor, row);
      const want = await drain(
        (cursor) => model.listDocuments(scope, { cursor, limit: op.limit }),
        op.limit,
      );
      expect(got.map(normalizeDoc).sort(byJson)).toEqual(want.map(normalizeDoc).sort(byJson));
      // Newest first.
      const times = got.map((row) => Date.parse(row.createdAt));
      expect(times).toEqual([...times].sort((x, y) => y - x));
      return;
    }
    case 'delete':
      await both((s) => s.deleteDocument(scope, op.id));
      return;
    case 'putChunks': {
      const chunks = op.vectors.map((vectorId, position) => ({
        position,
        text: `${scope.tenantKey}/${encodeKeyPart(actor.identity.userId)}/${op.id}`,
        vectorId,
      }));
      await both((s) => s.putChunks(scope, op.id, op.gen, chunks));
      return;
    }
    case 'listChunks':
      await both((s) => s.listChunks(scope, op.id), sortChunks);
      return;
    case 'getChunks':
      await both((s) => s.getChunks(scope, op.vectors), sortChunks);
      return;
    case 'deleteChunks':
      await both((s) => s.deleteChunks(scope, op.id, op.gens));
      return;
    case 'eraseTenant':
      await both((s) => s.eraseTenant({ tenantKey: scope.tenantKey }));
      return;
    case 'erasePrivate':
      await both((s) =>
        s.erasePrivate(actor.identity.userId, op.everywhere ? {} : { tenantKey: scope.tenantKey }),
      );
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// ThreadStore

type ThreadOp =
  | { t: 'create'; a: number; id: string; title: string }
  | { t: 'get'; a: number; id: string }
  | { t: 'list'; a: number; limit: number; archived: boolean }
  | { t: 'update'; a: number; id: string; title: string; archived: boolean }
  | { t: 'delete'; a: number; id: string }
  | { t: 'append'; a: number; id: string; count: number }
  | { t: 'messages'; a: number; id: string; limit: number }
  | { t: 'eraseTenant'; a: number }
  | { t: 'eraseUser'; a: number; everywhere: boolean; cutoff: 'none' | 'past' | 'future' };

function threadOpArb(actors: number): fc.Arbitrary<ThreadOp> {
  const a = fc.nat({ max: actors - 1 });
  const id = rowIdArb;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('create' as const),
        a,
        id,
        title: fc.string({ maxLength: 8 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('get' as const), a, id }) },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('list' as const),
        a,
        limit: fc.integer({ min: 1, max: 3 }),
        archived: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('update' as const),
        a,
        id,
        title: fc.string({ maxLength: 8 }),
        archived: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), a, id }) },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('append' as const),
        a,
        id,
        count: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('messages' as const),
        a,
        id,
        limit: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseTenant' as const), a }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('eraseUser' as const),
        a,
        everywhere: fc.boolean(),
        // The store's clock and the model's differ: cutoffs before or after every thread.
        cutoff: fc.constantFrom('none' as const, 'past' as const, 'future' as const),
      }),
    },
  );
}

const normalizeThread = (value: unknown) => (value === null ? null : withoutClock(value as Thread));
const normalizeMessages = (value: unknown) =>
  (value as ThreadMessage[]).map((m) => withoutClock(m));

function assertOwnThread(actor: Actor, thread: Thread): void {
  if (thread.tenantKey !== actor.scope.tenantKey || thread.ownerId !== actor.identity.userId) {
    throw new Error(
      `LEAK: ${actor.identity.userId} in ${actor.scope.tenantKey} got thread ${thread.id} of ${thread.ownerId} in ${thread.tenantKey}`,
    );
  }
}

/** Registers the ThreadStore conformance suite. */
export function describeThreadStoreConformance(
  name: string,
  makeStore: MakeStore<ThreadStore>,
  options: PersistenceConformanceOptions = {},
): void {
  const { attackRuns = 60, operationsPerRun = 80, timeout = 240_000 } = options;
  const seed = options.seed === undefined ? {} : { seed: options.seed };

  describe(`${name}: ThreadStore conformance`, () => {
    it('creates threads, appends and pages messages in order, lists newest first per user', async () => {
      const store = await makeStore();
      const { alice, bob } = fixtures();
      const t1 = await store.createThread(alice, { id: 't-1', title: 'First' });
      expect(t1).toMatchObject({
        id: 't-1',
        tenantKey: alice.tenantKey,
        ownerId: 'user_alice',
        title: 'First',
        archived: false,
        metadata: {},
      });
      const t2 = await store.createThread(alice, { title: null });
      expect(t2.id).toMatch(/^[0-9a-f-]{36}$/);
      await store.createThread(bob, { id: 't-bob' });
      const appended = await store.appendMessages(alice, 't-1', [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', metadata: { model: 'm' }, id: 'm-2' },
      ]);
      expect(appended.map((m) => [m.seq, m.role, m.content, m.threadId])).toEqual([
        [1, 'user', 'hi', 't-1'],
        [2, 'assistant', 'hello', 't-1'],
      ]);
      await store.appendMessages(alice, 't-1', [{ role: 'user', content: 'more' }]);
      const messages = await drain(
        (cursor) => store.listMessages(alice, 't-1', { cursor, limit: 2 }),
        2,
      );
      expect(messages.map((m) => m.content)).toEqual(['hi', 'hello', 'more']);
      // t-1 got the latest message: it is listed first.
      const listed = await drain((cursor) => store.listThreads(alice, { cursor, limit: 1 }), 1);
      expect(listed.map((t) => t.id)).toEqual(['t-1', t2.id]);
      expect((await store.listThreads(bob)).items.map((t) => t.id)).toEqual(['t-bob']);
      await expectCode(
        store.appendMessages(alice, 't-1', [{ role: 'user', content: 'x', id: 'm-2' }]),
        'CONFLICT',
      );
      await expectCode(store.createThread(bob, { id: 't-1' }), 'CONFLICT');
    });

    it("no other member, admin or tenant reads, changes or deletes a user's thread", async () => {
      const store = await makeStore();
      const { alice, bob, admin, mallory, alicePersonal, lookalike } = fixtures();
      await store.createThread(alice, { id: 't' });
      await store.appendMessages(alice, 't', [{ role: 'user', content: 'secret' }]);
      for (const other of [bob, admin, mallory, alicePersonal, lookalike]) {
        expect(await store.getThread(other, 't')).toBeNull();
        expect((await store.listThreads(other)).items).toEqual([]);
        await expectCode(store.listMessages(other, 't'), 'NOT_FOUND');
        await expectCode(
          store.appendMessages(other, 't', [{ role: 'user', content: 'x' }]),
          'NOT_FOUND',
        );
        await expectCode(store.updateThread(other, 't', { title: 'x' }), 'NOT_FOUND');
        expect(await store.deleteThread(other, 't')).toBe(false);
      }
      expect((await store.listMessages(alice, 't')).items.map((m) => m.content)).toEqual([
        'secret',
      ]);
    });

    it('archives, renames and deletes; bad input is INVALID_INPUT and writes nothing', async () => {
      const store = await makeStore();
      const { alice } = fixtures();
      await store.createThread(alice, { id: 't' });
      const updated = await store.updateThread(alice, 't', {
        archived: true,
        title: 'Done',
        metadata: { k: 'v' },
      });
      expect(updated).toMatchObject({ archived: true, title: 'Done', metadata: { k: 'v' } });
      expect((await store.listThreads(alice)).items).toEqual([]);
      expect((await store.listThreads(alice, { archived: true })).items.map((t) => t.id)).toEqual([
        't',
      ]);
      await expectCode(store.createThread(alice, { id: '' }), 'INVALID_INPUT');
      await expectCode(store.createThread(alice, { title: 'x'.repeat(1_001) }), 'INVALID_INPUT');
      await expectCode(store.appendMessages(alice, 't', []), 'INVALID_INPUT');
      await expectCode(
        store.appendMessages(alice, 't', [
          { role: 'user', content: 'ok' },
          { role: 'wizard' as never, content: 'x' },
        ]),
        'INVALID_INPUT',
      );
      await expectCode(
        store.appendMessages(alice, 't', [
          { role: 'user', content: 'ok', metadata: { n: Number.NaN } },
        ]),
        'INVALID_INPUT',
      );
      expect((await store.listMessages(alice, 't')).items).toEqual([]);
      await expectCode(store.listMessages(alice, 't', { cursor: '!!' }), 'INVALID_INPUT');
      await expectCode(store.getThread({ ...alice } as Scope, 't'), 'UNSCOPED_QUERY');
      expect(await store.deleteThread(alice, 't')).toBe(true);
      expect(await store.getThread(alice, 't')).toBeNull();
    });

    it('lifecycle: eraseUser removes their threads everywhere or in one tenant; eraseTenant one tenant', async () => {
      const store = await makeStore();
      const { alice, bob, alicePersonal, mallory } = fixtures();
      await store.createThread(alice, { id: 'a' });
      await store.appendMessages(alice, 'a', [
        { role: 'user', content: '1' },
        { role: 'user', content: '2' },
      ]);
      await store.createThread(alicePersonal, { id: 'a' });
      await store.createThread(bob, { id: 'b' });
      await store.createThread(mallory, { id: 'm' });
      expect(await store.eraseUser('user_alice', { tenantKey: alicePersonal.tenantKey })).toEqual({
        threads: 1,
        messages: 0,
      });
      expect(await store.getThread(alice, 'a')).not.toBeNull();
      expect(await store.eraseUser('user_alice')).toEqual({ threads: 1, messages: 2 });
      expect(await store.eraseTenant({ tenantKey: bob.tenantKey })).toEqual({
        threads: 1,
        messages: 0,
      });
      expect(await store.getThread(mallory, 'm')).not.toBeNull();
    });

    it('lifecycle: eraseUser with before erases only threads created at or before it', async () => {
      const store = await makeStore();
      const { alice, bob, alicePersonal } = fixtures();
      const old = await store.createThread(alice, { id: 'old' });
      await store.createThread(bob, { id: 'bobs' });
      const home = await store.createThread(alicePersonal, { id: 'home' });
      const cutoff = Date.parse(home.createdAt); // the latest of the three
      // The store's clock moves past the cutoff (it may be coarser than Date.now).
      let late = await store.createThread(alice, { id: 'late' });
      for (let i = 0; Date.parse(late.createdAt) <= cutoff; i++) {
        if (i > 200) throw new Error('The store clock did not advance.');
        await store.deleteThread(alice, 'late');
        await new Promise((resolve) => setTimeout(resolve, 5));
        late = await store.createThread(alice, { id: 'late' });
      }
      await store.appendMessages(alice, 'late', [{ role: 'user', content: 'new membership' }]);
      // Appended after the cutoff: updated later, still created before it.
      await store.appendMessages(alice, 'old', [
        { role: 'user', content: '1' },
        { role: 'assistant', content: '2' },
      ]);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '0' as never, 1e20]) {
        await expectCode(
          store.eraseUser('user_alice', { tenantKey: alice.tenantKey, before: bad }),
          'INVALID_INPUT',
        );
      }
      expect(await store.getThread(alice, 'old')).not.toBeNull();
      expect(
        await store.eraseUser('user_alice', {
          tenantKey: alice.tenantKey,
          before: Date.parse(old.createdAt) - 1,
        }),
      ).toEqual({ threads: 0, messages: 0 });
      expect(
        await store.eraseUser('user_alice', { tenantKey: alice.tenantKey, before: cutoff }),
      ).toEqual({ threads: 1, messages: 2 });
      expect(await store.getThread(alice, 'old')).toBeNull();
      expect((await store.listMessages(alice, 'late')).items.map((m) => m.content)).toEqual([
        'new membership',
      ]);
      expect(await store.getThread(bob, 'bobs')).not.toBeNull();
      expect(await store.getThread(alicePersonal, 'home')).not.toBeNull();
      // Everywhere: the personal thread (created before the cutoff) goes, the later one stays.
      expect(await store.eraseUser('user_alice', { before: cutoff })).toEqual({
        threads: 1,
        messages: 0,
      });
      expect(await store.getThread(alicePersonal, 'home')).toBeNull();
      expect((await store.listThreads(alice)).items.map((t) => t.id)).toEqual(['late']);
      expect(await store.getThread(bob, 'bobs')).not.toBeNull();
    });

    it(
      `${attackRuns} × ${operationsPerRun} interleaved operations of many tenants agree with the model and never leak`,
      async () => {
        const operations = await attackThreadStore(makeStore, {
          attackRuns,
          operationsPerRun,
          ...seed,
        });
        expect(operations).toBe(attackRuns * operationsPerRun);
      },
      timeout,
    );
  });
}

/** The model-checked attack on a ThreadStore, on its own (see `attackDocumentStore`). */
export async function attackThreadStore(
  makeStore: MakeStore<ThreadStore>,
  options: PersistenceConformanceOptions = {},
): Promise<number> {
  const { attackRuns = 60, operationsPerRun = 80 } = options;
  let operations = 0;
  await fc.assert(
    fc.asyncProperty(
      actorsArb.chain((actors) =>
        fc.tuple(
          fc.constant(actors),
          fc.array(threadOpArb(actors.length), {
            minLength: operationsPerRun,
            maxLength: operationsPerRun,
          }),
        ),
      ),
      async ([actors, ops]) => {
        const store = await makeStore();
        const model = createMemoryThreadStore();
        for (const op of ops) {
          await threadStep(op, actors, store, model);
          operations++;
        }
      },
    ),
    {
      numRuns: attackRuns,
      endOnFailure: true,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  return operations;
}

// Before every thread, and after every thread yet far from the end of PostgreSQL's timestamps.
const CUTOFFS = { past: 0, future: Date.UTC(3000, 0, 1) } as const;

async function threadStep(
  op: ThreadOp,
  actors: readonly Actor[],
  store: ThreadStore,
  model: ThreadStore,
): Promise<void> {
  const actor = actors[op.a]!;
  const { scope } = actor;
  const both = async (
    call: (s: ThreadStore) => Promise<unknown>,
    normalize: (v: unknown) => unknown = (v) => v,
  ) => {
    const [got, want] = await Promise.all([
      settle(call(store), normalize),
      settle(call(model), normalize),
    ]);
    expect({ op, result: got }).toEqual({ op, result: want });
  };
  switch (op.t) {
    case 'create':
      await both((s) => s.createThread(scope, { id: op.id, title: op.title }), normalizeThread);
      return;
    case 'get':
      await both((s) => s.getThread(scope, op.id), normalizeThread);
      return;
    case 'list': {
      const got = await drain(
        (cursor) => store.listThreads(scope, { cursor, limit: op.limit, archived: op.archived }),
        op.limit,
      );
      for (const thread of got) assertOwnThread(actor, thread);
      const want = await drain(
        (cursor) => model.listThreads(scope, { cursor, limit: op.limit, archived: op.archived }),
        op.limit,
      );
      expect(got.map(normalizeThread).sort(byJson)).toEqual(want.map(normalizeThread).sort(byJson));
      const times = got.map((t) => Date.parse(t.updatedAt));
      expect(times).toEqual([...times].sort((x, y) => y - x));
      return;
    }
    case 'update':
      await both(
        (s) => s.updateThread(scope, op.id, { title: op.title, archived: op.archived }),
        normalizeThread,
      );
      return;
    case 'delete':
      await both((s) => s.deleteThread(scope, op.id));
      return;
    case 'append': {
      const messages = Array.from({ length: op.count }, (_, i) => ({
        id: `m-${i}-${Math.random().toString(36).slice(2)}`,
        role: 'user' as const,
        content: `${scope.tenantKey}/${encodeKeyPart(actor.identity.userId)}/${op.id}`,
      }));
      await both((s) => s.appendMessages(scope, op.id, messages), normalizeMessages);
      return;
    }
    case 'messages': {
      const read = (s: ThreadStore) =>
        drain((cursor) => s.listMessages(scope, op.id, { cursor, limit: op.limit }), op.limit);
      await both(read, normalizeMessages);
      return;
    }
    case 'eraseTenant':
      await both((s) => s.eraseTenant({ tenantKey: scope.tenantKey }));
      return;
    case 'eraseUser':
      await both((s) =>
        s.eraseUser(actor.identity.userId, {
          ...(op.everywhere ? {} : { tenantKey: scope.tenantKey }),
          ...(op.cutoff === 'none' ? {} : { before: CUTOFFS[op.cutoff] }),
        }),
      );
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// AuditLog

/** Registers the AuditLog conformance suite. */
export function describeAuditLogConformance(
  name: string,
  makeLog: MakeStore<AuditLog>,
  options: PersistenceConformanceOptions = {},
): void {
  const { attackRuns = 60, operationsPerRun = 80, timeout = 240_000 } = options;
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  const event = (scope: Scope, action: AuditAction, ids: string[], extra = {}) => ({
    action,
    at: new Date().toISOString(),
    tenantKey: scope.tenantKey,
    userId: scope.userId,
    policy: scope.policy,
    namespace: scope.tenantKey,
    ids,
    ...extra,
  });

  describe(`${name}: AuditLog conformance`, () => {
    it('records events with their filter and reads them back newest first, paged', async () => {
      const log = await makeLog();
      const { alice } = fixtures();
      await log.record(event(alice, 'upsert', ['a', 'b']));
      await log.record(
        event(alice, 'query', ['a'], { filter: { genre: { $in: ['x', 'nul \u0000'] } } }),
      );
      await log.record(event(alice, 'breach', ['zzz'], { reason: 'foreign tenant' }));
      const all = await drain((cursor) => log.list(alice, { cursor, limit: 2 }), 2);
      expect(all.map((e) => e.action)).toEqual(['breach', 'query', 'upsert']);
      expect(all[1]).toMatchObject({
        ids: ['a'],
        filter: { genre: { $in: ['x', 'nul \u0000'] } },
        userId: 'user_alice',
      });
      expect(all[0]).toMatchObject({ reason: 'foreign tenant' });
      expect(all[0]!.seq).toBeGreaterThan(all[1]!.seq);
      const queries = await log.list(alice, { actions: ['query'] });
      expect(queries.items.map((e) => e.action)).toEqual(['query']);
      await expectCode(log.list(alice, { actions: ['hack' as never] }), 'INVALID_INPUT');
      await expectCode(log.list({ ...alice } as Scope), 'UNSCOPED_QUERY');
    });

    it('members read their own events, admins their whole tenant, nobody another tenant', async () => {
      const log = await makeLog();
      const { alice, bob, admin, mallory, alicePersonal } = fixtures();
      await log.record(event(alice, 'query', ['1']));
      await log.record(event(bob, 'query', ['2']));
      await log.record(event(mallory, 'query', ['3']));
      await log.record(event(alicePersonal, 'query', ['4']));
      const ids = async (scope: Scope) => (await log.list(scope)).items.map((e) => e.ids[0]);
      expect(await ids(alice)).toEqual(['1']);
      expect(await ids(bob)).toEqual(['2']);
      expect(await ids(admin)).toEqual(['2', '1']);
      expect(await ids(mallory)).toEqual(['3']);
      expect(await ids(alicePersonal)).toEqual(['4']);
      expect(await log.eraseTenant({ tenantKey: alice.tenantKey })).toBe(2);
      expect(await ids(admin)).toEqual([]);
      expect(await ids(mallory)).toEqual(['3']);
    });

    it(
      `${attackRuns} × ${operationsPerRun} interleaved records and reads of many tenants agree with the model`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            actorsArb.chain((actors) =>
              fc.tuple(
                fc.constant(actors),
                fc.array(
                  fc.record({
                    a: fc.nat({ max: actors.length - 1 }),
                    t: fc.constantFrom('record', 'record', 'list', 'erase'),
                    action: fc.constantFrom<AuditAction>('query', 'upsert', 'delete'),
                    limit: fc.integer({ min: 1, max: 4 }),
                  }),
                  { minLength: operationsPerRun, maxLength: operationsPerRun },
                ),
              ),
            ),
            async ([actors, ops]) => {
              const log = await makeLog();
              const model = createMemoryAuditSink();
              let n = 0;
              for (const op of ops) {
                const { scope } = actors[op.a]!;
                if (op.t === 'record') {
                  const e = event(scope, op.action, [`e${n++}`]);
                  await Promise.all([log.record(e), model.record(e)]);
                } else if (op.t === 'erase') {
                  expect(await log.eraseTenant({ tenantKey: scope.tenantKey })).toBe(
                    await model.eraseTenant({ tenantKey: scope.tenantKey }),
                  );
                } else {
                  const read = (l: AuditLog) =>
                    drain(
                      (cursor) => l.list(scope, { cursor, limit: op.limit, actions: [op.action] }),
                      op.limit,
                    );
                  const got = await read(log);
                  for (const e of got) {
                    if (e.tenantKey !== scope.tenantKey)
                      throw new Error(
                        `LEAK: audit event of ${e.tenantKey} read by ${scope.tenantKey}`,
                      );
                  }
                  expect(got.map((e) => e.ids)).toEqual((await read(model)).map((e) => e.ids));
                }
              }
            },
          ),
          { numRuns: attackRuns, endOnFailure: true, ...seed },
        );
      },
      timeout,
    );
  });
}
