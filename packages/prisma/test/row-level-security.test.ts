// Row-level security keeps tenants apart even for SQL that bypasses the stores: the tables FORCE it,
// so the role that owns them (the one the app and these tests connect as) sees nothing without the
// settings, one tenant with them, and can't write into another.
import { createIdentity, orgPolicy } from '@scoped-rag/core';
import { beforeAll, expect, it } from 'vitest';
import {
  createPrismaAuditLog,
  createPrismaDocumentStore,
  createPrismaThreadStore,
  createPrismaWebhookEventStore,
  TENANT_SETTINGS,
} from '../src/index.js';
import { pgCode } from '../src/tenant-tx.js';
import { describeDatabases, TEST_TRANSACTIONS } from './databases.ts';

const policy = orgPolicy();
const scopeOf = (userId: string, orgId: string | null) =>
  policy.scopeFor(createIdentity({ userId, orgId, orgRole: orgId ? 'org:admin' : null }));
const TABLES = [
  'scoped_rag_documents',
  'scoped_rag_chunks',
  'scoped_rag_threads',
  'scoped_rag_messages',
  'scoped_rag_audit_events',
  'scoped_rag_webhook_events',
];

describeDatabases('row-level security', (database) => {
  const alice = scopeOf('user_alice', 'org_a');
  const bob = scopeOf('user_bob', 'org_a');
  const eve = scopeOf('user_eve', 'org_e');

  beforeAll(async () => {
    const options = { prisma: database().prisma, transactionOptions: TEST_TRANSACTIONS };
    const documents = createPrismaDocumentStore(options);
    const threads = createPrismaThreadStore(options);
    const audit = createPrismaAuditLog(options);
    await createPrismaWebhookEventStore(options).claim({
      source: 'clerk',
      id: 'msg_1',
      leaseMs: 60_000,
    });
    for (const scope of [alice, bob, eve]) {
      if (scope !== bob) {
        await documents.putDocument(
          scope,
          { id: 'shared', state: 'indexed', contentHash: 'h', visibility: 'org' },
          { expectedRevision: null },
        );
      }
      const id = `private-${scope.userId}`;
      await documents.putDocument(
        scope,
        { id, state: 'indexed', contentHash: 'h', visibility: 'private' },
        { expectedRevision: null },
      );
      await documents.putChunks(scope, id, 'g', [
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

  /** Raw SQL in one transaction with these settings, through Prisma but not the stores. */
  const withSettings = <T>(settings: Record<string, string>, sql: string) =>
    database().prisma.$transaction(async (tx) => {
      for (const [name, value] of Object.entries(settings)) {
        await tx.$executeRaw`SELECT set_config(${name}, ${value}, true)`;
      }
      return tx.$queryRawUnsafe<T[]>(sql);
    });

  it('raw SQL on the driver, as the tables’ owner, without the settings sees no row of any table', async () => {
    const { query } = database();
    const counts = Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => [
          table,
          ((await query(`SELECT count(*)::int AS n FROM ${table}`))[0] as { n: number }).n,
        ]),
      ),
    );
    expect(counts).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
    // The rows exist: lifecycle mode sees them.
    const [all] = await withSettings<{ n: number }>(
      { [TENANT_SETTINGS.lifecycle]: 'on' },
      'SELECT count(*)::int AS n FROM scoped_rag_documents',
    );
    expect(all?.n).toBe(5);
  });

  it("with one tenant's settings, raw SQL sees that tenant only, and another member's private rows not at all", async () => {
    const settings = {
      [TENANT_SETTINGS.tenant]: alice.tenantKey,
      [TENANT_SETTINGS.user]: 'user_alice',
    };
    expect(
      await withSettings(settings, 'SELECT id, tenant_key FROM scoped_rag_documents ORDER BY id'),
    ).toEqual([
      { id: 'private-user_alice', tenant_key: alice.tenantKey },
      { id: 'shared', tenant_key: alice.tenantKey },
    ]);
    // Chunks are tenant-scoped (the stores join documents for visibility).
    expect(
      await withSettings(settings, 'SELECT text FROM scoped_rag_chunks ORDER BY text'),
    ).toEqual([{ text: 'secret of user_alice' }, { text: 'secret of user_bob' }]);
    expect(await withSettings(settings, 'SELECT id FROM scoped_rag_threads')).toEqual([
      { id: 't-user_alice' },
    ]);
    expect(await withSettings(settings, 'SELECT id FROM scoped_rag_webhook_events')).toEqual([]);
  });

  it('raw writes into another tenant, or moving a row there, are refused by the policies', async () => {
    const inAlice = { [TENANT_SETTINGS.tenant]: alice.tenantKey };
    const refused = async (sql: string) => {
      try {
        await withSettings(inAlice, sql);
        return 'accepted';
      } catch (error) {
        return pgCode(error);
      }
    };
    // 42501: new row violates row-level security policy.
    expect(
      await refused(
        `INSERT INTO scoped_rag_threads (tenant_key, id, owner_id, archived, metadata, created_at, updated_at) VALUES ('${eve.tenantKey}', 'x', 'user_alice', false, '{}', now(), now())`,
      ),
    ).toBe('42501');
    expect(
      await refused(
        `UPDATE scoped_rag_documents SET tenant_key = '${eve.tenantKey}' WHERE id = 'shared'`,
      ),
    ).toBe('42501');
    // Deleting another tenant's rows finds nothing to delete; audit events are append-only.
    expect(
      await withSettings(
        inAlice,
        `DELETE FROM scoped_rag_documents WHERE tenant_key = '${eve.tenantKey}' RETURNING id`,
      ),
    ).toEqual([]);
    expect(
      await withSettings(
        inAlice,
        `UPDATE scoped_rag_audit_events SET action = 'erase' RETURNING seq`,
      ),
    ).toEqual([]);
    expect(
      await withSettings(inAlice, 'DELETE FROM scoped_rag_audit_events RETURNING seq'),
    ).toEqual([]);
  });
});
