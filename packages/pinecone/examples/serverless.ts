// A Pinecone serverless index behind scoped-rag. Create the index once (console or control plane):
//   await new Pinecone().createIndex({ name: 'docs', dimension: 1536, metric: 'cosine',
//     spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } });
// then give the app its host (describeIndex('docs').host) and API key.
import { createScopedVectorStore, orgPolicy } from '@scoped-rag/core';
import { createPineconeVectorStore } from '@scoped-rag/pinecone';

export function createVectors(env: { PINECONE_API_KEY: string; PINECONE_INDEX_HOST: string }) {
  // One client per process, reused across requests and warm serverless invocations.
  const store = createPineconeVectorStore({
    apiKey: env.PINECONE_API_KEY,
    host: env.PINECONE_INDEX_HOST,
    dimensions: 1536,
    metric: 'cosine',
  });
  // Namespace per tenant (Pinecone's recommendation for multi-tenancy). For many tiny tenants,
  // orgPolicy({ isolation: { mode: 'shared', namespace: 'docs' } }) keeps them in one namespace.
  return createScopedVectorStore({ store, policy: orgPolicy() });
}
