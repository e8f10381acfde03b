// PrismaAuditLog and PrismaWebhookEventStore pass their conformance suites on PGlite and PostgreSQL.
import {
  describeAuditLogConformance,
  describeWebhookEventStoreConformance,
} from '@scoped-rag/testing';
import { createPrismaAuditLog, createPrismaWebhookEventStore } from '../src/index.js';
import { ATTACK, freshStoreOptions } from './conformance.ts';
import { describeDatabases } from './databases.ts';

describeDatabases('prisma audit and webhooks', (database) => {
  describeAuditLogConformance(
    'PrismaAuditLog',
    async () => createPrismaAuditLog(await freshStoreOptions(database())),
    ATTACK,
  );
  describeWebhookEventStoreConformance('PrismaWebhookEventStore', async () =>
    createPrismaWebhookEventStore(await freshStoreOptions(database())),
  );
});
