// @scoped-rag/prisma — scoped-rag over Prisma Client: the persistence stores, and withScope for
// the app's own tenant models. Edge-safe: no Node built-ins (the runtime is your Prisma Client's).

export { createPrismaAuditLog, type PrismaAuditLogOptions } from './audit-log.js';
export type { PrismaTransactionOptions, ScopedRagPrismaClient } from './client.js';
export {
  createPrismaDocumentStore,
  type PrismaDocumentStoreOptions,
} from './document-store.js';
export { TENANT_SETTINGS } from './tenant-tx.js';
export { createPrismaThreadStore, type PrismaThreadStoreOptions } from './thread-store.js';
export {
  createPrismaWebhookEventStore,
  type PrismaWebhookEventStoreOptions,
} from './webhook-event-store.js';
export { type WithScopeOptions, withScope } from './with-scope.js';
