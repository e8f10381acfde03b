// Drizzle table definitions of the persistence tables, for apps that include them in their own
// schema (queries, relations, drizzle-kit). The DDL, with its row-level-security policies, is in
// persistence-sql.ts and applied by `migrate()`; a test keeps both in step.
import type {
  AuditAction,
  DocumentState,
  MessageRole,
  Metadata,
  Visibility,
} from '@scoped-rag/core';
import {
  bigint,
  boolean,
  customType,
  foreignKey,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

/** Text compared and sorted by bytes (COLLATE "C"): pages follow the same order on every database. */
const keyText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const documents = pgTable(
  'scoped_rag_documents',
  {
    tenantKey: keyText('tenant_key').notNull(),
    id: keyText('id').notNull(),
    ownerId: text('owner_id').notNull(),
    visibility: text('visibility').$type<Visibility>().notNull(),
    state: text('state').$type<DocumentState>().notNull(),
    contentHash: text('content_hash').notNull(),
    title: text('title'),
    source: text('source'),
    metadata: jsonb('metadata').$type<Metadata>().notNull(),
    chunkCount: integer('chunk_count').notNull(),
    error: text('error'),
    revision: integer('revision').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantKey, t.id] })],
);

export const chunks = pgTable(
  'scoped_rag_chunks',
  {
    tenantKey: keyText('tenant_key').notNull(),
    documentId: keyText('document_id').notNull(),
    generation: keyText('generation').notNull(),
    position: integer('position').notNull(),
    text: text('text').notNull(),
    vectorId: keyText('vector_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantKey, t.documentId, t.generation, t.position] }),
    unique('scoped_rag_chunks_vector').on(t.tenantKey, t.vectorId),
    foreignKey({
      columns: [t.tenantKey, t.documentId],
      foreignColumns: [documents.tenantKey, documents.id],
    }).onDelete('cascade'),
  ],
);

export const threads = pgTable(
  'scoped_rag_threads',
  {
    tenantKey: keyText('tenant_key').notNull(),
    id: keyText('id').notNull(),
    ownerId: text('owner_id').notNull(),
    title: text('title'),
    archived: boolean('archived').notNull(),
    metadata: jsonb('metadata').$type<Metadata>().notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantKey, t.id] })],
);

export const messages = pgTable(
  'scoped_rag_messages',
  {
    tenantKey: keyText('tenant_key').notNull(),
    threadId: keyText('thread_id').notNull(),
    seq: integer('seq').notNull(),
    id: keyText('id').notNull(),
    role: text('role').$type<MessageRole>().notNull(),
    content: text('content').notNull(),
    metadata: jsonb('metadata').$type<Metadata>().notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantKey, t.threadId, t.seq] }),
    unique('scoped_rag_messages_id').on(t.tenantKey, t.threadId, t.id),
    foreignKey({
      columns: [t.tenantKey, t.threadId],
      foreignColumns: [threads.tenantKey, threads.id],
    }).onDelete('cascade'),
  ],
);

export const auditEvents = pgTable('scoped_rag_audit_events', {
  seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  tenantKey: keyText('tenant_key').notNull(),
  userId: text('user_id').notNull(),
  action: text('action').$type<AuditAction>().notNull(),
  at: at('at').notNull(),
  policy: text('policy').notNull(),
  namespace: text('namespace').notNull(),
  ids: jsonb('ids').$type<string[]>().notNull(),
  /** The caller's filter as JSON text (jsonb refuses the \u0000 a filter value may hold). */
  filter: text('filter'),
  reason: text('reason'),
});

export const webhookEvents = pgTable(
  'scoped_rag_webhook_events',
  {
    source: keyText('source').notNull(),
    id: keyText('id').notNull(),
    state: text('state').$type<'in-progress' | 'processed'>().notNull(),
    token: text('token'),
    leaseUntil: at('lease_until'),
    processedAt: at('processed_at'),
  },
  (t) => [primaryKey({ columns: [t.source, t.id] })],
);

/** Every persistence table, to spread into an app's drizzle schema. */
export const scopedRagTables = { documents, chunks, threads, messages, auditEvents, webhookEvents };
