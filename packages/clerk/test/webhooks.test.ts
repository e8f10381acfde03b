// Verified Clerk webhooks drive erasure: once per delivery id, in any order, with receipts.
import {
  BackendUnavailableError,
  createIdentity,
  createLocalEmbedder,
  createMemoryDocumentStore,
  createMemoryThreadStore,
  createMemoryVectorStore,
  createMemoryWebhookEventStore,
  createRag,
  createScopedVectorStore,
  ForbiddenError,
  orgPolicy,
  type VectorStore,
} from '@scoped-rag/core';
import { createClerkTestIssuer } from '@scoped-rag/testing';
import { describe, expect, it } from 'vitest';
import {
  type ClerkWebhookEvent,
  createClerkIdentityResolver,
  createClerkWebhookHandler,
} from '../src/index.js';

const issuer = await createClerkTestIssuer();
const URL_ = 'http://localhost:3000/api/webhooks/clerk';
const v = (x: number) => [x, 1 - x, 0.5];

const event = (type: string, data: Record<string, unknown>) => ({
  object: 'event',
  type,
  data,
  timestamp: Date.now(),
  instance_id: 'ins_test',
});
const userDeleted = (id: string) => event('user.deleted', { deleted: true, id, object: 'user' });
const orgDeleted = (id: string) =>
  event('organization.deleted', { deleted: true, id, object: 'organization' });
const membershipDeleted = (userId: string, orgId: string) =>
  event('organizationMembership.deleted', {
    id: 'orgmem_1',
    object: 'organization_membership',
    role: 'org:member',
    organization: { id: orgId, name: 'Acme', slug: 'acme' },
    public_user_data: { user_id: userId, identifier: `${userId}@example.com` },
  });

async function delivery(
  payload: unknown,
  options: { id?: string; timestamp?: number; secret?: string } = {},
) {
  const { body, headers } = await issuer.signWebhook(payload, options);
  return new Request(URL_, { method: 'POST', body, headers });
}

async function setup(store: VectorStore = createMemoryVectorStore({ dimensions: 3 })) {
  const vectors = createScopedVectorStore({ store, policy: orgPolicy() });
  const seen: ClerkWebhookEvent[] = [];
  const handler = createClerkWebhookHandler({
    signingSecret: issuer.webhookSecret,
    events: createMemoryWebhookEventStore(),
    vectors,
    onEvent: (e) => {
      seen.push(e);
    },
  });
  const alice = createIdentity({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'org:admin' });
  const aliceHome = createIdentity({ userId: 'user_alice' });
  const bob = createIdentity({ userId: 'user_bob', orgId: 'org_acme' });
  await vectors.forIdentity(aliceHome).upsert([{ id: 'diary', values: v(1) }]);
  await vectors.forIdentity(alice).upsert([
    { id: 'plan', values: v(1) },
    { id: 'notes', values: v(0.5), visibility: 'private' },
  ]);
  await vectors.forIdentity(bob).upsert([{ id: 'bob-notes', values: v(0), visibility: 'private' }]);
  return { vectors, handler, seen, alice, aliceHome, bob };
}

