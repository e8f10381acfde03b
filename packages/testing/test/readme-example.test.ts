import { createMemoryVectorStore } from '@scoped-rag/core';
import { describeVectorStoreConformance } from '@scoped-rag/testing';

// Replace the factory with your adapter's; each test writes into namespaces of its own.
describeVectorStoreConformance(
  'my adapter',
  ({ dimensions, metric }) => createMemoryVectorStore({ dimensions, metric }),
  { attackRuns: 20, operationsPerRun: 100 },
);
