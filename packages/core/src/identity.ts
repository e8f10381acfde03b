// Identity: the verified facts about a caller, and the port that makes one from a credential.
import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/** Longest user or org id accepted, in UTF-16 code units. Clerk ids are ~32. */
export const MAX_ID_LENGTH = 128;

const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

export const identitySchema = z.object({
  userId: idSchema,
  orgId: idSchema.nullable().default(null),
  orgRole: z.string().min(1).max(256).nullable().default(null),
  orgPermissions: z.array(z.string().min(1).max(256)).max(1000).default([]),
  sessionId: z.string().min(1).max(256).nullable().default(null),
  claims: z.record(z.string(), z.unknown()).default({}),
});

/** Verified facts about the caller. Only an IdentityResolver should make one from a credential. */
export interface Identity {
  readonly userId: string;
  /** The active organization, or null for the personal workspace. */
  readonly orgId: string | null;
  readonly orgRole: string | null;
  readonly orgPermissions: readonly string[];
  readonly sessionId: string | null;
  /** The raw verified claims of the credential, for app-specific decisions. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What a resolver passes to `createIdentity`; missing optional facts default to null / empty. */
export interface IdentityInput {
  readonly userId: string;
  readonly orgId?: string | null | undefined;
  readonly orgRole?: string | null | undefined;
  readonly orgPermissions?: readonly string[] | undefined;
  readonly sessionId?: string | null | undefined;
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** Validates and freezes an identity. Resolvers call this after verifying a credential. */
export function createIdentity(input: IdentityInput): Identity {
  const parsed = identitySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || 'identity';
    throw new InvalidInputError(`Invalid identity: ${path} ${issue?.message ?? 'is invalid'}.`, {
      cause: parsed.error,
      details: { path },
    });
  }
  const { claims, orgPermissions, ...rest } = parsed.data;
  return Object.freeze({
    ...rest,
    orgPermissions: Object.freeze([...orgPermissions]),
    claims: frozenCopy(claims) as Readonly<Record<string, unknown>>,
  });
}

// A deep, frozen copy of JSON-like claims: an identity may be shared (e.g. by a resolver's cache)
// and must not change under anyone. Cycles are preserved; non-plain objects (never in JWT claims)
// are kept by reference rather than frozen in place under their owner.
function frozenCopy(value: unknown, seen = new WeakMap<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(frozenCopy(item, seen));
    return Object.freeze(copy);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = frozenCopy(item, seen);
  return Object.freeze(copy);
}

/**
 * The port every identity provider implements: turn a credential into an Identity, or throw
 * `UnauthenticatedError`. It must read the tenant only from the verified credential, never from
 * headers, query strings or bodies the client controls.
 */
export interface IdentityResolver<Input = Request> {
  readonly specificationVersion: 'v1';
  /** A short name for logs and errors, e.g. `clerk`. */
  readonly provider: string;
  resolve(input: Input): Promise<Identity>;
}
