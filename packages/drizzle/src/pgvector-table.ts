// The pgvector table: its DDL (idempotent, with row-level security per namespace), a drizzle table
// definition for apps that manage migrations with drizzle-kit, and the names both use.
import { type DistanceMetric, InvalidInputError, type Metadata } from '@scoped-rag/core';
import { type BuildExtraConfigColumns, sql } from 'drizzle-orm';
import {
  customType,
  index,
  jsonb,
  pgPolicy,
  pgSchema,
  pgTable,
  primaryKey,
  vector,
} from 'drizzle-orm/pg-core';

// Ids and namespaces compare and sort by bytes (COLLATE "C"), whatever the database's collation:
// list pages must follow the same order on every database.
const byteOrderedText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

/** The transaction settings the row-level-security policy reads. */
export const RLS_SETTINGS = Object.freeze({
  /** The namespace a transaction may see and write. */
  namespace: 'scoped_rag.namespace',
  /**
   * `on` while `namespace` holds a namespace set by this transaction. PostgreSQL reports a setting
   * that was set in an earlier transaction of the session as `''`, which is a valid namespace name:
   * the flag tells "set to the empty namespace" from "not set".
   */
  scoped: 'scoped_rag.scoped',
  /** `on` for cross-namespace lifecycle work (listing namespaces). */
  lifecycle: 'scoped_rag.lifecycle',
});

export const DEFAULT_TABLE = 'scoped_rag_vectors';

// Between statements: drizzle's migrator splits migration files here (PGlite and prepared
// statements take one statement at a time); psql and other tools read it as a comment.
const STATEMENT_BREAK = ';\n--> statement-breakpoint\n';

/** Most dimensions pgvector stores in a `vector` column; HNSW indexes take at most 2,000. */
export const PGVECTOR_MAX_DIMENSIONS = 16_000;
export const PGVECTOR_MAX_HNSW_DIMENSIONS = 2_000;

export interface HnswOptions {
  /** Links per node (pgvector's default 16). */
  readonly m?: number;
  /** Candidate list size while building (pgvector's default 64). */
  readonly efConstruction?: number;
}

export interface PgVectorTableOptions {
  readonly dimensions: number;
  /** Table name. Default `scoped_rag_vectors`. */
  readonly table?: string;
  /** Schema holding the table. Default: the first schema on the search_path. */
  readonly schema?: string;
  /** The store's metric: picks the HNSW operator class. Default `cosine`. */
  readonly metric?: DistanceMetric;
  /** Adds an HNSW index on the embedding (approximate search). Default: none (exact scans). */
  readonly hnsw?: HnswOptions | boolean;
}

export interface ResolvedTableOptions {
  readonly dimensions: number;
  readonly table: string;
  readonly schema: string | undefined;
  readonly metric: DistanceMetric;
  readonly hnsw: { readonly m: number; readonly efConstruction: number } | null;
}

// Plain identifiers only: quoted anyway, but a name a user can read in psql and that PostgreSQL
// never truncates (63 bytes, minus the suffixes of the policy and index names).
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

const OPERATOR_CLASS: Record<DistanceMetric, string> = {
  cosine: 'vector_cosine_ops',
  dotproduct: 'vector_ip_ops',
  euclidean: 'vector_l2_ops',
};

/** Validates table options once; every option error is an `InvalidInputError` saying what to fix. */
export function resolveTableOptions(options: PgVectorTableOptions): ResolvedTableOptions {
  const { dimensions } = options;
  const metric = options.metric ?? 'cosine';
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > PGVECTOR_MAX_DIMENSIONS) {
    throw new InvalidInputError(
      `dimensions must be an integer from 1 to ${PGVECTOR_MAX_DIMENSIONS} (pgvector's limit), got ${dimensions}.`,
    );
  }
  if (metric !== 'cosine' && metric !== 'dotproduct' && metric !== 'euclidean') {
    throw new InvalidInputError(
      `metric must be cosine, dotproduct or euclidean, got ${String(metric)}.`,
    );
  }
  const table = options.table ?? DEFAULT_TABLE;
  for (const [what, name] of [
    ['table', table],
    ['schema', options.schema],
  ] as const) {
    if (name !== undefined && (typeof name !== 'string' || !IDENTIFIER.test(name))) {
      throw new InvalidInputError(
        `${what} must be 1 to 48 letters, digits and "_", not starting with a digit, got ${JSON.stringify(name)}.`,
      );
    }
  }
  let hnsw: ResolvedTableOptions['hnsw'] = null;
  if (options.hnsw !== undefined && options.hnsw !== false) {
    const given = options.hnsw === true ? {} : options.hnsw;
    const m = given.m ?? 16;
    const efConstruction = given.efConstruction ?? 64;
    if (!Number.isInteger(m) || m < 2 || m > 100) {
      throw new InvalidInputError(`hnsw.m must be an integer from 2 to 100, got ${m}.`);
    }
    if (!Number.isInteger(efConstruction) || efConstruction < 2 * m || efConstruction > 1000) {
      throw new InvalidInputError(
        `hnsw.efConstruction must be an integer from 2 × m (${2 * m}) to 1000, got ${efConstruction}.`,
      );
    }
    if (dimensions > PGVECTOR_MAX_HNSW_DIMENSIONS) {
      throw new InvalidInputError(
        `pgvector's HNSW index takes vectors of at most ${PGVECTOR_MAX_HNSW_DIMENSIONS} dimensions, got ${dimensions}; drop hnsw (exact scans) or reduce the dimensions.`,
      );
    }
    hnsw = { m, efConstruction };
  }
  return { dimensions, table, schema: options.schema, metric, hnsw };
}

