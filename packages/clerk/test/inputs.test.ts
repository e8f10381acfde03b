// The inputs the resolver takes: a Request (bearer or __session cookie), a raw token, or the auth
// object of Clerk's own middleware; and the fast path never touches the network.
import { createClerkClient } from '@clerk/backend';
import { createClerkTestIssuer } from '@scoped-rag/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClerkIdentityResolver } from '../src/index.js';

const issuer = await createClerkTestIssuer();
const resolver = createClerkIdentityResolver({
  jwtKey: issuer.jwtKey,
  authorizedParties: [issuer.authorizedParty],
  issuer: issuer.issuer,
});
const claims = {
  userId: 'user_alice',
  orgId: 'org_acme',
  orgRole: 'admin',
  orgPermissions: ['org:documents:write'],
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createClerkIdentityResolver inputs', () => {
  it("reads the __session cookie, with Clerk's __client_uat checks, when there is no Authorization header", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sessionToken({ ...claims, issuedAt: now });
    const withCookies = (value: string) =>
      new Request('http://localhost:3000/', { headers: { cookie: value } });
    await expect(
      resolver.resolve(withCookies(`theme=dark; __session=${token}; __client_uat=${now - 10}`)),
    ).resolves.toMatchObject({
      userId: 'user_alice',
      orgId: 'org_acme',
    });
    await expect(resolver.resolve(withCookies(`__session=${token}`))).rejects.toMatchObject({
      details: { reason: 'session-token-but-no-client-uat' },
    });
    await expect(
      resolver.resolve(withCookies(`__session=${token}; __client_uat=0`)),
    ).rejects.toMatchObject({
      details: { reason: 'session-token-but-no-client-uat' },
    });
    await expect(
      resolver.resolve(withCookies(`__session=${token}; __client_uat=${now + 30}`)),
    ).rejects.toMatchObject({
      details: { reason: 'session-token-iat-before-client-uat' },
    });
  });

  it('prefers the Authorization header, and never falls back to the cookie when the header is bad', async () => {
    const token = await issuer.sessionToken(claims);
    const request = new Request('http://localhost:3000/', {
      headers: { authorization: 'Bearer forged', cookie: `__session=${token}; __client_uat=1` },
    });
    await expect(resolver.resolve(request)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('takes a raw token string', async () => {
    await expect(resolver.resolve(await issuer.sessionToken(claims))).resolves.toMatchObject({
      userId: 'user_alice',
      orgRole: 'org:admin',
      orgPermissions: ['org:documents:write'],
    });
  });

  it("takes the auth object of Clerk's middleware (authenticateRequest().toAuth()) without verifying twice", async () => {
    const clerk = createClerkClient({
      jwtKey: issuer.jwtKey,
      publishableKey: issuer.publishableKey,
      secretKey: 'sk_test_offline',
    });
    const token = await issuer.sessionToken(claims);
    const state = await clerk.authenticateRequest(
      new Request('http://localhost:3000/api', { headers: { authorization: `Bearer ${token}` } }),
      {
        jwtKey: issuer.jwtKey,
        authorizedParties: [issuer.authorizedParty],
      },
    );
    const auth = state.toAuth();
    expect(auth?.userId).toBe('user_alice');
    await expect(resolver.resolve(auth as never)).resolves.toMatchObject({
      userId: 'user_alice',
      orgId: 'org_acme',
      orgRole: 'org:admin',
    });
    // Not verified twice: a resolver holding an unrelated key still accepts the middleware's result.
    const unrelated = createClerkIdentityResolver({
      jwtKey: (await createClerkTestIssuer()).jwtKey,
    });
    await expect(unrelated.resolve(auth as never)).resolves.toMatchObject({ userId: 'user_alice' });
  });

  it("checks the issuer and azp of an auth object, which Clerk's middleware does not check against this resolver's options", async () => {
    const clerk = createClerkClient({
      jwtKey: issuer.jwtKey,
      publishableKey: issuer.publishableKey,
      secretKey: 'sk_test_offline',
    });
    const authOf = async (overrides: Record<string, unknown>) => {
      const token = await issuer.sessionToken({ ...claims, claims: overrides });
      const state = await clerk.authenticateRequest(
        new Request('http://localhost:3000/api', { headers: { authorization: `Bearer ${token}` } }),
        { jwtKey: issuer.jwtKey },
      );
      return state.toAuth();
    };
    // Clerk's own verification lets a foreign issuer through: the resolver refuses it.
    const foreign = await authOf({ iss: 'https://clerk.another-instance.example' });
    expect(foreign?.userId).toBe('user_alice');
    await expect(resolver.resolve(foreign as never)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'token-invalid-issuer' },
    });
    // A middleware configured without authorizedParties lets another site's token through.
    const otherSite = await authOf({ azp: 'https://evil.example' });
    expect(otherSite?.userId).toBe('user_alice');
    await expect(resolver.resolve(otherSite as never)).rejects.toMatchObject({
      details: { reason: 'token-invalid-authorized-parties' },
    });
    // Nor is a token without azp accepted where authorized parties are set (as @clerk/backend).
    const noParty = await authOf({ azp: undefined });
    expect(noParty?.userId).toBe('user_alice');
    expect((noParty?.sessionClaims as { azp?: unknown } | undefined)?.azp).toBeUndefined();
    await expect(resolver.resolve(noParty as never)).rejects.toMatchObject({
      details: { reason: 'token-invalid-authorized-parties' },
    });
    // Without the options, nothing more is checked than before.
    const lenient = createClerkIdentityResolver({ jwtKey: issuer.jwtKey });
    await expect(lenient.resolve(foreign as never)).resolves.toMatchObject({
      userId: 'user_alice',
    });
    await expect(resolver.resolve((await authOf({})) as never)).resolves.toMatchObject({
      orgId: 'org_acme',
    });
  });

  it('refuses an empty issuer option, which would check nothing', () => {
    for (const empty of ['', '  ', [], ['']] as const) {
      expect(() =>
        createClerkIdentityResolver({ jwtKey: issuer.jwtKey, issuer: empty as never }),
      ).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('refuses a signed-out or inconsistent auth object', async () => {
    await expect(resolver.resolve({ userId: null, sessionClaims: null })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'signed-out' },
    });
    await expect(
      resolver.resolve({ userId: 'user_victim', sessionClaims: { sub: 'user_alice' } }),
    ).rejects.toMatchObject({
      details: { reason: 'auth-object-inconsistent' },
    });
  });

  it('refuses unsupported inputs', async () => {
    for (const input of [42, null, undefined, {}, ['token']]) {
      await expect(resolver.resolve(input as never)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
  });

  it('accepts pending sessions only when told to', async () => {
    const token = await issuer.sessionToken({ ...claims, status: 'pending' });
    await expect(resolver.resolve(token)).rejects.toMatchObject({
      details: { reason: 'session-pending' },
    });
    const lenient = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      acceptPendingSessions: true,
    });
    await expect(lenient.resolve(token)).resolves.toMatchObject({ userId: 'user_alice' });
  });

  it('makes no network call on the jwtKey fast path', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('network is forbidden on the fast path');
    });
    vi.stubGlobal('fetch', fetch);
    const token = await issuer.sessionToken(claims);
    for (let i = 0; i < 5; i++)
      await resolver.resolve(
        new Request('http://localhost:3000/', { headers: { authorization: `Bearer ${token}` } }),
      );
    await resolver
      .resolve(await issuer.sessionToken({ ...claims, claims: { azp: 'https://evil.example' } }))
      .catch(() => undefined);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("reports an unreachable JWKS endpoint (secretKey path) as BACKEND_UNAVAILABLE, not as the caller's fault", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('fetch failed'))),
    );
    const remote = createClerkIdentityResolver({
      secretKey: 'sk_test_unreachable',
      authorizedParties: [issuer.authorizedParty],
    });
    const error = await remote.resolve(await issuer.sessionToken(claims)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('serves a reused token from the verified cache, and still refuses it once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const token = await issuer.sessionToken({ ...claims, expiresInSeconds: 60 });
      await expect(resolver.resolve(token)).resolves.toMatchObject({ userId: 'user_alice' });
      await expect(resolver.resolve(token)).resolves.toMatchObject({ userId: 'user_alice' });
      vi.setSystemTime(Date.now() + 120_000);
      await expect(resolver.resolve(token)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { reason: 'token-expired' },
      });
      const uncached = createClerkIdentityResolver({ jwtKey: issuer.jwtKey, cache: false });
      await expect(uncached.resolve(token)).rejects.toMatchObject({
        details: { reason: 'token-expired' },
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('never caches a refusal: a forged token is refused every time', async () => {
    const forged = `${(await issuer.sessionToken(claims)).slice(0, -4)}AAAA`;
    for (let i = 0; i < 3; i++)
      await expect(resolver.resolve(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("refuses machine tokens and non-session JWT categories, as Clerk's middleware does", async () => {
    const m2m = await issuer.sessionToken({ userId: 'mch_2abc', claims: { azp: undefined } });
    const lax = createClerkIdentityResolver({ jwtKey: issuer.jwtKey });
    await expect(lax.resolve(m2m)).rejects.toMatchObject({
      details: { reason: 'token-type-mismatch' },
    });
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: 'user_alice',
      iss: issuer.issuer,
      azp: issuer.authorizedParty,
      iat: now,
      nbf: now,
      exp: now + 60,
    };
    const otherCategory = await issuer.signJwt(
      { alg: 'RS256', kid: issuer.kid, typ: 'JWT', cat: 'cl_B7d4PD222AAA' },
      payload,
    );
    const oauth = await issuer.signJwt({ alg: 'RS256', kid: issuer.kid, typ: 'at+jwt' }, payload);
    const session = await issuer.signJwt(
      { alg: 'RS256', kid: issuer.kid, typ: 'JWT', cat: 'cl_B7d4PD111AAA' },
      payload,
    );
    await expect(resolver.resolve(otherCategory)).rejects.toMatchObject({
      details: { reason: 'token-type-mismatch' },
    });
    await expect(resolver.resolve(oauth)).rejects.toMatchObject({
      details: { reason: 'token-type-mismatch' },
    });
    await expect(resolver.resolve(session)).resolves.toMatchObject({ userId: 'user_alice' });
  });

  it('validates its options: a PEM jwtKey, a finite clock skew', () => {
    expect(() => createClerkIdentityResolver({ jwtKey: 'not a pem' })).toThrowError(
      /PEM public key/,
    );
    for (const clockSkewInMs of [Number.NaN, Number.POSITIVE_INFINITY, -1, '5000' as never]) {
      expect(() =>
        createClerkIdentityResolver({ jwtKey: issuer.jwtKey, clockSkewInMs }),
      ).toThrowError(/clockSkewInMs/);
    }
  });

  it('hands out claims that cannot be changed for the next request with the same token', async () => {
    const token = await issuer.sessionToken(claims);
    const first = await resolver.resolve(token);
    expect(() => {
      (first.claims.o as { id: string }).id = 'org_evil';
    }).toThrow(TypeError);
    expect(((await resolver.resolve(token)).claims.o as { id: string }).id).toBe('org_acme');
  });
});
