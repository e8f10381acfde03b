-- scoped-rag: what Prisma's schema language can't express, hand-written as Prisma documents for
-- row-level security (https://www.prisma.io/docs/orm/prisma-migrate/workflows/customizing-migrations).
-- Apply it right after 20261207000000_scoped_rag_init. Together they create exactly the tables
-- @scoped-rag/drizzle creates (same names, collations, checks and policies).
--
-- 1. Key columns compare by bytes (COLLATE "C"): pages follow one order on every database, the
--    order the in-memory reference stores use. Prisma does not introspect column collations, so
--    `prisma migrate dev` sees no drift.
ALTER TABLE scoped_rag_documents ALTER COLUMN tenant_key TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE scoped_rag_chunks ALTER COLUMN tenant_key TYPE text COLLATE "C", ALTER COLUMN document_id TYPE text COLLATE "C", ALTER COLUMN generation TYPE text COLLATE "C", ALTER COLUMN vector_id TYPE text COLLATE "C";
ALTER TABLE scoped_rag_threads ALTER COLUMN tenant_key TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE scoped_rag_messages ALTER COLUMN tenant_key TYPE text COLLATE "C", ALTER COLUMN thread_id TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE scoped_rag_audit_events ALTER COLUMN tenant_key TYPE text COLLATE "C";
ALTER TABLE scoped_rag_webhook_events ALTER COLUMN source TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C";

-- 2. Value checks (Prisma has no CHECK constraints; these are the names PostgreSQL gives the
--    Drizzle migration's inline checks).
ALTER TABLE scoped_rag_documents ADD CONSTRAINT scoped_rag_documents_visibility_check CHECK (visibility IN ('private', 'org'));
ALTER TABLE scoped_rag_documents ADD CONSTRAINT scoped_rag_documents_state_check CHECK (state IN ('pending', 'indexed', 'deleting', 'failed'));
ALTER TABLE scoped_rag_chunks ADD CONSTRAINT scoped_rag_chunks_position_check CHECK (position >= 0);
ALTER TABLE scoped_rag_messages ADD CONSTRAINT scoped_rag_messages_seq_check CHECK (seq > 0);
ALTER TABLE scoped_rag_messages ADD CONSTRAINT scoped_rag_messages_role_check CHECK (role IN ('system', 'user', 'assistant', 'tool'));
ALTER TABLE scoped_rag_webhook_events ADD CONSTRAINT scoped_rag_webhook_events_state_check CHECK (state IN ('in-progress', 'processed'));

-- 3. Forced row-level security keyed by per-transaction settings (set_config(…, true)): a row is
--    visible inside its tenant's transactions (scoped_rag.tenant), private documents and threads
--    only to their user (scoped_rag.user), everything to lifecycle work (scoped_rag.lifecycle).
--    Unset settings are NULL or '', which equal no tenant key: an unscoped query sees nothing.
--    FORCE applies the policies to the tables' owner too.
ALTER TABLE scoped_rag_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_documents_read ON scoped_rag_documents FOR SELECT USING ((tenant_key = current_setting('scoped_rag.tenant', true) AND (visibility = 'org' OR owner_id = current_setting('scoped_rag.user', true))) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_insert ON scoped_rag_documents FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_update ON scoped_rag_documents FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_documents_delete ON scoped_rag_documents FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

ALTER TABLE scoped_rag_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_chunks_read ON scoped_rag_chunks FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_insert ON scoped_rag_chunks FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_update ON scoped_rag_chunks FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_chunks_delete ON scoped_rag_chunks FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

ALTER TABLE scoped_rag_threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_threads FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_threads_read ON scoped_rag_threads FOR SELECT USING ((tenant_key = current_setting('scoped_rag.tenant', true) AND owner_id = current_setting('scoped_rag.user', true)) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_insert ON scoped_rag_threads FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_update ON scoped_rag_threads FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_threads_delete ON scoped_rag_threads FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

ALTER TABLE scoped_rag_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_messages_read ON scoped_rag_messages FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_insert ON scoped_rag_messages FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_update ON scoped_rag_messages FOR UPDATE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_messages_delete ON scoped_rag_messages FOR DELETE USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');

ALTER TABLE scoped_rag_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_audit_events FORCE ROW LEVEL SECURITY;
-- Append-only: rows are inserted and read in their tenant; only lifecycle erasure deletes; nothing updates.
CREATE POLICY scoped_rag_audit_events_read ON scoped_rag_audit_events FOR SELECT USING (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_audit_events_insert ON scoped_rag_audit_events FOR INSERT WITH CHECK (tenant_key = current_setting('scoped_rag.tenant', true) OR current_setting('scoped_rag.lifecycle', true) = 'on');
CREATE POLICY scoped_rag_audit_events_delete ON scoped_rag_audit_events FOR DELETE USING (current_setting('scoped_rag.lifecycle', true) = 'on');

ALTER TABLE scoped_rag_webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoped_rag_webhook_events FORCE ROW LEVEL SECURITY;
CREATE POLICY scoped_rag_webhook_events_lifecycle ON scoped_rag_webhook_events USING (current_setting('scoped_rag.lifecycle', true) = 'on') WITH CHECK (current_setting('scoped_rag.lifecycle', true) = 'on');
