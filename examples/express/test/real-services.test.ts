// The same app with real services configured: Clerk keys switch the development identities off
// and verify real session tokens (signed here by a local issuer that plays Clerk), and the
// Drizzle stores (on PGlite, embedded PostgreSQL) take the place of the memory ones.
import { PGlite } from '@electric-sql/pglite';
import { type ClerkTestIssuer, createClerkTestIssuer } from '@scoped-rag/testing/clerk';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrizzleStores } from '../src/services.js';
import { type DemoServer, startDemo } from './demo-server.js';

const DOC = {
  title: 'Initech TPS reports',
  text: 'Every TPS report needs the new cover sheet before it goes out.',
};

describe('with Clerk keys', () => {
  let clerk: ClerkTestIssuer;
  let demo: DemoServer;

  beforeAll(async () => {
    clerk = await createClerkTestIssuer();
    demo = await startDemo({
      CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
      CLERK_JWT_KEY: clerk.jwtKey,
      APP_ORIGIN: clerk.authorizedParty,
    });
  });
  afterAll(async () => {
    await demo.close();
  });

  const bearer = async (claims: Parameters<ClerkTestIssuer['sessionToken']>[0]) =>
    demo.withHeaders({ authorization: `Bearer ${await clerk.sessionToken(claims)}` });
  const carol = { userId: 'user_carol', orgId: 'org_initech', orgRole: 'admin' };

  it('turns the development switcher off', async () => {
    const config = await demo.withHeaders({}).get('/api/config');
    expect(config.body.services.identity).toBe('clerk');
    expect(config.body.devIdentities).toBeNull();
    const minted = await demo.withHeaders({}).post('/api/dev/session', { identity: 'alice-acme' });
    expect(minted.status).toBe(404);
    expect(minted.body.code).toBe('NOT_FOUND');
    expect(minted.body.message).toMatch(/switcher is off because Clerk keys are configured/);
  });

  it("scopes requests to the Clerk session's organization", async () => {
    const me = await (await bearer(carol)).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      userId: 'user_carol',
      tenant: { kind: 'org', id: 'org_initech' },
      canErase: true,
    });
    expect((await (await bearer(carol)).post('/api/documents', DOC)).status).toBe(201);
    const other = await bearer({ userId: 'user_dave', orgId: 'org_hooli' });
    expect((await other.get('/api/documents')).body.items).toEqual([]);
  });

  it('refuses tokens of another issuer, another key or another site', async () => {
    const wrongIssuer = await bearer({ ...carol, claims: { iss: 'https://clerk.evil.example' } });
    expect((await wrongIssuer.get('/api/me')).status).toBe(401);
    const wrongSite = await bearer({ ...carol, claims: { azp: 'https://evil.example' } });
    expect((await wrongSite.get('/api/me')).status).toBe(401);
    const impostor = await createClerkTestIssuer();
    const foreignKey = await demo
      .withHeaders({ authorization: `Bearer ${await impostor.sessionToken(carol)}` })
      .get('/api/me');
    expect(foreignKey.status).toBe(401);
    expect(foreignKey.body.details.reason).toBe('token-invalid-signature');
  });
});

