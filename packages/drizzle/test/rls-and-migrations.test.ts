// Migrations apply cleanly to an empty database and match the drizzle schema; row-level security
// keeps tenants apart even for raw SQL that bypasses the adapter.
import { readFileSync } from 'node:fs';
import { createIdentity, orgPolicy } from '@scoped-rag/core';
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDrizzleAuditLog,
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  MIGRATIONS,
  migrate,
  scopedRagTables,
  TENANT_SETTINGS,
} from '../src/index.js';
import { pgCode, rowsOf, splitStatements } from '../src/tenant-db.js';
import { describeDatabases } from './databases.js';

const policy = orgPolicy();
const scopeOf = (userId: string, orgId: string | null) =>
  policy.scopeFor(createIdentity({ userId, orgId, orgRole: orgId ? 'org:admin' : null }));

describe('committed migrations', () => {
  it('migrations/*.sql are exactly the migrations migrate() applies (run write:migrations after a change)', () => {
    for (const migration of MIGRATIONS) {
      const file = new URL(`../migrations/${migration.id}.sql`, import.meta.url);
      expect(readFileSync(file, 'utf8')).toBe(migration.sql);
    }
  });

  it('splits into statements without losing any', () => {
    const statements = splitStatements(MIGRATIONS[0]!.sql);
    expect(statements.length).toBeGreaterThan(30);
    expect(statements.every((s) => !s.includes(';\n'))).toBe(true);
  });
});

describeDatabases('migrations', (database) => {
  it('apply to an empty schema once; again and concurrently they do nothing', async () => {
    const { db } = database();
    const [first, second] = await Promise.all([migrate(db), migrate(db)]);
    expect([...first.applied, ...second.applied]).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await migrate(db)).toEqual({ applied: [] });
  });

  it('create exactly the columns of the drizzle schema, with forced row-level security on every table', async () => {
    const { query, schema } = database();
    for (const table of Object.values(scopedRagTables)) {
      const name = getTableName(table);
      const columns = await query(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`,
        [schema, name],
      );
      const expected = Object.values(getTableColumns(table))
        .map((column) => ({
          column_name: column.name,
          is_nullable: column.notNull ? 'NO' : 'YES',
        }))
        .sort((a, b) => (a.column_name < b.column_name ? -1 : 1));
      expect({ name, columns }).toEqual({ name, columns: expected });
      const [security] = await query(
        `SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
        [schema, name],
      );
      expect({ name, security }).toEqual({ name, security: { enabled: true, forced: true } });
    }
  });
});

