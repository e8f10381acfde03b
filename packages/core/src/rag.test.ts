import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryAuditSink } from './audit.js';
import { createMemoryDocumentStore, type DocumentStore } from './documents.js';
import type { Embedder } from './embedder.js';
import { createIdentity, type IdentityResolver } from './identity.js';
import { createLocalEmbedder } from './local-embedder.js';
import { createMemoryVectorStore } from './memory-vector-store.js';
import { orgPolicy, userPolicy } from './policy.js';
import { chunkVectorId, createRag, parseChunkVectorId } from './rag.js';
import { createScopedVectorStore } from './scoped-vector-store.js';
import { tenantKey } from './tenant.js';
import { createMemoryThreadStore } from './threads.js';
import type { VectorStore } from './vector-store.js';

const DIMS = 64;
const policy = orgPolicy({ writePermission: 'org:docs:write' });
const alice = createIdentity({
  userId: 'alice',
  orgId: 'acme',
  orgRole: 'org:admin',
  orgPermissions: ['org:docs:write'],
});
const bob = createIdentity({ userId: 'bob', orgId: 'acme', orgPermissions: ['org:docs:write'] });
const carol = createIdentity({ userId: 'carol', orgId: 'acme' }); // no write permission
const eve = createIdentity({ userId: 'eve', orgId: 'globex', orgPermissions: ['org:docs:write'] });

/** An embedder that counts the texts it embeds. */
function countingEmbedder(): Embedder & { texts: string[] } {
  const inner = createLocalEmbedder({ dimensions: DIMS });
  const texts: string[] = [];
  return {
    ...inner,
    texts,
    embed(batch, options) {
      texts.push(...batch);
      return inner.embed(batch, options);
    },
  };
}

function setup(
  overrides: { documents?: DocumentStore; store?: VectorStore; withResolver?: boolean } = {},
) {
  const store = overrides.store ?? createMemoryVectorStore({ dimensions: DIMS });
  const documents = overrides.documents ?? createMemoryDocumentStore();
  const audit = createMemoryAuditSink();
  const threads = createMemoryThreadStore();
  const embedder = countingEmbedder();
  const rag = createRag({
    policy,
    vectors: store,
    documents,
    embedder,
    audit,
    threads,
    chunker: { chunk: (text) => splitSentences(text) },
    tombstoneMs: 0,
  });
  return { rag, store, documents, audit, threads, embedder };
}

// One chunk per sentence: predictable chunk counts for the assertions.
function splitSentences(text: string) {
  const out: { text: string; position: number; start: number; end: number }[] = [];
  const re = /[^.]+\.?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim())
      out.push({
        text: m[0].trim(),
        position: out.length,
        start: m.index,
        end: m.index + m[0].length,
      });
  }
  return out;
}

async function rawIds(store: VectorStore, namespace: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ namespace, limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.ids);
    cursor = page.cursor;
  } while (cursor);
  return ids.sort();
}

const acmeNs = tenantKey({ kind: 'org', id: 'acme' });
/** A generation as ingest makes them: content digest and write attempt. */
const gen = (hex: string) => `${hex.repeat(64)}.${'0'.repeat(12)}`;

