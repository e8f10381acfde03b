// ScopePolicy: turns an Identity into a Scope, and decides for that scope what it may see,
// what it may write, and which metadata every record carries.
import { ForbiddenError, InvalidInputError, ScopeViolationError } from './errors.js';
import { type FilterExpression, fieldNameProblem } from './filter.js';
import { createIdentity, type Identity } from './identity.js';
import type { MetadataValue } from './metadata.js';
import { mintScope, type Scope } from './scope.js';
import { type Tenant, tenantKey } from './tenant.js';

/** Who can see a record inside its tenant: only its owner, or every member. */
export type Visibility = 'private' | 'org';

/** Metadata keys the policy stamps on every record. User metadata and filters may not name them. */
export interface ReservedKeys {
  readonly tenant: string;
  readonly owner: string;
  readonly visibility: string;
  /** When the record was written (milliseconds since the epoch), so erasure can spare newer records. */
  readonly writtenAt: string;
}

/**
 * How tenants are kept apart in the vector store. `namespace` (default): one namespace per
 * tenant. `shared`: one namespace for all, ids qualified by tenant and every read filtered.
 */
export type Isolation =
  | { readonly mode: 'namespace'; readonly prefix: string }
  | { readonly mode: 'shared'; readonly namespace: string };

export type IsolationOptions =
  | { readonly mode: 'namespace'; readonly prefix?: string }
  | { readonly mode: 'shared'; readonly namespace?: string };

export const DEFAULT_RESERVED_KEYS: ReservedKeys = Object.freeze({
  tenant: '_sr_tenant',
  owner: '_sr_owner',
  visibility: '_sr_visibility',
  writtenAt: '_sr_written_at',
});

/** The separator between tenant key and record id in shared isolation (never in a tenant key). */
export const SHARED_ID_SEPARATOR = '#';

export interface ScopePolicy {
  readonly name: string;
  readonly reservedKeys: ReservedKeys;
  readonly isolation: Isolation;
  /** Makes the Scope for a verified identity, or throws ForbiddenError. */
  scopeFor(identity: Identity): Scope;
  /** True when `key` is reserved (refused in user metadata and filters). */
  isReservedKey(key: string): boolean;
  /** The namespace holding a tenant's records (pass a Scope, or `{ tenantKey }` for lifecycle work). */
  namespaceFor(tenant: { readonly tenantKey: string }): string;
  /** The filter ANDed onto every read: what this scope may see. */
  readFilter(scope: Scope): FilterExpression;
  /** The filter for deletes and overwrites: what this scope may change. */
  modifyFilter(scope: Scope): FilterExpression;
  /** True when the scope may see a record with this metadata (re-check after the backend). */
  canRead(scope: Scope, metadata: Readonly<Record<string, MetadataValue>>): boolean;
  /** True when the scope may overwrite or delete a record with this metadata. */
  canModify(scope: Scope, metadata: Readonly<Record<string, MetadataValue>>): boolean;
  /** The visibility a write gets when the caller names none. */
  defaultVisibility(scope: Scope): Visibility;
  /** Throws unless the scope may write records with this visibility. */
  assertCanWrite(scope: Scope, visibility: Visibility): void;
  /** The reserved metadata stamped on a record this scope writes. */
  stamp(scope: Scope, visibility: Visibility, writtenAt: number): Record<string, string | number>;
  /** Throws unless the scope may erase its whole tenant. */
  assertCanErase(scope: Scope): void;
}

/** What a custom policy decides; everything else is derived and enforced by scoped-rag. */
export interface ScopePolicySpec {
  name: string;
  /** The tenant whose data this identity works in. Throw ForbiddenError to refuse. */
  tenantFor(identity: Identity): Tenant;
  /** Visibility for writes that name none. Default: `org` in org tenants, else `private`. */
  defaultVisibility?: (scope: Scope) => Visibility;
  /** May this scope write org-visible records, and change other members' org-visible ones? Default: yes. */
  canWriteShared?: (scope: Scope) => boolean;
  /** May this scope erase its whole tenant? Default: yes in personal tenants, no in org tenants. */
  canErase?: (scope: Scope) => boolean;
  reservedKeys?: Partial<ReservedKeys>;
  /** Default `{ mode: 'namespace', prefix: '' }`. */
  isolation?: IsolationOptions;
}

