// Who is calling: the verified Clerk session, as clerkMiddleware (proxy.ts) handed it to `auth()`,
// mapped to a scoped-rag Identity by @scoped-rag/clerk. Nothing here opens the database, so a
// signed-out request is refused before any store is touched.
import { auth } from '@clerk/nextjs/server';
import { type ClerkCredential, createClerkIdentityResolver } from '@scoped-rag/clerk';
import type { Identity, IdentityResolver } from '@scoped-rag/core';
import { type AppConfig, currentConfig } from './config';

const resolvers = new WeakMap<AppConfig, IdentityResolver<ClerkCredential>>();

/**
 * The resolver for this configuration. It is given the auth object of `auth()`, which the
 * middleware verified already (signature, expiry, `azp`): the resolver does not verify it twice,
 * but checks the claims @clerk/nextjs does not, the issuer above all (a token of another Clerk
 * instance signed with the same key type must not pass).
 */
export function identityResolver(
  config: AppConfig = currentConfig(),
): IdentityResolver<ClerkCredential> {
  let resolver = resolvers.get(config);
  if (!resolver) {
    resolver = createClerkIdentityResolver({
      jwtKey: config.clerk.jwtKey,
      issuer: config.clerk.issuer,
      authorizedParties: config.clerk.authorizedParties,
    });
    resolvers.set(config, resolver);
  }
  return resolver;
}

/** The caller's Identity, or UnauthenticatedError (401) when signed out or refused. */
export async function currentIdentity(): Promise<Identity> {
  const resolver = identityResolver();
  return resolver.resolve(await auth());
}
