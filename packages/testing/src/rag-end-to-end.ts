// End-to-end suite for the RAG pipeline (`createRag`) over any combination of adapters: the
// stories, crash consistency under injected faults, and a model-checked multi-tenant attack.
// One call per combination: `describeRagEndToEnd('pgvector + drizzle', makeStores)`.
import {
  type AuditLog,
  type Chunker,
  createIdentity,
  createLocalEmbedder,
  createRag,
  createRecursiveChunker,
  type DocumentStore,
  encodeKeyPart,
  type Identity,
  orgPolicy,
  type Rag,
  type ReconcileReport,
  type Scope,
  ScopedRagError,
  type ScopePolicy,
  type StoredDocument,
  scopeAccess,
  type ThreadStore,
  tenantKey,
  type VectorStore,
  type Visibility,
} from '@scoped-rag/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileIdArb, RECORD_IDS } from './arbitraries.js';
import {
  createFaultPlan,
  withDocumentStoreFaults,
  withEmbedderFaults,
  withVectorStoreFaults,
} from './faults.js';
import { ERASE_ROLE, WRITE_PERMISSION } from './model.js';

/** Fresh, empty stores for one test (a database: truncated tables; a vector index: empty). */
export interface RagStores {
  readonly vectors: VectorStore;
  readonly documents: DocumentStore;
  readonly threads?: ThreadStore;
  readonly audit?: AuditLog;
}

export type MakeRagStores = (options: {
  readonly dimensions: number;
}) => RagStores | Promise<RagStores>;

export interface RagEndToEndOptions {
  /** fast-check runs of the fault-injection test. Default 60. */
  faultRuns?: number;
  /** Most operations per fault run (at least half as many). Default 40. */
  faultOperationsPerRun?: number;
  /** Share of calls that fail during the fault test. Default 0.2. */
  faultRate?: number;
  /** fast-check runs of the cross-tenant model. Default 25. */
  modelRuns?: number;
  /** Operations per model run. Default 50 (25 × 50 = 1,250 operations). */
  modelOperationsPerRun?: number;
  seed?: number;
  /** Per-test timeout in ms. Default 600,000. */
  timeout?: number;
}

const DIMENSIONS = 64;
const policyFor = (isolation: 'namespace' | 'shared'): ScopePolicy =>
  orgPolicy({
    writePermission: WRITE_PERMISSION,
    eraseRole: ERASE_ROLE,
    isolation: isolation === 'shared' ? { mode: 'shared' } : { mode: 'namespace' },
  });

function member(
  policy: ScopePolicy,
  userId: string,
  orgId: string | null,
  writer = true,
  admin = false,
) {
  const identity = createIdentity({
    userId,
    orgId,
    orgRole: orgId === null ? null : admin ? ERASE_ROLE : 'org:member',
    orgPermissions: orgId !== null && writer ? [WRITE_PERMISSION] : [],
  });
  return { identity, scope: policy.scopeFor(identity) };
}

/** Every vector id in the raw store, as `namespace/id`. */
async function rawVectorIds(store: VectorStore): Promise<string[]> {
  const out: string[] = [];
  let nsCursor: string | undefined;
  do {
    const page = await store.listNamespaces({
      limit: 100,
      ...(nsCursor ? { cursor: nsCursor } : {}),
    });
    for (const namespace of page.namespaces) {
      let cursor: string | undefined;
      do {
        const ids = await store.list({ namespace, limit: 100, ...(cursor ? { cursor } : {}) });
        for (const id of ids.ids) out.push(`${namespace}/${id}`);
        cursor = ids.cursor;
      } while (cursor);
    }
    nsCursor = page.cursor;
  } while (nsCursor);
  return out.sort();
}

/** The raw ids a scope's vector ids have in the store (shared isolation prefixes the tenant). */
function physical(policy: ScopePolicy, key: string, vectorId: string): string {
  const namespace = policy.namespaceFor({ tenantKey: key });
  return policy.isolation.mode === 'shared'
    ? `${namespace}/${key}#${vectorId}`
    : `${namespace}/${vectorId}`;
}

const breachCodes = new Set(['SCOPE_BREACH', 'UNSCOPED_QUERY']);

