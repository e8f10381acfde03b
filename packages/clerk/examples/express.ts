// Express with @clerk/express: its middleware verifies the session once; the resolver takes the
// resulting auth object, so nothing is verified twice.
import { clerkMiddleware, getAuth } from '@clerk/express';
import { createClerkIdentityResolver } from '@scoped-rag/clerk';
import {
  createMemoryVectorStore,
  createScopedVectorStore,
  orgPolicy,
  ScopedRagError,
  toHttpStatus,
} from '@scoped-rag/core';
import express from 'express';

export function createExpressApp(env: {
  CLERK_JWT_KEY: string;
  CLERK_PUBLISHABLE_KEY: string;
  CLERK_SECRET_KEY: string;
  APP_ORIGIN: string;
}): express.Express {
  const resolver = createClerkIdentityResolver({ jwtKey: env.CLERK_JWT_KEY });
  const vectors = createScopedVectorStore({
    store: createMemoryVectorStore({ dimensions: 3 }),
    policy: orgPolicy(),
  });
  const app = express();
  app.use(express.json());
  app.use(
    clerkMiddleware({
      jwtKey: env.CLERK_JWT_KEY,
      publishableKey: env.CLERK_PUBLISHABLE_KEY,
      secretKey: env.CLERK_SECRET_KEY,
      authorizedParties: [env.APP_ORIGIN],
    }),
  );
  app.post('/api/search', async (req, res) => {
    try {
      const docs = vectors.forIdentity(await resolver.resolve(getAuth(req)));
      res.json(await docs.query({ vector: req.body.vector, topK: 5, filter: req.body.filter }));
    } catch (error) {
      res
        .status(toHttpStatus(error))
        .json({ code: ScopedRagError.isInstance(error) ? error.code : 'INTERNAL_ERROR' });
    }
  });
  app.post('/api/docs', async (req, res) => {
    try {
      const docs = vectors.forIdentity(await resolver.resolve(getAuth(req)));
      res.json(await docs.upsert(req.body.records));
    } catch (error) {
      res
        .status(toHttpStatus(error))
        .json({ code: ScopedRagError.isInstance(error) ? error.code : 'INTERNAL_ERROR' });
    }
  });
  return app;
}
