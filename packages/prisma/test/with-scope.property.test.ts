// withScope, property-tested: many tenants with hostile ids interleave creates, updates, moves,
// upserts, deletes and connects on the app's Project and Note models, naming each other's keys.
// Every answer matches a per-tenant model, no read sees another tenant's row, and the table as a
// whole (read around withScope) holds exactly what each tenant wrote in its own tenant.
import { createIdentity, orgPolicy, ScopedRagError } from '@scoped-rag/core';
import { hostileIdArb, RECORD_IDS } from '@scoped-rag/testing';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { withScope } from '../src/index.js';
import { appTablesSql } from './app-tables.ts';
import { describeDatabases } from './databases.ts';

const policy = orgPolicy();
const scopeOf = (orgId: string) =>
  policy.scopeFor(createIdentity({ userId: 'user_x', orgId, orgRole: 'org:member' }));

/** A typed error's code, Prisma's own code (P2002, P2025), or the message of anything else. */
const codeOf = (error: unknown) =>
  ScopedRagError.isInstance(error)
    ? error.code
    : typeof (error as { code?: unknown })?.code === 'string'
      ? (error as { code: string }).code
      : `unexpected: ${(error as Error)?.message}`;
const settle = async <T>(work: () => Promise<T>): Promise<{ ok: T } | { error: string }> => {
  try {
    return { ok: await work() };
  } catch (error) {
    return { error: codeOf(error) };
  }
};

const idArb = fc.constantFrom(...RECORD_IDS.slice(0, 8), ...RECORD_IDS.slice(10, 14));
const stepArb = fc.record({
  who: fc.nat(),
  /** Whose tenant key the step names where it names one (often not its own). */
  victim: fc.nat(),
  op: fc.constantFrom(
    'create',
    'createNamingTenant',
    'updateMany',
    'updateUnique',
    'move',
    'upsert',
    'delete',
    'addNote',
    'read',
  ),
  id: idArb,
  name: fc.string({ maxLength: 6 }).map((s) => s.replaceAll('\u0000', '')),
});

describeDatabases('withScope property', (database) => {
  beforeAll(async () => {
    await database().exec(appTablesSql());
  });

  it('interleaved operations of many tenants with hostile ids match a per-tenant model and never cross', async () => {
    const { prisma } = database();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(hostileIdArb, { minLength: 2, maxLength: 4 }),
        fc.array(stepArb, { minLength: 8, maxLength: 24 }),
        async (orgs, steps) => {
          await database().exec('TRUNCATE app_notes, app_tasks, app_projects');
          const scopes = orgs.map(scopeOf);
          const clients = scopes.map((scope) =>
            withScope(prisma, scope, { models: { Project: 'orgId', Note: 'tenantKey' } }),
          );
          const projects = orgs.map(() => new Map<string, string>());
          const notes = orgs.map(() => new Map<string, number>());
          for (const step of steps) {
            const me = step.who % orgs.length;
            const victim = step.victim % orgs.length;
            const db = clients[me]!;
            const mine = projects[me]!;
            const victimKey = scopes[victim]!.tenantKey;
            const has = mine.has(step.id);
            const data = { id: step.id, name: step.name, createdBy: 'user_x' };
            switch (step.op) {
              case 'create': {
                const got = await settle(() => db.project.create({ data: data as never }));
                expect(got).toMatchObject(has ? { error: 'P2002' } : { ok: { name: step.name } });
                if (!has) mine.set(step.id, step.name);
                break;
              }
              case 'createNamingTenant': {
                const got = await settle(() =>
                  db.project.create({ data: { ...data, orgId: victimKey } }),
                );
                if (victim !== me) expect(got).toEqual({ error: 'SCOPE_VIOLATION' });
                else {
                  expect(got).toMatchObject(has ? { error: 'P2002' } : { ok: { name: step.name } });
                  if (!has) mine.set(step.id, step.name);
                }
                break;
              }
              case 'updateMany': {
                const got = await db.project.updateMany({
                  where: { id: step.id, orgId: victimKey },
                  data: { name: step.name },
                });
                const hit = victim === me && has;
                expect(got.count).toBe(hit ? 1 : 0);
                if (hit) mine.set(step.id, step.name);
                break;
              }
              case 'updateUnique': {
                const got = await settle(() =>
                  db.project.update({
                    where: { orgId_id: { orgId: victimKey, id: step.id } },
                    data: { name: step.name },
                  }),
                );
                const hit = victim === me && has;
                expect(got).toMatchObject(hit ? { ok: { name: step.name } } : { error: 'P2025' });
                if (hit) mine.set(step.id, step.name);
                break;
              }
              case 'move': {
                const got = await settle(() =>
                  db.project.updateMany({ where: { id: step.id }, data: { orgId: victimKey } }),
                );
                expect(got).toEqual(
                  victim === me ? { ok: { count: has ? 1 : 0 } } : { error: 'SCOPE_VIOLATION' },
                );
                break;
              }
              case 'upsert': {
                const got = await settle(() =>
                  db.project.upsert({
                    where: { orgId_id: { orgId: victimKey, id: step.id } },
                    create: data as never,
                    update: { name: step.name },
                  }),
                );
                // Another tenant's key matches nothing here: the create runs, in this tenant.
                if (victim !== me && has) expect(got).toEqual({ error: 'P2002' });
                else {
                  expect(got).toMatchObject({ ok: { name: step.name } });
                  mine.set(step.id, step.name);
                }
                break;
              }
              case 'delete': {
                const got = await db.project.deleteMany({ where: { id: step.id } });
                expect(got.count).toBe(has ? 1 : 0);
                mine.delete(step.id);
                notes[me]!.delete(step.id); // ON DELETE CASCADE
                break;
              }
              case 'addNote': {
                const got = await settle(() =>
                  db.note.create({
                    data: {
                      body: step.name,
                      project: { connect: { orgId_id: { orgId: victimKey, id: step.id } } },
                    },
                  }),
                );
                const hit = victim === me && has;
                expect(got).toMatchObject(
                  hit ? { ok: { body: step.name } } : { error: 'SCOPE_VIOLATION' },
                );
                if (hit) notes[me]!.set(step.id, (notes[me]!.get(step.id) ?? 0) + 1);
                break;
              }
              case 'read':
                break;
            }
            const seen = await db.project.findMany({ include: { notes: true } });
            expect(seen.every((row) => row.orgId === scopes[me]!.tenantKey)).toBe(true);
            expect(new Map(seen.map((row) => [row.id, row.name]))).toEqual(mine);
            expect(
              new Map(
                seen.filter((row) => row.notes.length > 0).map((row) => [row.id, row.notes.length]),
              ),
            ).toEqual(notes[me]);
          }
          // Around withScope: the tables hold exactly what each tenant wrote, in its own tenant.
          const all = await prisma.project.findMany();
          const allNotes = await prisma.note.findMany();
          scopes.forEach((scope, i) => {
            const rows = all.filter((row) => row.orgId === scope.tenantKey);
            expect(new Map(rows.map((row) => [row.id, row.name]))).toEqual(projects[i]);
            const noteCount = [...notes[i]!.values()].reduce((a, b) => a + b, 0);
            expect(allNotes.filter((note) => note.tenantKey === scope.tenantKey).length).toBe(
              noteCount,
            );
          });
          expect(all.length).toBe(projects.reduce((n, map) => n + map.size, 0));
        },
      ),
      { numRuns: 25 },
    );
  });
});
