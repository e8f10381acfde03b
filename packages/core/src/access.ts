// ScopeAccess: what a verified Scope may do with a row of its tenant, in a form any persistence
// adapter (SQL, ORM, key-value) can apply without knowing the policy. The same rules the policy
// applies to vector metadata: a row is readable by its owner, or by every member when it is
// org-visible; changing another member's org-visible row needs the policy's shared-write right.
import { InvalidInputError } from './errors.js';
import { MAX_ID_LENGTH } from './identity.js';
import { type Metadata, parseMetadata } from './metadata.js';
import type { ScopePolicy, Visibility } from './policy.js';
import { assertScope, policyOf, type Scope } from './scope.js';

/** Who owns a row inside its tenant, and who else may see it. */
export interface RowOwnership {
  readonly ownerId: string;
  readonly visibility: Visibility;
}

export interface ScopeAccess {
  readonly scope: Scope;
  readonly tenantKey: string;
  readonly userId: string;
  readonly isPersonal: boolean;
  /** May write org-visible rows and change other members' org-visible rows. */
  readonly canWriteShared: boolean;
  /** May administer the tenant: erase it, read every member's audit trail. */
  readonly isAdmin: boolean;
  /** The visibility of a write that names none. */
  readonly defaultVisibility: Visibility;
  /** True when the scope may read this row of its tenant. */
  canRead(row: RowOwnership): boolean;
  /** True when the scope may change or delete this row of its tenant. */
  canModify(row: RowOwnership): boolean;
  /** Throws (ScopeViolationError / ForbiddenError / InvalidInputError) unless the scope may write rows with this visibility. */
  assertCanWrite(visibility: Visibility): void;
}

const cache = new WeakMap<Scope, ScopeAccess>();

/**
 * The access rules of a verified Scope. Throws `UnscopedQueryError` for anything that is not a
 * Scope minted by a ScopePolicy, so every adapter method can start with it.
 */
export function scopeAccess(scope: Scope): ScopeAccess {
  assertScope(scope);
  const cached = cache.get(scope);
  if (cached) return cached;
  const policy = policyOf(scope) as ScopePolicy;
  const keys = policy.reservedKeys;
  // Asked of the policy itself, so custom policies' rules apply unchanged.
  const canWriteShared = policy.canModify(scope, {
    [keys.tenant]: scope.tenantKey,
    [keys.owner]: `${scope.userId}\u0000another member`,
    [keys.visibility]: 'org',
  });
  let isAdmin = true;
  try {
    policy.assertCanErase(scope);
  } catch {
    isAdmin = false;
  }
  const { tenantKey, userId } = scope;
  const access: ScopeAccess = Object.freeze({
    scope,
    tenantKey,
    userId,
    isPersonal: scope.isPersonal,
    canWriteShared,
    isAdmin,
    defaultVisibility: policy.defaultVisibility(scope),
    canRead: (row: RowOwnership) => row.ownerId === userId || row.visibility === 'org',
    canModify: (row: RowOwnership) =>
      row.ownerId === userId || (row.visibility === 'org' && canWriteShared),
    assertCanWrite(visibility: Visibility) {
      policy.assertCanWrite(scope, visibility);
    },
  });
  cache.set(scope, access);
  return access;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Validates an id of a document, chunk, thread or message: 1–`max` printable ASCII characters.
 * Returns it, or throws InvalidInputError naming `what`.
 */
export function checkId(id: unknown, what: string, max = 200): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > max || !PRINTABLE_ASCII.test(id)) {
    throw new InvalidInputError(
      `${what} must be 1–${max} printable ASCII characters, got ${typeof id === 'string' ? JSON.stringify(id.slice(0, 80)) : typeof id}.`,
      { details: { what } },
    );
  }
  return id;
}

/** Validates a user id given to a lifecycle method: the identity rules (1–128 characters). */
export function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_ID_LENGTH) {
    throw new InvalidInputError(
      `A user id must be a string of 1–${MAX_ID_LENGTH} characters (as in the identity).`,
    );
  }
  return userId;
}

/**
 * Throws InvalidInputError when `text` holds U+0000: PostgreSQL text and jsonb cannot store it,
 * so every persistence store refuses it the same way (the in-memory one included).
 */
export function rejectNul(text: string, what: string): string {
  if (text.includes('\u0000')) {
    throw new InvalidInputError(
      `${what} contains a NUL character (\\u0000), which databases cannot store; remove it.`,
    );
  }
  return text;
}

/** Validates metadata for a persistence store: `parseMetadata`, and no NUL in keys or strings. */
export function parseStoredMetadata(input: unknown, where: string): Metadata {
  const metadata = parseMetadata(input, where);
  for (const [key, value] of Object.entries(metadata)) {
    rejectNul(key, `A metadata key in ${where}`);
    for (const item of typeof value === 'string' ? [value] : Array.isArray(value) ? value : []) {
      rejectNul(item, `Metadata "${key}" in ${where}`);
    }
  }
  return metadata;
}
