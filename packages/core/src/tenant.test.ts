import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScopedRagError } from './errors.js';
import {
  decodeKeyPart,
  encodeKeyPart,
  MAX_TENANT_KEY_LENGTH,
  parseTenantKey,
  type Tenant,
  tenantKey,
} from './tenant.js';

const NAMESPACE_SAFE = /^[a-z0-9_-]+$/;

const hostileId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 24 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom(
    'user_1',
    'USER_1',
    'User_1',
    'o_user_1',
    'u_x',
    '-',
    '--',
    '-1-',
    '_',
    ' ',
    '\0',
    '#',
    'a#b',
    '\u{1F600}',
    '\uD800',
  ),
);
const tenantArb = fc.record({
  kind: fc.constantFrom<'user' | 'org'>('user', 'org'),
  id: hostileId,
});

describe('tenant keys', () => {
  it('are namespace-safe: lower-case letters, digits, "_" and "-" only', () => {
    fc.assert(
      fc.property(tenantArb, (tenant) => {
        const key = tenantKey(tenant);
        expect(key).toMatch(NAMESPACE_SAFE);
        expect(key.length).toBeLessThanOrEqual(MAX_TENANT_KEY_LENGTH);
      }),
      { numRuns: 2_000 },
    );
  });

  it('are injective: two distinct tenants never share a key (case, kind and unusual characters included)', () => {
    fc.assert(
      fc.property(tenantArb, tenantArb, (a, b) => {
        const same = a.kind === b.kind && a.id === b.id;
        expect(tenantKey(a) === tenantKey(b)).toBe(same);
      }),
      { numRuns: 5_000 },
    );
  });

  it('decode back to the tenant they were made from', () => {
    fc.assert(
      fc.property(tenantArb, (tenant) => {
        expect(parseTenantKey(tenantKey(tenant))).toEqual(tenant);
        expect(decodeKeyPart(encodeKeyPart(tenant.id))).toBe(tenant.id);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keep a personal tenant apart from an org whose id is the same string', () => {
    const personal: Tenant = { kind: 'user', id: 'user_1' };
    const org: Tenant = { kind: 'org', id: 'user_1' };
    expect(tenantKey(personal)).not.toBe(tenantKey(org));
    expect(tenantKey(personal)).toBe('u_user_1');
    expect(tenantKey(org)).toBe('o_user_1');
  });

  it('distinguish ids that differ only in case, even on case-insensitive backends', () => {
    const upper = tenantKey({ kind: 'org', id: 'org_ABC' });
    const lower = tenantKey({ kind: 'org', id: 'org_abc' });
    expect(upper.toLowerCase()).not.toBe(lower.toLowerCase());
  });

  it('refuse ids too long to encode instead of truncating them', () => {
    const long = 'x'.repeat(MAX_TENANT_KEY_LENGTH);
    expect(() => tenantKey({ kind: 'user', id: long })).toThrowError(/too long/);
    try {
      tenantKey({ kind: 'user', id: long });
    } catch (error) {
      expect(ScopedRagError.hasCode(error, 'INVALID_INPUT')).toBe(true);
    }
    // The longest ids that fit still encode injectively.
    const a = 'a'.repeat(MAX_TENANT_KEY_LENGTH - 2);
    const b = `${'a'.repeat(MAX_TENANT_KEY_LENGTH - 3)}b`;
    expect(tenantKey({ kind: 'user', id: a })).not.toBe(tenantKey({ kind: 'user', id: b }));
  });

  it('refuse an empty id', () => {
    expect(() => tenantKey({ kind: 'org', id: '' })).toThrowError(/non-empty/);
  });

  it('reject strings that are not keys when parsing', () => {
    for (const bad of ['x_abc', 'u_ABC', 'u_-zzzzz-', 'u_-', 'u_-01-', 'o_a-b']) {
      expect(() => parseTenantKey(bad), bad).toThrowError(/Not a tenant key/);
    }
  });
});
