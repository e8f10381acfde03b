-- scoped-rag persistence tables (documents, chunks, threads, messages, audit, webhook events).
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
ALTER TABLE scoped_rag_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_documents_read ON scoped_rag_documents FOR SELECT USING ((tenant_key = current_setting('scoped_rag.tenant', true) AND (visibility = 'org' OR owner_id = current_setting('scoped_rag.user', true))) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_insert ON scoped_rag_documents FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_update ON scoped_rag_documents FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_delete ON scoped_rag_documents FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

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
ALTER TABLE scoped_rag_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_chunks_read ON scoped_rag_chunks FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_insert ON scoped_rag_chunks FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_update ON scoped_rag_chunks FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_delete ON scoped_rag_chunks FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

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
ALTER TABLE scoped_rag_threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_threads FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_threads_read ON scoped_rag_threads FOR SELECT USING ((tenant_key = current_setting('scoped_rag.tenant', true) AND owner_id = current_setting('scoped_rag.user', true)) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_insert ON scoped_rag_threads FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_update ON scoped_rag_threads FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_delete ON scoped_rag_threads FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

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
ALTER TABLE scoped_rag_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_messages_read ON scoped_rag_messages FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_insert ON scoped_rag_messages FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_update ON scoped_rag_messages FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_delete ON scoped_rag_messages FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

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
CREATE POLICY scoped_rag_audit_events_read ON scoped_rag_audit_events FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_audit_events_insert ON scoped_rag_audit_events FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_audit_events_delete ON scoped_rag_audit_events FOR DELETE USING (current_setting('scoped_rag.lifecycle', true) = 'on');

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
CREATE POLICY scoped_rag_webhook_events_lifecycle ON scoped_rag_webhook_events USING (current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (current_setting('scoped_rag.lifecycle', true) = 'on');
