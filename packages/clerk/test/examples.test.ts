// The README's wiring examples, run for real: a Fetch API app and an Express app behind
// @clerk/express, both with tokens from the local issuer verified by the real @clerk/backend.
import type { AddressInfo } from 'node:net';
import { createClerkTestIssuer } from '@scoped-rag/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressApp } from '../examples/express.js';
import { createApp } from '../examples/fetch.js';

const issuer = await createClerkTestIssuer();
const alice = await issuer.sessionToken({
  userId: 'user_alice',
  orgId: 'org_acme',
  orgRole: 'admin',
  expiresInSeconds: 600,
});
const carol = await issuer.sessionToken({
  userId: 'user_carol',
  orgId: 'org_globex',
  orgRole: 'admin',
  expiresInSeconds: 600,
});
const doc = { id: 'plan', values: [1, 0, 0], metadata: { title: 'Acme plan' } };

describe('Fetch API example', () => {
  const app = createApp({
    CLERK_JWT_KEY: issuer.jwtKey,
    CLERK_ISSUER: issuer.issuer,
    APP_ORIGIN: issuer.authorizedParty,
    CLERK_WEBHOOK_SIGNING_SECRET: issuer.webhookSecret,
  });
  const call = (path: string, token: string | null, body: unknown) =>
    app(
      new Request(`http://localhost:3000${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      }),
    );

  it("scopes every request to the token's organization, whatever the body says", async () => {
    expect((await call('/api/docs', alice, { records: [doc] })).status).toBe(200);
    const own = await (await call('/api/search', alice, { vector: [1, 0, 0] })).json();
    expect(own.matches.map((m: { id: string }) => m.id)).toEqual(['plan']);
    const other = await (
      await call('/api/search', carol, { vector: [1, 0, 0], orgId: 'org_acme' })
    ).json();
    expect(other.matches).toEqual([]);
  });

  it('answers 401 without a session, 400 for a bad filter, 403 for a reserved key', async () => {
    expect((await call('/api/search', null, { vector: [1, 0, 0] })).status).toBe(401);
    expect(
      await (
        await call('/api/search', alice, { vector: [1, 0, 0], filter: { x: { $regex: '.' } } })
      ).json(),
    ).toEqual({ code: 'INVALID_FILTER' });
    expect(
      (
        await call('/api/search', alice, {
          vector: [1, 0, 0],
          filter: { _sr_tenant: 'o_org_globex' },
        })
      ).status,
    ).toBe(403);
  });

  it('erases an organization when Clerk says it was deleted', async () => {
    await call('/api/docs', alice, { records: [doc] });
    const { body, headers } = await issuer.signWebhook({
      type: 'organization.deleted',
      object: 'event',
      data: { id: 'org_acme', deleted: true },
    });
    const response = await app(
      new Request('http://localhost:3000/api/webhooks/clerk', { method: 'POST', body, headers }),
    );
    expect(await response.json()).toMatchObject({
      status: 'processed',
      receipts: { vectors: { verified: true } },
    });
    expect(
      (await (await call('/api/search', alice, { vector: [1, 0, 0] })).json()).matches,
    ).toEqual([]);
  });
});

describe('Express example with @clerk/express', () => {
  let base = '';
  let close = () => {};
  beforeAll(async () => {
    const app = createExpressApp({
      CLERK_JWT_KEY: issuer.jwtKey,
      CLERK_PUBLISHABLE_KEY: issuer.publishableKey,
      CLERK_SECRET_KEY: 'sk_test_offline',
      APP_ORIGIN: issuer.authorizedParty,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  const call = (path: string, token: string | null, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it("resolves the identity from Clerk's middleware and keeps tenants apart over real HTTP", async () => {
    expect((await call('/api/docs', alice, { records: [doc] })).status).toBe(200);
    expect(
      (await (await call('/api/search', alice, { vector: [1, 0, 0] })).json()).matches,
    ).toHaveLength(1);
    expect(
      (await (await call('/api/search', carol, { vector: [1, 0, 0] })).json()).matches,
    ).toEqual([]);
  });

  it('answers 401 without a session and with a forged one', async () => {
    expect((await call('/api/search', null, { vector: [1, 0, 0] })).status).toBe(401);
    const forged = (await createClerkTestIssuer()).sessionToken({
      userId: 'user_alice',
      orgId: 'org_acme',
    });
    expect((await call('/api/search', await forged, { vector: [1, 0, 0] })).status).toBe(401);
  });
});
