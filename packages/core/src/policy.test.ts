import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScopedRagError } from './errors.js';
import { compileFilter } from './filter.js';
import { createIdentity } from './identity.js';
import { defineScopePolicy, orgPolicy, userPolicy } from './policy.js';
import { assertScope, isScope, type Scope } from './scope.js';
import { tenantKey } from './tenant.js';

const alice = createIdentity({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'org:member' });
const adminBob = createIdentity({
  userId: 'user_bob',
  orgId: 'org_acme',
  orgRole: 'org:admin',
  orgPermissions: ['org:docs:write'],
});
const solo = createIdentity({ userId: 'user_solo' });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ScopedRagError.isInstance(error) ? error.code : 'NOT_A_SCOPED_RAG_ERROR';
  }
  return undefined;
}

describe('scopes', () => {
  it('are frozen, branded and recognised only when a policy made them', () => {
    const scope = orgPolicy().scopeFor(alice);
    expect(Object.isFrozen(scope)).toBe(true);
    expect(isScope(scope)).toBe(true);
    expect(() => assertScope(scope)).not.toThrow();
    expect(codeOf(() => ((scope as { userId: string }).userId = 'user_mallory'))).toBe(
      'NOT_A_SCOPED_RAG_ERROR',
    );
  });

  it('refuse a structurally identical object literal with UNSCOPED_QUERY', () => {
    const real = orgPolicy().scopeFor(alice);
    const forged = { ...real } as Scope;
    const parsed = JSON.parse(JSON.stringify(real)) as Scope;
    expect(isScope(forged)).toBe(false);
    expect(codeOf(() => assertScope(forged))).toBe('UNSCOPED_QUERY');
    expect(codeOf(() => assertScope(parsed))).toBe('UNSCOPED_QUERY');
    expect(codeOf(() => assertScope(Object.create(real)))).toBe('UNSCOPED_QUERY');
    expect(codeOf(() => assertScope(undefined))).toBe('UNSCOPED_QUERY');
    expect(codeOf(() => assertScope(null))).toBe('UNSCOPED_QUERY');
  });

  it('refuse a scope made by a different policy', () => {
    const one = orgPolicy();
    const other = orgPolicy();
    const scope = one.scopeFor(alice);
    expect(() => assertScope(scope, one)).not.toThrow();
    expect(codeOf(() => assertScope(scope, other))).toBe('UNSCOPED_QUERY');
  });
});

