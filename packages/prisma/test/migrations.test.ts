// The committed migrations are what Prisma makes of the fragment, leave no drift, and create
// exactly the tables @scoped-rag/drizzle creates, so both adapters can share one database.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { appTablesDiff, appTablesSql, INIT_MIGRATION } from './app-tables.ts';
import { describeDatabases } from './databases.ts';
import {
  closeSchemaEngine,
  migrateDiff,
  migrationNames,
  migrationSql,
  migrationsTarget,
  schemaTarget,
} from './schema-engine.ts';

describe('committed migrations (Prisma schema engine, offline)', () => {
  afterAll(closeSchemaEngine);

  it('the init migration is exactly `prisma migrate diff --from-empty --to-schema scoped-rag.prisma --script` (run write:migration after a change)', async () => {
    const { script } = await migrateDiff({ tag: 'empty' }, schemaTarget());
    expect(migrationSql(INIT_MIGRATION)).toBe(script);
    expect(migrationNames()).toEqual([INIT_MIGRATION, '20261207000001_scoped_rag_rls']);
  });

  it('applying both migrations leaves no drift from the fragment (`migrate diff --from-migrations --to-schema --exit-code` is 0)', async () => {
    expect(await migrateDiff(migrationsTarget(), schemaTarget())).toEqual({
      script: '-- This is an empty migration.\n',
      changed: false,
    });
  });

  it("the test app's tables are what Prisma makes of its models", async () => {
    expect(appTablesSql()).toBe(await appTablesDiff());
  });
});

/** The schema's tables as PostgreSQL's catalog describes them, with the schema name taken out. */
async function catalog(
  query: (text: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>,
  schema: string,
) {
  const strip = (rows: Record<string, unknown>[]) =>
    JSON.parse(JSON.stringify(rows).replaceAll(`${schema}.`, '').replaceAll(`"${schema}".`, ''));
  return {
    columns: strip(
      await query(
        `SELECT table_name, column_name, data_type, is_nullable, collation_name, datetime_precision,
           CASE WHEN column_default LIKE 'nextval(%' OR is_identity = 'YES' THEN 'generated' ELSE column_default END AS column_default
         FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
        [schema],
      ),
    ),
    indexes: strip(
      await query(
        'SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
        [schema],
      ),
    ),
    constraints: strip(
      await query(
        `SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = $1 AND c.contype IN ('c', 'f') ORDER BY c.conname`,
        [schema],
      ),
    ),
    security: await query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
      [schema],
    ),
    policies: await query(
      `SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies
       WHERE schemaname = $1 ORDER BY policyname`,
      [schema],
    ),
  };
}

const drizzleMigrations = new URL('../../drizzle/migrations/', import.meta.url);

describeDatabases('migrations', (database) => {
  it('create the same tables, columns, collations, keys, checks and row-level-security policies as the Drizzle migrations', async () => {
    const { exec, query, schema } = database();
    const other = `${schema}_drizzle`;
    const drizzleSql = readdirSync(drizzleMigrations)
      .filter((file) => file.endsWith('.sql'))
      .sort()
      .map((file) => readFileSync(new URL(file, drizzleMigrations), 'utf8'))
      .join('\n');
    // One script, so it runs on one connection: the Drizzle tables in a schema of their own.
    await exec(
      `CREATE SCHEMA "${other}"; SET search_path TO "${other}"; ${drizzleSql}; SET search_path TO "${schema}", public;`,
    );
    try {
      const [prisma, drizzle] = [await catalog(query, schema), await catalog(query, other)];
      expect(prisma.policies.length).toBe(20);
      expect(prisma.columns.length).toBe(52);
      expect(prisma).toEqual(drizzle);
    } finally {
      await exec(`DROP SCHEMA "${other}" CASCADE`);
    }
  });
});
