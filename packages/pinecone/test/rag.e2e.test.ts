// The RAG pipeline end to end with the real Pinecone SDK against the local Pinecone server (vectors)
// and the memory DocumentStore: the stories, crash consistency under injected faults, and the
// cross-tenant model, through real HTTP.
import {
  createMemoryAuditSink,
  createMemoryDocumentStore,
  createMemoryThreadStore,
} from '@scoped-rag/core';
import { describeRagEndToEnd } from '@scoped-rag/testing';
import { type PineconeServer, startPineconeServer } from '@scoped-rag/testing/pinecone-server';
import { afterAll } from 'vitest';
import { createPineconeVectorStore } from '../src/index.js';

const servers: PineconeServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describeRagEndToEnd(
  'Pinecone (real SDK, local server) + memory documents',
  async ({ dimensions }) => {
    // A fresh index per run: the fast-check runs each start from empty stores.
    const server = await startPineconeServer({ dimensions });
    servers.push(server);
    return {
      vectors: createPineconeVectorStore({ apiKey: 'local', host: server.host, dimensions }),
      documents: createMemoryDocumentStore(),
      threads: createMemoryThreadStore(),
      audit: createMemoryAuditSink(),
    };
  },
  // Every operation is several HTTP round trips: fewer runs than in memory, still ≥ 1,000
  // isolation operations.
  { faultRuns: 40, faultOperationsPerRun: 40, modelRuns: 15, modelOperationsPerRun: 100 },
);
