// scopedDb: the same tenant scoping for an app's own tables. Instead of remembering
// `where(eq(table.orgId, orgId))` in every query (and forgetting it once), the app goes through a
// handle that adds the tenant to every where, stamps it on every insert, refuses to move a row to
// another tenant, and runs its transactions with the row-level-security settings.
import { InvalidInputError, type Scope, ScopeViolationError, scopeAccess } from '@scoped-rag/core';
import { and, eq, getTableColumns, getTableName, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { TENANT_SETTINGS } from './persistence-sql.js';
import { type AnyPgDatabase, type AnyPgTransaction, inScope } from './tenant-db.js';

export interface ScopedDbOptions<K extends string = 'tenantKey'> {
  /** The property (drizzle column key) holding the tenant key in the app's tables. Default `tenantKey`. */
  readonly tenantColumn?: K;
}

/** A row to insert: the tenant column may be left out (scopedDb sets it). */
export type ScopedInsert<T extends PgTable, K extends string> = Omit<T['$inferInsert'], K> &
  Partial<Pick<T['$inferInsert'], K & keyof T['$inferInsert']>>;

export interface ScopedDb<K extends string = 'tenantKey'> {
  readonly scope: Scope;
  readonly tenantKey: string;
  readonly userId: string;
  /** `tenant = <this tenant>` AND the given conditions, for any query on a tenant table. */
  where(table: PgTable, ...conditions: (SQL | undefined)[]): SQL;
  /** Selects the table's rows of this tenant matching the conditions. */
  select<T extends PgTable>(
    table: T,
    ...conditions: (SQL | undefined)[]
  ): Promise<T['$inferSelect'][]>;
  /** Inserts rows stamped with this tenant; a row naming another tenant is refused. */
  insert<T extends PgTable>(
    table: T,
    values: ScopedInsert<T, K> | readonly ScopedInsert<T, K>[],
  ): Promise<T['$inferSelect'][]>;
  /** Updates this tenant's matching rows; changing the tenant column is refused. */
  update<T extends PgTable>(
    table: T,
    set: Partial<T['$inferInsert']>,
    ...conditions: (SQL | undefined)[]
  ): Promise<T['$inferSelect'][]>;
  /** Deletes this tenant's matching rows. A call without conditions is refused (use deleteAll). */
  delete<T extends PgTable>(
    table: T,
    ...conditions: (SQL | undefined)[]
  ): Promise<T['$inferSelect'][]>;
  /** Deletes every row of this tenant in the table. */
  deleteAll<T extends PgTable>(table: T): Promise<number>;
  /**
   * Runs `work` in one transaction with the row-level-security settings of this scope, for
   * queries the helpers don't cover. Tables with `tenantRlsSQL` policies show it nothing else.
   */
  transaction<R>(work: (tx: AnyPgTransaction) => Promise<R>): Promise<R>;
}

function tenantColumnOf(table: PgTable, key: string): PgColumn {
  const column = (getTableColumns(table) as Record<string, PgColumn>)[key];
  if (!column) {
    throw new InvalidInputError(
      `Table "${getTableName(table)}" has no column "${key}" to scope by. Add a tenant column (text, not null) or pass { tenantColumn } naming it.`,
    );
  }
  return column;
}

/** A handle that scopes every query on the app's own tenant tables to `scope`'s tenant. */
export function scopedDb<K extends string = 'tenantKey'>(
  db: AnyPgDatabase,
  scope: Scope,
  options: ScopedDbOptions<K> = {},
): ScopedDb<K> {
  const access = scopeAccess(scope);
  const key: string = options.tenantColumn ?? 'tenantKey';
  const where = (table: PgTable, ...conditions: (SQL | undefined)[]) =>
    and(eq(tenantColumnOf(table, key), access.tenantKey), ...conditions)!;
  const run = <R>(operation: string, work: (tx: AnyPgTransaction) => Promise<R>) =>
    inScope(db, access, operation, work);

  function stamp<V extends Record<string, unknown>>(table: PgTable, row: V, i: number): V {
    tenantColumnOf(table, key);
    const given = row[key];
    if (given !== undefined && given !== access.tenantKey) {
      throw new ScopeViolationError(
        `values[${i}] names tenant ${JSON.stringify(given)}, not this scope's; leave "${key}" out and scopedDb sets it.`,
      );
    }
    return { ...row, [key]: access.tenantKey };
  }

  return Object.freeze({
    scope,
    tenantKey: access.tenantKey,
    userId: access.userId,
    where,
    select: (table, ...conditions) =>
      run('select', (tx) =>
        tx
          .select()
          .from(table as PgTable)
          .where(where(table, ...conditions)),
      ) as never,
    insert(table, values) {
      const rows = (Array.isArray(values) ? values : [values]).map((row, i) =>
        stamp(table, row as Record<string, unknown>, i),
      );
      if (rows.length === 0) return Promise.resolve([]);
      return run('insert', (tx) =>
        tx
          .insert(table)
          .values(rows as never)
          .returning(),
      ) as never;
    },
    update(table, set, ...conditions) {
      const changes = set as Record<string, unknown>;
      if (changes[key] !== undefined && changes[key] !== access.tenantKey) {
        throw new ScopeViolationError(
          `update would move rows to another tenant ("${key}"); rows never change tenant.`,
        );
      }
      const { [key]: _tenant, ...rest } = changes;
      return run('update', (tx) =>
        tx
          .update(table)
          .set(rest as never)
          .where(where(table, ...conditions))
          .returning(),
      ) as never;
    },
    delete(table, ...conditions) {
      if (conditions.filter(Boolean).length === 0) {
        throw new InvalidInputError(
          'delete() needs conditions; to delete every row of this tenant, call deleteAll(table).',
        );
      }
      return run('delete', (tx) =>
        tx
          .delete(table)
          .where(where(table, ...conditions))
          .returning(),
      ) as never;
    },
    deleteAll: (table) =>
      run(
        'deleteAll',
        async (tx) => (await tx.delete(table).where(where(table)).returning()).length,
      ),
    transaction: (work) => run('transaction', work),
  } satisfies ScopedDb<K>);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * Row-level-security DDL for one of the app's own tenant tables, keyed by the same setting the
 * scoped-rag tables use: rows are visible and writable only inside a `scopedDb` transaction of
 * their tenant (FORCE applies it to the table's owner too). Add it to a migration.
 */
export function tenantRlsSQL(table: string, tenantColumn = 'tenant_key'): string {
  for (const name of [table, tenantColumn]) {
    if (!IDENTIFIER.test(name)) {
      throw new InvalidInputError(`"${name}" is not a plain SQL identifier (letters, digits, _).`);
    }
  }
  const check = `"${tenantColumn}" = current_setting('${TENANT_SETTINGS.tenant}', true)`;
  return [
    `ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY "${table}_tenant" ON "${table}" USING (${check}) WITH CHECK (${check})`,
  ].join(';\n');
}