// Namespace names must never coincide across tenants, policies or isolation modes sharing one
// store. Tenant keys start with `u_` or `o_` and are the only names with `_` in second place;
// a prefix has no `_` and ends with `-`, so the first `_` always marks where the key starts; a
// shared namespace has no `_` at all, so it can't equal any per-tenant name.
const NAMESPACE_PREFIX = /^([a-z0-9][a-z0-9-]{0,38}-)?$/;
const SHARED_NAMESPACE = /^[a-z0-9][a-z0-9-]{0,63}$/;

function resolveIsolation(input: IsolationOptions | undefined): Isolation {
  if (input === undefined || input.mode === 'namespace') {
    const prefix = input?.prefix ?? '';
    if (!NAMESPACE_PREFIX.test(prefix)) {
      throw new InvalidInputError(
        `Namespace prefix ${JSON.stringify(prefix)} must be empty or lower-case letters, digits and "-", ending with "-" (e.g. "prod-"), so no two tenants' namespaces can coincide.`,
      );
    }
    return Object.freeze({ mode: 'namespace', prefix });
  }
  if (input.mode !== 'shared') {
    throw new InvalidInputError(
      `Isolation mode must be "namespace" or "shared", got ${JSON.stringify(String((input as { mode: unknown }).mode))}.`,
    );
  }
  const namespace = input.namespace ?? 'shared';
  if (!SHARED_NAMESPACE.test(namespace)) {
    throw new InvalidInputError(
      `Shared namespace ${JSON.stringify(namespace)} must be 1–64 lower-case letters, digits and "-" (no "_", which would let it coincide with a tenant's own namespace).`,
    );
  }
  return Object.freeze({ mode: 'shared', namespace });
}

function resolveReservedKeys(input: Partial<ReservedKeys> | undefined): ReservedKeys {
  const keys = { ...DEFAULT_RESERVED_KEYS, ...input };
  for (const key of Object.values(keys)) {
    const problem = fieldNameProblem(key);
    if (problem)
      throw new InvalidInputError(`Reserved key "${key}" is not a valid field: ${problem}.`);
  }
  if (new Set(Object.values(keys)).size !== Object.keys(keys).length) {
    throw new InvalidInputError(
      'Reserved keys (tenant, owner, visibility, writtenAt) must be distinct.',
    );
  }
  return Object.freeze(keys);
}

const eq = (field: string, value: string): FilterExpression => ({
  kind: 'field',
  field,
  op: '$eq',
  value,
});

/** Builds a policy from a spec. The built-in `userPolicy` and `orgPolicy` are made this way. */
export function defineScopePolicy(spec: ScopePolicySpec): ScopePolicy {
  const reservedKeys = resolveReservedKeys(spec.reservedKeys);
  const isolation = resolveIsolation(spec.isolation);
  const reserved = new Set(Object.values(reservedKeys));
  const canWriteShared = spec.canWriteShared ?? (() => true);
  const canErase = spec.canErase ?? ((scope: Scope) => scope.isPersonal);
  const defaultVisibility =
    spec.defaultVisibility ??
    ((scope: Scope): Visibility => (scope.isPersonal ? 'private' : 'org'));

  const policy: ScopePolicy = {
    name: spec.name,
    reservedKeys,
    isolation,
    scopeFor(identity) {
      const verified = createIdentity(identity);
      const proposed = spec.tenantFor(verified);
      // Copy once, then validate the copy (tenantKey refuses unknown kinds and empty ids).
      const tenant: Tenant = { kind: proposed?.kind, id: proposed?.id };
      const key = tenantKey(tenant);
      if (tenant.kind === 'user' && tenant.id !== verified.userId) {
        throw new ForbiddenError(
          `Policy "${spec.name}" mapped user ${verified.userId} to another user's personal tenant; a personal tenant belongs to its user only.`,
        );
      }
      return mintScope(
        {
          tenant,
          tenantKey: key,
          userId: verified.userId,
          orgRole: tenant.kind === 'org' ? verified.orgRole : null,
          orgPermissions: tenant.kind === 'org' ? verified.orgPermissions : [],
          isPersonal: tenant.kind === 'user',
        },
        spec.name,
        policy,
      );
    },
    isReservedKey: (key) => reserved.has(key),
    namespaceFor: (tenant) =>
      isolation.mode === 'namespace' ? isolation.prefix + tenant.tenantKey : isolation.namespace,
    readFilter: (scope) => ({
      kind: 'and',
      children: [
        eq(reservedKeys.tenant, scope.tenantKey),
        {
          kind: 'or',
          children: [eq(reservedKeys.visibility, 'org'), eq(reservedKeys.owner, scope.userId)],
        },
      ],
    }),
    modifyFilter: (scope) =>
      canWriteShared(scope)
        ? policy.readFilter(scope)
        : {
            kind: 'and',
            children: [
              eq(reservedKeys.tenant, scope.tenantKey),
              eq(reservedKeys.owner, scope.userId),
            ],
          },
    canRead: (scope, m) =>
      m[reservedKeys.tenant] === scope.tenantKey &&
      (m[reservedKeys.visibility] === 'org' || m[reservedKeys.owner] === scope.userId),
    canModify: (scope, m) =>
      m[reservedKeys.tenant] === scope.tenantKey &&
      (m[reservedKeys.owner] === scope.userId ||
        (m[reservedKeys.visibility] === 'org' && canWriteShared(scope))),
    defaultVisibility,
    assertCanWrite(scope, visibility) {
      if (visibility === 'private') return;
      if (visibility !== 'org') {
        throw new InvalidInputError(
          `Visibility must be "private" or "org", got ${JSON.stringify(visibility)}.`,
        );
      }
      if (scope.isPersonal) {
        throw new ScopeViolationError(
          'Org-visible records need an active organization; this scope is a personal workspace. Write with visibility "private" or switch to an organization.',
        );
      }
      if (!canWriteShared(scope)) {
        throw new ForbiddenError(
          `Policy "${spec.name}" does not let user ${scope.userId} write org-visible records in this organization (missing permission). Write with visibility "private" or grant the permission.`,
        );
      }
    },
    stamp: (scope, visibility, writtenAt) => ({
      [reservedKeys.tenant]: scope.tenantKey,
      [reservedKeys.owner]: scope.userId,
      [reservedKeys.visibility]: visibility,
      [reservedKeys.writtenAt]: writtenAt,
    }),
    assertCanErase(scope) {
      if (!canErase(scope)) {
        throw new ForbiddenError(
          `Policy "${spec.name}" does not let user ${scope.userId} erase this tenant's data (organization admins only, by default).`,
        );
      }
    },
  };
  return Object.freeze(policy);
}