const codeOf = (error: unknown) =>
  ScopedRagError.isInstance(error) ? error.code : `not a ScopedRagError: ${String(error)}`;

const chunker: Chunker = createRecursiveChunker({ chunkSize: 48, chunkOverlap: 0 });

/**
 * Registers the end-to-end suite of the RAG pipeline over the stores `makeStores` returns:
 * - stories: ingest, retrieve, idempotent and changed re-ingest (no stale vectors in the raw
 *   store), delete and erase receipts;
 * - crash consistency: the embedder, the vector store and the DocumentStore fail a share of calls
 *   (before or after their effect) during ingest, delete, retrieve, reconcile and erasure; after
 *   reconcile with faults off, every document is fully present (indexed, every chunk hydrates,
 *   one vector per chunk) or fully absent, as some history of the calls allows;
 * - isolation: fast-check interleavings of ingest, re-ingest, retrieve, delete and erasure by many
 *   tenants and users with hostile ids; every retrieved chunk carries its writer's tenant and user
 *   and must be the caller's to read.
 */
export function describeRagEndToEnd(
  name: string,
  makeStores: MakeRagStores,
  options: RagEndToEndOptions = {},
): void {
  const timeout = options.timeout ?? 600_000;
  const seed = options.seed ?? 20_241_207;

  describe(`RAG pipeline end to end: ${name}`, () => {
    describe('stories', () => {
      it('ingests, retrieves, re-ingests without stale vectors, deletes and erases', {
        timeout,
      }, async () => {
        const stores = await makeStores({ dimensions: DIMENSIONS });
        const policy = policyFor('namespace');
        const rag = createRag({
          policy,
          vectors: stores.vectors,
          documents: stores.documents,
          embedder: createLocalEmbedder({ dimensions: DIMENSIONS }),
          chunker,
          ...(stores.threads ? { threads: stores.threads } : {}),
          ...(stores.audit ? { audit: stores.audit } : {}),
          tombstoneMs: 0,
        });
        const ann = member(policy, 'user_ann', 'org_acme', true, true);
        const cy = member(policy, 'user_cy', 'org_zeta');
        const acme = rag.forScope(ann.scope);
        const text =
          'Refunds take five days. Shipping is free over fifty euros. Support answers mail.';
        const first = await acme.ingest({
          id: 'handbook',
          text,
          title: 'Handbook',
          metadata: { lang: 'en' },
        });
        expect(first.status).toBe('created');
        expect(
          await acme.ingest({ id: 'handbook', text, title: 'Handbook', metadata: { lang: 'en' } }),
        ).toMatchObject({
          status: 'unchanged',
          embedded: 0,
        });
        const found = await acme.retrieve('how long do refunds take', {
          topK: 1,
          filter: { lang: 'en' },
        });
        expect(found.chunks[0]?.text).toContain('Refunds take five days');
        expect(found.chunks[0]?.document).toMatchObject({ id: 'handbook', title: 'Handbook' });
        expect((await rag.forScope(cy.scope).retrieve('refunds', { topK: 3 })).chunks).toEqual([]);

        const replaced = await acme.ingest({ id: 'handbook', text: 'Refunds now take two days.' });
        expect(replaced.status).toBe('replaced');
        const gen = replaced.document.contentHash;
        const rows = await stores.documents.listChunks(ann.scope, 'handbook');
        expect(rows.map((r) => r.generation)).toEqual([gen]);
        expect(await rawVectorIds(stores.vectors)).toEqual(
          rows.map((r) => physical(policy, ann.scope.tenantKey, r.vectorId)),
        );
        const after = await acme.retrieve('refunds', { topK: 3 });
        expect(after.chunks.map((c) => c.text)).toEqual(['Refunds now take two days.']);
        expect(after.shortfall).toMatchObject({ requested: 3, returned: 1, reason: 'exhausted' });

        await acme.ingest({ id: 'policy', text: 'Returns need a receipt.' });
        expect(await acme.deleteDocument('policy')).toEqual({
          deleted: true,
          vectors: 1,
          chunks: 1,
          verified: true,
        });
        expect(await acme.getDocument('policy')).toBeNull();

        await rag
          .forScope(cy.scope)
          .ingest({ id: 'handbook', text: 'Zeta keeps its own handbook.' });
        const receipt = await rag.eraseTenant({ kind: 'org', id: 'org_acme' });
        expect(receipt).toMatchObject({ vectors: 1, documents: 1, chunks: 1, verified: true });
        expect(await rawVectorIds(stores.vectors)).toEqual([
          physical(
            policy,
            cy.scope.tenantKey,
            (await stores.documents.listChunks(cy.scope, 'handbook'))[0]!.vectorId,
          ),
        ]);
      });
    });

    describe('crash consistency under injected faults', () => {
      const totals = {
        runs: 0,
        operations: 0,
        failedOperations: 0,
        calls: 0,
        injected: {} as Record<string, { before: number; after: number }>,
        reconciled: {
          finished: 0,
          rolledBack: 0,
          deleted: 0,
          repaired: 0,
          orphanGenerations: 0,
          strayVectors: 0,
        },
      };
      afterAll(() => {
        if (totals.runs === 0) return;
        console.log(`[${name}] fault injection: ${JSON.stringify(totals)}`);
      });

      type FaultOp =
        | { t: 'ingest'; a: number; k: number; v: number }
        | { t: 'delete'; a: number; k: number }
        | { t: 'retrieve'; a: number }
        | { t: 'reconcile'; a: number }
        | { t: 'eraseTenant'; a: number }
        | { t: 'eraseUser'; a: number }
        | { t: 'eraseMember'; a: number }
        // Two writes of one document at once (a variant to ingest, or null: delete), maybe with
        // a reconcile of the scope running beside them.
        | { t: 'race'; a: number; k: number; writes: (number | null)[]; reconcile: boolean };
      const a = fc.integer({ min: 0, max: 3 });
      const k = fc.integer({ min: 0, max: 2 });
      const opArb: fc.Arbitrary<FaultOp> = fc.oneof(
        {
          weight: 8,
          arbitrary: fc.record({
            t: fc.constant('ingest' as const),
            a,
            k,
            v: fc.integer({ min: 0, max: 3 }),
          }),
        },
        { weight: 3, arbitrary: fc.record({ t: fc.constant('delete' as const), a, k }) },
        { weight: 2, arbitrary: fc.record({ t: fc.constant('retrieve' as const), a }) },
        { weight: 1, arbitrary: fc.record({ t: fc.constant('reconcile' as const), a }) },
        { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseTenant' as const), a }) },
        { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseUser' as const), a }) },
        { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseMember' as const), a }) },
        {
          weight: 3,
          arbitrary: fc.record({
            t: fc.constant('race' as const),
            a,
            k,
            writes: fc.array(fc.option(fc.integer({ min: 0, max: 3 })), {
              minLength: 2,
              maxLength: 2,
            }),
            reconcile: fc.boolean(),
          }),
        },
      );
      const textOf = (docId: string, v: number) =>
        Array.from(
          { length: v + 1 },
          (_, i) =>
            `Document ${docId} version ${v} part ${i} says ${['alpha', 'beta', 'gamma', 'delta'][(v + i) % 4]}.`,
        ).join(' ');

      it(`${options.faultRuns ?? 60} × ${options.faultOperationsPerRun ?? 40} operations with ${Math.round((options.faultRate ?? 0.2) * 100)}% of embedder, vector store and DocumentStore calls failing: after reconcile every document is fully present or fully absent`, {
        timeout,
      }, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(opArb, {
              minLength: Math.ceil((options.faultOperationsPerRun ?? 40) / 2),
              maxLength: options.faultOperationsPerRun ?? 40,
            }),
            fc.integer({ min: 1, max: 2 ** 31 - 1 }),
            async (ops, faultSeed) => {
              const stores = await makeStores({ dimensions: DIMENSIONS });
              const plan = createFaultPlan({ rate: options.faultRate ?? 0.2, seed: faultSeed });
              plan.enabled = false;
              const policy = policyFor('namespace');
              const rag = createRag({
                policy,
                vectors: withVectorStoreFaults(stores.vectors, plan),
                documents: withDocumentStoreFaults(stores.documents, plan),
                embedder: withEmbedderFaults(createLocalEmbedder({ dimensions: DIMENSIONS }), plan),
                chunker,
                tombstoneMs: 0,
              });
              const actors = [
                member(policy, 'user_ann', 'org_acme', true, true),
                member(policy, 'user_ben', 'org_acme'),
                member(policy, 'user_ann', null),
                member(policy, 'user_cy', 'org_zeta', true, true),
              ];
              // Possible final states of each document (`tenantKey/docId`): 'absent' or 'v<n>'.
              const possible = new Map<
                string,
                { owner: number; visibility: Visibility; states: Set<string> }
              >();
              const docOf = (actor: number, kk: number) => {
                const { scope } = actors[actor]!;
                const id = `${scope.userId}-${kk}`;
                const key = `${scope.tenantKey}/${id}`;
                let entry = possible.get(key);
                if (!entry) {
                  const visibility: Visibility = kk === 2 || scope.isPersonal ? 'private' : 'org';
                  entry = { owner: actor, visibility, states: new Set(['absent']) };
                  possible.set(key, entry);
                }
                return { id, entry };
              };
              // Erasure is retried until it succeeds (as a webhook delivery is), faults off for retries.
              const eraseUntilDone = async (erase: () => Promise<unknown>) => {
                try {
                  await erase();
                } catch {
                  totals.failedOperations += 1;
                  plan.enabled = false;
                  try {
                    await erase();
                  } catch (error) {
                    throw new Error(`A retried erasure failed with faults off: ${String(error)}`);
                  }
                }
              };
              const forget = (
                match: (key: string, entry: { owner: number; visibility: Visibility }) => boolean,
              ) => {
                for (const [key, entry] of possible)
                  if (match(key, entry)) entry.states = new Set(['absent']);
              };

              for (const op of ops) {
                plan.enabled = true;
                totals.operations += 1;
                const actor = actors[op.a]!;
                const handle = rag.forScope(actor.scope);
                try {
                  switch (op.t) {
                    case 'ingest': {
                      const { id, entry } = docOf(op.a, op.k);
                      try {
                        await handle.ingest({
                          id,
                          text: textOf(id, op.v),
                          visibility: entry.visibility,
                        });
                        entry.states = new Set([`v${op.v}`]);
                      } catch (error) {
                        entry.states.add(`v${op.v}`);
                        throw error;
                      }
                      break;
                    }
                    case 'delete': {
                      const { id, entry } = docOf(op.a, op.k);
                      try {
                        await handle.deleteDocument(id);
                        entry.states = new Set(['absent']);
                      } catch (error) {
                        entry.states.add('absent');
                        throw error;
                      }
                      break;
                    }
                    case 'race': {
                      const { id, entry } = docOf(op.a, op.k);
                      const outcomes = op.writes.map((v) => (v === null ? 'absent' : `v${v}`));
                      const settled = await Promise.allSettled([
                        ...op.writes.map((v) =>
                          v === null
                            ? handle.deleteDocument(id)
                            : handle.ingest({
                                id,
                                text: textOf(id, v),
                                visibility: entry.visibility,
                              }),
                        ),
                        ...(op.reconcile ? [handle.reconcile()] : []),
                      ]);
                      // Whichever write succeeded last wins; a failed one may still have taken
                      // effect (or be finished by reconcile); with none succeeding, the old
                      // state may stay.
                      const succeeded = outcomes.filter(
                        (_, i) => settled[i]!.status === 'fulfilled',
                      );
                      const failed = outcomes.filter((_, i) => settled[i]!.status === 'rejected');
                      entry.states = new Set([
                        ...(succeeded.length > 0 ? succeeded : entry.states),
                        ...failed,
                      ]);
                      for (const result of settled) {
                        if (result.status === 'rejected') {
                          const error: unknown = result.reason;
                          if (!ScopedRagError.isInstance(error) || breachCodes.has(error.code)) {
                            throw error;
                          }
                          totals.failedOperations += 1;
                        }
                      }
                      break;
                    }
                    case 'retrieve': {
                      const { chunks } = await handle.retrieve('alpha beta', { topK: 5 });
                      const access = scopeAccess(actor.scope);
                      for (const chunk of chunks) {
                        expect(chunk.document.tenantKey).toBe(actor.scope.tenantKey);
                        expect(access.canRead(chunk.document)).toBe(true);
                      }
                      break;
                    }
                    case 'reconcile':
                      await handle.reconcile();
                      break;
                    case 'eraseTenant':
                      await eraseUntilDone(() => rag.eraseTenant(actor.scope.tenant));
                      forget((key) => key.startsWith(`${actor.scope.tenantKey}/`));
                      break;
                    case 'eraseUser': {
                      const userId = actor.scope.userId;
                      const personal = tenantKey({ kind: 'user', id: userId });
                      await eraseUntilDone(() => rag.eraseUser(userId));
                      forget(
                        (key, entry) =>
                          key.startsWith(`${personal}/`) ||
                          (actors[entry.owner]!.scope.userId === userId &&
                            entry.visibility === 'private'),
                      );
                      break;
                    }
                    case 'eraseMember': {
                      const { scope } = actor;
                      if (scope.tenant.kind !== 'org') break;
                      await eraseUntilDone(() => rag.eraseMember(scope.userId, scope.tenant.id));
                      forget(
                        (key, entry) =>
                          key.startsWith(`${scope.tenantKey}/`) &&
                          actors[entry.owner]!.scope.userId === scope.userId &&
                          entry.visibility === 'private',
                      );
                      break;
                    }
                  }
                } catch (error) {
                  // Injected faults surface as BACKEND_UNAVAILABLE (or a lost compare-and-set);
                  // a breach or an unscoped call is a bug whatever the faults.
                  if (!ScopedRagError.isInstance(error) || breachCodes.has(error.code)) throw error;
                  totals.failedOperations += 1;
                }
              }

              plan.enabled = false;
              const reports: ReconcileReport[] = [];
              for (const actor of actors) reports.push(await rag.reconcile(actor.scope));
              for (const report of reports) {
                expect(report.failed).toEqual([]);
                for (const field of ['finished', 'rolledBack', 'deleted', 'repaired'] as const) {
                  totals.reconciled[field] += report[field].length;
                }
                totals.reconciled.orphanGenerations += report.orphanGenerations;
                totals.reconciled.strayVectors += report.strayVectors;
              }
              // A second pass has nothing left to do.
              for (const actor of actors) {
                expect(await rag.reconcile(actor.scope)).toMatchObject({
                  finished: [],
                  rolledBack: [],
                  deleted: [],
                  repaired: [],
                  orphanGenerations: 0,
                  strayVectors: 0,
                  failed: [],
                });
              }

              const expectedVectors: string[] = [];
              for (const [key, entry] of possible) {
                const { scope } = actors[entry.owner]!;
                const id = key.slice(key.indexOf('/') + 1);
                const doc = await stores.documents.getDocument(scope, id);
                const chunks = await stores.documents.listChunks(scope, id);
                if (!doc) {
                  expect(
                    entry.states.has('absent'),
                    `${key} is absent, expected one of ${[...entry.states]}`,
                  ).toBe(true);
                  expect(chunks).toEqual([]);
                  continue;
                }
                expect(doc.state).toBe('indexed');
                expect(chunks.every((c) => c.generation === doc.contentHash)).toBe(true);
                expect(chunks.map((c) => c.position)).toEqual(chunks.map((_, i) => i));
                expect(chunks.length).toBe(doc.chunkCount);
                const variant = [...entry.states].find(
                  (state) =>
                    state !== 'absent' &&
                    JSON.stringify(
                      chunker.chunk(textOf(id, Number(state.slice(1)))).map((c) => c.text),
                    ) === JSON.stringify(chunks.map((c) => c.text)),
                );
                expect(variant, `${key} holds content no history allows`).toBeDefined();
                const hydrated = await stores.documents.getChunks(
                  scope,
                  chunks.map((c) => c.vectorId),
                );
                expect(hydrated.length).toBe(chunks.length);
                for (const chunk of chunks)
                  expectedVectors.push(physical(policy, scope.tenantKey, chunk.vectorId));
              }
              // One vector per chunk of a present document, and nothing else.
              expect(await rawVectorIds(stores.vectors)).toEqual(expectedVectors.sort());
              totals.runs += 1;
              totals.calls += plan.calls;
              for (const [component, count] of Object.entries(plan.injected)) {
                totals.injected[component] ??= { before: 0, after: 0 };
                const total = totals.injected[component];
                total.before += count.before;
                total.after += count.after;
              }
            },
          ),
          { numRuns: options.faultRuns ?? 60, seed, endOnFailure: true },
        );
        // The test proves something only if faults hit every component, both ways.
        for (const component of ['embedder', 'vectors', 'documents']) {
          expect(totals.injected[component]?.before).toBeGreaterThan(0);
          expect(totals.injected[component]?.after).toBeGreaterThan(0);
        }
      });
    });

    describe('isolation', () => {
      // Counted across runs (fast-check stops at the first failure, so a pass ran them all).
      let operations = 0;
      let retrievedChunks = 0;

      interface Actor {
        readonly identity: Identity;
        readonly scope: Scope;
      }
      type ModelOp =
        | { t: 'ingest'; a: number; id: string; vis: Visibility | null; v: number }
        | { t: 'retrieve'; a: number; word: string; topK: number }
        | { t: 'delete'; a: number; id: string }
        | { t: 'list'; a: number }
        | { t: 'eraseTenant'; a: number }
        | { t: 'eraseUser'; a: number }
        | { t: 'eraseMember'; a: number };
      const docIds = RECORD_IDS.filter((id) => id.length <= 200);
      const modelOpArb = (actors: number): fc.Arbitrary<ModelOp> => {
        const a = fc.integer({ min: 0, max: actors - 1 });
        const id = fc.constantFrom(...docIds);
        return fc.oneof(
          {
            weight: 6,
            arbitrary: fc.record({
              t: fc.constant('ingest' as const),
              a,
              id,
              vis: fc.constantFrom<Visibility | null>('private', 'org', null),
              v: fc.integer({ min: 0, max: 2 }),
            }),
          },
          {
            weight: 6,
            arbitrary: fc.record({
              t: fc.constant('retrieve' as const),
              a,
              word: fc.constantFrom('alpha', 'beta', 'gamma', 'tag'),
              topK: fc.integer({ min: 1, max: 12 }),
            }),
          },
          { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), a, id }) },
          { weight: 1, arbitrary: fc.record({ t: fc.constant('list' as const), a }) },
          { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseTenant' as const), a }) },
          { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseUser' as const), a }) },
          { weight: 1, arbitrary: fc.record({ t: fc.constant('eraseMember' as const), a }) },
        );
      };
      const TAG = /^<<([^|]+)\|([^|]+)\|(private|org)>> /;
      const allowed = new Set(['CONFLICT', 'FORBIDDEN', 'SCOPE_VIOLATION']);

      const check = (actor: Actor, doc: StoredDocument, what: string) => {
        const access = scopeAccess(actor.scope);
        if (doc.tenantKey !== access.tenantKey || !access.canRead(doc)) {
          throw new Error(
            `LEAK (${what}): ${actor.identity.userId} in ${access.tenantKey} got document ${doc.id} of ${doc.tenantKey} (owner ${doc.ownerId}, ${doc.visibility})`,
          );
        }
      };

      it(`${options.modelRuns ?? 25} × ${options.modelOperationsPerRun ?? 50} ingest, re-ingest, retrieve, delete and erase operations of many tenants with hostile ids return zero cross-tenant chunks`, {
        timeout,
      }, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc
              .record({
                users: fc.uniqueArray(hostileIdArb, { minLength: 2, maxLength: 4 }),
                orgs: fc.uniqueArray(hostileIdArb, { minLength: 1, maxLength: 3 }),
              })
              .chain(({ users, orgs }) =>
                fc.array(
                  fc.record({
                    userId: fc.constantFrom(...users),
                    orgId: fc.option(fc.constantFrom(...orgs), { freq: 3 }),
                    writer: fc.boolean(),
                    admin: fc.boolean(),
                  }),
                  { minLength: 3, maxLength: 7 },
                ),
              )
              .chain((specs) =>
                fc.tuple(
                  fc.constant(specs),
                  fc.array(modelOpArb(specs.length), {
                    minLength: options.modelOperationsPerRun ?? 50,
                    maxLength: options.modelOperationsPerRun ?? 50,
                  }),
                ),
              ),
            fc.constantFrom<'namespace' | 'shared'>('namespace', 'shared'),
            async ([specs, ops], isolation) => {
              const stores = await makeStores({ dimensions: DIMENSIONS });
              const policy = policyFor(isolation);
              const rag: Rag = createRag({
                policy,
                vectors: stores.vectors,
                documents: stores.documents,
                embedder: createLocalEmbedder({ dimensions: DIMENSIONS }),
                chunker,
                tombstoneMs: 0,
              });
              const actors: Actor[] = specs.map((s) =>
                member(policy, s.userId, s.orgId, s.writer, s.admin),
              );
              for (const op of ops) {
                operations += 1;
                const actor = actors[op.a]!;
                const handle = rag.forScope(actor.scope);
                try {
                  switch (op.t) {
                    case 'ingest': {
                      const vis = op.vis ?? scopeAccess(actor.scope).defaultVisibility;
                      const tag = `<<${actor.scope.tenantKey}|${encodeKeyPart(actor.scope.userId)}|${vis}>> `;
                      const result = await handle.ingest({
                        id: op.id,
                        chunks: [
                          `${tag}alpha v${op.v}`,
                          `${tag}beta v${op.v}`,
                          `${tag}gamma`,
                        ].slice(0, op.v + 1),
                        ...(op.vis ? { visibility: op.vis } : {}),
                      });
                      check(actor, result.document, 'ingest');
                      break;
                    }
                    case 'retrieve': {
                      const { chunks, shortfall } = await handle.retrieve(op.word, {
                        topK: op.topK,
                      });
                      expect(chunks.length).toBeLessThanOrEqual(op.topK);
                      if (chunks.length < op.topK)
                        expect(shortfall).toMatchObject({
                          requested: op.topK,
                          returned: chunks.length,
                        });
                      for (const chunk of chunks) {
                        retrievedChunks += 1;
                        check(actor, chunk.document, 'retrieve');
                        const tag = TAG.exec(chunk.text);
                        if (!tag) throw new Error(`untagged chunk returned: ${chunk.text}`);
                        const [, writerTenant, writer, vis] = tag;
                        if (writerTenant !== actor.scope.tenantKey) {
                          throw new Error(
                            `LEAK: ${actor.scope.tenantKey} retrieved a chunk of ${writerTenant}`,
                          );
                        }
                        if (vis === 'private' && writer !== encodeKeyPart(actor.scope.userId)) {
                          throw new Error(
                            `LEAK: ${actor.scope.userId} retrieved a private chunk of another member`,
                          );
                        }
                      }
                      break;
                    }
                    case 'delete':
                      await handle.deleteDocument(op.id);
                      break;
                    case 'list': {
                      const page = await handle.listDocuments({ limit: 100 });
                      for (const doc of page.items) check(actor, doc, 'list');
                      break;
                    }
                    case 'eraseTenant':
                      await rag.eraseTenant(actor.scope.tenant);
                      break;
                    case 'eraseUser':
                      await rag.eraseUser(actor.scope.userId);
                      break;
                    case 'eraseMember':
                      if (actor.scope.tenant.kind === 'org') {
                        await rag.eraseMember(actor.scope.userId, actor.scope.tenant.id);
                      }
                      break;
                  }
                } catch (error) {
                  if (!allowed.has(codeOf(error))) throw error;
                }
              }
            },
          ),
          { numRuns: options.modelRuns ?? 25, seed, endOnFailure: true },
        );
        expect(operations).toBe((options.modelRuns ?? 25) * (options.modelOperationsPerRun ?? 50));
        // Retrieval must have returned something for the check to mean anything.
        expect(retrievedChunks).toBeGreaterThan(0);
        console.log(
          `[${name}] isolation model: ${operations} operations, ${retrievedChunks} chunks retrieved, no leak`,
        );
      });
    });
  });
}