describe('with a Clerk webhook signing secret', () => {
  let clerk: ClerkTestIssuer;
  let demo: DemoServer;

  beforeAll(async () => {
    clerk = await createClerkTestIssuer();
    demo = await startDemo({
      CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
      CLERK_JWT_KEY: clerk.jwtKey,
      APP_ORIGIN: clerk.authorizedParty,
      CLERK_WEBHOOK_SIGNING_SECRET: clerk.webhookSecret,
    });
  });
  afterAll(async () => {
    await demo.close();
  });

  const as = async (claims: Parameters<ClerkTestIssuer['sessionToken']>[0]) =>
    demo.withHeaders({ authorization: `Bearer ${await clerk.sessionToken(claims)}` });
  const deliver = async (payload: unknown, options: { id?: string; secret?: string } = {}) => {
    const { body, headers } = await clerk.signWebhook(payload, options);
    const response = await fetch(`${demo.url}/api/webhooks/clerk`, {
      method: 'POST',
      headers,
      body,
    });
    return { status: response.status, body: await response.json() };
  };
  const titles = async (claims: Parameters<ClerkTestIssuer['sessionToken']>[0]) =>
    ((await (await as(claims)).get('/api/documents')).body.items as { title: string }[]).map(
      (doc) => doc.title,
    );
  const erin = { userId: 'user_erin', orgId: 'org_umbrella', orgRole: 'admin' };
  const frank = { userId: 'user_frank', orgId: 'org_umbrella', orgRole: 'member' };

  it("erases an organization's data once when Clerk says it was deleted, and refuses stale sessions' uploads", async () => {
    expect((await (await as(erin)).post('/api/documents', DOC)).status).toBe(201);
    const event = { type: 'organization.deleted', data: { id: 'org_umbrella', deleted: true } };
    const first = await deliver(event, { id: 'msg_org_1' });
    expect(first).toEqual({
      status: 200,
      body: {
        status: 'processed',
        id: 'msg_org_1',
        type: 'organization.deleted',
        receipts: { rag: expect.objectContaining({ documents: 1, verified: true }) },
      },
    });
    expect(await titles(erin)).toEqual([]);
    const replay = await deliver(event, { id: 'msg_org_1' });
    expect(replay.body.status).toBe('duplicate');

    // A session issued before the deletion may still be valid for a minute: its writes are refused.
    const late = await (await as(erin)).post('/api/documents', DOC);
    expect(late.status).toBe(403);
    expect(late.body).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'erased' } });
  });

  it("erases a former member's private documents in the organization, and a deleted user's everywhere", async () => {
    const org = { ...erin, orgId: 'org_wayne' };
    const member = { ...frank, orgId: 'org_wayne' };
    await (await as(org)).post('/api/documents', { ...DOC, title: 'Shared plan' });
    await (await as(member)).post('/api/documents', {
      ...DOC,
      title: 'Frank notes',
      visibility: 'private',
    });
    await (await as({ userId: 'user_frank' })).post('/api/documents', {
      ...DOC,
      title: 'Frank personal',
    });
    const left = await deliver({
      type: 'organizationMembership.deleted',
      data: {
        organization: { id: 'org_wayne' },
        public_user_data: { user_id: 'user_frank' },
      },
    });
    expect(left.status).toBe(200);
    expect(await titles(org)).toEqual(['Shared plan']);
    expect(await titles({ userId: 'user_frank' })).toEqual(['Frank personal']);

    expect((await deliver({ type: 'user.deleted', data: { id: 'user_frank' } })).status).toBe(200);
    expect(await titles({ userId: 'user_frank' })).toEqual([]);
    expect(await titles(org)).toEqual(['Shared plan']);
  });

  it('answers 401 to a delivery that fails verification, and erases nothing', async () => {
    await (await as({ ...erin, orgId: 'org_acme' })).post('/api/documents', DOC);
    const forged = await deliver(
      { type: 'organization.deleted', data: { id: 'org_acme' } },
      { secret: `whsec_${btoa('not the endpoint secret!')}` },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('UNAUTHENTICATED');
    expect(await titles({ ...erin, orgId: 'org_acme' })).toEqual([DOC.title]);
  });

  it('answers 400 to a deletion event without the ids it needs', async () => {
    const incomplete = await deliver({ type: 'organization.deleted', data: {} });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.message).toMatch(/organization.deleted event lacks the ids/);
  });
});

describe('with the Drizzle stores (PostgreSQL, here PGlite)', () => {
  let pglite: PGlite;
  let demo: DemoServer;

  beforeAll(async () => {
    pglite = new PGlite();
    demo = await startDemo({}, { persistence: await createDrizzleStores(drizzle(pglite)) });
  });
  afterAll(async () => {
    await demo.close();
    await pglite.close();
  });

  it('keeps documents, chunks and threads in the database, per tenant', async () => {
    expect((await demo.withHeaders({}).get('/api/config')).body.services.database).toBe('postgres');
    const created = await demo.as('bob-globex').post('/api/documents', DOC);
    expect(created.status).toBe(201);
    const thread = await demo.as('bob-globex').post('/api/threads', { title: 'Reports' });
    const sent = await demo
      .as('bob-globex')
      .post(`/api/threads/${thread.body.id}/messages`, { content: 'What does a TPS report need?' });
    expect(sent.status).toBe(201);
    expect(sent.body.messages[1].content).toContain('[1] Initech TPS reports');

    const rows = await pglite.query<{ tenant_key: string; title: string; state: string }>(
      'SELECT tenant_key, title, state FROM scoped_rag_documents',
    );
    expect(rows.rows).toEqual([{ tenant_key: 'o_org_globex', title: DOC.title, state: 'indexed' }]);
    const messages = await pglite.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM scoped_rag_messages',
    );
    expect(messages.rows[0]!.n).toBe(2);

    expect((await demo.as('alice-acme').get('/api/documents')).body.items).toEqual([]);
    expect((await demo.as('bob-acme').get('/api/threads')).body.items).toEqual([]);

    const erased = await demo.as('bob-globex').post('/api/tenant/erase');
    expect(erased.body).toMatchObject({ documents: 1, threads: 1, messages: 2, verified: true });
    const left = await pglite.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM scoped_rag_documents',
    );
    expect(left.rows[0]!.n).toBe(0);
  });
});
