// Against a real Pinecone index, only when credentials are given: PINECONE_API_KEY,
// PINECONE_INDEX_HOST and PINECONE_INDEX_DIMENSIONS (a scratch serverless index; tests write into
// namespaces of their own and delete them).
import { describeVectorStoreConformance } from '@scoped-rag/testing';
import { describe, it } from 'vitest';
import { createPineconeVectorStore } from '../src/index.js';

const { PINECONE_API_KEY, PINECONE_INDEX_HOST, PINECONE_INDEX_DIMENSIONS } = process.env;

if (PINECONE_API_KEY && PINECONE_INDEX_HOST && PINECONE_INDEX_DIMENSIONS === '8') {
  describeVectorStoreConformance(
    'PineconeVectorStore (live)',
    ({ metric }) =>
      createPineconeVectorStore({
        apiKey: PINECONE_API_KEY,
        host: PINECONE_INDEX_HOST,
        dimensions: 8,
        metric,
      }),
    // Live indexes are eventually consistent and metered: one metric, few runs.
    { metrics: ['cosine'], attackRuns: 3, operationsPerRun: 40, exactSearch: false },
  );
} else {
  describe('PineconeVectorStore (live)', () => {
    it.skip('skipped: set PINECONE_API_KEY, PINECONE_INDEX_HOST and PINECONE_INDEX_DIMENSIONS=8 (a scratch 8-dimension cosine index) to run against Pinecone', () => {});
  });
}
