// The attack matrix: every forged, stale or misdirected credential is refused with UNAUTHENTICATED
// and Clerk's own reason — never a 500, never an anonymous identity.
import { ScopedRagError, toHttpStatus } from '@scoped-rag/core';
import { createClerkTestIssuer } from '@scoped-rag/testing';
import { describe, expect, it } from 'vitest';
import { createClerkIdentityResolver } from '../src/index.js';

const issuer = await createClerkTestIssuer();
const stranger = await createClerkTestIssuer();
const resolver = createClerkIdentityResolver({
  jwtKey: issuer.jwtKey,
  authorizedParties: [issuer.authorizedParty],
  issuer: issuer.issuer,
});
const now = () => Math.floor(Date.now() / 1000);
const b64url = (text: string) =>
  btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const claims = { userId: 'user_alice', orgId: 'org_acme', orgRole: 'admin' };

async function hs256(payload: Record<string, unknown>, secret: string): Promise<string> {
  const body = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: issuer.kid }))}.${b64url(JSON.stringify(payload))}`;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)),
  );
  return `${body}.${b64url(String.fromCharCode(...signature))}`;
}

const validPayload = () => ({
  azp: issuer.authorizedParty,
  iss: issuer.issuer,
  sub: 'user_alice',
  sid: 'sess_1',
  iat: now(),
  nbf: now(),
  exp: now() + 60,
  v: 2,
  o: { id: 'org_acme', rol: 'admin' },
});

const attacks: [string, () => Promise<string>, RegExp][] = [
  [
    'alg none',
    async () =>
      `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: issuer.kid }))}.${b64url(JSON.stringify(validPayload()))}.`,
    /token-invalid-algorithm|token-invalid/,
  ],
  [
    'HS256 signed with the public key as the secret',
    () => hs256(validPayload(), issuer.jwtKey),
    /token-invalid-algorithm/,
  ],
  [
    'tampered payload (org switched)',
    async () => {
      const [h, , s] = (await issuer.sessionToken(claims)).split('.');
      return `${h}.${b64url(JSON.stringify({ ...validPayload(), o: { id: 'org_victim', rol: 'admin' } }))}.${s}`;
    },
    /token-invalid-signature/,
  ],
  [
    'expired',
    () => issuer.sessionToken({ ...claims, issuedAt: now() - 600, expiresInSeconds: 60 }),
    /token-expired/,
  ],
  [
    'not yet valid (nbf in the future)',
    () => issuer.sessionToken({ ...claims, notBefore: now() + 600, expiresInSeconds: 3_600 }),
    /token-not-active-yet/,
  ],
  [
    'issued in the future',
    () =>
      issuer.sessionToken({
        ...claims,
        issuedAt: now() + 600,
        notBefore: now() - 1,
        expiresInSeconds: 3_600,
      }),
    /token-iat-in-the-future|token-not-active-yet/,
  ],
  [
    'wrong authorized party',
    () => issuer.sessionToken({ ...claims, claims: { azp: 'https://evil.example' } }),
    /token-invalid-authorized-parties/,
  ],
  [
    'wrong issuer',
    () => issuer.sessionToken({ ...claims, claims: { iss: 'https://clerk.evil.example' } }),
    /token-invalid-issuer/,
  ],
  ['signed by another key', () => stranger.sessionToken(claims), /token-invalid-signature/],
  [
    'truncated',
    async () => (await issuer.sessionToken(claims)).slice(0, -12),
    /token-invalid-signature|token-invalid/,
  ],
  [
    'oversized',
    async () => `${await issuer.sessionToken({ ...claims, claims: { pad: 'x'.repeat(20_000) } })}`,
    /token-oversized/,
  ],
  ['garbage', async () => 'not.a.jwt', /token-invalid/],
  ['two parts only', async () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0', /token-invalid/],
  [
    'no subject',
    () => issuer.sessionToken({ ...claims, claims: { sub: undefined } }),
    /Subject claim \(sub\) is required/,
  ],
  [
    'pending session (v2 sts)',
    () => issuer.sessionToken({ ...claims, status: 'pending' }),
    /session-pending|pending tasks/,
  ],
];

describe('Clerk resolver attack matrix', () => {
  it.each(attacks)(
    'refuses %s with UNAUTHENTICATED (401) and the reason',
    async (_, makeToken, reason) => {
      const token = await makeToken();
      for (const input of [
        token,
        new Request('http://localhost:3000/', { headers: { authorization: `Bearer ${token}` } }),
      ]) {
        const error = await resolver.resolve(input).then(
          (identity) => new Error(`resolved ${identity.userId}`),
          (e: unknown) => e,
        );
        expect(ScopedRagError.hasCode(error, 'UNAUTHENTICATED'), String(error)).toBe(true);
        expect(toHttpStatus(error)).toBe(401);
        expect(
          `${(error as ScopedRagError).message} ${String((error as ScopedRagError).details.reason)}`,
        ).toMatch(reason);
      }
    },
  );

  it('accepts the same claims when signed properly (the matrix is not refusing everything)', async () => {
    const identity = await resolver.resolve(await issuer.sessionToken(claims));
    expect(identity).toMatchObject({
      userId: 'user_alice',
      orgId: 'org_acme',
      orgRole: 'org:admin',
    });
  });

  it('without the issuer option, a wrong iss passes @clerk/backend: set issuer in production', async () => {
    const lax = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      authorizedParties: [issuer.authorizedParty],
    });
    const token = await issuer.sessionToken({
      ...claims,
      claims: { iss: 'https://clerk.evil.example' },
    });
    await expect(lax.resolve(token)).resolves.toMatchObject({ userId: 'user_alice' });
  });

  it('needs jwtKey or secretKey', () => {
    expect(() => createClerkIdentityResolver({})).toThrowError(/jwtKey/);
  });
});
