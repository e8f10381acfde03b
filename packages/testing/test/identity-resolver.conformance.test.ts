// Proves the resolver suite itself: a small HS256 bearer-token resolver (a fixture, not a product)
// passes it, and resolvers with classic bugs fail it.
import { createIdentity, type IdentityResolver, UnauthenticatedError } from '@scoped-rag/core';
import { describe, expect, it } from 'vitest';
import { describeIdentityResolverConformance, type TestIdentityClaims } from '../src/index.js';

const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const encodeJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));
const decodeJson = (part: string) =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
    ),
  );

async function hmacKey(secret: string) {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

async function sign(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
) {
  const body = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(body)),
  );
  return `${body}.${base64url(signature)}`;
}

const SECRET = 'conformance-secret';
const now = () => Math.floor(Date.now() / 1000);
const payloadFor = (claims: TestIdentityClaims) => ({
  sub: claims.userId,
  org_id: claims.orgId ?? undefined,
  org_role: claims.orgRole ?? undefined,
  org_permissions: claims.orgPermissions,
  iat: now(),
  exp: now() + 60,
});
const bearer = (token: string, url = 'https://app.test/api/chat') =>
  new Request(url, { headers: { authorization: `Bearer ${token}` } });

function hmacResolver(
  options: { trustHeader?: boolean; allowAnonymous?: boolean } = {},
): IdentityResolver<Request> {
  return {
    specificationVersion: 'v1',
    provider: 'hmac-fixture',
    async resolve(request) {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
      if (!token) {
        if (options.allowAnonymous) return createIdentity({ userId: 'anonymous' });
        throw new UnauthenticatedError('No bearer token: send Authorization: Bearer <token>.');
      }
      const [header, payload, signature, ...rest] = token.split('.');
      if (!header || !payload || !signature || rest.length > 0)
        throw new UnauthenticatedError('Malformed token: expected three parts.');
      let claims: Record<string, unknown>;
      try {
        if (decodeJson(header).alg !== 'HS256') throw new Error('alg');
        claims = decodeJson(payload);
      } catch {
        throw new UnauthenticatedError('Malformed token or unsupported algorithm (HS256 only).');
      }
      const expected = (await sign(claims, SECRET, decodeJson(header))).split('.')[2];
      if (expected !== signature) throw new UnauthenticatedError('Invalid token signature.');
      if (typeof claims.exp !== 'number' || claims.exp < now())
        throw new UnauthenticatedError('Token expired.');
      const spoofed = options.trustHeader ? request.headers.get('x-org-id') : null;
      return createIdentity({
        userId: String(claims.sub),
        orgId: spoofed ?? (typeof claims.org_id === 'string' ? claims.org_id : null),
        orgRole: typeof claims.org_role === 'string' ? claims.org_role : null,
        orgPermissions: Array.isArray(claims.org_permissions)
          ? (claims.org_permissions as string[])
          : [],
        claims,
      });
    },
  };
}

const suiteOptions = {
  issue: async (claims: TestIdentityClaims) => bearer(await sign(payloadFor(claims), SECRET)),
  missing: () => new Request('https://app.test/api/chat'),
  forged: async (claims: TestIdentityClaims) => {
    const valid = await sign(payloadFor(claims), SECRET);
    const [h, , s] = valid.split('.');
    return {
      'signed with another secret': bearer(await sign(payloadFor(claims), 'attacker')),
      'tampered payload': bearer(
        `${h}.${encodeJson({ ...payloadFor(claims), org_id: 'org_victim' })}.${s}`,
      ),
      'alg none': bearer(`${encodeJson({ alg: 'none' })}.${encodeJson(payloadFor(claims))}.`),
      expired: bearer(await sign({ ...payloadFor(claims), exp: now() - 10 }, SECRET)),
      truncated: bearer(valid.slice(0, -5)),
      garbage: bearer('not-a-token'),
      'empty bearer': new Request('https://app.test/', { headers: { authorization: 'Bearer ' } }),
    };
  },
  withClientTenant: (request: Request, orgId: string) => {
    const url = new URL(request.url);
    url.searchParams.set('orgId', orgId);
    const headers = new Headers(request.headers);
    headers.set('x-org-id', orgId);
    return new Request(url, { headers, method: 'POST', body: JSON.stringify({ orgId }) });
  },
};

describeIdentityResolverConformance('HMAC fixture resolver', {
  makeResolver: () => hmacResolver(),
  ...suiteOptions,
});

describe('the resolver suite catches broken resolvers', () => {
  it('a resolver that trusts a client-supplied org header resolves the spoofed tenant', async () => {
    const broken = hmacResolver({ trustHeader: true });
    const claims: TestIdentityClaims = {
      userId: 'u1',
      orgId: 'org_a',
      orgRole: 'org:member',
      orgPermissions: [],
    };
    const spoofed = suiteOptions.withClientTenant(await suiteOptions.issue(claims), 'org_victim');
    expect((await broken.resolve(spoofed)).orgId).toBe('org_victim');
    expect((await hmacResolver().resolve(spoofed)).orgId).toBe('org_a');
  });

  it('a resolver that falls back to an anonymous identity resolves a missing credential', async () => {
    await expect(
      hmacResolver({ allowAnonymous: true }).resolve(suiteOptions.missing()),
    ).resolves.toMatchObject({ userId: 'anonymous' });
    await expect(hmacResolver().resolve(suiteOptions.missing())).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
