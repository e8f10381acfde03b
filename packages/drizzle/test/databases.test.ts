// The test-database harness keeps its promises: a fresh schema per suite, a non-superuser role
// that row-level security applies to, and drizzle on the same connection.
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeDatabases } from './databases.js';

const schemas: string[] = [];

describeDatabases('test databases', (database) => {
  it('runs statements as a role that is not a superuser, in a schema of its own', async () => {
    const { query, role, schema } = database();
    const [row] = await query(
      "SELECT current_user AS role, current_setting('is_superuser') AS superuser, current_schema() AS schema",
    );
    expect(row).toEqual({ role, superuser: 'off', schema });
    expect(schemas).not.toContain(schema);
    schemas.push(schema);
    const tables = await query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    expect(tables).toEqual([]);
  });

  it('drizzle and query share the role and the search path', async () => {
    const { db, query, schema } = database();
    await query('CREATE TABLE harness_probe (n int)');
    await db.execute(sql`INSERT INTO harness_probe VALUES (${41}), (${1})`);
    expect(await query('SELECT sum(n)::int AS total FROM harness_probe')).toEqual([{ total: 42 }]);
    const [owner] = await query(
      "SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'harness_probe'",
      [schema],
    );
    expect(owner).toEqual({ tableowner: database().role });
  });

  it('row-level security applies to the role, as owner, once the table forces it', async () => {
    const { query } = database();
    await query('CREATE TABLE harness_rls (tenant text)');
    await query("INSERT INTO harness_rls VALUES ('a'), ('b')");
    await query('ALTER TABLE harness_rls ENABLE ROW LEVEL SECURITY');
    await query('ALTER TABLE harness_rls FORCE ROW LEVEL SECURITY');
    await query("CREATE POLICY only_a ON harness_rls USING (tenant = 'a')");
    expect(await query('SELECT tenant FROM harness_rls')).toEqual([{ tenant: 'a' }]);
  });
});