describe('userPolicy', () => {
  it('makes every user their own tenant and ignores the org', () => {
    const scope = userPolicy().scopeFor(alice);
    expect(scope.tenant).toEqual({ kind: 'user', id: 'user_alice' });
    expect(scope.tenantKey).toBe('u_user_alice');
    expect(scope.isPersonal).toBe(true);
    expect(scope.orgPermissions).toEqual([]);
  });

  it('validates the identity it is given', () => {
    expect(codeOf(() => userPolicy().scopeFor({ userId: '' } as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => userPolicy().scopeFor({} as never))).toBe('INVALID_INPUT');
  });
});

describe('orgPolicy', () => {
  it('scopes to the active organization', () => {
    const scope = orgPolicy().scopeFor(alice);
    expect(scope.tenant).toEqual({ kind: 'org', id: 'org_acme' });
    expect(scope.tenantKey).toBe('o_org_acme');
    expect(scope.isPersonal).toBe(false);
    expect(scope.orgRole).toBe('org:member');
  });

  it('falls back to the personal workspace without an org, or refuses by option', () => {
    expect(orgPolicy().scopeFor(solo).tenantKey).toBe('u_user_solo');
    expect(codeOf(() => orgPolicy({ personalWorkspace: 'refuse' }).scopeFor(solo))).toBe(
      'FORBIDDEN',
    );
  });

  it('never lets a personal tenant and an org with the same raw id meet', () => {
    const personal = orgPolicy().scopeFor(createIdentity({ userId: 'same' }));
    const org = orgPolicy().scopeFor(createIdentity({ userId: 'u2', orgId: 'same' }));
    expect(personal.tenantKey).not.toBe(org.tenantKey);
  });

  it("reads: org-visible records of the tenant, and the caller's own private ones", () => {
    const policy = orgPolicy();
    const scope = policy.scopeFor(alice);
    const read = compileFilter(policy.readFilter(scope));
    const k = policy.reservedKeys;
    const rec = (tenant: string, owner: string, visibility: string) => ({
      [k.tenant]: tenant,
      [k.owner]: owner,
      [k.visibility]: visibility,
    });
    const cases: [Record<string, string>, boolean][] = [
      [rec('o_org_acme', 'user_bob', 'org'), true],
      [rec('o_org_acme', 'user_alice', 'private'), true],
      [rec('o_org_acme', 'user_bob', 'private'), false],
      [rec('o_org_globex', 'user_alice', 'org'), false],
      [rec('u_user_alice', 'user_alice', 'private'), false],
    ];
    for (const [metadata, visible] of cases) {
      expect(read(metadata)).toBe(visible);
      expect(policy.canRead(scope, metadata)).toBe(visible);
    }
  });

  it('writing org-visible records can require a permission; private writes never do', () => {
    const policy = orgPolicy({ writePermission: 'org:docs:write' });
    const member = policy.scopeFor(alice);
    const writer = policy.scopeFor(adminBob);
    expect(codeOf(() => policy.assertCanWrite(member, 'org'))).toBe('FORBIDDEN');
    expect(codeOf(() => policy.assertCanWrite(member, 'private'))).toBeUndefined();
    expect(codeOf(() => policy.assertCanWrite(writer, 'org'))).toBeUndefined();
    const k = policy.reservedKeys;
    const bobsShared = { [k.tenant]: 'o_org_acme', [k.owner]: 'user_bob', [k.visibility]: 'org' };
    expect(policy.canModify(member, bobsShared)).toBe(false);
    expect(policy.canModify(writer, bobsShared)).toBe(true);
  });

  it('refuses org-visible writes in a personal workspace', () => {
    const policy = orgPolicy();
    expect(codeOf(() => policy.assertCanWrite(policy.scopeFor(solo), 'org'))).toBe(
      'SCOPE_VIOLATION',
    );
    expect(policy.defaultVisibility(policy.scopeFor(solo))).toBe('private');
    expect(policy.defaultVisibility(policy.scopeFor(alice))).toBe('org');
  });

  it('lets only the erase role erase an organization, and anyone their personal workspace', () => {
    const policy = orgPolicy();
    expect(codeOf(() => policy.assertCanErase(policy.scopeFor(alice)))).toBe('FORBIDDEN');
    expect(codeOf(() => policy.assertCanErase(policy.scopeFor(adminBob)))).toBeUndefined();
    expect(codeOf(() => policy.assertCanErase(policy.scopeFor(solo)))).toBeUndefined();
  });

  it('puts tenants in their own namespaces, or in one shared namespace', () => {
    expect(orgPolicy().namespaceFor(orgPolicy().scopeFor(alice))).toBe('o_org_acme');
    const prefixed = orgPolicy({ isolation: { mode: 'namespace', prefix: 'prod-' } });
    expect(prefixed.namespaceFor(prefixed.scopeFor(alice))).toBe('prod-o_org_acme');
    const shared = orgPolicy({ isolation: { mode: 'shared', namespace: 'docs' } });
    expect(shared.namespaceFor(shared.scopeFor(alice))).toBe('docs');
    expect(
      codeOf(() => orgPolicy({ isolation: { mode: 'namespace', prefix: 'Bad Prefix' } })),
    ).toBe('INVALID_INPUT');
  });

  it('validates reserved keys', () => {
    expect(codeOf(() => orgPolicy({ reservedKeys: { tenant: '$t' } }))).toBe('INVALID_INPUT');
    expect(codeOf(() => orgPolicy({ reservedKeys: { tenant: 'x', owner: 'x' } }))).toBe(
      'INVALID_INPUT',
    );
    const custom = orgPolicy({ reservedKeys: { tenant: 'tenant' } });
    expect(custom.isReservedKey('tenant')).toBe(true);
    expect(custom.isReservedKey('_sr_tenant')).toBe(false);
  });
});

describe('defineScopePolicy', () => {
  it('builds custom policies, e.g. a tenant taken from a verified claim', () => {
    const teamPolicy = defineScopePolicy({
      name: 'team',
      tenantFor: (identity) => {
        const team = identity.claims.team;
        if (typeof team !== 'string') throw new Error('no team claim');
        return { kind: 'org', id: team };
      },
    });
    const scope = teamPolicy.scopeFor(createIdentity({ userId: 'u1', claims: { team: 'red' } }));
    expect(scope.tenantKey).toBe('o_red');
    expect(scope.policy).toBe('team');
  });

  it("cannot map a user into another user's personal tenant", () => {
    const rogue = defineScopePolicy({
      name: 'rogue',
      tenantFor: () => ({ kind: 'user', id: 'user_victim' }),
    });
    expect(codeOf(() => rogue.scopeFor(alice))).toBe('FORBIDDEN');
  });
});

describe('namespace names', () => {
  const tenantArb = fc.record({
    kind: fc.constantFrom<'user' | 'org'>('user', 'org'),
    id: fc.oneof(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.constantFrom('x', 'o_x', 'u_x', 'a-', '_', '-'),
    ),
  });
  const prefixArb = fc.stringMatching(/^([a-z0-9][a-z0-9-]{0,6}-)?$/);
  const sharedArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/);

  it('never coincide across tenants and prefixes sharing one store', () => {
    fc.assert(
      fc.property(prefixArb, tenantArb, prefixArb, tenantArb, (p1, t1, p2, t2) => {
        const same = p1 === p2 && t1.kind === t2.kind && t1.id === t2.id;
        expect(p1 + tenantKey(t1) === p2 + tenantKey(t2)).toBe(same);
      }),
      { numRuns: 5_000 },
    );
  });

  it("a shared namespace never coincides with a tenant's own namespace", () => {
    fc.assert(
      fc.property(sharedArb, prefixArb, tenantArb, (shared, prefix, tenant) => {
        expect(shared).not.toBe(prefix + tenantKey(tenant));
      }),
      { numRuns: 5_000 },
    );
  });

  it('custom policies cannot invent tenant kinds', () => {
    for (const kind of ['team', 'toString', '__proto__', undefined]) {
      const policy = defineScopePolicy({
        name: 'bad',
        tenantFor: () => ({ kind, id: 'x' }) as never,
      });
      expect(
        codeOf(() => policy.scopeFor(alice)),
        String(kind),
      ).toBe('INVALID_INPUT');
    }
    const empty = defineScopePolicy({ name: 'bad', tenantFor: () => ({ kind: 'org', id: '' }) });
    expect(codeOf(() => empty.scopeFor(alice))).toBe('INVALID_INPUT');
  });
});
