// The persistence stores over Prisma Client, on PGlite and PostgreSQL, pass the same conformance
// suites as core's in-memory ones, including the model-checked multi-tenant attack.
import {
  describeAuditLogConformance,
  describeDocumentStoreConformance,
  describeThreadStoreConformance,
  describeWebhookEventStoreConformance,
} from '@scoped-rag/testing';
import {
  createPrismaAuditLog,
  createPrismaDocumentStore,
  createPrismaThreadStore,
  createPrismaWebhookEventStore,
} from '../src/index.js';
import { describeDatabases, TEST_TRANSACTIONS } from './databases.ts';

const attack = {
  attackRuns: Number(process.env.SCOPED_RAG_DB_ATTACK_RUNS ?? 25),
  operationsPerRun: 60,
};

describeDatabases('prisma persistence', (database) => {
  // Every store starts empty: the conformance model does.
  const fresh = async () => {
    await database().exec(
      'TRUNCATE scoped_rag_chunks, scoped_rag_documents, scoped_rag_messages, scoped_rag_threads, scoped_rag_audit_events, scoped_rag_webhook_events',
    );
    return { prisma: database().prisma, transactionOptions: TEST_TRANSACTIONS };
  };
  describeDocumentStoreConformance(
    'PrismaDocumentStore',
    async () => createPrismaDocumentStore(await fresh()),
    attack,
  );
  describeThreadStoreConformance(
    'PrismaThreadStore',
    async () => createPrismaThreadStore(await fresh()),
    attack,
  );
  describeAuditLogConformance(
    'PrismaAuditLog',
    async () => createPrismaAuditLog(await fresh()),
    attack,
  );
  describeWebhookEventStoreConformance('PrismaWebhookEventStore', async () =>
    createPrismaWebhookEventStore(await fresh()),
  );
});
