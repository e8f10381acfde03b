// Shared set-up of the conformance test files (one file per store, so vitest runs them in parallel).
import type { TestDatabase } from './databases.ts';
import { TEST_TRANSACTIONS } from './databases.ts';

/**
 * Runs of the model-checked multi-tenant attack per store and database (each run: 60 operations
 * of 3–6 actors with hostile ids). 12 keeps the project under its time budget; raise it with
 * SCOPED_RAG_DB_ATTACK_RUNS for a longer soak.
 */
export const ATTACK = {
  attackRuns: Number(process.env.SCOPED_RAG_DB_ATTACK_RUNS ?? 12),
  operationsPerRun: 60,
};

/** Empties the scoped-rag tables (the conformance model starts empty) and returns store options. */
export async function freshStoreOptions(database: TestDatabase) {
  await database.exec(
    'TRUNCATE scoped_rag_chunks, scoped_rag_documents, scoped_rag_messages, scoped_rag_threads, scoped_rag_audit_events, scoped_rag_webhook_events',
  );
  return { prisma: database.prisma, transactionOptions: TEST_TRANSACTIONS };
}
