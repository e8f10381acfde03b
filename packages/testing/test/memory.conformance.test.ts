// The embedded MemoryVectorStore must pass the whole kit: contract, cross-tenant model with
// 100,000 operations, and the misbehaving-backend checks.
import { createMemoryVectorStore } from '@scoped-rag/core';
import { describeVectorStoreConformance } from '../src/index.js';

describeVectorStoreConformance('MemoryVectorStore', (config) => createMemoryVectorStore(config));
