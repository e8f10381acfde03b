-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "scoped_rag_documents" (
    "tenant_key" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "visibility" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "title" TEXT,
    "source" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "revision" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "scoped_rag_documents_pkey" PRIMARY KEY ("tenant_key","id")
);

-- CreateTable
CREATE TABLE "scoped_rag_chunks" (
    "tenant_key" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "generation" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "vector_id" TEXT NOT NULL,

    CONSTRAINT "scoped_rag_chunks_pkey" PRIMARY KEY ("tenant_key","document_id","generation","position")
);

-- CreateTable
CREATE TABLE "scoped_rag_threads" (
    "tenant_key" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "title" TEXT,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "scoped_rag_threads_pkey" PRIMARY KEY ("tenant_key","id")
);

-- CreateTable
CREATE TABLE "scoped_rag_messages" (
    "tenant_key" TEXT NOT NULL,
    "thread_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "scoped_rag_messages_pkey" PRIMARY KEY ("tenant_key","thread_id","seq")
);

-- CreateTable
CREATE TABLE "scoped_rag_audit_events" (
    "seq" BIGSERIAL NOT NULL,
    "tenant_key" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL,
    "policy" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "ids" JSONB NOT NULL,
    "filter" TEXT,
    "reason" TEXT,

    CONSTRAINT "scoped_rag_audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "scoped_rag_webhook_events" (
    "source" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "token" TEXT,
    "lease_until" TIMESTAMPTZ(6),
    "processed_at" TIMESTAMPTZ(6),

    CONSTRAINT "scoped_rag_webhook_events_pkey" PRIMARY KEY ("source","id")
);

-- CreateIndex
CREATE INDEX "scoped_rag_documents_recent" ON "scoped_rag_documents"("tenant_key", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "scoped_rag_documents_owner" ON "scoped_rag_documents"("owner_id", "visibility");

-- CreateIndex
CREATE UNIQUE INDEX "scoped_rag_chunks_vector" ON "scoped_rag_chunks"("tenant_key", "vector_id");

-- CreateIndex
CREATE INDEX "scoped_rag_threads_recent" ON "scoped_rag_threads"("tenant_key", "owner_id", "archived", "updated_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "scoped_rag_messages_id" ON "scoped_rag_messages"("tenant_key", "thread_id", "id");

-- CreateIndex
CREATE INDEX "scoped_rag_audit_events_tenant" ON "scoped_rag_audit_events"("tenant_key", "seq" DESC);

-- CreateIndex
CREATE INDEX "scoped_rag_webhook_events_processed" ON "scoped_rag_webhook_events"("processed_at");

-- AddForeignKey
ALTER TABLE "scoped_rag_chunks" ADD CONSTRAINT "scoped_rag_chunks_tenant_key_document_id_fkey" FOREIGN KEY ("tenant_key", "document_id") REFERENCES "scoped_rag_documents"("tenant_key", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "scoped_rag_messages" ADD CONSTRAINT "scoped_rag_messages_tenant_key_thread_id_fkey" FOREIGN KEY ("tenant_key", "thread_id") REFERENCES "scoped_rag_threads"("tenant_key", "id") ON DELETE CASCADE ON UPDATE NO ACTION;
