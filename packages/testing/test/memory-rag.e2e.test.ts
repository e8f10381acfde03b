// The RAG pipeline end to end over the embedded stores: memory vectors + memory documents.
import {
  createMemoryAuditSink,
  createMemoryDocumentStore,
  createMemoryThreadStore,
  createMemoryVectorStore,
} from '@scoped-rag/core';
import { describeRagEndToEnd } from '../src/index.js';

describeRagEndToEnd('memory vectors + memory documents', ({ dimensions }) => ({
  vectors: createMemoryVectorStore({ dimensions }),
  documents: createMemoryDocumentStore(),
  threads: createMemoryThreadStore(),
  audit: createMemoryAuditSink(),
}));
