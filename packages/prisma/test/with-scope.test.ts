// withScope on the app's own models: every query stays in the scope's tenant, writes can't name or
// move to another tenant, and what it can't check (raw SQL, most nested writes, unknown models)
// is refused with typed errors.
import { createIdentity, orgPolicy, type Scope, ScopedRagError } from '@scoped-rag/core';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { withScope } from '../src/index.js';
import { appTablesSql } from './app-tables.ts';
import { describeDatabases } from './databases.ts';
import type { PrismaClient } from './generated/client/client.ts';

const policy = orgPolicy();
const scopeOf = (userId: string, orgId: string | null) =>
  policy.scopeFor(createIdentity({ userId, orgId, orgRole: orgId ? 'org:member' : null }));
const code = (error: unknown) =>
  ScopedRagError.isInstance(error)
    ? error.code
    : `${(error as Error)?.name}: ${(error as Error)?.message}`;
const outcome = (attempt: () => unknown) =>
  Promise.resolve()
    .then(attempt)
    .then(() => 'accepted', code);

const MODELS = { Project: 'orgId', Note: 'tenantKey', Task: 'tenantKey' } as const;
const scoped = (prisma: PrismaClient, scope: Scope) =>
  withScope(prisma, scope, { models: MODELS, sharedModels: ['Plan'] });

