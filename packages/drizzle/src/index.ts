// @scoped-rag/drizzle — PostgreSQL for scoped-rag through Drizzle.

export { createDrizzleAuditLog, type DrizzleAuditLogOptions } from './audit-log.js';
export {
  createDrizzleDocumentStore,
  type DrizzleDocumentStoreOptions,
} from './document-store.js';
export { filterToSQL } from './filter-sql.js';
export { MIGRATIONS, type Migration, TENANT_SETTINGS } from './persistence-sql.js';
export {
  createPgVectorStore,
  PGVECTOR_STORE_LIMITS,
  type PgVectorDatabase,
  type PgVectorExecutor,
  type PgVectorStore,
  type PgVectorStoreOptions,
} from './pgvector-store.js';
export {
  DEFAULT_TABLE,
  type HnswOptions,
  PGVECTOR_MAX_DIMENSIONS,
  PGVECTOR_MAX_HNSW_DIMENSIONS,
  type PgVectorTableOptions,
  pgVectorTable,
  pgVectorTableSQL,
  RLS_SETTINGS,
} from './pgvector-table.js';
export {
  auditEvents,
  chunks,
  documents,
  messages,
  scopedRagTables,
  threads,
  webhookEvents,
} from './schema.js';
export { type ScopedDb, type ScopedDbOptions, scopedDb, tenantRlsSQL } from './scoped-db.js';
export {
  decodeMetadata,
  decodeText,
  ESCAPE_MARK,
  encodeMetadata,
  encodeText,
  isStorableText,
} from './stored-text.js';
export {
  type AnyPgDatabase,
  type AnyPgTransaction,
  type MigrateResult,
  migrate,
} from './tenant-db.js';
export { createDrizzleThreadStore, type DrizzleThreadStoreOptions } from './thread-store.js';
export {
  createDrizzleWebhookEventStore,
  type DrizzleWebhookEventStoreOptions,
} from './webhook-event-store.js';
