// The options proxy.ts gives clerkMiddleware, per request, from the configuration.
import type { ClerkMiddlewareOptions } from '@clerk/nextjs/server';
import { type AppConfig, currentConfig } from './config';

/**
 * `jwtKey` must be passed: @clerk/nextjs 7.9 does not read CLERK_JWT_KEY, and without it every
 * request waits on a JWKS fetch. The secret key is not passed: @clerk/nextjs reads
 * CLERK_SECRET_KEY itself, and a secret key given as an option would need CLERK_ENCRYPTION_KEY too.
 */
export function clerkMiddlewareOptions(
  config: AppConfig = currentConfig(),
): ClerkMiddlewareOptions {
  return {
    publishableKey: config.clerk.publishableKey,
    jwtKey: config.clerk.jwtKey,
    authorizedParties: [...config.clerk.authorizedParties],
  };
}
