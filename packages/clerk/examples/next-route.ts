// app/api/search/route.ts in a Next.js App Router app. clerkMiddleware (in proxy.ts) must be
// given jwtKey and authorizedParties explicitly: @clerk/nextjs does not read CLERK_JWT_KEY.

import { auth } from '@clerk/nextjs/server';
import { createClerkIdentityResolver } from '@scoped-rag/clerk';
import {
  createMemoryVectorStore,
  createScopedVectorStore,
  orgPolicy,
  ScopedRagError,
  toHttpStatus,
} from '@scoped-rag/core';

// Module scope: one resolver and store per server instance, reused across requests.
const resolver = createClerkIdentityResolver({ jwtKey: process.env.CLERK_JWT_KEY! });
const vectors = createScopedVectorStore({
  store: createMemoryVectorStore({ dimensions: 3 }),
  policy: orgPolicy(),
});

export async function POST(request: Request): Promise<Response> {
  try {
    const docs = vectors.forIdentity(await resolver.resolve(await auth()));
    const { vector, filter } = await request.json();
    return Response.json(await docs.query({ vector, topK: 5, filter }));
  } catch (error) {
    const code = ScopedRagError.isInstance(error) ? error.code : 'INTERNAL_ERROR';
    return Response.json({ code }, { status: toHttpStatus(error) });
  }
}
