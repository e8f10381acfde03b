// Scope: the data partition one operation may touch. Only a ScopePolicy makes one; anything
// else, however it is shaped, is refused at run time with UNSCOPED_QUERY.
import { UnscopedQueryError } from './errors.js';
import type { Tenant } from './tenant.js';

declare const scopeBrand: unique symbol;

export interface Scope {
  /** Whose data this is. */
  readonly tenant: Tenant;
  /** The tenant's injective key (`u_…` or `o_…`), stamped on every record. */
  readonly tenantKey: string;
  /** The caller. Owner of what it writes. */
  readonly userId: string;
  readonly orgRole: string | null;
  readonly orgPermissions: readonly string[];
  /** True for a user's personal workspace. */
  readonly isPersonal: boolean;
  /** Name of the policy that made this scope. */
  readonly policy: string;
  readonly [scopeBrand]: true;
}

export type ScopeData = Omit<Scope, typeof scopeBrand | 'policy'>;

// Scopes minted by this copy of core, mapped to the policy object that minted them. A WeakMap
// cannot be forged from outside the module: a copied or hand-built object is never in it.
const minted = new WeakMap<object, object>();

/** @internal Used by `defineScopePolicy`; not exported from the package. */
export function mintScope(data: ScopeData, policyName: string, policy: object): Scope {
  const scope = Object.freeze({
    tenant: Object.freeze({ ...data.tenant }),
    tenantKey: data.tenantKey,
    userId: data.userId,
    orgRole: data.orgRole,
    orgPermissions: Object.freeze([...data.orgPermissions]),
    isPersonal: data.isPersonal,
    policy: policyName,
  }) as Scope;
  minted.set(scope, policy);
  return scope;
}

/** @internal The policy object that minted `scope` (undefined for anything else). */
export function policyOf(scope: Scope): object | undefined {
  return minted.get(scope);
}

/** True when `value` is a Scope minted by a policy (of this copy of @scoped-rag/core). */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'object' && value !== null && minted.has(value);
}

/**
 * Throws `UnscopedQueryError` unless `value` is a Scope minted by `policy` (when given).
 */
export function assertScope(value: unknown, policy?: object): asserts value is Scope {
  if (value === undefined || value === null) {
    throw new UnscopedQueryError(
      'No scope was given. Every read, write and delete needs a Scope from policy.scopeFor(identity); resolve the caller first.',
    );
  }
  const owner = typeof value === 'object' ? minted.get(value) : undefined;
  if (owner === undefined) {
    throw new UnscopedQueryError(
      'The scope was not made by a ScopePolicy. Scopes cannot be written as object literals, copied or spread; get one from policy.scopeFor(identity) (if you did, two copies of @scoped-rag/core may be installed: dedupe them).',
    );
  }
  if (policy !== undefined && owner !== policy) {
    throw new UnscopedQueryError(
      `The scope was made by the policy "${(value as Scope).policy}", not by the policy this store was created with. Use the same policy object for scopes and stores.`,
    );
  }
}
