import {
  createIdentity,
  createMemoryVectorStore,
  createScopedVectorStore,
  orgPolicy,
} from '@scoped-rag/core';

const store = createMemoryVectorStore({ dimensions: 3 }); // or Pinecone, or pgvector
const policy = orgPolicy(); // tenant = the caller's active organization
const vectors = createScopedVectorStore({ store, policy });

// In an app, an IdentityResolver makes the identity from the request's verified credential.
const identity = createIdentity({ userId: 'user_alice', orgId: 'org_acme' });
const acme = vectors.forScope(policy.scopeFor(identity));

await acme.upsert([{ id: 'handbook', values: [0.1, 0.9, 0.2], metadata: { lang: 'en' } }]);
const { matches } = await acme.query({ vector: [0.1, 0.8, 0.3], topK: 5, filter: { lang: 'en' } });
console.log(matches.map((m) => m.id)); // ['handbook']: only org_acme's records, whatever the filter
