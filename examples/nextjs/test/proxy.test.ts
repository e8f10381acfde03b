// The real proxy.ts: Clerk's own clerkMiddleware from @clerk/nextjs, given jwtKey and
// authorizedParties from the environment, called as Next.js calls it with a NextRequest. Nothing
// is mocked: the session tokens are signed by a local Clerk-shaped issuer and verified by
// @clerk/backend with no network.

// What a Next.js server sets up before it loads anything else (AsyncLocalStorage on globalThis).
import 'next/dist/server/node-environment-baseline';
import { type ClerkTestIssuer, createClerkTestIssuer } from '@scoped-rag/testing/clerk';
// next/server exports NextFetchEvent as a type only; this is the class Next.js constructs.
import { NextFetchEvent } from 'next/dist/server/web/spec-extension/fetch-event';
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ORIGIN = 'http://localhost:3000';
let issuer: ClerkTestIssuer;
let proxyModule: typeof import('../proxy');

beforeAll(async () => {
  issuer = await createClerkTestIssuer({
    frontendApi: 'clerk.example-nextjs.test',
    authorizedParty: ORIGIN,
  });
  vi.stubEnv('NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', issuer.publishableKey);
  vi.stubEnv('CLERK_SECRET_KEY', 'sk_test_offline');
  vi.stubEnv('CLERK_JWT_KEY', issuer.jwtKey);
  vi.stubEnv('APP_ORIGIN', ORIGIN);
  vi.stubEnv('DATABASE_URL', '');
  vi.stubEnv('PGLITE_DATA_DIR', '');
  vi.stubEnv('NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED', '1');
  vi.stubEnv('NEXT_PUBLIC_CLERK_KEYLESS_DISABLED', '1');
  // @clerk/nextjs reads CLERK_SECRET_KEY when it is first imported, as in a Next.js server.
  proxyModule = await import('../proxy');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

async function run(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const request = new NextRequest(`${ORIGIN}${path}`, { headers });
  const event = new NextFetchEvent({ request, page: '/', context: { waitUntil: () => {} } });
  const response = await proxyModule.default(request, event);
  if (!response) throw new Error('The proxy returned nothing.');
  return response;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const alice = { userId: 'user_alice', orgId: 'org_acme', orgRole: 'admin' };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('proxy.ts (clerkMiddleware with jwtKey)', () => {
  it('passes a valid session on to the route, with the verified token for auth()', async () => {
    const token = await issuer.sessionToken(alice);
    const started = Date.now();
    const response = await run('/api/documents', bearer(token));
    // Verified locally: no JWKS fetch (which would fail here after seconds and answer 401).
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.status).toBe(200);
    // Clerk passes the request on by rewriting it to itself with its verdict in request headers,
    // which auth() in the route handler reads.
    expect(response.headers.get('x-middleware-rewrite')).toBe(`${ORIGIN}/api/documents`);
    expect(response.headers.get('x-middleware-request-x-clerk-auth-status')).toBe('signed-in');
    expect(response.headers.get('x-middleware-request-x-clerk-auth-token')).toBe(token);
  });

  it('answers 401 JSON for API requests with no, forged, expired, unsigned or foreign tokens', async () => {
    const valid = await issuer.sessionToken(alice);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, { headers: Record<string, string>; reason: RegExp }> = {
      'no session': { headers: {}, reason: /.+/ },
      tampered: {
        headers: bearer(`${header}.${encode({ ...claims, sub: 'user_mallory' })}.${signature}`),
        reason: /token-invalid-signature/,
      },
      'alg none': {
        headers: bearer(`${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`),
        reason: /token-invalid/,
      },
      'HS256 signed with the public key as secret': {
        headers: bearer(await hs256(issuer.jwtKey, { ...claims })),
        reason: /token-invalid-algorithm/,
      },
      expired: {
        headers: bearer(
          await issuer.sessionToken({ ...alice, issuedAt: now - 600, expiresInSeconds: 60 }),
        ),
        reason: /token-expired/,
      },
      'not yet valid': {
        headers: bearer(await issuer.sessionToken({ ...alice, notBefore: now + 600 })),
        reason: /session-token-nbf|token-not-active-yet/,
      },
      'another site (azp)': {
        headers: bearer(
          await issuer.sessionToken({ ...alice, claims: { azp: 'https://evil.example' } }),
        ),
        reason: /token-invalid-authorized-parties/,
      },
      'another key': {
        headers: bearer(
          await (await createClerkTestIssuer({ authorizedParty: ORIGIN })).sessionToken(alice),
        ),
        reason: /token-invalid-signature|jwk/,
      },
    };
    for (const [what, { headers, reason }] of Object.entries(cases)) {
      const response = await run('/api/chat', headers);
      const body = await response.json();
      expect({ what, status: response.status, code: body.code }).toEqual({
        what,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(response.headers.get('x-middleware-rewrite')).toBeNull();
      // Clerk's own reason travels in its header.
      expect({ what, reason: response.headers.get('x-clerk-auth-reason') }).toEqual({
        what,
        reason: expect.stringMatching(reason),
      });
    }
  });

  it("refuses another Clerk instance's issuer, which clerkMiddleware itself lets through", async () => {
    const token = await issuer.sessionToken({
      ...alice,
      claims: { iss: 'https://clerk.evil.example' },
    });
    const response = await run('/api/threads', bearer(token));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'token-invalid-issuer' },
    });
    // Clerk itself found nothing wrong (no reason of its own): the refusal is the resolver's.
    expect(response.headers.get('x-clerk-auth-reason')).toBeNull();
  });

  it('leaves pages to the app (no 401 from the proxy outside /api)', async () => {
    const token = await issuer.sessionToken(alice);
    const response = await run('/', bearer(token));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-middleware-rewrite')).toBe(`${ORIGIN}/`);
  });

  it('answers 500 CONFIG_INVALID, naming the variable, when half-configured', async () => {
    vi.stubEnv('APP_ORIGIN', 'localhost:3000/app');
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await run('/api/documents', bearer(await issuer.sessionToken(alice)));
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/APP_ORIGIN/),
      });
      expect(log).toHaveBeenCalledOnce();
    } finally {
      log.mockRestore();
      vi.stubEnv('APP_ORIGIN', ORIGIN);
    }
  });

  it("runs on API routes and pages but not on Next.js internals or static files (Clerk's matcher)", () => {
    const matches = (url: string) =>
      unstable_doesMiddlewareMatch({ config: proxyModule.config, url });
    expect(matches('/api/chat')).toBe(true);
    expect(matches('/api/documents/doc_1')).toBe(true);
    expect(matches('/api/data.json')).toBe(true);
    expect(matches('/')).toBe(true);
    expect(matches('/_next/static/chunks/main.js')).toBe(false);
    expect(matches('/favicon.ico')).toBe(false);
  });
});

/** An HS256 token whose secret is the PEM public key: the classic algorithm-confusion attack. */
async function hs256(secret: string, payload: Record<string, unknown>): Promise<string> {
  const body = `${encode({ alg: 'HS256', typ: 'JWT', kid: issuer.kid })}.${encode(payload)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body));
  return `${body}.${Buffer.from(mac).toString('base64url')}`;
}