export interface UserPolicyOptions {
  reservedKeys?: Partial<ReservedKeys>;
  isolation?: IsolationOptions;
}

/** Every user is their own tenant; organizations are ignored. */
export function userPolicy(options: UserPolicyOptions = {}): ScopePolicy {
  return defineScopePolicy({
    name: 'user',
    tenantFor: (identity) => ({ kind: 'user', id: identity.userId }),
    defaultVisibility: () => 'private',
    canErase: () => true,
    ...(options.reservedKeys ? { reservedKeys: options.reservedKeys } : {}),
    ...(options.isolation ? { isolation: options.isolation } : {}),
  });
}

export interface OrgPolicyOptions {
  /**
   * What to do when the caller has no active organization: `allow` (default) scopes them to
   * their personal workspace, `refuse` throws ForbiddenError.
   */
  personalWorkspace?: 'allow' | 'refuse';
  /** Visibility of writes in an org that name none. Default `org`. */
  defaultVisibility?: Visibility;
  /**
   * Permission needed to write org-visible records and to change other members' org-visible
   * records (e.g. `org:documents:write`). Default: none needed; every member may.
   */
  writePermission?: string;
  /** Role allowed to erase the organization's data. Default `org:admin`. */
  eraseRole?: string;
  reservedKeys?: Partial<ReservedKeys>;
  isolation?: IsolationOptions;
}

/** The active organization is the tenant; records are shared with the org or private to their owner. */
export function orgPolicy(options: OrgPolicyOptions = {}): ScopePolicy {
  const { personalWorkspace = 'allow', writePermission, eraseRole = 'org:admin' } = options;
  const defaultVisibility = options.defaultVisibility ?? 'org';
  return defineScopePolicy({
    name: 'org',
    tenantFor(identity) {
      if (identity.orgId !== null) return { kind: 'org', id: identity.orgId };
      if (personalWorkspace === 'allow') return { kind: 'user', id: identity.userId };
      throw new ForbiddenError(
        'No active organization: this app requires one. Ask the user to select an organization (a new session token carries it).',
      );
    },
    defaultVisibility: (scope) => (scope.isPersonal ? 'private' : defaultVisibility),
    canWriteShared: (scope) =>
      writePermission === undefined || scope.orgPermissions.includes(writePermission),
    canErase: (scope) => scope.isPersonal || scope.orgRole === eraseRole,
    ...(options.reservedKeys ? { reservedKeys: options.reservedKeys } : {}),
    ...(options.isolation ? { isolation: options.isolation } : {}),
  });
}
