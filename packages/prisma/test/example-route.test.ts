// examples/next-route-handler.ts, run as Next.js would call it (GET/POST with a Request), with
// Clerk's auth() mocked to return a signed-in session's auth object and the harness's database
// behind examples/db.ts: each organization sees and creates only its own projects.
import { createClerkTestIssuer } from '@scoped-rag/testing';
import { beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { appTablesSql } from './app-tables.ts';
import { describeDatabases } from './databases.ts';
import type { PrismaClient } from './generated/client/client.ts';

const session = vi.hoisted(() => ({
  auth: null as null | { userId: string | null; sessionClaims: Record<string, unknown> | null },
  prisma: undefined as unknown,
}));
vi.mock('@clerk/nextjs/server', () => ({ auth: async () => session.auth }));
// Read on every use: each database leg of the suite puts its own client there.
vi.mock('../examples/db.js', () => ({
  get prisma() {
    return session.prisma;
  },
}));

/** The auth object auth() returns for a signed-in user (v2 session claims). */
const signedIn = (userId: string, orgId: string | null) => ({
  userId,
  sessionClaims: {
    sub: userId,
    sid: `sess_${userId}`,
    // The origin the browser session was minted for: the example's resolver requires it.
    azp: 'http://localhost:3000',
    v: 2,
    ...(orgId ? { o: { id: orgId, rol: 'member', slg: orgId } } : {}),
  },
});

type Route = typeof import('../examples/next-route-handler.ts');

describeDatabases('the Next.js route handler example', (database) => {
  let route: Route;
  beforeAll(async () => {
    await database().exec(appTablesSql());
    process.env.CLERK_JWT_KEY = (await createClerkTestIssuer()).jwtKey;
    session.prisma = database().prisma satisfies PrismaClient;
    route = await import('../examples/next-route-handler.ts');
  });
  beforeEach(async () => {
    await database().exec('TRUNCATE app_notes, app_tasks, app_projects');
  });

  const post = (body: unknown) =>
    route.POST(
      new Request('http://localhost:3000/api/projects', {
        method: 'POST',
        body: JSON.stringify(body),
      }),
    );

  it('creates and lists projects of the caller’s organization only', async () => {
    session.auth = signedIn('user_alice', 'org_acme');
    expect((await post({ id: 'p1', name: 'Roadmap' })).status).toBe(201);
    session.auth = signedIn('user_eve', 'org_evil');
    expect((await post({ id: 'p1', name: 'Evil roadmap' })).status).toBe(201);
    const evil = (await (await route.GET()).json()) as { name: string; orgId: string }[];
    expect(evil.map((p) => p.name)).toEqual(['Evil roadmap']);
    session.auth = signedIn('user_bob', 'org_acme');
    const acme = (await (await route.GET()).json()) as { name: string; createdBy: string }[];
    expect(acme.map((p) => [p.name, p.createdBy])).toEqual([['Roadmap', 'user_alice']]);
    // A personal workspace is a tenant of its own, even for a user id that looks like an org id.
    session.auth = signedIn('org_acme', null);
    expect(await (await route.GET()).json()).toEqual([]);
  });

  it('answers 401 without a session, 400 for a bad body, 409 for a taken id', async () => {
    session.auth = { userId: null, sessionClaims: null };
    const anonymous = await route.GET();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    session.auth = signedIn('user_alice', 'org_acme');
    expect((await post({ id: 7 })).status).toBe(400);
    expect((await post({ id: 'p1', name: 'a' })).status).toBe(201);
    expect((await post({ id: 'p1', name: 'again' })).status).toBe(409);
    // Another organization may use the same id.
    session.auth = signedIn('user_eve', 'org_evil');
    expect((await post({ id: 'p1', name: 'theirs' })).status).toBe(201);
  });
});
