// createPgVectorStore: core's VectorStore over PostgreSQL + pgvector through a drizzle database
// (PGlite, node-postgres or any other PostgreSQL driver). Exact search by default, HNSW on request;
// every operation runs in a transaction bound to its namespace by row-level security.
import {
  BackendUnavailableError,
  InvalidInputError,
  type ListPage,
  type Metadata,
  MIN_SQUARED_NORM,
  type NamespacePage,
  parseMetadata,
  ScopedRagError,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
  type VectorStoreCapabilities,
} from '@scoped-rag/core';
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { filterToSQL } from './filter-sql.js';
import {
  type HnswOptions,
  type PgVectorTableOptions,
  pgVectorTableStatements,
  qualifiedTableName,
  RLS_SETTINGS,
  resolveTableOptions,
} from './pgvector-table.js';
import { decodeMetadata, encodeMetadata, isStorableText } from './stored-text.js';

/** What the store needs of a drizzle database (or transaction): `execute` and `transaction`. */
export interface PgVectorDatabase {
  transaction<T>(run: (tx: PgVectorExecutor) => Promise<T>): Promise<T>;
}
export interface PgVectorExecutor {
  execute(query: SQLWrapper): PromiseLike<unknown>;
}

export interface PgVectorStoreOptions extends PgVectorTableOptions {
  /** A drizzle database: `drizzle-orm/pglite`, `drizzle-orm/node-postgres`, … */
  readonly db: PgVectorDatabase;
  /** Search an HNSW index (approximate) instead of scanning exactly. Create it with `ensureTable()`. */
  readonly hnsw?: (HnswOptions & { readonly efSearch?: number }) | boolean;
}

export interface PgVectorStore extends VectorStore {
  /** The table's name as SQL (schema-qualified when a schema was given). */
  readonly table: string;
  /**
   * Creates the table, its row-level-security policy and (with `hnsw`) its index if missing, and
   * checks that an existing table holds vectors of this store's dimension. Safe to run at every
   * start and from several processes at once (an advisory lock serialises them). Needs the right
   * to create tables (and, once per database, the pgvector extension).
   */
  ensureTable(options?: { readonly signal?: AbortSignal }): Promise<void>;
}

export const PGVECTOR_STORE_LIMITS = Object.freeze({
  maxUpsertBatch: 10_000,
  maxIdsPerRequest: 1_000,
  maxTopK: 10_000,
  maxIdLength: 512,
  maxMetadataBytes: 40 * 1024,
  maxNamespaceLength: 512,
  /** Records per INSERT statement (and per transaction) inside one upsert. */
  maxRecordsPerStatement: 500,
  /** Estimated bytes of one INSERT statement's parameter, above which an upsert starts another. */
  maxStatementBytes: 4_000_000,
});

const PRINTABLE_ASCII_ID = /^[\x20-\x7e]+$/;

function rowsOf(result: unknown): Record<string, unknown>[] {
  // node-postgres and PGlite answer `{ rows }`; postgres-js answers the array itself.
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

/** A vector as pgvector's text input; each float32 prints exactly (and -0 keeps its sign). */
function vectorLiteral(values: Float32Array): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (i > 0) out += ',';
    out += Object.is(value, -0) ? '-0' : String(value);
  }
  return `${out}]`;
}

function parseVector(text: unknown): Float32Array {
  if (typeof text !== 'string' || !text.startsWith('[') || !text.endsWith(']')) {
    throw new BackendUnavailableError(
      `pgvector returned an embedding that is not vector text: ${String(text).slice(0, 40)}.`,
    );
  }
  const body = text.slice(1, -1);
  return body === '' ? new Float32Array(0) : Float32Array.from(body.split(','), Number);
}

function parseStoredMetadata(value: unknown): Metadata {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BackendUnavailableError('pgvector returned metadata that is not a JSON object.');
  }
  return decodeMetadata(parsed as Metadata);
}

// SQLSTATE classes that mean the request itself cannot succeed (data exceptions, integrity).
const INPUT_STATES = /^(22|23)/;
// Connection trouble, cancellation, serialization failures, resource limits: worth retrying.
const RETRYABLE_STATES = /^(08|40|53|57)/;

// The database's own error: drivers report a SQLSTATE as `code`; drizzle wraps it ("Failed query")
// with the driver's error as `cause`.
function databaseError(error: unknown): { state: string | null; reason: string } {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return { state: code, reason: (current as Error).message ?? String(current) };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { state: null, reason: (error as Error)?.message ?? String(error) };
}