describeDatabases('row-level security', (database) => {
  const alice = scopeOf('user_alice', 'org_a');
  const bob = scopeOf('user_bob', 'org_a');
  const eve = scopeOf('user_eve', 'org_e');
  const tables = Object.values(scopedRagTables).map(getTableName);

  beforeAll(async () => {
    const { db } = database();
    await migrate(db);
    const documents = createDrizzleDocumentStore({ db });
    const threads = createDrizzleThreadStore({ db });
    const audit = createDrizzleAuditLog({ db });
    for (const scope of [alice, bob, eve]) {
      if (scope !== bob) {
        await documents.putDocument(
          scope,
          { id: 'shared', state: 'indexed', contentHash: 'h', visibility: 'org' },
          { expectedRevision: null },
        );
      }
      await documents.putDocument(
        scope,
        {
          id: `private-${scope.userId}`,
          state: 'indexed',
          contentHash: 'h',
          visibility: 'private',
        },
        { expectedRevision: null },
      );
      await documents.putChunks(scope, `private-${scope.userId}`, 'g', [
        { position: 0, text: `secret of ${scope.userId}`, vectorId: `v-${scope.userId}` },
      ]);
      const thread = await threads.createThread(scope, { id: `t-${scope.userId}` });
      await threads.appendMessages(scope, thread.id, [{ role: 'user', content: 'hi' }]);
      await audit.record({
        action: 'query',
        at: new Date().toISOString(),
        tenantKey: scope.tenantKey,
        userId: scope.userId,
        policy: 'org',
        namespace: scope.tenantKey,
        ids: [],
      });
    }
  });

  it('a raw query without the tenant setting sees no row of any table, as the tables’ owner', async () => {
    const { query } = database();
    for (const table of tables) {
      const [{ n }] = (await query(`SELECT count(*)::int AS n FROM ${table}`)) as [{ n: number }];
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    // The rows exist: lifecycle mode sees them.
    const counted = await database().db.transaction(async (tx) => {
      await tx.execute(sql`select set_config(${TENANT_SETTINGS.lifecycle}, 'on', true)`);
      return rowsOf<{ n: number }>(
        await tx.execute(sql`SELECT count(*)::int AS n FROM scoped_rag_documents`),
      );
    });
    expect(counted[0]!.n).toBeGreaterThanOrEqual(5);
  });

  it("with one tenant's setting, raw SQL sees that tenant only, and another member's private rows not at all", async () => {
    const { db } = database();
    const seen = await db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config(${TENANT_SETTINGS.tenant}, ${alice.tenantKey}, true), set_config(${TENANT_SETTINGS.user}, ${'user_alice'}, true)`,
      );
      const documents = rowsOf<{ id: string; tenant_key: string }>(
        await tx.execute(sql`SELECT id, tenant_key FROM scoped_rag_documents ORDER BY id`),
      );
      const chunkTexts = rowsOf<{ text: string }>(
        await tx.execute(sql`SELECT text FROM scoped_rag_chunks`),
      );
      const threads = rowsOf<{ id: string }>(
        await tx.execute(sql`SELECT id FROM scoped_rag_threads`),
      );
      return { documents, chunkTexts, threads };
    });
    expect(seen.documents).toEqual([
      { id: 'private-user_alice', tenant_key: alice.tenantKey },
      { id: 'shared', tenant_key: alice.tenantKey },
    ]);
    // Chunks are tenant-scoped (the adapter joins documents for visibility).
    expect(seen.chunkTexts.map((c) => c.text).sort()).toEqual([
      'secret of user_alice',
      'secret of user_bob',
    ]);
    expect(seen.threads).toEqual([{ id: 't-user_alice' }]);
  });

  it('raw writes into another tenant, or moving a row there, are refused by the policies', async () => {
    const { db } = database();
    const inAlice = <T>(
      work: (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) => Promise<T>,
    ) =>
      db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config(${TENANT_SETTINGS.tenant}, ${alice.tenantKey}, true)`,
        );
        return work(tx);
      });
    await expect(
      inAlice((tx) =>
        tx.execute(
          sql`INSERT INTO scoped_rag_threads (tenant_key, id, owner_id, archived, metadata, created_at, updated_at) VALUES (${eve.tenantKey}, 'x', 'user_alice', false, '{}', now(), now())`,
        ),
      ),
    ).rejects.toSatisfy((error) => pgCode(error) === '42501'); // new row violates row-level security
    await expect(
      inAlice((tx) =>
        tx.execute(
          sql`UPDATE scoped_rag_documents SET tenant_key = ${eve.tenantKey} WHERE id = 'shared'`,
        ),
      ),
    ).rejects.toSatisfy((error) => pgCode(error) === '42501'); // new row violates row-level security
    // Deleting another tenant's rows finds nothing to delete.
    const deleted = await inAlice(async (tx) =>
      rowsOf(
        await tx.execute(
          sql`DELETE FROM scoped_rag_documents WHERE tenant_key = ${eve.tenantKey} RETURNING id`,
        ),
      ),
    );
    expect(deleted).toEqual([]);
    // Audit events are append-only: no update, no delete outside lifecycle erasure.
    const changed = await inAlice(async (tx) => [
      ...rowsOf(
        await tx.execute(sql`UPDATE scoped_rag_audit_events SET action = 'erase' RETURNING seq`),
      ),
      ...rowsOf(await tx.execute(sql`DELETE FROM scoped_rag_audit_events RETURNING seq`)),
    ]);
    expect(changed).toEqual([]);
  });
});
