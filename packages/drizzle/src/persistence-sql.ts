// The persistence tables' DDL: documents, chunks, threads, messages, audit events and webhook
// events, each with FORCE ROW LEVEL SECURITY keyed by per-transaction settings. These strings are
// the single source of the committed migrations in ../migrations (a test keeps the files equal).

/** The transaction settings the persistence tables' row-level-security policies read. */
export const TENANT_SETTINGS = Object.freeze({
  /** The tenant key (`u_…` / `o_…`) a transaction may see and write. */
  tenant: 'scoped_rag.tenant',
  /** The user a transaction acts for: private documents and threads are theirs only. */
  user: 'scoped_rag.user',
  /** `on` for lifecycle work across tenants (erasure, webhook replay protection). */
  lifecycle: 'scoped_rag.lifecycle',
});

export interface Migration {
  /** Applied in order of id; never edited once released (add a new one instead). */
  readonly id: string;
  readonly sql: string;
}

// A row is visible inside its tenant's transactions, or to lifecycle work. `current_setting(…,
// true)` is NULL or '' when unset; neither equals a tenant key, so an unscoped query sees nothing.
const TENANT = `tenant_key = current_setting('${TENANT_SETTINGS.tenant}', true)`;
const LIFECYCLE = `current_setting('${TENANT_SETTINGS.lifecycle}', true) = 'on'`;
const USER = `current_setting('${TENANT_SETTINGS.user}', true)`;

function forceRls(table: string, read: string, write: string): string {
  return `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${table}_read ON ${table} FOR SELECT USING (${read});
CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${write});
CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${write}) WITH CHECK (${write});
CREATE POLICY ${table}_delete ON ${table} FOR DELETE USING (${write});`;
}

const INIT = `-- scoped-rag persistence tables (documents, chunks, threads, messages, audit, webhook events).
CREATE TABLE scoped_rag_documents (
  tenant_key text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  owner_id text NOT NULL,
  visibility text NOT NULL CHECK (visibility IN ('private', 'org')),
  state text NOT NULL CHECK (state IN ('pending', 'indexed', 'deleting', 'failed')),
  content_hash text NOT NULL,
  title text,
  source text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  chunk_count integer NOT NULL DEFAULT 0,
  error text,
  revision integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_key, id)
);
CREATE INDEX scoped_rag_documents_recent ON scoped_rag_documents (tenant_key, created_at DESC, id DESC);
CREATE INDEX scoped_rag_documents_owner ON scoped_rag_documents (owner_id, visibility);
${forceRls(
  'scoped_rag_documents',
  // Private documents are their owner's alone, even inside the tenant.
  `(${TENANT} AND (visibility = 'org' OR owner_id = ${USER})) OR ${LIFECYCLE}`,
  `${TENANT} OR ${LIFECYCLE}`,
)}

CREATE TABLE scoped_rag_chunks (
  tenant_key text COLLATE "C" NOT NULL,
  document_id text COLLATE "C" NOT NULL,
  generation text COLLATE "C" NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  text text NOT NULL,
  vector_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant_key, document_id, generation, position),
  CONSTRAINT scoped_rag_chunks_vector UNIQUE (tenant_key, vector_id),
  FOREIGN KEY (tenant_key, document_id) REFERENCES scoped_rag_documents (tenant_key, id) ON DELETE CASCADE
);
${forceRls('scoped_rag_chunks', `${TENANT} OR ${LIFECYCLE}`, `${TENANT} OR ${LIFECYCLE}`)}

CREATE TABLE scoped_rag_threads (
  tenant_key text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  owner_id text NOT NULL,
  title text,
  archived boolean NOT NULL DEFAULT false,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_key, id)
);
CREATE INDEX scoped_rag_threads_recent ON scoped_rag_threads (tenant_key, owner_id, archived, updated_at DESC, id DESC);
${forceRls(
  'scoped_rag_threads',
  // Threads are their owner's alone.
  `(${TENANT} AND owner_id = ${USER}) OR ${LIFECYCLE}`,
  `${TENANT} OR ${LIFECYCLE}`,
)}

CREATE TABLE scoped_rag_messages (
  tenant_key text COLLATE "C" NOT NULL,
  thread_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL CHECK (seq > 0),
  id text COLLATE "C" NOT NULL,
  role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_key, thread_id, seq),
  CONSTRAINT scoped_rag_messages_id UNIQUE (tenant_key, thread_id, id),
  FOREIGN KEY (tenant_key, thread_id) REFERENCES scoped_rag_threads (tenant_key, id) ON DELETE CASCADE
);
${forceRls('scoped_rag_messages', `${TENANT} OR ${LIFECYCLE}`, `${TENANT} OR ${LIFECYCLE}`)}

CREATE TABLE scoped_rag_audit_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_key text COLLATE "C" NOT NULL,
  user_id text NOT NULL,
  action text NOT NULL,
  at timestamptz NOT NULL,
  policy text NOT NULL,
  namespace text NOT NULL,
  ids jsonb NOT NULL,
  filter text,
  reason text
);
CREATE INDEX scoped_rag_audit_events_tenant ON scoped_rag_audit_events (tenant_key, seq DESC);
ALTER TABLE scoped_rag_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_audit_events FORCE ROW LEVEL SECURITY;
-- Append-only: rows are inserted and read in their tenant; only lifecycle erasure deletes; nothing updates.
CREATE POLICY scoped_rag_audit_events_read ON scoped_rag_audit_events FOR SELECT USING (${TENANT} OR ${LIFECYCLE});
CREATE POLICY scoped_rag_audit_events_insert ON scoped_rag_audit_events FOR INSERT WITH CHECK (${TENANT} OR ${LIFECYCLE});
CREATE POLICY scoped_rag_audit_events_delete ON scoped_rag_audit_events FOR DELETE USING (${LIFECYCLE});

CREATE TABLE scoped_rag_webhook_events (
  source text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  state text NOT NULL CHECK (state IN ('in-progress', 'processed')),
  token text,
  lease_until timestamptz,
  processed_at timestamptz,
  PRIMARY KEY (source, id)
);
CREATE INDEX scoped_rag_webhook_events_processed ON scoped_rag_webhook_events (processed_at);
ALTER TABLE scoped_rag_webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_webhook_events FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_webhook_events_lifecycle ON scoped_rag_webhook_events USING (${LIFECYCLE}) WITH CHECK (${LIFECYCLE});
`;

/** The persistence migrations, in order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { id: '0001_persistence', sql: INIT },
]);