export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The table's name as SQL, schema-qualified when a schema is given. */
export function qualifiedTableName(options: ResolvedTableOptions): string {
  return options.schema === undefined
    ? quoteIdentifier(options.table)
    : `${quoteIdentifier(options.schema)}.${quoteIdentifier(options.table)}`;
}

/** The policy's condition: the transaction's namespace, or lifecycle work across namespaces. */
function policyCondition(): string {
  const setting = (name: string) => `current_setting('${name}', true)`;
  return `(${setting(RLS_SETTINGS.lifecycle)} = 'on' OR (${setting(RLS_SETTINGS.scoped)} = 'on' AND namespace = ${setting(RLS_SETTINGS.namespace)}))`;
}

/**
 * The DDL for the vector table, safe to run again (IF NOT EXISTS throughout): the pgvector
 * extension, the table `(namespace, id, embedding vector(N), metadata jsonb)` keyed by
 * (namespace, id) in byte order, row-level security (ENABLE and FORCE, so the table's owner is
 * bound too) with a policy admitting only the transaction's namespace, and the optional HNSW index.
 *
 * Row-level security is defence in depth against a query that forgot its namespace filter; it
 * does not stop code that can run arbitrary SQL, which can set the settings itself.
 *
 * Statements are separated by drizzle's `--> statement-breakpoint`, so the text can be a custom
 * drizzle-kit migration as it is.
 */
export function pgVectorTableSQL(options: PgVectorTableOptions): string {
  return `${pgVectorTableStatements(resolveTableOptions(options)).join(STATEMENT_BREAK)};\n`;
}

/** The statements of `pgVectorTableSQL`, one by one (drivers with prepared statements take one at a time). */
export function pgVectorTableStatements(resolved: ResolvedTableOptions): string[] {
  const table = qualifiedTableName(resolved);
  const policy = quoteIdentifier(`${resolved.table}_namespace`);
  const statements = [
    'CREATE EXTENSION IF NOT EXISTS vector',
    `CREATE TABLE IF NOT EXISTS ${table} (
  namespace text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  embedding vector(${resolved.dimensions}) NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (namespace, id)
)`,
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    // CREATE POLICY has no IF NOT EXISTS: replace it in one statement-level block.
    `DO $scoped_rag$ BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_policies
    WHERE schemaname = ${resolved.schema === undefined ? 'current_schema()' : `'${resolved.schema}'`}
      AND tablename = '${resolved.table}' AND policyname = '${resolved.table}_namespace'
  ) THEN
    CREATE POLICY ${policy} ON ${table}
      USING ${policyCondition()}
      WITH CHECK ${policyCondition()};
  END IF;
END $scoped_rag$`,
  ];
  if (resolved.hnsw) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${resolved.table}_embedding_hnsw`)} ON ${table}
  USING hnsw (embedding ${OPERATOR_CLASS[resolved.metric]})
  WITH (m = ${resolved.hnsw.m}, ef_construction = ${resolved.hnsw.efConstruction})`,
    );
  }
  return statements;
}

/**
 * The same table as a drizzle definition, for apps whose migrations drizzle-kit generates:
 * export it from your schema file. drizzle-kit emits ENABLE ROW LEVEL SECURITY and the policy but
 * not FORCE (needed when the app connects as the table's owner): add
 * `ALTER TABLE ... FORCE ROW LEVEL SECURITY` to the generated migration, or run
 * `pgVectorTableSQL` instead.
 */
export function pgVectorTable(options: PgVectorTableOptions) {
  const resolved = resolveTableOptions(options);
  const columns = {
    namespace: byteOrderedText('namespace').notNull(),
    id: byteOrderedText('id').notNull(),
    embedding: vector('embedding', { dimensions: resolved.dimensions }).notNull(),
    metadata: jsonb('metadata').$type<Metadata>().notNull().default({}),
  };
  const extras = (t: BuildExtraConfigColumns<string, typeof columns, 'pg'>) => [
    primaryKey({ columns: [t.namespace, t.id] }),
    pgPolicy(`${resolved.table}_namespace`, {
      using: sql.raw(policyCondition()),
      withCheck: sql.raw(policyCondition()),
    }),
    ...(resolved.hnsw
      ? [
          index(`${resolved.table}_embedding_hnsw`)
            .using('hnsw', t.embedding.op(OPERATOR_CLASS[resolved.metric]))
            .with({ m: resolved.hnsw.m, ef_construction: resolved.hnsw.efConstruction }),
        ]
      : []),
  ];
  const table =
    resolved.schema === undefined
      ? pgTable(resolved.table, columns, extras)
      : pgSchema(resolved.schema).table(resolved.table, columns, extras);
  return table.enableRLS();
}
