// @scoped-rag/drizzle — PostgreSQL for scoped-rag through Drizzle.

export { filterToSQL } from './filter-sql.js';
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
  decodeMetadata,
  decodeText,
  ESCAPE_MARK,
  encodeMetadata,
  encodeText,
  isStorableText,
} from './stored-text.js';