describe('createClerkWebhookHandler', () => {
  it('user.deleted erases the personal tenant and private records, answering with a receipt', async () => {
    const { vectors, handler, seen, alice, aliceHome } = await setup();
    const response = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_1' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'processed',
      id: 'msg_1',
      type: 'user.deleted',
      receipts: { vectors: { deletedCount: 2, verified: true } },
    });
    expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual([]);
    // Org-visible work stays with the organization; the private note is gone.
    expect((await vectors.forIdentity(alice).list()).ids).toEqual(['plan']);
    expect(seen.map((e) => e.type)).toEqual(['user.deleted']);
  });

  it('acts once when the same delivery arrives twice (Clerk does not deduplicate)', async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    let scans = 0;
    const counting: VectorStore = {
      ...inner,
      listNamespaces: (request) => {
        scans++;
        return inner.listNamespaces(request);
      },
    };
    const { handler, seen } = await setup(counting);
    const first = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_replay' }));
    const second = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_replay' }));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: 'duplicate', id: 'msg_replay' });
    expect(seen).toHaveLength(1);
    expect(scans).toBe(1);
    // A new delivery id is a new event: it is processed (erasure is idempotent).
    const third = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_other' }));
    expect(await third.json()).toMatchObject({
      status: 'processed',
      receipts: { vectors: { deletedCount: 0 } },
    });
  });

  it('answers 409 to a concurrent delivery of an event still being processed', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const handler = createClerkWebhookHandler({
      signingSecret: issuer.webhookSecret,
      events: createMemoryWebhookEventStore(),
      onEvent: () => gate,
    });
    const first = handler(
      await delivery(event('user.updated', { id: 'user_x' }), { id: 'msg_slow' }),
    );
    const second = await handler(
      await delivery(event('user.updated', { id: 'user_x' }), { id: 'msg_slow' }),
    );
    expect(second.status).toBe(409);
    finish();
    expect((await first).status).toBe(200);
  });

  it("releases a failed event so that Clerk's retry processes it", async () => {
    const inner = createMemoryVectorStore({ dimensions: 3 });
    let failures = 1;
    const flaky: VectorStore = {
      ...inner,
      deleteNamespace: async (request) => {
        if (failures-- > 0) throw new Error('upstream timeout');
        return inner.deleteNamespace(request);
      },
    };
    const { handler, vectors, aliceHome } = await setup(flaky);
    const failed = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_retry' }));
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const retried = await handler(await delivery(userDeleted('user_alice'), { id: 'msg_retry' }));
    expect(await retried.json()).toMatchObject({
      status: 'processed',
      receipts: { vectors: { verified: true } },
    });
    expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual([]);
  });

  it('handles deleted-before-created: nothing is resurrected, both deliveries succeed', async () => {
    const { handler, vectors, aliceHome, seen } = await setup();
    const deleted = await handler(await delivery(userDeleted('user_alice')));
    const created = await handler(
      await delivery(event('user.created', { id: 'user_alice', object: 'user' })),
    );
    expect([deleted.status, created.status]).toEqual([200, 200]);
    expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual([]);
    expect(seen.map((e) => e.type)).toEqual(['user.deleted', 'user.created']);
  });

  it("organization.deleted erases the organization's tenant", async () => {
    const { handler, vectors, bob, aliceHome } = await setup();
    const response = await handler(await delivery(orgDeleted('org_acme')));
    expect(await response.json()).toMatchObject({
      receipts: { vectors: { deletedCount: 3, tenantsScanned: 1, verified: true } },
    });
    expect((await vectors.forIdentity(bob).list()).ids).toEqual([]);
    expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual(['diary']);
  });

  it("organizationMembership.deleted erases the former member's private records in that organization", async () => {
    const { handler, vectors, alice } = await setup();
    const response = await handler(await delivery(membershipDeleted('user_bob', 'org_acme')));
    expect(await response.json()).toMatchObject({ receipts: { vectors: { deletedCount: 1 } } });
    expect((await vectors.forIdentity(alice).list()).ids).toEqual(['notes', 'plan']);
  });

  it('a late retry of organizationMembership.deleted spares what a re-joined member wrote since', async () => {
    const { handler, vectors, bob } = await setup();
    const threeHoursAgo = Date.now() - 3 * 3_600_000;
    // Bob left three hours ago, re-joined, and wrote a new private note; the old event is retried now.
    await vectors
      .forIdentity(bob)
      .upsert([{ id: 'bob-new-notes', values: v(1), visibility: 'private' }]);
    const stale = { ...membershipDeleted('user_bob', 'org_acme'), timestamp: threeHoursAgo };
    const response = await handler(await delivery(stale));
    expect(await response.json()).toMatchObject({ status: 'processed' });
    expect((await vectors.forIdentity(bob).list()).ids).toContain('bob-new-notes');
  });

  it('refuses writes from sessions that outlive the deletion of their organization', async () => {
    const { handler, vectors, bob } = await setup();
    await handler(await delivery(orgDeleted('org_acme')));
    await expect(
      vectors.forIdentity(bob).upsert([{ id: 'late', values: v(1) }]),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each([
    [
      'a wrong signing secret',
      async () =>
        delivery(userDeleted('user_alice'), { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    ],
    [
      'a timestamp outside the tolerance',
      async () =>
        delivery(userDeleted('user_alice'), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    ],
    [
      'a tampered body',
      async () => {
        const { body, headers } = await issuer.signWebhook(userDeleted('user_bob'));
        return new Request(URL_, {
          method: 'POST',
          body: body.replace('user_bob', 'user_alice'),
          headers,
        });
      },
    ],
    [
      'missing Svix headers',
      async () =>
        new Request(URL_, { method: 'POST', body: JSON.stringify(userDeleted('user_alice')) }),
    ],
  ])('refuses %s with 401 and erases nothing', async (_, makeRequest) => {
    const { handler, vectors, aliceHome, seen } = await setup();
    const response = await handler(await makeRequest());
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await vectors.forIdentity(aliceHome).list()).ids).toEqual(['diary']);
    expect(seen).toEqual([]);
  });

  it('refuses a verified event that lacks the ids it needs (400), without acting', async () => {
    const { handler, seen } = await setup();
    const response = await handler(
      await delivery(event('user.deleted', { deleted: true, object: 'user' })),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_INPUT' });
    expect(seen).toEqual([]);
  });

  it('answers a typed 503 when the event store is down, and keeps the original error if release fails too', async () => {
    const down = createClerkWebhookHandler({
      signingSecret: issuer.webhookSecret,
      events: {
        specificationVersion: 'v1',
        claim: async () => Promise.reject(new BackendUnavailableError('db down')),
        complete: async () => {},
        release: async () => {},
      },
    });
    const response = await down(await delivery(userDeleted('user_alice')));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });

    const events = createMemoryWebhookEventStore();
    const failing = createClerkWebhookHandler({
      signingSecret: issuer.webhookSecret,
      events: { ...events, release: async () => Promise.reject(new Error('release failed')) },
      onEvent: () => {
        throw new ForbiddenError('app refused');
      },
    });
    const refused = await failing(await delivery(event('user.updated', { id: 'user_x' })));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', message: 'app refused' });
  });

  it('answers 400 to a signed delivery whose id the event store refuses', async () => {
    const { handler } = await setup();
    const response = await handler(
      await delivery(userDeleted('user_alice'), { id: `msg_${'x'.repeat(300)}` }),
    );
    expect(response.status).toBe(400);
  });

  it('with rag, erases the whole pipeline — vectors, documents, chunks and threads — once per delivery', async () => {
    const threads = createMemoryThreadStore();
    const rag = createRag({
      policy: orgPolicy(),
      vectors: createMemoryVectorStore({ dimensions: 16 }),
      documents: createMemoryDocumentStore(),
      embedder: createLocalEmbedder({ dimensions: 16 }),
      threads,
      tombstoneMs: 0,
    });
    const handler = createClerkWebhookHandler({
      signingSecret: issuer.webhookSecret,
      events: createMemoryWebhookEventStore(),
      rag,
    });
    const alice = createIdentity({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'org:admin' });
    const bob = createIdentity({ userId: 'user_bob', orgId: 'org_acme' });
    await rag.forIdentity(alice).ingest({ id: 'plan', text: 'The plan for the launch.' });
    await rag.forIdentity(bob).ingest({ id: 'bob-doc', text: 'Bob keeps notes on the launch.' });
    await threads.createThread(rag.forIdentity(alice).scope, { title: 'launch' });

    const response = await handler(await delivery(orgDeleted('org_acme'), { id: 'msg_org' }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.receipts.vectors).toBeUndefined();
    expect(body.receipts.rag).toMatchObject({ documents: 2, threads: 1, verified: true });
    expect(body.receipts.rag.vectors).toBeGreaterThan(0);
    expect(body.receipts.rag.chunks).toBeGreaterThan(0);
    expect(await rag.forIdentity(alice).listDocuments()).toMatchObject({ items: [] });
    expect((await threads.listThreads(rag.forIdentity(alice).scope)).items).toEqual([]);
    expect((await rag.forIdentity(bob).retrieve('launch')).chunks).toEqual([]);
    // A replay is answered from the event store: nothing is erased twice.
    const replay = await handler(await delivery(orgDeleted('org_acme'), { id: 'msg_org' }));
    expect(await replay.json()).toMatchObject({ status: 'duplicate' });
  });

  it('takes rag or vectors, not both', () => {
    const policy = orgPolicy();
    const store = createMemoryVectorStore({ dimensions: 16 });
    expect(() =>
      createClerkWebhookHandler({
        signingSecret: issuer.webhookSecret,
        events: createMemoryWebhookEventStore(),
        rag: createRag({
          policy,
          vectors: store,
          documents: createMemoryDocumentStore(),
          embedder: createLocalEmbedder({ dimensions: 16 }),
        }),
        vectors: createScopedVectorStore({ store, policy }),
      }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('needs a whsec_ signing secret', () => {
    expect(() =>
      createClerkWebhookHandler({
        signingSecret: 'secret',
        events: createMemoryWebhookEventStore(),
      }),
    ).toThrowError(/whsec_/);
    expect(() =>
      createClerkWebhookHandler({
        signingSecret: 'whsec_not base64!',
        events: createMemoryWebhookEventStore(),
      }),
    ).toThrowError(/base64/);
  });
});

describe('the identity ghost (seed 002)', () => {
  it('serves a user whose user.created webhook has not arrived: scoping needs only the verified token', async () => {
    const resolver = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      issuer: issuer.issuer,
      authorizedParties: [issuer.authorizedParty],
    });
    const vectors = createScopedVectorStore({
      store: createMemoryVectorStore({ dimensions: 3 }),
      policy: orgPolicy(),
    });
    const token = await issuer.sessionToken({
      userId: 'user_brand_new',
      orgId: 'org_new',
      orgRole: 'admin',
    });
    const identity = await resolver.resolve(
      new Request(URL_, { headers: { authorization: `Bearer ${token}` } }),
    );
    const handle = vectors.forIdentity(identity);
    await handle.upsert([{ id: 'first-doc', values: v(1) }]);
    expect((await handle.query({ vector: v(1), topK: 1 })).matches.map((m) => m.id)).toEqual([
      'first-doc',
    ]);
  });
});
