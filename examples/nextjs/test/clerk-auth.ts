// A stand-in for `auth()` of @clerk/nextjs/server that is real where it matters: it takes the
// request being handled and runs @clerk/backend's authenticateRequest on it with the options
// proxy.ts gives clerkMiddleware (jwtKey, authorizedParties, publishable key), then `toAuth()`,
// as clerkMiddleware does before a route handler runs. Forged, expired, `alg: none` or
// another site's tokens are therefore signed out here exactly as in the app.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createClerkClient } from '@clerk/backend';
import { clerkMiddlewareOptions } from '../lib/clerk-options';

const handled = new AsyncLocalStorage<Request>();

/** Runs `work` as the handling of `request`: `auth()` inside it authenticates that request. */
export function handling<T>(request: Request, work: () => Promise<T>): Promise<T> {
  return handled.run(request, work);
}

export async function auth() {
  const request = handled.getStore();
  if (!request) throw new Error('auth() was called outside handling(request, …).');
  const options = clerkMiddlewareOptions();
  const secretKey = process.env.CLERK_SECRET_KEY;
  if (!secretKey) throw new Error('CLERK_SECRET_KEY is not set in the test environment.');
  const clerk = createClerkClient({ ...options, secretKey, telemetry: { disabled: true } });
  const state = await clerk.authenticateRequest(request, { ...options, secretKey });
  return state.toAuth();
}
