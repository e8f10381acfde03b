// The persistence stores on PGlite and PostgreSQL pass the same conformance suites as core's
// in-memory ones, including the model-checked multi-tenant attack.
import {
  describeAuditLogConformance,
  describeDocumentStoreConformance,
  describeThreadStoreConformance,
  describeWebhookEventStoreConformance,
} from '@scoped-rag/testing';
import { sql } from 'drizzle-orm';
import { beforeAll } from 'vitest';
import {
  createDrizzleAuditLog,
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  createDrizzleWebhookEventStore,
  migrate,
} from '../src/index.js';
import { describeDatabases } from './databases.js';

const attack = {
  attackRuns: Number(process.env.SCOPED_RAG_DB_ATTACK_RUNS ?? 25),
  operationsPerRun: 60,
};

describeDatabases('drizzle persistence', (database) => {
  beforeAll(async () => {
    await migrate(database().db);
  });
  // Every store starts empty: the conformance model does.
  const fresh = async () => {
    await database().db.execute(
      sql`TRUNCATE scoped_rag_chunks, scoped_rag_documents, scoped_rag_messages, scoped_rag_threads, scoped_rag_audit_events, scoped_rag_webhook_events`,
    );
    return database().db;
  };
  describeDocumentStoreConformance(
    'DrizzleDocumentStore',
    async () => createDrizzleDocumentStore({ db: await fresh() }),
    attack,
  );
  describeThreadStoreConformance(
    'DrizzleThreadStore',
    async () => createDrizzleThreadStore({ db: await fresh() }),
    attack,
  );
  describeAuditLogConformance(
    'DrizzleAuditLog',
    async () => createDrizzleAuditLog({ db: await fresh() }),
    attack,
  );
  describeWebhookEventStoreConformance('DrizzleWebhookEventStore', async () =>
    createDrizzleWebhookEventStore({ db: await fresh() }),
  );
});
