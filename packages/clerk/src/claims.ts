// Clerk session claims → core's IdentityInput, for both claim versions:
// v1 `org_id` / `org_role` / `org_permissions`; v2 `o: { id, rol, per, fpm }` with features in `fea`.
import { type IdentityInput, UnauthenticatedError } from '@scoped-rag/core';

export type ClerkClaims = Readonly<Record<string, unknown>>;

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

// `fpm` holds one decimal bitmask per org feature; bit i grants permission i of `per`.
function bitsOf(decimal: string): number[] {
  // Any length, like Clerk's parser; bounded only against absurd input.
  if (!/^\d{1,4096}$/.test(decimal)) return [];
  let mask = BigInt(decimal);
  const bits: number[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) if (mask & 1n) bits.push(i);
  return bits;
}

// Org features of `fea`, in order, exactly as Clerk splits them: scope before the first colon,
// the rest (colons and empty names included) is the feature.
function orgFeatures(fea: unknown): string[] {
  if (!isString(fea)) return [];
  const features: string[] = [];
  for (const raw of fea.split(',')) {
    const part = raw.trim();
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const scope = part.slice(0, colon);
    if (scope === 'o' || scope === 'ou' || scope === 'uo') features.push(part.slice(colon + 1));
  }
  return features;
}

/** Org permissions of a v2 token, e.g. `org:documents:write`. */
export function v2Permissions(claims: ClerkClaims): string[] {
  const org = claims.o as Record<string, unknown> | undefined;
  if (!org || !isString(org.per) || !isString(org.fpm)) return [];
  const names = org.per.split(',').map((name) => name.trim());
  const masks = org.fpm.split(',').map((mask) => mask.trim());
  const permissions: string[] = [];
  orgFeatures(claims.fea).forEach((feature, i) => {
    for (const bit of bitsOf(masks[i] ?? '')) {
      const name = names[bit];
      if (name !== undefined) permissions.push(`org:${feature}:${name}`);
    }
  });
  return permissions;
}

/**
 * Maps verified Clerk session claims (v1 or v2) to an identity. Throws `UnauthenticatedError`
 * when the token names no user.
 */
export function identityFromClerkClaims(claims: ClerkClaims): IdentityInput {
  if (!isString(claims.sub)) {
    throw new UnauthenticatedError(
      'The session token has no subject (sub): it does not identify a user.',
    );
  }
  let orgId: string | null = null;
  let orgRole: string | null = null;
  let orgPermissions: string[] = [];
  if (claims.v === 2) {
    const org = claims.o as Record<string, unknown> | undefined;
    if (org && isString(org.id)) {
      orgId = org.id;
      orgRole = isString(org.rol) ? `org:${org.rol}` : null;
      orgPermissions = v2Permissions(claims);
    }
  } else if (isString(claims.org_id)) {
    orgId = claims.org_id;
    orgRole = isString(claims.org_role) ? claims.org_role : null;
    orgPermissions = Array.isArray(claims.org_permissions)
      ? claims.org_permissions.filter(isString)
      : [];
  }
  return {
    userId: claims.sub,
    orgId,
    orgRole,
    orgPermissions,
    sessionId: isString(claims.sid) ? claims.sid : null,
    claims,
  };
}
