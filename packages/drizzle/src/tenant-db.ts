// Transactions with the row-level-security settings, error mapping and migrations, shared by the
// persistence stores.
import {
  BackendUnavailableError,
  ConflictError,
  InvalidInputError,
  type ScopeAccess,
  ScopedRagError,
} from '@scoped-rag/core';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { MIGRATIONS, TENANT_SETTINGS } from './persistence-sql.js';

/** A drizzle PostgreSQL database (`drizzle-orm/pglite`, `drizzle-orm/node-postgres`, …). */
// biome-ignore lint/suspicious/noExplicitAny: any drizzle schema and driver result type is accepted.
export type AnyPgDatabase = PgDatabase<PgQueryResultHKT, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type AnyPgTransaction = PgTransaction<PgQueryResultHKT, any, any>;

/** The PostgreSQL error code of a failed statement (drizzle wraps the driver's error). */
export function pgCode(error: unknown): string | undefined {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Maps a database failure onto a typed error (scoped-rag errors pass through). */
export function toStoreError(error: unknown, operation: string): Error {
  if (ScopedRagError.isInstance(error)) return error;
  const code = pgCode(error);
  if (code === '23505') {
    return new ConflictError(`${operation}: the id is already taken in this tenant.`, {
      cause: error,
    });
  }
  if (code === '22P05' || code === '22021') {
    return new InvalidInputError(
      `${operation}: PostgreSQL cannot store a NUL character (\\u0000) in text; remove it.`,
      { cause: error },
    );
  }
  if (code === '42P01') {
    return new BackendUnavailableError(
      `${operation}: the scoped-rag tables do not exist. Run migrate(db) from @scoped-rag/drizzle first.`,
      { cause: error, details: { operation } },
    );
  }
  return new BackendUnavailableError(
    `${operation} failed in PostgreSQL: ${(error as Error)?.message ?? String(error)}`,
    { cause: error, details: { operation, ...(code ? { pgCode: code } : {}) } },
  );
}

/** Runs `work` in a transaction that may see and write only the scope's tenant, as its user. */
export async function inScope<T>(
  db: AnyPgDatabase,
  access: ScopeAccess,
  operation: string,
  work: (tx: AnyPgTransaction) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config(${TENANT_SETTINGS.tenant}, ${access.tenantKey}, true), set_config(${TENANT_SETTINGS.user}, ${toDbUser(access.userId)}, true)`,
      );
      return work(tx);
    });
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

/** Runs lifecycle `work` (across tenants) in a transaction. Never for request-driven code. */
export async function asLifecycle<T>(
  db: AnyPgDatabase,
  operation: string,
  work: (tx: AnyPgTransaction) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config(${TENANT_SETTINGS.lifecycle}, 'on', true)`);
      return work(tx);
    });
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

/** Rows of a raw statement, whichever driver (node-postgres and PGlite both answer `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

/** Splits DDL into statements at `;` + newline (the migrations hold no function bodies). */
export function splitStatements(script: string): string[] {
  return script
    .split(/;\s*\n/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

const MIGRATIONS_TABLE = 'scoped_rag_migrations';

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  readonly applied: readonly string[];
}

/**
 * Applies the persistence migrations that are not applied yet, in one transaction (all or
 * nothing) under an advisory lock (concurrent calls wait for each other). Idempotent. Run it as the role that will
 * own the tables; the app may use the same role: FORCE ROW LEVEL SECURITY applies to owners too.
 */
export async function migrate(db: AnyPgDatabase): Promise<MigrateResult> {
  const applied: string[] = [];
  try {
    await db.transaction(async (tx) => {
      // One lock id for every scoped-rag migrator; released at commit.
      await tx.execute(sql`select pg_advisory_xact_lock(7112650041)`);
      await tx.execute(
        sql.raw(
          `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        ),
      );
      const done = new Set(
        rowsOf<{ id: string }>(await tx.execute(sql.raw(`SELECT id FROM ${MIGRATIONS_TABLE}`))).map(
          (row) => row.id,
        ),
      );
      for (const migration of MIGRATIONS) {
        if (done.has(migration.id)) continue;
        // One statement per call: PGlite's extended protocol takes no multi-statement strings.
        for (const statement of splitStatements(migration.sql))
          await tx.execute(sql.raw(statement));
        await tx.execute(
          sql`INSERT INTO ${sql.identifier(MIGRATIONS_TABLE)} (id) VALUES (${migration.id})`,
        );
        applied.push(migration.id);
      }
    });
  } catch (error) {
    throw new BackendUnavailableError(
      `migrate() failed: ${(error as Error)?.message ?? String(error)}. Nothing of the failed migration was applied.`,
      { cause: error },
    );
  }
  return { applied };
}

/**
 * User ids are any identity string, NUL included, which PostgreSQL text cannot hold: stored
 * escaped (`%` → `%25`, NUL → `%00`), an injective encoding that leaves ordinary ids unchanged.
 */
export function toDbUser(userId: string): string {
  return userId.split('%').join('%25').split('\u0000').join('%00');
}

/** The inverse of `toDbUser`. */
export function fromDbUser(stored: string): string {
  return stored.replace(/%(25|00)/g, (_, code: string) => (code === '25' ? '%' : '\u0000'));
}