describeDatabases('withScope', (database) => {
  beforeAll(async () => {
    await database().exec(appTablesSql());
  });
  beforeEach(async () => {
    await database().exec('TRUNCATE app_notes, app_tasks, app_projects, app_plans');
  });

  const acmeScope = scopeOf('user_a', 'org_acme');
  const evilScope = scopeOf('user_e', 'org_evil');

  it('stamps, filters, updates and deletes within the tenant only', async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    const evil = scoped(prisma, evilScope);
    await acme.project.create({
      data: { id: 'p1', name: 'acme plan', createdBy: 'user_a' } as never,
    });
    await acme.project.createMany({
      data: [{ id: 'p2', name: 'acme memo', createdBy: 'user_a' }] as never,
    });
    await evil.project.create({
      data: { id: 'p1', name: 'evil plan', createdBy: 'user_e' } as never,
    });
    expect((await acme.project.findMany({ orderBy: { id: 'asc' } })).map((p) => p.name)).toEqual([
      'acme plan',
      'acme memo',
    ]);
    expect(await acme.project.count()).toBe(2);
    // Naming the other tenant in a unique where finds nothing.
    expect(
      await evil.project.findUnique({
        where: { orgId_id: { orgId: acmeScope.tenantKey, id: 'p2' } },
      }),
    ).toBeNull();
    expect(await evil.project.findFirst({ where: { id: 'p2' } })).toBeNull();
    expect(await evil.project.updateMany({ where: { id: 'p2' }, data: { name: 'pwned' } })).toEqual(
      { count: 0 },
    );
    expect(await evil.project.deleteMany({ where: { id: { in: ['p1', 'p2'] } } })).toEqual({
      count: 1,
    });
    expect(
      await outcome(() =>
        evil.project.update({
          where: { orgId_id: { orgId: acmeScope.tenantKey, id: 'p2' } },
          data: { name: 'pwned' },
        }),
      ),
    ).toMatch(/P2025|not found|No record/i);
    // Upsert on another tenant's key creates nothing there.
    await evil.project.upsert({
      where: { orgId_id: { orgId: evilScope.tenantKey, id: 'p2' } },
      create: { id: 'p2', name: 'evil p2', createdBy: 'user_e' } as never,
      update: { name: 'evil p2 again' },
    });
    const everything = await prisma.project.findMany({
      orderBy: [{ orgId: 'asc' }, { id: 'asc' }],
    });
    expect(everything.map((p) => [p.orgId, p.id, p.name])).toEqual(
      [
        [acmeScope.tenantKey, 'p1', 'acme plan'],
        [acmeScope.tenantKey, 'p2', 'acme memo'],
        [evilScope.tenantKey, 'p2', 'evil p2'],
      ].sort((a, b) => (a.join() < b.join() ? -1 : 1)),
    );
    // aggregate and groupBy see one tenant.
    expect((await acme.project.aggregate({ _count: { _all: true } }))._count._all).toBe(2);
    expect(await evil.project.groupBy({ by: ['orgId'], _count: { _all: true } })).toEqual([
      { orgId: evilScope.tenantKey, _count: { _all: 1 } },
    ]);
  });

  it('nested reads: to-many relations and counts are filtered, to-one rows of another tenant are a breach', async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    await acme.project.create({
      data: {
        id: 'p1',
        name: 'acme',
        createdBy: 'user_a',
        notes: { create: [{ body: 'n1' }] },
      } as never,
    });
    const withNotes = await acme.project.findMany({
      include: { notes: true, _count: { select: { notes: true } } },
    });
    expect(withNotes.map((p) => [p.notes.map((n) => n.body), p._count.notes])).toEqual([
      [['n1'], 1],
    ]);
    // A task whose relation does not include the tenant can point at another tenant's project
    // (written outside withScope); reading it through the relation is caught.
    await prisma.project.create({
      data: { orgId: evilScope.tenantKey, id: 'p9', name: 'evil secret', createdBy: 'user_e' },
    });
    await prisma.task.create({
      data: {
        tenantKey: acmeScope.tenantKey,
        title: 't',
        projectOrgId: evilScope.tenantKey,
        projectId: 'p9',
      },
    });
    expect(await outcome(() => acme.task.findMany({ include: { project: true } }))).toBe(
      'SCOPE_BREACH',
    );
    expect(
      await outcome(() =>
        acme.task.findMany({ select: { title: true, project: { select: { name: true } } } }),
      ),
    ).toBe('SCOPE_BREACH');
    expect(await acme.task.findMany({ select: { title: true } })).toEqual([{ title: 't' }]);
    // Relation filters only look at this tenant's rows: another tenant's project can't answer.
    expect(await acme.task.count({ where: { project: { name: 'evil secret' } } })).toBe(0);
    expect(await acme.task.count({ where: { project: { is: { name: 'evil secret' } } } })).toBe(0);
    expect(await acme.task.count({ where: { project: { isNot: null } } })).toBe(1);
    expect(await prisma.task.count({ where: { project: { name: 'evil secret' } } })).toBe(1);
  });

  it("orders by related rows only when their order can't depend on another tenant's rows", async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    await acme.project.create({
      data: {
        id: 'p1',
        name: 'b',
        createdBy: 'user_a',
        notes: { create: [{ body: 'x' }, { body: 'y' }] },
      } as never,
    });
    await acme.project.create({ data: { id: 'p2', name: 'a', createdBy: 'user_a' } as never });
    // Another tenant's tasks pointing at acme's p2 (Task's key leaves out its tenant column):
    // ordering acme's projects by their task count would rank by evil's rows.
    for (const title of ['e1', 'e2']) {
      await prisma.task.create({
        data: {
          tenantKey: evilScope.tenantKey,
          title,
          projectOrgId: acmeScope.tenantKey,
          projectId: 'p2',
        },
      });
    }
    expect(
      (await prisma.project.findMany({ orderBy: { tasks: { _count: 'desc' } } })).map((p) => p.id),
    ).toEqual(['p2', 'p1']);
    // Own fields, and a to-one relation whose key pairs the tenant columns (Note → Project).
    expect(
      (await acme.project.findMany({ orderBy: [{ name: 'asc' }, { createdAt: 'desc' }] })).map(
        (p) => p.id,
      ),
    ).toEqual(['p2', 'p1']);
    expect(
      (await acme.note.findMany({ orderBy: { project: { name: 'desc' } } })).map((n) => n.body),
    ).toEqual(['x', 'y']);
    // A count of related rows whose key pairs the tenant columns (Project → Note) counts only
    // this tenant's rows.
    expect(
      (await acme.project.findMany({ orderBy: { notes: { _count: 'desc' } } })).map((p) => p.id),
    ).toEqual(['p1', 'p2']);
    // A count of related rows, or a to-one relation, whose key leaves out the tenant column
    // (Project → Task, Task → Project) is refused at the top level and in includes.
    for (const attempt of [
      () => acme.project.findMany({ orderBy: { tasks: { _count: 'desc' } } }),
      () => acme.task.findMany({ orderBy: { project: { name: 'asc' } } }),
      () => acme.task.findFirst({ orderBy: [{ title: 'asc' }, { project: { name: 'asc' } }] }),
      () =>
        acme.project.findMany({ include: { tasks: { orderBy: { project: { name: 'asc' } } } } }),
      () => acme.note.findMany({ orderBy: { project: { tasks: { _count: 'asc' } } } }),
    ]) {
      expect(await outcome(attempt)).toBe('UNSUPPORTED');
    }
  });

  it('connects only rows of its own tenant; a composite relation takes the tenant from them', async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    const evil = scoped(prisma, evilScope);
    await acme.project.create({ data: { id: 'p1', name: 'acme', createdBy: 'user_a' } as never });
    await evil.project.create({ data: { id: 'p1', name: 'evil', createdBy: 'user_e' } as never });
    const note = await acme.note.create({
      data: {
        body: 'mine',
        project: { connect: { orgId_id: { orgId: acmeScope.tenantKey, id: 'p1' } } },
      },
    });
    expect(note.tenantKey).toBe(acmeScope.tenantKey);
    // Into another tenant's project: refused, nothing written.
    expect(
      await outcome(() =>
        acme.note.create({
          data: {
            body: 'sneaky',
            project: { connect: { orgId_id: { orgId: evilScope.tenantKey, id: 'p1' } } },
          },
        }),
      ),
    ).toBe('SCOPE_VIOLATION');
    expect(
      await outcome(() =>
        acme.task.create({
          data: {
            title: 'sneaky',
            project: { connect: { orgId_id: { orgId: evilScope.tenantKey, id: 'p1' } } },
          } as never,
        }),
      ),
    ).toBe('SCOPE_VIOLATION');
    // connectOrCreate on another tenant's key does not connect to it.
    await acme.task.create({
      data: {
        title: 'own',
        project: {
          connectOrCreate: {
            where: { orgId_id: { orgId: evilScope.tenantKey, id: 'p1' } },
            create: { orgId: acmeScope.tenantKey, id: 'p7', name: 'made', createdBy: 'user_a' },
          },
        },
      } as never,
    });
    // Nested creates take the tenant from the parent relation when it carries it (notes), and
    // get it stamped when it doesn't (tasks).
    await acme.project.create({
      data: {
        id: 'p8',
        name: 'nested',
        createdBy: 'user_a',
        notes: { create: [{ body: 'n' }] },
        tasks: { create: [{ title: 'nested task' }] },
      } as never,
    });
    expect(
      await prisma.note.findMany({ where: { projectId: 'p8' }, select: { tenantKey: true } }),
    ).toEqual([{ tenantKey: acmeScope.tenantKey }]);
    await prisma.task.deleteMany({ where: { title: 'nested task' } });
    const tasks = await prisma.task.findMany();
    expect(tasks.map((t) => [t.tenantKey, t.projectOrgId, t.projectId])).toEqual([
      [acmeScope.tenantKey, acmeScope.tenantKey, 'p7'],
    ]);
    expect(await prisma.note.count({ where: { tenantKey: evilScope.tenantKey } })).toBe(0);
  });

  it('refuses what would leave the tenant or what it cannot check, with typed errors', async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    await acme.project.create({ data: { id: 'p1', name: 'acme', createdBy: 'user_a' } as never });
    const evilKey = evilScope.tenantKey;
    const attempts: [string, () => unknown][] = [
      [
        'create in another tenant',
        () => acme.project.create({ data: { orgId: evilKey, id: 'x', name: 'n', createdBy: 'u' } }),
      ],
      [
        'createMany in another tenant',
        () => acme.note.createMany({ data: [{ tenantKey: evilKey, body: 'b' }] }),
      ],
      [
        'update moving a row',
        () => acme.project.updateMany({ where: { id: 'p1' }, data: { orgId: evilKey } }),
      ],
      [
        'update moving a row with set',
        () => acme.project.updateMany({ data: { orgId: { set: evilKey } } }),
      ],
      [
        'upsert creating in another tenant',
        () =>
          acme.project.upsert({
            where: { orgId_id: { orgId: evilKey, id: 'x' } },
            create: { orgId: evilKey, id: 'x', name: 'n', createdBy: 'u' },
            update: {},
          }),
      ],
      [
        'nested update',
        () =>
          acme.project.update({
            where: { orgId_id: { orgId: acmeScope.tenantKey, id: 'p1' } },
            data: { notes: { updateMany: { where: {}, data: { body: 'x' } } } },
          }),
      ],
      [
        'nested delete',
        () =>
          acme.project.update({
            where: { orgId_id: { orgId: acmeScope.tenantKey, id: 'p1' } },
            data: { notes: { deleteMany: {} } },
          }),
      ],
      ['$queryRaw', () => acme.$queryRaw`SELECT * FROM app_projects`],
      ['$executeRaw', () => acme.$executeRaw`DELETE FROM app_projects`],
      ['$queryRawUnsafe', () => acme.$queryRawUnsafe('SELECT * FROM app_projects')],
      ['$executeRawUnsafe', () => acme.$executeRawUnsafe('DELETE FROM app_projects')],
      [
        'raw SQL inside a scoped transaction',
        () => acme.$transaction(async (tx) => tx.$queryRaw`SELECT 1`),
      ],
      [
        'a model it was not told about',
        () => withScope(prisma, acmeScope, { models: MODELS }).plan.findMany(),
      ],
      ['_count of every relation', () => acme.project.findMany({ include: { _count: true } })],
      ['a forged scope', () => withScope(prisma, { ...acmeScope } as Scope, { models: MODELS })],
      ['a model that does not exist', () => withScope(prisma, acmeScope, { models: ['Nope'] })],
      [
        'a tenant field that does not exist',
        () => withScope(prisma, acmeScope, { models: { Project: 'tenantKey' } }),
      ],
    ];
    const codes: Record<string, string> = {};
    for (const [what, attempt] of attempts) codes[what] = await outcome(attempt);
    expect(codes).toEqual({
      'create in another tenant': 'SCOPE_VIOLATION',
      'createMany in another tenant': 'SCOPE_VIOLATION',
      'update moving a row': 'SCOPE_VIOLATION',
      'update moving a row with set': 'SCOPE_VIOLATION',
      'upsert creating in another tenant': 'SCOPE_VIOLATION',
      'nested update': 'UNSUPPORTED',
      'nested delete': 'UNSUPPORTED',
      $queryRaw: 'UNSUPPORTED',
      $executeRaw: 'UNSUPPORTED',
      $queryRawUnsafe: 'UNSUPPORTED',
      $executeRawUnsafe: 'UNSUPPORTED',
      'raw SQL inside a scoped transaction': 'UNSUPPORTED',
      'a model it was not told about': 'SCOPE_VIOLATION',
      '_count of every relation': 'UNSUPPORTED',
      'a forged scope': 'UNSCOPED_QUERY',
      'a model that does not exist': 'INVALID_INPUT',
      'a tenant field that does not exist': 'INVALID_INPUT',
    });
    const rows = await prisma.project.findMany();
    expect(rows.map((p) => [p.orgId, p.id])).toEqual([[acmeScope.tenantKey, 'p1']]);
    expect(await prisma.note.count()).toBe(0);
  });

  it('stays scoped inside interactive transactions; shared models are everyone’s', async () => {
    const { prisma } = database();
    const acme = scoped(prisma, acmeScope);
    const evil = scoped(prisma, evilScope);
    await evil.project.create({ data: { id: 'p1', name: 'evil', createdBy: 'user_e' } as never });
    const seen = await acme.$transaction(async (tx) => {
      await tx.project.create({ data: { id: 'p2', name: 'acme', createdBy: 'user_a' } as never });
      return tx.project.findMany();
    });
    expect(seen.map((p) => p.id)).toEqual(['p2']);
    // An app's own extensions compose: withScope wraps an extended client too.
    const extended = withScope(prisma.$extends({ name: 'app' }), acmeScope, { models: MODELS });
    expect((await extended.project.findMany()).map((p) => p.id)).toEqual(['p2']);
    await acme.plan.create({ data: { id: 'free', title: 'Free' } });
    expect(await evil.plan.findMany()).toEqual([{ id: 'free', title: 'Free' }]);
  });
});
