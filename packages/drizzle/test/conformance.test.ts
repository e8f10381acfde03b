// The pgvector store passes the whole conformance kit of @scoped-rag/testing, both isolation
// strategies and every metric, on PGlite and on PostgreSQL.
import { describeVectorStoreConformance } from '@scoped-rag/testing';
import { createPgVectorStore } from '../src/index.js';
import { describeDatabases } from './databases.js';

describeDatabases('PgVectorStore conformance', (database, kind) => {
  let tables = 0;
  describeVectorStoreConformance(
    'PgVectorStore (exact scan)',
    async ({ dimensions, metric }) => {
      tables += 1;
      const store = createPgVectorStore({
        db: database().db,
        dimensions,
        metric,
        table: `conformance_${metric}_${tables}`,
      });
      await store.ensureTable();
      return store;
    },
    // Every operation is a transaction of ~1 ms on PGlite (one connection, in-process): fewer,
    // still adversarial, runs than in memory, so the project stays under a minute.
    kind === 'pglite'
      ? { attackRuns: 10, operationsPerRun: 100, leakRuns: 20 }
      : { attackRuns: 20, operationsPerRun: 150, leakRuns: 40 },
  );
});