describe('createRag: ingest', () => {
  it('chunks, embeds and indexes a document, and retrieve returns its chunks with the document', async () => {
    const { rag, audit } = setup();
    const a = rag.forIdentity(alice);
    const result = await a.ingest({
      id: 'handbook',
      text: 'Refunds take five days. Shipping is free over fifty euros. Support answers by email.',
      title: 'Handbook',
      metadata: { lang: 'en' },
    });
    expect(result.status).toBe('created');
    expect(result.embedded).toBe(3);
    expect(result.document).toMatchObject({ state: 'indexed', chunkCount: 3, visibility: 'org' });
    const { chunks, shortfall } = await a.retrieve('how long do refunds take', { topK: 1 });
    expect(shortfall).toBeNull();
    expect(chunks[0]).toMatchObject({
      text: 'Refunds take five days.',
      position: 0,
      document: { id: 'handbook', title: 'Handbook', metadata: { lang: 'en' } },
    });
    expect(audit.events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['upsert', 'ingest', 'query', 'retrieve']),
    );
    const retrieveEvent = audit.events.find((e) => e.action === 'retrieve')!;
    expect(retrieveEvent.ids).toEqual([chunks[0]!.vectorId]);
  });

  it('does no work when the same content is ingested again', async () => {
    const { rag, embedder } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'One. Two.' });
    const embedded = embedder.texts.length;
    const again = await a.ingest({ id: 'd', text: 'One. Two.' });
    expect(again.status).toBe('unchanged');
    expect(again.embedded).toBe(0);
    expect(embedder.texts.length).toBe(embedded);
    // A new title is saved without re-indexing.
    const titled = await a.ingest({ id: 'd', text: 'One. Two.', title: 'Numbers' });
    expect(titled).toMatchObject({ status: 'unchanged', document: { title: 'Numbers' } });
    expect(embedder.texts.length).toBe(embedded);
  });

  it('replaces the chunks of changed text and leaves no stale vectors or chunk rows', async () => {
    const { rag, store, documents } = setup();
    const a = rag.forIdentity(alice);
    const first = await a.ingest({ id: 'd', text: 'Alpha one. Alpha two. Alpha three.' });
    const second = await a.ingest({ id: 'd', text: 'Beta one. Beta two.' });
    expect(second.status).toBe('replaced');
    expect(second.document.contentHash).not.toBe(first.document.contentHash);
    const gen = second.document.contentHash;
    expect(await rawIds(store, acmeNs)).toEqual([
      chunkVectorId('d', gen, 0),
      chunkVectorId('d', gen, 1),
    ]);
    const rows = await documents.listChunks(a.scope, 'd');
    expect(rows.map((r) => [r.generation, r.text])).toEqual([
      [gen, 'Beta one.'],
      [gen, 'Beta two.'],
    ]);
    const { chunks } = await a.retrieve('alpha', { topK: 5 });
    expect(chunks.map((c) => c.text).sort()).toEqual(['Beta one.', 'Beta two.']);
  });

  it('re-indexes when the metadata changes (it is stamped on every vector)', async () => {
    const { rag } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'Text.', metadata: { lang: 'en' } });
    const changed = await a.ingest({ id: 'd', text: 'Text.', metadata: { lang: 'de' } });
    expect(changed.status).toBe('replaced');
    expect((await a.retrieve('text', { filter: { lang: 'de' } })).chunks).toHaveLength(1);
    expect((await a.retrieve('text', { filter: { lang: 'en' } })).chunks).toHaveLength(0);
  });

  it('takes ready-made chunks', async () => {
    const { rag } = setup();
    const result = await rag.forIdentity(alice).ingest({ chunks: ['first piece', 'second piece'] });
    expect(result.document.chunkCount).toBe(2);
    expect(result.document.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bad input before writing anything', async () => {
    const { rag, store, documents } = setup();
    const a = rag.forIdentity(alice);
    const cases: [unknown, string][] = [
      [{ id: 'd', text: 'x', chunks: ['x'] }, 'INVALID_INPUT'],
      [{ id: 'd' }, 'INVALID_INPUT'],
      [{ id: 'd', text: '   ' }, 'INVALID_INPUT'],
      [{ id: 'd', chunks: Array.from({ length: 1001 }, () => 'x') }, 'INVALID_INPUT'],
      [{ id: 'd\n', text: 'x' }, 'INVALID_INPUT'],
      [{ id: 'd', text: 'x', metadata: { _sr_tenant: 'o_other' } }, 'SCOPE_VIOLATION'],
      [{ id: 'd', text: 'x', metadata: { n: null } }, 'INVALID_INPUT'],
      [{ id: 'd', text: 'x', title: 7 }, 'INVALID_INPUT'],
      [{ id: 'd', text: 'nul \u0000 inside' }, 'INVALID_INPUT'],
      [{ id: 'd', text: 'x', title: 'nul \u0000' }, 'INVALID_INPUT'],
      [{ id: 'd', text: 'x', metadata: { k: 'nul \u0000' } }, 'INVALID_INPUT'],
    ];
    for (const [input, code] of cases) {
      await expect(a.ingest(input as never)).rejects.toMatchObject({ code });
    }
    await expect(
      rag.forIdentity(carol).ingest({ id: 'd', text: 'x', visibility: 'org' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await rawIds(store, acmeNs)).toEqual([]);
    expect((await documents.listDocuments(a.scope)).items).toEqual([]);
  });

  it('keeps members apart: private documents are their owner’s, org documents need the write permission to change', async () => {
    const { rag } = setup();
    await rag
      .forIdentity(alice)
      .ingest({ id: 'secret', text: 'Private plans.', visibility: 'private' });
    await rag.forIdentity(alice).ingest({ id: 'shared', text: 'Shared plans.' });
    const bobs = await rag.forIdentity(bob).retrieve('plans', { topK: 5 });
    expect(bobs.chunks.map((c) => c.document.id)).toEqual(['shared']);
    await expect(
      rag.forIdentity(bob).ingest({ id: 'secret', text: 'Overwrite.' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(rag.forIdentity(carol).deleteDocument('shared')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      rag.forIdentity(bob).ingest({ id: 'shared', text: 'Shared plans.', visibility: 'private' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await rag.forIdentity(eve).retrieve('plans', { topK: 5 })).chunks).toEqual([]);
  });
});

describe('createRag: retrieve', () => {
  it('says when fewer than topK chunks come back, and why', async () => {
    const { rag, documents } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'Cats purr. Dogs bark.' });
    const exhausted = await a.retrieve('cats', { topK: 5 });
    expect(exhausted.shortfall).toEqual({
      requested: 5,
      returned: 2,
      reason: 'exhausted',
      dropped: { belowMinScore: 0, notIndexed: 0, staleGeneration: 0, missing: 0 },
    });
    const strict = await a.retrieve('cats purr', { topK: 2, minScore: 0.99 });
    expect(strict.shortfall).toMatchObject({ returned: 1, reason: 'below-min-score' });
    // A document mid-flight (pending) is not served.
    const doc = (await documents.getDocument(a.scope, 'd'))!;
    await documents.putDocument(
      a.scope,
      { id: 'd', state: 'pending', contentHash: doc.contentHash },
      { expectedRevision: doc.revision },
    );
    const inFlux = await a.retrieve('cats', { topK: 2 });
    expect(inFlux.chunks).toEqual([]);
    expect(inFlux.shortfall).toMatchObject({ reason: 'unavailable', dropped: { notIndexed: 2 } });
  });

  it('asks for more candidates when stale chunks take the top places', async () => {
    const { rag, store, documents } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'old', text: 'Apples are red.' });
    await a.ingest({ id: 'fresh', text: 'Apples are green.' });
    // Make "old" point at a generation that has no vectors: its vector is a stale generation now.
    const old = (await documents.getDocument(a.scope, 'old'))!;
    await documents.putDocument(
      a.scope,
      { id: 'old', state: 'indexed', contentHash: gen('f') },
      { expectedRevision: old.revision },
    );
    const { chunks, shortfall } = await a.retrieve('apples are red', { topK: 1 });
    expect(chunks.map((c) => c.document.id)).toEqual(['fresh']);
    expect(shortfall).toBeNull();
    expect((await rawIds(store, acmeNs)).length).toBe(2);
  });

  it('refuses a hydrated row of another tenant with SCOPE_BREACH and returns nothing', async () => {
    const inner = createMemoryDocumentStore();
    let hostile = false;
    const documents: DocumentStore = {
      ...inner,
      async getDocument(scope, id) {
        const doc = await inner.getDocument(scope, id);
        return hostile && doc ? { ...doc, tenantKey: 'o_globex' } : doc;
      },
    };
    const { rag, audit } = setup({ documents });
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'Text.' });
    hostile = true;
    await expect(a.retrieve('text')).rejects.toMatchObject({ code: 'SCOPE_BREACH' });
    expect(audit.events.some((e) => e.action === 'breach')).toBe(true);
  });

  it('validates its options', async () => {
    const { rag } = setup();
    const a = rag.forIdentity(alice);
    await expect(a.retrieve('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(a.retrieve('x', { topK: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(a.retrieve('x', { minScore: Number.NaN })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(a.retrieve('x', { filter: { _sr_owner: 'bob' } })).rejects.toMatchObject({
      code: 'SCOPE_VIOLATION',
    });
    const euclid = setup({
      store: createMemoryVectorStore({ dimensions: DIMS, metric: 'euclidean' }),
    });
    await expect(
      euclid.rag.forIdentity(alice).retrieve('x', { minScore: 0.5 }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });
});

describe('createRag: documents', () => {
  it('deletes a document with a receipt, verified', async () => {
    const { rag, store, audit } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'One. Two. Three.' });
    expect(await a.deleteDocument('d')).toEqual({
      deleted: true,
      vectors: 3,
      chunks: 3,
      verified: true,
    });
    expect(await a.getDocument('d')).toBeNull();
    expect(await rawIds(store, acmeNs)).toEqual([]);
    expect(await a.deleteDocument('d')).toEqual({
      deleted: false,
      vectors: 0,
      chunks: 0,
      verified: true,
    });
    expect(audit.events.filter((e) => e.action === 'deleteDocument').map((e) => e.ids)).toEqual([
      ['d'],
    ]);
  });

  it('lists documents page by page', async () => {
    const { rag } = setup();
    const a = rag.forIdentity(alice);
    for (const id of ['a', 'b', 'c']) await a.ingest({ id, text: `Document ${id}.` });
    const first = await a.listDocuments({ limit: 2 });
    const second = await a.listDocuments({ limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((d) => d.id)).toEqual(['c', 'b', 'a']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('createRag: reconcile', () => {
  it('finishes a pending document from its saved chunks, rolls back one without chunks, and completes a deletion', async () => {
    const { rag, store, documents } = setup();
    const a = rag.forIdentity(alice);
    const scope = a.scope;
    const hash = gen('a');
    // As a crash after the chunk rows were saved leaves it.
    await documents.putDocument(
      scope,
      { id: 'half', state: 'pending', contentHash: hash, chunkCount: 2 },
      { expectedRevision: null },
    );
    await documents.putChunks(scope, 'half', hash, [
      { position: 0, text: 'Saved one.', vectorId: chunkVectorId('half', hash, 0) },
      { position: 1, text: 'Saved two.', vectorId: chunkVectorId('half', hash, 1) },
    ]);
    // As a crash right after the row was created leaves it.
    await documents.putDocument(
      scope,
      { id: 'empty', state: 'failed', contentHash: hash, chunkCount: 3 },
      { expectedRevision: null },
    );
    // As a crash in the middle of a deletion leaves it.
    await a.ingest({ id: 'going', text: 'Going. Gone.' });
    const going = (await documents.getDocument(scope, 'going'))!;
    await documents.putDocument(
      scope,
      { id: 'going', state: 'deleting', contentHash: going.contentHash },
      { expectedRevision: going.revision },
    );

    const report = await rag.reconcile(scope);
    expect(report).toMatchObject({
      finished: ['half'],
      rolledBack: ['empty'],
      deleted: ['going'],
      failed: [],
    });
    expect((await a.getDocument('half'))?.state).toBe('indexed');
    expect(await a.getDocument('empty')).toBeNull();
    expect(await a.getDocument('going')).toBeNull();
    expect(await rawIds(store, acmeNs)).toEqual([
      chunkVectorId('half', hash, 0),
      chunkVectorId('half', hash, 1),
    ]);
    expect((await a.retrieve('saved', { topK: 2 })).chunks).toHaveLength(2);
    // Nothing left to do the second time.
    expect(await rag.reconcile(scope)).toMatchObject({
      finished: [],
      rolledBack: [],
      deleted: [],
      orphanGenerations: 0,
      strayVectors: 0,
    });
  });

  it('removes orphaned generations and stray vectors, and re-writes missing vectors', async () => {
    const { rag, store, documents } = setup();
    const a = rag.forIdentity(alice);
    const doc = (await a.ingest({ id: 'd', text: 'Kept one. Kept two.' })).document;
    const abandoned = gen('b');
    // An interrupted re-ingest: chunk rows and a vector of a generation the row never flipped to.
    await documents.putChunks(a.scope, 'd', abandoned, [
      { position: 0, text: 'Abandoned.', vectorId: chunkVectorId('d', abandoned, 0) },
    ]);
    const values = Array.from({ length: DIMS }, (_, i) => (i === 0 ? 1 : 0));
    await rag.vectors.forScope(a.scope).upsert([
      { id: chunkVectorId('d', abandoned, 0), values },
      { id: chunkVectorId('ghost', abandoned, 0), values },
    ]);
    // A lost vector of the current generation.
    await rag.vectors.forScope(a.scope).delete({ ids: [chunkVectorId('d', doc.contentHash, 1)] });

    const report = await rag.reconcile(a.scope);
    expect(report).toMatchObject({
      orphanGenerations: 1,
      strayVectors: 1,
      repaired: ['d'],
      failed: [],
    });
    expect(await rawIds(store, acmeNs)).toEqual([
      chunkVectorId('d', doc.contentHash, 0),
      chunkVectorId('d', doc.contentHash, 1),
    ]);
    expect(
      (await documents.listChunks(a.scope, 'd')).every((c) => c.generation === doc.contentHash),
    ).toBe(true);
  });

  it('reports, and leaves alone, an indexed document whose chunk rows the DocumentStore lost', async () => {
    const { rag, documents } = setup();
    const a = rag.forIdentity(alice);
    const doc = (await a.ingest({ id: 'd', text: 'One. Two.' })).document;
    await documents.putChunks(a.scope, 'd', doc.contentHash, [
      { position: 0, text: 'One.', vectorId: chunkVectorId('d', doc.contentHash, 0) },
    ]);
    const report = await rag.reconcile(a.scope);
    expect(report.failed).toEqual([
      expect.objectContaining({
        id: 'd',
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringMatching(/Ingest it again/),
      }),
    ]);
    expect((await a.getDocument('d'))?.state).toBe('indexed');
    expect((await a.ingest({ id: 'd', text: 'One. Two. Three.' })).status).toBe('replaced');
    expect((await rag.reconcile(a.scope)).failed).toEqual([]);
  });

  it('makes an ingest that races it lose its compare-and-set rather than complete over what it removed', async () => {
    const inner = createMemoryDocumentStore();
    let onPutChunks: (() => Promise<void>) | null = null;
    const documents: DocumentStore = {
      ...inner,
      async putChunks(scope, id, generation, chunks) {
        await inner.putChunks(scope, id, generation, chunks);
        const hook = onPutChunks;
        onPutChunks = null;
        await hook?.();
      },
    };
    const { rag, store } = setup({ documents });
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'Old text.' });
    onPutChunks = async () => {
      await rag.reconcile(a.scope); // sees the new generation as an orphan and removes it
    };
    await expect(a.ingest({ id: 'd', text: 'New text.' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const doc = (await a.getDocument('d'))!;
    expect(doc.state).toBe('indexed');
    expect(await rawIds(store, acmeNs)).toEqual([chunkVectorId('d', doc.contentHash, 0)]);
    expect((await a.retrieve('text')).chunks.map((c) => c.text)).toEqual(['Old text.']);
  });
});

describe('createRag: concurrency', () => {
  it('a concurrent ingest of the same content that fails never removes what the other indexed', async () => {
    const inner = createMemoryVectorStore({ dimensions: DIMS });
    let upserts = 0;
    const store: VectorStore = {
      ...inner,
      async upsert(request) {
        upserts += 1;
        if (upserts === 3) throw new Error('connection reset');
        return inner.upsert(request);
      },
    };
    // Both attempts have written their chunk rows before either goes on.
    const docs = createMemoryDocumentStore();
    let waiting: (() => void) | null = null;
    let barrier = false;
    const documents: DocumentStore = {
      ...docs,
      async putChunks(scope, id, generation, chunks) {
        await docs.putChunks(scope, id, generation, chunks);
        if (!barrier) return;
        if (waiting) {
          waiting();
          return;
        }
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
      },
    };
    const { rag } = setup({ store, documents });
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'Old one. Old two.' });
    barrier = true;
    const results = await Promise.allSettled([
      a.ingest({ id: 'd', text: 'New one. New two.' }),
      a.ingest({ id: 'd', text: 'New one. New two.' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const doc = (await a.getDocument('d'))!;
    const rows = await documents.listChunks(a.scope, 'd');
    expect(rows.map((r) => [r.generation, r.text])).toEqual([
      [doc.contentHash, 'New one.'],
      [doc.contentHash, 'New two.'],
    ]);
    expect(await rawIds(inner, acmeNs)).toEqual(rows.map((r) => r.vectorId).sort());
    expect((await rag.reconcile(a.scope)).failed).toEqual([]);
  });

  it('interleaved ingests, deletes and reconciles of the same documents leave each fully present or fully absent', async () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant('ingest' as const),
        doc: fc.constantFrom('x', 'y'),
        v: fc.integer({ min: 0, max: 2 }),
      }),
      fc.record({ t: fc.constant('delete' as const), doc: fc.constantFrom('x', 'y') }),
      fc.record({ t: fc.constant('reconcile' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        async (rounds) => {
          const { rag, store, documents } = setup();
          const a = rag.forIdentity(alice);
          const texts = ['Red apples. Green pears.', 'Blue sky.', 'One. Two. Three.'];
          for (const round of rounds) {
            // Each round runs concurrently; conflicts are expected answers, nothing else is.
            const settled = await Promise.allSettled(
              round.map((o) =>
                o.t === 'ingest'
                  ? a.ingest({ id: o.doc, text: texts[o.v]! })
                  : o.t === 'delete'
                    ? a.deleteDocument(o.doc)
                    : a.reconcile(),
              ),
            );
            for (const result of settled) {
              if (result.status === 'rejected')
                expect(result.reason).toMatchObject({ code: 'CONFLICT' });
            }
          }
          await a.reconcile();
          const expected: string[] = [];
          for (const id of ['x', 'y']) {
            const doc = await a.getDocument(id);
            const rows = await documents.listChunks(a.scope, id);
            if (!doc) {
              expect(rows).toEqual([]);
              continue;
            }
            expect(doc.state).toBe('indexed');
            expect(rows.every((r) => r.generation === doc.contentHash)).toBe(true);
            expect(rows.length).toBe(doc.chunkCount);
            expect(
              texts.map((t) =>
                splitSentences(t)
                  .map((c) => c.text)
                  .join('|'),
              ),
            ).toContain(rows.map((r) => r.text).join('|'));
            expected.push(...rows.map((r) => r.vectorId));
          }
          expect(await rawIds(store, acmeNs)).toEqual(expected.sort());
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('createRag: lifecycle', () => {
  it('erases a tenant from every store with a verified receipt', async () => {
    const { rag, store, threads, audit, documents } = setup();
    const a = rag.forIdentity(alice);
    await a.ingest({ id: 'd', text: 'One. Two.' });
    await threads.createThread(a.scope, { title: 't' });
    await rag.forIdentity(eve).ingest({ id: 'd', text: 'Globex keeps this.' });
    const receipt = await rag.eraseTenant({ kind: 'org', id: 'acme' }, { actor: 'test' });
    expect(receipt).toMatchObject({
      vectors: 2,
      documents: 1,
      chunks: 2,
      threads: 1,
      messages: 0,
      tenantsScanned: 1,
      verified: true,
    });
    expect(receipt.auditEvents).toBeGreaterThan(0);
    expect(await rawIds(store, acmeNs)).toEqual([]);
    expect(await documents.getDocument(a.scope, 'd')).toBeNull();
    expect(audit.events.every((e) => e.tenantKey !== acmeNs)).toBe(true);
    expect((await rag.forIdentity(eve).retrieve('globex')).chunks).toHaveLength(1);
  });

  it('erases a user: personal tenant and private documents everywhere; org-visible ones stay', async () => {
    const { rag } = setup();
    const personal = createIdentity({ userId: 'alice' });
    await rag.forIdentity(personal).ingest({ id: 'p', text: 'Personal note.' });
    await rag
      .forIdentity(alice)
      .ingest({ id: 'priv', text: 'Private in acme.', visibility: 'private' });
    await rag.forIdentity(alice).ingest({ id: 'org', text: 'Shared in acme.' });
    const receipt = await rag.eraseUser('alice');
    expect(receipt).toMatchObject({ vectors: 2, documents: 2, chunks: 2, verified: true });
    expect(await rag.forIdentity(alice).getDocument('priv')).toBeNull();
    expect(
      (await rag.forIdentity(bob).retrieve('shared')).chunks.map((c) => c.document.id),
    ).toEqual(['org']);
  });

  it('erases a former member’s private documents in one organization', async () => {
    const { rag } = setup();
    await rag.forIdentity(bob).ingest({ id: 'bp', text: 'Bob private.', visibility: 'private' });
    await rag.forIdentity(bob).ingest({ id: 'bo', text: 'Bob shared.' });
    expect(await rag.eraseMember('bob', 'acme')).toMatchObject({
      vectors: 1,
      documents: 1,
      chunks: 1,
      auditEvents: null,
    });
    expect(
      (await rag.forIdentity(alice).retrieve('bob', { topK: 5 })).chunks.map((c) => c.document.id),
    ).toEqual(['bo']);
  });

  it('eraseMember and eraseUser with before spare threads created after it (a re-joined member)', async () => {
    let clock = 1_000;
    const threads = createMemoryThreadStore({ now: () => clock });
    const rag = createRag({
      policy,
      vectors: createMemoryVectorStore({ dimensions: DIMS }),
      documents: createMemoryDocumentStore(),
      embedder: createLocalEmbedder({ dimensions: DIMS }),
      threads,
      tombstoneMs: 0,
    });
    const scope = rag.forIdentity(bob).scope;
    await threads.createThread(scope, { id: 'before-leaving' });
    const left = 2_000; // the membership ended
    clock = 3_000; // re-joined, started a thread, and wrote in the old one
    await threads.createThread(scope, { id: 'after-rejoining' });
    await threads.appendMessages(scope, 'after-rejoining', [{ role: 'user', content: 'new' }]);
    await threads.appendMessages(scope, 'before-leaving', [{ role: 'user', content: 'old' }]);
    // The late retry of the membership-ended event; its verification pass uses the same cutoff.
    expect(await rag.eraseMember('bob', 'acme', { before: left })).toMatchObject({
      threads: 1,
      messages: 1,
      verified: true,
    });
    expect(await threads.getThread(scope, 'before-leaving')).toBeNull();
    expect((await threads.listMessages(scope, 'after-rejoining')).items).toHaveLength(1);
    expect(await rag.eraseUser('bob', { before: left })).toMatchObject({ threads: 0 });
    expect(await threads.getThread(scope, 'after-rejoining')).not.toBeNull();
    expect(await rag.eraseMember('bob', 'acme')).toMatchObject({ threads: 1, messages: 1 });
    expect(await threads.getThread(scope, 'after-rejoining')).toBeNull();
  });

  it('refuses ingests from sessions of an erased tenant for tombstoneMs', async () => {
    const rag = createRag({
      policy,
      vectors: createMemoryVectorStore({ dimensions: DIMS }),
      documents: createMemoryDocumentStore(),
      embedder: createLocalEmbedder({ dimensions: DIMS }),
    });
    await rag.eraseTenant({ kind: 'org', id: 'acme' });
    await expect(rag.forIdentity(alice).ingest({ id: 'd', text: 'Late.' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { reason: 'erased' },
    });
    expect(await rag.forIdentity(alice).getDocument('d')).toBeNull();
  });
});

describe('createRag: wiring', () => {
  it('resolves requests with the resolver, and refuses them without one', async () => {
    const resolver: IdentityResolver = {
      specificationVersion: 'v1',
      provider: 'test',
      async resolve(request) {
        if (request.headers.get('authorization') !== 'Bearer alice') {
          const { UnauthenticatedError } = await import('./errors.js');
          throw new UnauthenticatedError('bad token');
        }
        return alice;
      },
    };
    const base = {
      policy,
      vectors: createMemoryVectorStore({ dimensions: DIMS }),
      documents: createMemoryDocumentStore(),
      embedder: createLocalEmbedder({ dimensions: DIMS }),
    };
    const rag = createRag({ ...base, resolver });
    const handle = await rag.forRequest(
      new Request('http://x', { headers: { authorization: 'Bearer alice' } }),
    );
    expect(handle.scope.tenantKey).toBe(acmeNs);
    await expect(rag.forRequest(new Request('http://x'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(createRag(base).forRequest(new Request('http://x'))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('takes a ScopedVectorStore of the same policy, and refuses mismatched parts', () => {
    const store = createMemoryVectorStore({ dimensions: DIMS });
    const documents = createMemoryDocumentStore();
    const embedder = createLocalEmbedder({ dimensions: DIMS });
    const scoped = createScopedVectorStore({ store, policy });
    expect(createRag({ policy, vectors: scoped, documents, embedder }).vectors).toBe(scoped);
    expect(() => createRag({ policy: userPolicy(), vectors: scoped, documents, embedder })).toThrow(
      /another policy/,
    );
    expect(() =>
      createRag({
        policy,
        vectors: store,
        documents,
        embedder: createLocalEmbedder({ dimensions: 8 }),
      }),
    ).toThrow(/8-dimensional/);
    expect(() => createRag({ policy, vectors: store, documents: {} as never, embedder })).toThrow(
      /documents/,
    );
  });

  it('parses the vector ids it makes, and only those', () => {
    const generation = gen('c');
    expect(parseChunkVectorId(chunkVectorId('a#b', generation, 12))).toEqual({
      documentId: 'a#b',
      generation,
      position: 12,
    });
    expect(parseChunkVectorId('plain-id')).toBeNull();
    expect(parseChunkVectorId(`d#${generation}#01`)).toBeNull();
    expect(parseChunkVectorId(`d#${'c'.repeat(64)}#1`)).toBeNull();
  });
});

describe('createRag: reconcile sweep across tenants', () => {
  it('finishes every tenant’s unfinished documents as their owners, with no scope given', async () => {
    const inner = createMemoryVectorStore({ dimensions: DIMS });
    let failUpserts = true;
    const store: VectorStore = {
      ...inner,
      async upsert(request) {
        if (failUpserts) throw new Error('connection reset');
        return inner.upsert(request);
      },
    };
    const { rag, documents } = setup({ store });
    const personal = createIdentity({ userId: 'bob', orgId: null });
    for (const [who, id] of [
      [alice, 'a-doc'],
      [bob, 'b-doc'],
      [eve, 'e-doc'],
      [personal, 'p-doc'],
    ] as const) {
      await expect(
        rag.forIdentity(who).ingest({ id, text: `Text of ${id}. Second sentence.` }),
      ).rejects.toThrow();
    }
    const unfinished = await documents.listUnfinished!({ limit: 2 });
    expect(unfinished.items).toHaveLength(2);
    expect(unfinished.nextCursor).not.toBeNull();
    failUpserts = false;
    // As the owners themselves, without their org permission: org-visible vectors can't be written.
    const bare = await rag.reconcile();
    expect(bare.reconciled.flatMap((r) => r.report.finished)).toEqual(['p-doc']);
    expect(bare.reconciled.flatMap((r) => r.report.failed.map((f) => f.code))).toEqual([
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
    // The app says who the owners are (e.g. from Clerk): then everything is finished.
    const sweep = await rag.reconcile(undefined, {
      identityFor: ({ tenant, userId }) =>
        createIdentity({
          userId,
          orgId: tenant.kind === 'org' ? tenant.id : null,
          orgPermissions: tenant.kind === 'org' ? ['org:docs:write'] : [],
        }),
    });
    expect(sweep.failed).toEqual([]);
    // (Alice, first in acme, may change Bob's org-visible document too, and finishes it.)
    expect(sweep.reconciled.flatMap((r) => r.report.finished).sort()).toEqual([
      'a-doc',
      'b-doc',
      'e-doc',
    ]);
    for (const [who, id] of [
      [alice, 'a-doc'],
      [bob, 'b-doc'],
      [eve, 'e-doc'],
      [personal, 'p-doc'],
    ] as const) {
      const scoped = rag.forIdentity(who);
      expect((await scoped.getDocument(id))?.state).toBe('indexed');
      expect((await scoped.retrieve(`Text of ${id}`, { topK: 2 })).chunks.length).toBe(2);
    }
    // Nothing left: a second sweep does nothing.
    expect(await rag.reconcile()).toEqual({ reconciled: [], failed: [] });
  });

  it('is UNSUPPORTED when the DocumentStore cannot list across tenants', async () => {
    const { listUnfinished: _absent, ...withoutSweep } = createMemoryDocumentStore();
    const { rag } = setup({ documents: withoutSweep });
    await expect(rag.reconcile()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
