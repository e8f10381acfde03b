// The RAG pipeline end to end on PostgreSQL only: pgvector for vectors, and the Drizzle document,
// thread and audit stores, on PGlite and on real PostgreSQL — stories, crash consistency under
// injected faults, and the cross-tenant model.
import { describeRagEndToEnd } from '@scoped-rag/testing';
import { sql } from 'drizzle-orm';
import { beforeAll } from 'vitest';
import {
  createDrizzleAuditLog,
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  createPgVectorStore,
  migrate,
} from '../src/index.js';
import { describeDatabases } from './databases.js';

describeDatabases('RAG on PostgreSQL', (database) => {
  beforeAll(async () => {
    await migrate(database().db);
  });

  describeRagEndToEnd(
    'pgvector + Drizzle documents, threads and audit',
    async ({ dimensions }) => {
      const { db } = database();
      const vectors = createPgVectorStore({ db, dimensions, metric: 'cosine' });
      await vectors.ensureTable();
      // Each run starts from empty stores, as the suite's model does.
      await db.execute(
        sql`TRUNCATE scoped_rag_vectors, scoped_rag_chunks, scoped_rag_documents, scoped_rag_messages, scoped_rag_threads, scoped_rag_audit_events`,
      );
      return {
        vectors,
        documents: createDrizzleDocumentStore({ db }),
        threads: createDrizzleThreadStore({ db }),
        audit: createDrizzleAuditLog({ db }),
      };
    },
    // Every operation is a few transactions: fewer runs than in memory, still ≥ 1,000 isolation
    // operations per database.
    { faultRuns: 15, faultOperationsPerRun: 30, modelRuns: 10, modelOperationsPerRun: 100 },
  );
});
