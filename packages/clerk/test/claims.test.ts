// Claim mapping, checked against Clerk's own parser so v1 and v2 tokens mean the same thing here.
import { __experimental_JWTPayloadToAuthObjectProperties as clerkParse } from '@clerk/shared/jwtPayloadParser';
import { createIdentity } from '@scoped-rag/core';
import { createClerkTestIssuer, encodeV2Permissions } from '@scoped-rag/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClerkIdentityResolver, identityFromClerkClaims } from '../src/index.js';

const permissionArb = fc
  .tuple(
    fc.constantFrom('documents', 'billing', 'threads', 'sys_memberships'),
    fc.constantFrom('read', 'write', 'manage', 'delete'),
  )
  .map(([feature, name]) => `org:${feature}:${name}`);

describe('identityFromClerkClaims', () => {
  it("maps v2 claims (o.id, o.rol, fea/per/fpm) exactly like Clerk's parser", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^user_[A-Za-z0-9]{1,20}$/),
        fc.stringMatching(/^org_[A-Za-z0-9]{1,20}$/),
        fc.constantFrom('admin', 'member', 'billing_manager'),
        fc.uniqueArray(permissionArb, { maxLength: 8 }),
        (sub, org, rol, permissions) => {
          const { fea, per, fpm } = encodeV2Permissions(permissions);
          const claims = {
            v: 2,
            sub,
            sid: 'sess_1',
            o: { id: org, rol, ...(per ? { per, fpm } : {}) },
            ...(fea ? { fea: `u:profile,${fea}` } : {}),
          };
          const ours = identityFromClerkClaims(claims);
          const clerks = clerkParse(claims as never);
          expect(ours.userId).toBe(clerks.userId);
          expect(ours.orgId).toBe(clerks.orgId);
          expect(ours.orgRole).toBe(clerks.orgRole);
          expect([...(ours.orgPermissions ?? [])].sort()).toEqual(
            [...(clerks.orgPermissions ?? [])].sort(),
          );
          expect([...(ours.orgPermissions ?? [])].sort()).toEqual([...permissions].sort());
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("maps v1 claims (org_id, org_role, org_permissions) exactly like Clerk's parser", () => {
    const claims = {
      sub: 'user_1',
      sid: 'sess_1',
      org_id: 'org_1',
      org_role: 'org:admin',
      org_permissions: ['org:documents:write'],
    };
    const ours = identityFromClerkClaims(claims);
    const clerks = clerkParse(claims as never);
    expect([ours.userId, ours.orgId, ours.orgRole, ours.orgPermissions]).toEqual([
      clerks.userId,
      clerks.orgId,
      clerks.orgRole,
      clerks.orgPermissions,
    ]);
  });

  it.each([
    [
      'an empty feature name',
      { fea: 'o:,o:docs', o: { id: 'org_x', rol: 'member', per: 'read,manage', fpm: '1,2' } },
    ],
    [
      'a feature name with a colon',
      { fea: 'o:docs:beta', o: { id: 'org_x', rol: 'member', per: 'read', fpm: '1' } },
    ],
    [
      'a bitmask of more than 30 digits',
      {
        fea: 'o:docs',
        o: {
          id: 'org_x',
          rol: 'member',
          per: Array.from({ length: 101 }, (_, i) => `p${i}`).join(','),
          fpm: (1n << 100n).toString(),
        },
      },
    ],
    [
      'a zero-padded bitmask',
      { fea: 'o:docs', o: { id: 'org_x', rol: 'member', per: 'read', fpm: `${'0'.repeat(30)}1` } },
    ],
  ])("agrees with Clerk's parser on %s", (_, extra) => {
    const claims = { v: 2, sub: 'user_1', ...extra };
    expect([...(identityFromClerkClaims(claims).orgPermissions ?? [])].sort()).toEqual(
      [...(clerkParse(claims as never).orgPermissions ?? [])].sort(),
    );
  });

  it('maps a token without an active organization to the personal workspace', () => {
    expect(identityFromClerkClaims({ v: 2, sub: 'user_1' })).toMatchObject({
      orgId: null,
      orgRole: null,
      orgPermissions: [],
    });
    expect(identityFromClerkClaims({ sub: 'user_1' })).toMatchObject({
      orgId: null,
      orgRole: null,
      orgPermissions: [],
    });
  });
});

describe('custom claim mapping for JWT templates', () => {
  it("reads a template that carries sub, email and org_id (the seed's template)", async () => {
    const issuer = await createClerkTestIssuer();
    const resolver = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      issuer: issuer.issuer,
      mapClaims: (claims) => ({
        userId: String(claims.sub),
        orgId: typeof claims.org_id === 'string' ? claims.org_id : null,
        claims,
      }),
    });
    const token = await issuer.sessionToken({
      userId: 'user_1',
      version: 1,
      claims: { email: 'a@example.com', org_id: 'org_9', org_role: undefined },
    });
    const identity = await resolver.resolve(token);
    expect(identity).toMatchObject({ userId: 'user_1', orgId: 'org_9' });
    expect(identity.claims.email).toBe('a@example.com');
    expect(createIdentity(identity)).toEqual(identity);
  });

  it('turns a mapping that throws or yields an invalid identity into UNAUTHENTICATED', async () => {
    const issuer = await createClerkTestIssuer();
    const token = await issuer.sessionToken({ userId: 'user_1' });
    const throwing = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      mapClaims: () => {
        throw new Error('no org claim');
      },
    });
    await expect(throwing.resolve(token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'claims-unmapped' },
    });
    const invalid = createClerkIdentityResolver({
      jwtKey: issuer.jwtKey,
      mapClaims: () => ({ userId: '' }),
    });
    await expect(invalid.resolve(token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'claims-invalid' },
    });
  });
});
