// @scoped-rag/drizzle — PostgreSQL for scoped-rag through Drizzle.
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