function toError(error: unknown, operation: string, table: string, dimensions: number): Error {
  if (ScopedRagError.isInstance(error)) return error;
  const { state, reason } = databaseError(error);
  const details = { operation, ...(state ? { sqlState: state } : {}) };
  if (state === '42P01') {
    return new BackendUnavailableError(
      `pgvector ${operation} failed: the table ${table} does not exist. Create it with store.ensureTable() or run pgVectorTableSQL(...) in a migration.`,
      { cause: error, details: { ...details, retryable: false } },
    );
  }
  if (state === '42704' && /vector/.test(reason)) {
    return new BackendUnavailableError(
      `pgvector ${operation} failed: ${reason}. Install the pgvector extension (CREATE EXTENSION vector, as a role allowed to).`,
      { cause: error, details: { ...details, retryable: false } },
    );
  }
  if (state !== null && INPUT_STATES.test(state)) {
    const hint = /dimensions/.test(reason)
      ? ` Does the table's vector column hold ${dimensions} dimensions, like this store?`
      : '';
    return new InvalidInputError(`pgvector ${operation} failed: ${reason}.${hint}`, {
      cause: error,
      details,
    });
  }
  return new BackendUnavailableError(`pgvector ${operation} failed: ${reason}`, {
    cause: error,
    details: { ...details, retryable: state === null || RETRYABLE_STATES.test(state) },
  });
}

/**
 * Creates a pgvector VectorStore on `db`. Pair it with `ensureTable()` (or `pgVectorTableSQL` in a
 * migration). Scores follow core: cosine similarity, dot product, or squared euclidean distance.
 */
