// scopedDb on an app's own table: every query stays in the scope's tenant, writes can't name or
// move to another tenant, and the table's row-level security hides everything outside a scoped
// transaction. Property-tested against a model with many tenants interleaved.
import { createIdentity, orgPolicy, type Scope, ScopedRagError } from '@scoped-rag/core';
import { hostileIdArb } from '@scoped-rag/testing';
import { eq, sql } from 'drizzle-orm';
import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { scopedDb, tenantRlsSQL } from '../src/index.js';
import { splitStatements } from '../src/tenant-db.js';
import { describeDatabases } from './databases.js';

// The app's own model, as an app would declare it.
const notes = pgTable(
  'app_notes',
  {
    tenantKey: text('tenant_key').notNull(),
    id: text('id').notNull(),
    body: text('body').notNull(),
    stars: integer('stars').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantKey, t.id] })],
);

const policy = orgPolicy();
const scopeOf = (userId: string, orgId: string | null) =>
  policy.scopeFor(createIdentity({ userId, orgId, orgRole: orgId ? 'org:member' : null }));
const code = (error: unknown) => (ScopedRagError.isInstance(error) ? error.code : String(error));

describeDatabases('scopedDb on app tables', (database) => {
  beforeAll(async () => {
    await database().query(
      'CREATE TABLE app_notes (tenant_key text NOT NULL, id text NOT NULL, body text NOT NULL, stars integer NOT NULL DEFAULT 0, PRIMARY KEY (tenant_key, id))',
    );
    for (const statement of splitStatements(`${tenantRlsSQL('app_notes')};\n`)) {
      await database().query(statement);
    }
  });
  beforeEach(async () => {
    await database().query('TRUNCATE app_notes');
  });

  it('stamps, filters, updates and deletes within the tenant only', async () => {
    const { db, query } = database();
    const acme = scopedDb(db, scopeOf('user_a', 'org_acme'));
    const evil = scopedDb(db, scopeOf('user_e', 'org_evil'));
    await acme.insert(notes, [
      { id: 'n1', body: 'acme plan' },
      { id: 'n2', body: 'acme memo' },
    ]);
    await evil.insert(notes, { id: 'n1', body: 'evil plan' });
    expect((await acme.select(notes)).map((n) => n.body).sort()).toEqual([
      'acme memo',
      'acme plan',
    ]);
    expect(await evil.select(notes, eq(notes.id, 'n2'))).toEqual([]);
    expect(await evil.update(notes, { stars: 5 }, eq(notes.id, 'n2'))).toEqual([]);
    expect((await evil.update(notes, { stars: 5 }, eq(notes.id, 'n1')))[0]).toMatchObject({
      stars: 5,
    });
    expect((await acme.select(notes, eq(notes.id, 'n1')))[0]).toMatchObject({ stars: 0 });
    expect(await evil.delete(notes, eq(notes.id, 'n2'))).toEqual([]);
    expect(await acme.deleteAll(notes)).toBe(2);
    expect((await evil.select(notes)).map((n) => n.body)).toEqual(['evil plan']);
    // The app's own raw query outside scopedDb sees nothing (forced row-level security).
    expect(await query('SELECT * FROM app_notes')).toEqual([]);
    // In a scoped transaction, raw SQL sees the scope's tenant only.
    const raw = await evil.transaction(async (tx) => tx.execute(sql`SELECT body FROM app_notes`));
    expect((raw as unknown as { rows: unknown[] }).rows).toEqual([{ body: 'evil plan' }]);
  });

  it('refuses rows naming another tenant, moves between tenants and unconditioned deletes', async () => {
    const { db } = database();
    const acme = scopedDb(db, scopeOf('user_a', 'org_acme'));
    const evilKey = scopeOf('user_e', 'org_evil').tenantKey;
    const attempts: [what: string, attempt: () => unknown][] = [
      [
        'insert into another tenant',
        () => acme.insert(notes, { id: 'x', body: 'b', tenantKey: evilKey }),
      ],
      [
        'move rows to another tenant',
        () => acme.update(notes, { tenantKey: evilKey }, eq(notes.id, 'x')),
      ],
      ['delete without conditions', () => acme.delete(notes)],
      [
        'a table without the tenant column',
        () => scopedDb(db, acme.scope, { tenantColumn: 'orgId' }).select(notes),
      ],
      ['a forged scope', () => scopedDb(db, { ...acme.scope } as Scope)],
    ];
    const codes = await Promise.all(
      attempts.map(([, attempt]) =>
        Promise.resolve()
          .then(attempt)
          .then(() => 'accepted', code),
      ),
    );
    expect(codes).toEqual([
      'SCOPE_VIOLATION',
      'SCOPE_VIOLATION',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'UNSCOPED_QUERY',
    ]);
    expect(await acme.select(notes)).toEqual([]);
  });

  it('property: interleaved operations of many tenants match a per-tenant model and never cross', async () => {
    const { db } = database();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(hostileIdArb, { minLength: 2, maxLength: 4 }),
        fc.array(
          fc.record({
            who: fc.nat(),
            op: fc.constantFrom('insert', 'update', 'delete', 'select'),
            id: fc.constantFrom('a', 'b', 'c'),
            body: fc.string({ maxLength: 8 }),
          }),
          { minLength: 10, maxLength: 30 },
        ),
        async (orgs, ops) => {
          await database().query('TRUNCATE app_notes');
          const handles = orgs.map((org) => scopedDb(db, scopeOf('user_x', org)));
          const model = orgs.map(() => new Map<string, string>());
          for (const step of ops) {
            const i = step.who % orgs.length;
            const handle = handles[i]!;
            const rows = model[i]!;
            if (step.op === 'insert') {
              const result = await handle
                .insert(notes, { id: step.id, body: step.body })
                .then(() => 'ok', code);
              expect(result).toBe(rows.has(step.id) ? 'CONFLICT' : 'ok');
              if (!rows.has(step.id)) rows.set(step.id, step.body);
            } else if (step.op === 'update') {
              const updated = await handle.update(
                notes,
                { body: step.body },
                eq(notes.id, step.id),
              );
              expect(updated.length).toBe(rows.has(step.id) ? 1 : 0);
              if (rows.has(step.id)) rows.set(step.id, step.body);
            } else if (step.op === 'delete') {
              const deleted = await handle.delete(notes, eq(notes.id, step.id));
              expect(deleted.length).toBe(rows.delete(step.id) ? 1 : 0);
            }
            const seen = await handle.select(notes);
            expect(seen.every((row) => row.tenantKey === handle.tenantKey)).toBe(true);
            expect(new Map(seen.map((row) => [row.id, row.body]))).toEqual(rows);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
