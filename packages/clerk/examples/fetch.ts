// A Fetch API server (Bun, Deno, Cloudflare Workers, Hono, Next.js route handlers all take this
// shape): Clerk identity in, scoped vectors out, Clerk webhooks erasing tenants.
import { createClerkIdentityResolver, createClerkWebhookHandler } from '@scoped-rag/clerk';
import {
  createMemoryVectorStore,
  createMemoryWebhookEventStore,
  createScopedVectorStore,
  orgPolicy,
  ScopedRagError,
  toHttpStatus,
} from '@scoped-rag/core';

export interface Env {
  CLERK_JWT_KEY: string; // PEM public key: verification without the network
  CLERK_ISSUER: string; // https://<your frontend API host>
  APP_ORIGIN: string; // the origin your session tokens are minted for (azp)
  CLERK_WEBHOOK_SIGNING_SECRET: string; // whsec_...
}

export function createApp(env: Env): (request: Request) => Promise<Response> {
  const resolver = createClerkIdentityResolver({
    jwtKey: env.CLERK_JWT_KEY,
    issuer: env.CLERK_ISSUER,
    authorizedParties: [env.APP_ORIGIN],
  });
  const vectors = createScopedVectorStore({
    store: createMemoryVectorStore({ dimensions: 3 }),
    policy: orgPolicy(),
  });
  const webhooks = createClerkWebhookHandler({
    signingSecret: env.CLERK_WEBHOOK_SIGNING_SECRET,
    events: createMemoryWebhookEventStore(),
    vectors,
  });

  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/api/webhooks/clerk') return webhooks(request);
    try {
      // The tenant comes from the verified token only; nothing in the body can change it.
      const docs = vectors.forIdentity(await resolver.resolve(request));
      const body = request.method === 'POST' ? await request.json() : {};
      if (pathname === '/api/docs') return Response.json(await docs.upsert(body.records));
      if (pathname === '/api/search') {
        return Response.json(
          await docs.query({ vector: body.vector, topK: 5, filter: body.filter }),
        );
      }
      return Response.json({ code: 'NOT_FOUND' }, { status: 404 });
    } catch (error) {
      const status = toHttpStatus(error);
      const code = ScopedRagError.isInstance(error) && status < 500 ? error.code : 'INTERNAL_ERROR';
      return Response.json({ code }, { status });
    }
  };
}
