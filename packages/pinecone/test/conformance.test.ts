// The Pinecone adapter passes the whole conformance kit, both isolation strategies (namespace per
// tenant, shared namespace with tenant filter), through the real SDK over real HTTP.
import { describeVectorStoreConformance } from '@scoped-rag/testing';
import { type PineconeServer, startPineconeServer } from '@scoped-rag/testing/pinecone-server';
import { afterAll } from 'vitest';
import { createPineconeVectorStore } from '../src/index.js';

const servers: PineconeServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describeVectorStoreConformance(
  'PineconeVectorStore (real SDK, local server)',
  async ({ dimensions, metric }) => {
    const server = await startPineconeServer({ dimensions, metric });
    servers.push(server);
    return createPineconeVectorStore({ apiKey: 'local', host: server.host, dimensions, metric });
  },
  // Each operation is several HTTP round trips: fewer, still adversarial, runs than in memory.
  { attackRuns: 25, operationsPerRun: 120 },
);
