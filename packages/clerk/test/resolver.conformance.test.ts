// The Clerk resolver passes the resolver conformance suite with the real @clerk/backend verifying
// tokens from the local issuer, for both session-claim versions.
import {
  createClerkTestIssuer,
  describeIdentityResolverConformance,
  type TestIdentityClaims,
  type TestSessionClaims,
} from '@scoped-rag/testing';
import { createClerkIdentityResolver } from '../src/index.js';

const issuer = await createClerkTestIssuer();
const other = await createClerkTestIssuer();
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string, url = 'http://localhost:3000/api/chat') =>
  new Request(url, { headers: { authorization: `Bearer ${token}` } });

for (const version of [1, 2] as const) {
  const token = (claims: TestIdentityClaims, extra: Partial<TestSessionClaims> = {}) =>
    issuer.sessionToken({ ...claims, version, ...extra });

  describeIdentityResolverConformance<Request>(`Clerk resolver, v${version} session claims`, {
    makeResolver: () =>
      createClerkIdentityResolver({
        jwtKey: issuer.jwtKey,
        authorizedParties: [issuer.authorizedParty],
        issuer: issuer.issuer,
      }),
    issue: async (claims) => bearer(await token(claims)),
    missing: () => new Request('http://localhost:3000/api/chat'),
    forged: async (claims) => {
      const valid = await token(claims);
      const [header, payload, signature] = valid.split('.') as [string, string, string];
      const tampered = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
      tampered.sub = 'user_victim';
      const tamperedPayload = btoa(JSON.stringify(tampered))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      return {
        'signed by another key': bearer(await other.sessionToken({ ...claims, version })),
        'tampered payload': bearer(`${header}.${tamperedPayload}.${signature}`),
        expired: bearer(await token(claims, { issuedAt: now() - 3_600, expiresInSeconds: 60 })),
        'wrong authorized party': bearer(
          await token(claims, { claims: { azp: 'https://evil.example' } }),
        ),
        'wrong issuer': bearer(
          await token(claims, { claims: { iss: 'https://clerk.evil.example' } }),
        ),
        truncated: bearer(valid.slice(0, -10)),
        garbage: bearer('garbage'),
        'empty bearer': new Request('http://localhost:3000/', {
          headers: { authorization: 'Bearer ' },
        }),
        'basic auth instead of bearer': new Request('http://localhost:3000/', {
          headers: { authorization: 'Basic dXNlcjpwYXNz' },
        }),
      };
    },
    withClientTenant: (request, orgId) => {
      const url = new URL(request.url);
      url.searchParams.set('orgId', orgId);
      const headers = new Headers(request.headers);
      headers.set('x-org-id', orgId);
      headers.set('x-clerk-org-id', orgId);
      return new Request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ orgId, org_id: orgId }),
      });
    },
  });
}
