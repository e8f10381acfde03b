// describeIdentityResolverConformance: what every IdentityResolver must do with real, missing,
// forged and tenant-spoofing credentials.
import { type Identity, type IdentityResolver, ScopedRagError } from '@scoped-rag/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

export interface TestIdentityClaims {
  readonly userId: string;
  readonly orgId: string | null;
  readonly orgRole: string | null;
  readonly orgPermissions: readonly string[];
}

export interface IdentityResolverConformanceOptions<Input> {
  makeResolver: () => IdentityResolver<Input> | Promise<IdentityResolver<Input>>;
  /** A credential carrying these verified claims, which the resolver must accept. */
  issue: (claims: TestIdentityClaims) => Input | Promise<Input>;
  /** An input that carries no credential at all. */
  missing: () => Input | Promise<Input>;
  /** Credentials the resolver must refuse, by name: forged, tampered, expired, wrong audience… */
  forged: (claims: TestIdentityClaims) => Record<string, Input> | Promise<Record<string, Input>>;
  /** Adds a client-chosen org (header, query string, body) to a valid input; it must be ignored. */
  withClientTenant?: (input: Input, orgId: string) => Input | Promise<Input>;
  /** Ids the credential format can carry. Default: letters, digits, `_` and `-`, 1–40 characters. */
  idArb?: fc.Arbitrary<string>;
  /** fast-check runs of the round-trip property. Default 50. */
  numRuns?: number;
}

const defaultIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

function claimsArb(idArb: fc.Arbitrary<string>): fc.Arbitrary<TestIdentityClaims> {
  return fc.oneof(
    idArb.map((userId) => ({ userId, orgId: null, orgRole: null, orgPermissions: [] })),
    fc.record({
      userId: idArb,
      orgId: idArb,
      orgRole: fc.constantFrom('org:admin', 'org:member'),
      orgPermissions: fc.uniqueArray(
        fc.constantFrom('org:docs:write', 'org:docs:read', 'org:sys_memberships:manage'),
        { maxLength: 3 },
      ),
    }),
  );
}

async function refusal(promise: Promise<Identity>): Promise<unknown> {
  return promise.then(
    (identity) => new Error(`resolved an identity for user ${JSON.stringify(identity.userId)}`),
    (error: unknown) => error,
  );
}

function expectUnauthenticated(error: unknown, label: string): void {
  const code = ScopedRagError.isInstance(error) ? error.code : String(error);
  expect(code, `${label}: must be refused with UNAUTHENTICATED`).toBe('UNAUTHENTICATED');
  expect((error as Error).message.length, `${label}: the message must say why`).toBeGreaterThan(10);
}

/** Registers the conformance suite for an IdentityResolver. */
export function describeIdentityResolverConformance<Input>(
  name: string,
  options: IdentityResolverConformanceOptions<Input>,
): void {
  const idArb = options.idArb ?? defaultIdArb;
  const sample: TestIdentityClaims = {
    userId: 'user_conformance',
    orgId: 'org_conformance',
    orgRole: 'org:member',
    orgPermissions: ['org:docs:read'],
  };

  describe(`${name}: IdentityResolver conformance`, () => {
    let resolver: IdentityResolver<Input>;
    beforeAll(async () => {
      resolver = await options.makeResolver();
    });

    it('declares its specification version and provider', () => {
      expect(resolver.specificationVersion).toBe('v1');
      expect(resolver.provider.length).toBeGreaterThan(0);
    });

    it('resolves a valid credential to exactly the identity it carries', async () => {
      await fc.assert(
        fc.asyncProperty(claimsArb(idArb), async (claims) => {
          const identity = await resolver.resolve(await options.issue(claims));
          expect(identity.userId).toBe(claims.userId);
          expect(identity.orgId).toBe(claims.orgId);
          if (claims.orgId !== null) {
            expect(identity.orgRole).toBe(claims.orgRole);
            expect([...identity.orgPermissions].sort()).toEqual([...claims.orgPermissions].sort());
          }
          expect(Object.isFrozen(identity)).toBe(true);
        }),
        { numRuns: options.numRuns ?? 50 },
      );
    });

    it('refuses a request without a credential with UNAUTHENTICATED (never an anonymous identity)', async () => {
      expectUnauthenticated(
        await refusal(resolver.resolve(await options.missing())),
        'missing credential',
      );
    });

    it('refuses every forged or invalid credential with UNAUTHENTICATED', async () => {
      const forged = await options.forged(sample);
      expect(Object.keys(forged).length, 'provide at least one forged credential').toBeGreaterThan(
        0,
      );
      for (const [label, input] of Object.entries(forged)) {
        expectUnauthenticated(await refusal(resolver.resolve(input)), label);
      }
    });

    if (options.withClientTenant) {
      const withClientTenant = options.withClientTenant;
      it('reads the tenant only from the verified credential, never from client-supplied org ids', async () => {
        for (const claims of [
          sample,
          { ...sample, orgId: null, orgRole: null, orgPermissions: [] },
        ]) {
          const spoofed = await withClientTenant(await options.issue(claims), 'org_victim');
          const identity = await resolver.resolve(spoofed);
          expect(identity.orgId).toBe(claims.orgId);
          expect(identity.userId).toBe(claims.userId);
        }
      });
    }
  });
}
