// app/api/projects/route.ts: a Next.js route handler with Clerk and Prisma. Clerk's middleware
// (proxy.ts) verified the session; auth() hands its claims to the scoped-rag resolver, the policy
// turns the identity into a Scope, and withScope keeps every query inside that tenant, so a
// forgotten `where: { orgId }` can't show one organization another's projects.
import { auth } from '@clerk/nextjs/server';
import { createClerkIdentityResolver } from '@scoped-rag/clerk';
import { orgPolicy, ScopedRagError, toHttpStatus } from '@scoped-rag/core';
import { withScope } from '@scoped-rag/prisma';
import { prisma } from './db.js';

// Prisma Client needs the Node.js runtime; the edge middleware only runs Clerk.
export const runtime = 'nodejs';

const identities = createClerkIdentityResolver({
  jwtKey: process.env.CLERK_JWT_KEY ?? '',
  authorizedParties: [process.env.APP_ORIGIN ?? 'http://localhost:3000'],
});
const policy = orgPolicy();

/** The caller's view of the database: no session, no Scope, no query. */
async function scopedDb() {
  const identity = await identities.resolve(await auth());
  const scope = policy.scopeFor(identity);
  const db = withScope(prisma, scope, { models: { Project: 'orgId', Note: 'tenantKey' } });
  return { db, scope };
}

/** scoped-rag errors become their HTTP status (401, 403, 400, …); a taken id 409; the rest 500. */
function failure(error: unknown): Response {
  if (ScopedRagError.isInstance(error)) {
    const status = toHttpStatus(error);
    return Response.json({ code: error.code, message: error.message }, { status });
  }
  if ((error as { code?: unknown })?.code === 'P2002') {
    return Response.json({ message: 'A project with this id exists.' }, { status: 409 });
  }
  throw error;
}

export async function GET(): Promise<Response> {
  try {
    const { db } = await scopedDb();
    const projects = await db.project.findMany({ orderBy: { createdAt: 'desc' }, take: 50 });
    return Response.json(projects);
  } catch (error) {
    return failure(error);
  }
}

export async function POST(request: Request): Promise<Response> {
  try {
    const { db, scope } = await scopedDb();
    const body = (await request.json()) as { id?: unknown; name?: unknown };
    if (typeof body.id !== 'string' || typeof body.name !== 'string') {
      return Response.json({ message: 'Send { id, name } as strings.' }, { status: 400 });
    }
    // orgId is the scope's tenant key: withScope would stamp it anyway, and refuses any other.
    const project = await db.project.create({
      data: { orgId: scope.tenantKey, id: body.id, name: body.name, createdBy: scope.userId },
    });
    return Response.json(project, { status: 201 });
  } catch (error) {
    return failure(error);
  }
}
