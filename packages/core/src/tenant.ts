// Tenant keys: an injective, namespace-safe encoding of "whose data is this".
// A personal tenant and an org tenant can never share a key, and no two ids share one.
import { InvalidInputError } from './errors.js';

export type TenantKind = 'user' | 'org';

/** Whose data a scope touches: a user's personal workspace or an organization. */
export interface Tenant {
  readonly kind: TenantKind;
  readonly id: string;
}

/** Longest tenant key produced; keys stay well inside Pinecone's namespace and id limits. */
export const MAX_TENANT_KEY_LENGTH = 200;

const KIND_PREFIX: Record<TenantKind, string> = { user: 'u_', org: 'o_' };

/**
 * Encodes `id` into the alphabet [a-z0-9_-]. Lower-case letters, digits and `_` stand for
 * themselves; every other code point (upper case included, so the result survives
 * case-insensitive backends) becomes `-<base36 code point>-`. The encoding is prefix-free,
 * hence injective.
 */
export function encodeKeyPart(id: string): string {
  let out = '';
  for (const char of id) {
    if (/^[a-z0-9_]$/.test(char)) out += char;
    else out += `-${char.codePointAt(0)!.toString(36)}-`;
  }
  return out;
}

/** Inverse of `encodeKeyPart`; throws on anything `encodeKeyPart` cannot have produced. */
export function decodeKeyPart(encoded: string): string {
  let out = '';
  let i = 0;
  while (i < encoded.length) {
    const char = encoded[i]!;
    if (char !== '-') {
      if (!/^[a-z0-9_]$/.test(char)) throw new InvalidInputError(`Not a tenant key: ${encoded}`);
      out += char;
      i += 1;
      continue;
    }
    const end = encoded.indexOf('-', i + 1);
    const digits = encoded.slice(i + 1, end);
    if (end < 0 || !/^(0|[1-9a-z][0-9a-z]{0,3})$/.test(digits)) {
      throw new InvalidInputError(`Not a tenant key: ${encoded}`);
    }
    const codePoint = Number.parseInt(digits, 36);
    if (codePoint > 0x10ffff) throw new InvalidInputError(`Not a tenant key: ${encoded}`);
    out += String.fromCodePoint(codePoint);
    i = end + 1;
  }
  return out;
}

/** The tenant key of a tenant, e.g. `u_user_2-2f-o` for the user `user_2Wo`; a valid namespace. */
export function tenantKey(tenant: Tenant): string {
  // Read once: a getter must not pass the checks with one value and be encoded with another.
  const { kind, id } = tenant;
  if (kind !== 'user' && kind !== 'org') {
    throw new InvalidInputError(
      `A tenant's kind must be "user" or "org", got ${JSON.stringify(String(kind))}.`,
    );
  }
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidInputError(`A ${kind} tenant needs a non-empty string id.`);
  }
  const key = KIND_PREFIX[kind] + encodeKeyPart(id);
  if (key.length > MAX_TENANT_KEY_LENGTH) {
    throw new InvalidInputError(
      `The ${kind} id is too long to form a tenant key (${key.length} > ${MAX_TENANT_KEY_LENGTH} characters once encoded). Use shorter ids; ids are never truncated, because truncation would let two tenants share data.`,
      { details: { kind, encodedLength: key.length } },
    );
  }
  return key;
}

/** Inverse of `tenantKey`. */
export function parseTenantKey(key: string): Tenant {
  const prefix = key.slice(0, 2);
  const kind = prefix === 'u_' ? 'user' : prefix === 'o_' ? 'org' : null;
  if (kind === null) throw new InvalidInputError(`Not a tenant key: ${key}`);
  return Object.freeze({ kind, id: decodeKeyPart(key.slice(2)) });
}