export function createPgVectorStore(options: PgVectorStoreOptions): PgVectorStore {
  const { db } = options;
  if (typeof db?.transaction !== 'function') {
    throw new InvalidInputError(
      'createPgVectorStore needs `db`: a drizzle database, e.g. drizzle(new PGlite(...)) from drizzle-orm/pglite or drizzle(pool) from drizzle-orm/node-postgres.',
    );
  }
  const resolved = resolveTableOptions(options);
  const { dimensions, metric } = resolved;
  const efSearchOption =
    typeof options.hnsw === 'object' && options.hnsw.efSearch !== undefined
      ? options.hnsw.efSearch
      : 40;
  if (!Number.isInteger(efSearchOption) || efSearchOption < 1 || efSearchOption > 1_000) {
    throw new InvalidInputError(
      `hnsw.efSearch must be an integer from 1 to 1000, got ${efSearchOption}.`,
    );
  }
  const tableName = qualifiedTableName(resolved);
  const table = sql.raw(tableName);
  const distanceOperator = sql.raw(
    metric === 'cosine' ? '<=>' : metric === 'dotproduct' ? '<#>' : '<->',
  );
  // pgvector's distances, turned into core's scores.
  const toScore =
    metric === 'cosine'
      ? (distance: number) => 1 - distance
      : metric === 'dotproduct'
        ? (distance: number) => -distance
        : (distance: number) => distance * distance;

  const capabilities: VectorStoreCapabilities = Object.freeze({
    dimensions,
    metric,
    maxUpsertBatch: PGVECTOR_STORE_LIMITS.maxUpsertBatch,
    maxIdsPerRequest: PGVECTOR_STORE_LIMITS.maxIdsPerRequest,
    maxTopK: PGVECTOR_STORE_LIMITS.maxTopK,
    maxIdLength: PGVECTOR_STORE_LIMITS.maxIdLength,
    maxMetadataBytes: PGVECTOR_STORE_LIMITS.maxMetadataBytes,
    maxNamespaceLength: PGVECTOR_STORE_LIMITS.maxNamespaceLength,
  });

  const fail = (error: unknown, operation: string) =>
    toError(error, operation, tableName, dimensions);

  // Every statement runs in a transaction that names its namespace for the row-level-security
  // policy; the settings end with the transaction (set_config(..., true)).
  async function inNamespace<T>(
    namespace: string,
    operation: string,
    signal: AbortSignal | undefined,
    run: (tx: PgVectorExecutor) => PromiseLike<T>,
  ): Promise<T> {
    try {
      signal?.throwIfAborted();
      return await db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config(${RLS_SETTINGS.namespace}, ${namespace}, true), set_config(${RLS_SETTINGS.scoped}, 'on', true)`,
        );
        return run(tx);
      });
    } catch (error) {
      throw fail(error, operation);
    }
  }

  function checkNamespace(namespace: unknown): asserts namespace is string {
    if (
      typeof namespace !== 'string' ||
      namespace.length > capabilities.maxNamespaceLength ||
      !isStorableText(namespace)
    ) {
      throw new InvalidInputError(
        `Namespace must be a string of at most ${capabilities.maxNamespaceLength} characters, without NUL characters or unpaired surrogates (PostgreSQL text cannot hold them).`,
      );
    }
  }

  // Checks shape and finiteness; returns the squared norm.
  function checkVector(values: unknown, where: () => string): number {
    if (!(values instanceof Float32Array) || values.length !== dimensions) {
      const length = (values as { length?: unknown } | null)?.length;
      throw new InvalidInputError(
        `${where()} has ${typeof length === 'number' ? length : 'no'} dimensions; this store holds ${dimensions}-dimensional vectors${values instanceof Float32Array ? '' : ' (pass a Float32Array)'}.`,
      );
    }
    let squares = 0;
    for (let i = 0; i < values.length; i++) squares += values[i]! * values[i]!;
    if (!Number.isFinite(squares)) {
      const at = values.findIndex((value) => !Number.isFinite(value));
      if (at >= 0) throw new InvalidInputError(`${where()} has a non-finite value at index ${at}.`);
    }
    return squares;
  }

  function checkLimit(limit: unknown): asserts limit is number {
    if (
      !Number.isInteger(limit) ||
      (limit as number) < 1 ||
      (limit as number) > capabilities.maxIdsPerRequest
    ) {
      throw new InvalidInputError(
        `limit must be an integer from 1 to ${capabilities.maxIdsPerRequest}, got ${String(limit)}.`,
      );
    }
  }

  // Ids a request names: strings, at most maxIdsPerRequest. Strings that cannot be record ids
  // (not 1-512 printable ASCII characters) name no record and are dropped.
  function existingIdCandidates(ids: unknown): string[] {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new InvalidInputError('ids must be an array of strings.');
    }
    if (ids.length > capabilities.maxIdsPerRequest) {
      throw new InvalidInputError(
        `At most ${capabilities.maxIdsPerRequest} ids per request, got ${ids.length}.`,
      );
    }
    return [...new Set(ids as string[])].filter(
      (id) => id.length <= capabilities.maxIdLength && PRINTABLE_ASCII_ID.test(id),
    );
  }

  interface Prepared {
    readonly id: string;
    readonly json: string;
    readonly bytes: number;
  }

  // Validates every record before anything is written; returns each record's JSON row.
  function prepareRecords(records: unknown): Prepared[] {
    if (!Array.isArray(records)) throw new InvalidInputError('records must be an array.');
    if (records.length > capabilities.maxUpsertBatch) {
      throw new InvalidInputError(
        `At most ${capabilities.maxUpsertBatch} records per upsert, got ${records.length}.`,
      );
    }
    return records.map((record: VectorRecord, i): Prepared => {
      const id = record?.id;
      if (
        typeof id !== 'string' ||
        id.length > capabilities.maxIdLength ||
        !PRINTABLE_ASCII_ID.test(id)
      ) {
        throw new InvalidInputError(
          `records[${i}].id must be 1 to ${capabilities.maxIdLength} printable ASCII characters.`,
        );
      }
      const where = `records[${i}] (id "${id}")`;
      const squares = checkVector(record.values, () => where);
      if (metric === 'cosine' && squares < MIN_SQUARED_NORM) {
        throw new InvalidInputError(
          `${where} is a zero (or near-zero, |v| ≤ 1e-20) vector, which has no cosine similarity.`,
        );
      }
      const metadata = parseMetadata(record.metadata, where, capabilities.maxMetadataBytes);
      const json = JSON.stringify({
        id,
        embedding: vectorLiteral(record.values as Float32Array),
        metadata: encodeMetadata(metadata),
      });
      return { id, json, bytes: json.length };
    });
  }

  // Consecutive records in groups small enough for one statement each.
  function statements(prepared: readonly Prepared[]): Prepared[][] {
    const out: Prepared[][] = [];
    let current: Prepared[] = [];
    let bytes = 0;
    for (const record of prepared) {
      if (
        current.length === PGVECTOR_STORE_LIMITS.maxRecordsPerStatement ||
        (current.length > 0 && bytes + record.bytes > PGVECTOR_STORE_LIMITS.maxStatementBytes)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(record);
      bytes += record.bytes;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  const hnswSettings: SQL | null = resolved.hnsw
    ? sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`
    : null;

  const store: PgVectorStore = {
    specificationVersion: 'v1',
    provider: 'pgvector',
    capabilities,
    table: tableName,

    async ensureTable({ signal } = {}) {
      try {
        signal?.throwIfAborted();
        await db.transaction(async (tx) => {
          // Concurrent CREATE ... IF NOT EXISTS can still collide: one process at a time.
          await tx.execute(
            sql`select pg_advisory_xact_lock(hashtext(${`scoped_rag:${tableName}`}))`,
          );
          for (const statement of pgVectorTableStatements(resolved))
            await tx.execute(sql.raw(statement));
          const [row] = rowsOf(
            await tx.execute(
              sql`select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = ${tableName}::regclass and attname = 'embedding' and not attisdropped`,
            ),
          );
          const type = row?.type;
          if (type !== `vector(${dimensions})`) {
            throw new InvalidInputError(
              `The table ${tableName} already exists with embedding ${String(type)}, but this store holds vector(${dimensions}). Use another table, or migrate this one.`,
            );
          }
        });
      } catch (error) {
        throw fail(error, 'ensureTable');
      }
    },

    async upsert({ namespace, records, signal }) {
      checkNamespace(namespace);
      // One row per id, the last record given for it winning (as in core's memory store): one
      // INSERT ... ON CONFLICT cannot touch a row twice.
      const latest = new Map<string, Prepared>();
      for (const record of prepareRecords(records)) {
        latest.delete(record.id);
        latest.set(record.id, record);
      }
      const groups = statements([...latest.values()]);
      const written: string[] = [];
      for (const group of groups) {
        try {
          await inNamespace(namespace, 'upsert', signal, (tx) =>
            tx.execute(sql`insert into ${table} (namespace, id, embedding, metadata)
              select ${namespace}, r->>'id', (r->>'embedding')::vector, r->'metadata'
              from jsonb_array_elements(${`[${group.map((r) => r.json).join(',')}]`}::jsonb) as r
              on conflict (namespace, id) do update
              set embedding = excluded.embedding, metadata = excluded.metadata`),
          );
        } catch (error) {
          if (written.length === 0) throw error;
          const done = new Set(written);
          throw new BackendUnavailableError(
            `pgvector upsert failed after ${written.length} of ${groups.flat().length} records were written: ${(error as Error).message} Retry the failed ones (upsert is idempotent).`,
            {
              cause: error,
              details: {
                writtenIds: written,
                failedIds: groups
                  .flat()
                  .map((r) => r.id)
                  .filter((id) => !done.has(id)),
              },
            },
          );
        }
        for (const record of group) written.push(record.id);
      }
    },

    async query({ namespace, vector, topK, filter, includeValues, signal }) {
      checkNamespace(namespace);
      const squares = checkVector(vector, () => 'The query vector');
      if (metric === 'cosine' && squares < MIN_SQUARED_NORM) {
        throw new InvalidInputError(
          'The query vector is a zero (or near-zero, |v| ≤ 1e-20) vector, which has no cosine similarity.',
        );
      }
      if (!Number.isInteger(topK) || topK < 1 || topK > capabilities.maxTopK) {
        throw new InvalidInputError(
          `topK must be an integer from 1 to ${capabilities.maxTopK}, got ${topK}.`,
        );
      }
      const condition = filter ? filterToSQL(filter) : sql`true`;
      const values = includeValues ? sql`, embedding::text as embedding` : sql``;
      const queryVector = sql`${vectorLiteral(vector)}::vector`;
      const nearest = sql`select id, metadata::text as metadata${values}, embedding ${distanceOperator} ${queryVector} as distance
        from ${table} where namespace = ${namespace} and (${condition})`;
      const rows = await inNamespace(namespace, 'query', signal, async (tx) => {
        if (!hnswSettings) {
          return rowsOf(
            await tx.execute(sql`${nearest} order by distance, id collate "C" limit ${topK}`),
          );
        }
        // HNSW: keep scanning the graph until topK rows pass the filter (relaxed order), ask for
        // at least topK candidates, then put the few out-of-order rows back in order.
        await tx.execute(hnswSettings);
        await tx.execute(
          sql`select set_config('hnsw.ef_search', ${String(Math.min(1_000, Math.max(efSearchOption, topK)))}, true)`,
        );
        return rowsOf(
          await tx.execute(
            sql`with nearest as materialized (${nearest} order by distance limit ${topK})
              select * from nearest order by distance, id collate "C"`,
          ),
        );
      });
      return rows.map((row): VectorMatch => {
        const match = {
          id: row.id as string,
          score: toScore(Number(row.distance)),
          metadata: parseStoredMetadata(row.metadata),
        };
        return includeValues ? { ...match, values: parseVector(row.embedding) } : match;
      });
    },

    async fetch({ namespace, ids, signal }) {
      checkNamespace(namespace);
      const wanted = existingIdCandidates(ids);
      if (wanted.length === 0) return [];
      const rows = await inNamespace(namespace, 'fetch', signal, async (tx) =>
        rowsOf(
          await tx.execute(sql`select id, embedding::text as embedding, metadata::text as metadata
            from ${table} where namespace = ${namespace}
            and id in (select jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))`),
        ),
      );
      const byId = new Map(rows.map((row) => [row.id as string, row]));
      return wanted.flatMap((id): VectorRecord[] => {
        const row = byId.get(id);
        return row
          ? [
              {
                id,
                values: parseVector(row.embedding),
                metadata: parseStoredMetadata(row.metadata),
              },
            ]
          : [];
      });
    },

    async delete({ namespace, ids, signal }) {
      checkNamespace(namespace);
      const targets = existingIdCandidates(ids);
      if (targets.length === 0) return;
      await inNamespace(namespace, 'delete', signal, (tx) =>
        tx.execute(sql`delete from ${table} where namespace = ${namespace}
          and id in (select jsonb_array_elements_text(${JSON.stringify(targets)}::jsonb))`),
      );
    },

    async list({ namespace, prefix = '', limit, cursor, signal }): Promise<ListPage> {
      checkNamespace(namespace);
      checkLimit(limit);
      if (typeof prefix !== 'string') throw new InvalidInputError('prefix must be a string.');
      if (
        cursor !== undefined &&
        (typeof cursor !== 'string' || !PRINTABLE_ASCII_ID.test(cursor))
      ) {
        throw new InvalidInputError(
          'cursor must be the cursor of a page this store returned (a record id).',
        );
      }
      // Ids are printable ASCII: a prefix with any other character matches none.
      if (prefix !== '' && !PRINTABLE_ASCII_ID.test(prefix)) return { ids: [] };
      // Ids with the prefix sort from the prefix up to the prefix followed by DEL (above "~").
      const rows = await inNamespace(namespace, 'list', signal, async (tx) =>
        rowsOf(
          await tx.execute(sql`select id from ${table}
            where namespace = ${namespace}
              and id collate "C" >= ${prefix}
              ${prefix === '' ? sql`` : sql`and id collate "C" < ${`${prefix}\u007f`}`}
              ${cursor === undefined ? sql`` : sql`and id collate "C" > ${cursor}`}
            order by id collate "C" limit ${limit + 1}`),
        ),
      );
      const ids = rows.slice(0, limit).map((row) => row.id as string);
      return rows.length > limit ? { ids, cursor: ids[ids.length - 1]! } : { ids };
    },

    async listNamespaces({ prefix = '', limit, cursor, signal }): Promise<NamespacePage> {
      checkLimit(limit);
      for (const [what, value] of [
        ['prefix', prefix],
        ['cursor', cursor],
      ] as const) {
        if (value !== undefined && (typeof value !== 'string' || !isStorableText(value))) {
          throw new InvalidInputError(
            `${what} must be a string without NUL characters or unpaired surrogates.`,
          );
        }
      }
      const start = sql`namespace collate "C" >= ${prefix} ${cursor === undefined ? sql`` : sql`and namespace collate "C" > ${cursor}`}`;
      try {
        signal?.throwIfAborted();
        // A skip scan over the primary key: one index probe per namespace, not a pass over rows.
        const rows = await db.transaction(async (tx) => {
          await tx.execute(sql`select set_config(${RLS_SETTINGS.lifecycle}, 'on', true)`);
          return rowsOf(
            await tx.execute(sql`with recursive names(namespace) as (
                (select namespace from ${table} where ${start} order by namespace collate "C" limit 1)
                union all
                select (select t.namespace from ${table} t
                        where t.namespace collate "C" > names.namespace
                        order by t.namespace collate "C" limit 1)
                from names
                where names.namespace is not null and starts_with(names.namespace, ${prefix})
              )
              select namespace from names
              where namespace is not null and starts_with(namespace, ${prefix})
              limit ${limit + 1}`),
          );
        });
        const namespaces = rows.slice(0, limit).map((row) => row.namespace as string);
        return rows.length > limit
          ? { namespaces, cursor: namespaces[namespaces.length - 1]! }
          : { namespaces };
      } catch (error) {
        throw fail(error, 'listNamespaces');
      }
    },

    async deleteNamespace({ namespace, signal }) {
      checkNamespace(namespace);
      await inNamespace(namespace, 'deleteNamespace', signal, (tx) =>
        tx.execute(sql`delete from ${table} where namespace = ${namespace}`),
      );
    },
  };
  return Object.freeze(store);
}
