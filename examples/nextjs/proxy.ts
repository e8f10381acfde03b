// Clerk's middleware, wired as Clerk documents it for Next.js 16 (proxy.ts), plus two things the
// defaults miss: `jwtKey`, so sessions are verified with no network call (@clerk/nextjs 7.9 does
// not read CLERK_JWT_KEY by itself), and `authorizedParties`. The options are read per request,
// so `next build` needs no keys. API requests without a valid session end here with a 401.
import { clerkMiddleware } from '@clerk/nextjs/server';
import type { NextFetchEvent, NextRequest } from 'next/server';
import { clerkMiddlewareOptions } from './lib/clerk-options';
import { currentConfig } from './lib/config';
import { errorResponse } from './lib/http-errors';
import { identityResolver } from './lib/identity';

const clerk = clerkMiddleware(
  async (auth, request) => {
    if (!request.nextUrl.pathname.startsWith('/api/')) return;
    try {
      // Clerk verified the token (signature, expiry, azp) but not its issuer: the resolver checks
      // that. The route handlers check again; refusing here keeps forged, expired and
      // foreign-issuer tokens away from them altogether.
      await identityResolver().resolve(await auth());
    } catch (error) {
      return errorResponse(error);
    }
  },
  () => clerkMiddlewareOptions(),
);

export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  try {
    currentConfig();
  } catch (error) {
    // Misconfigured: say what to set rather than fail inside Clerk's middleware.
    return errorResponse(error);
  }
  return clerk(request, event);
}

export const config = {
  matcher: [
    // Skip Next.js internals and all static files, unless found in search params
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    // Always run for API routes
    '/(api|trpc)(.*)',
  ],
};
