// The home page: a server component showing who the session says you are and which workspace
// (tenant) the API will scope you to, and the API itself. No Clerk UI components: they load
// clerk-js from Clerk's CDN at run time; sign in with your Clerk app and call the API with the
// session token.
import { auth } from '@clerk/nextjs/server';
import { orgPolicy, ScopedRagError } from '@scoped-rag/core';
import { connection } from 'next/server';
import { ConfigError, currentConfig } from '../lib/config';
import { identityResolver } from '../lib/identity';

async function whoAmI(): Promise<
  | { readonly kind: 'signed-in'; readonly userId: string; readonly tenant: string }
  | { readonly kind: 'signed-out'; readonly reason: string }
  | { readonly kind: 'misconfigured'; readonly message: string }
> {
  try {
    currentConfig();
  } catch (error) {
    if (error instanceof ConfigError) return { kind: 'misconfigured', message: error.message };
    throw error;
  }
  try {
    const scope = orgPolicy().scopeFor(await identityResolver().resolve(await auth()));
    const tenant = scope.isPersonal
      ? `your personal workspace (${scope.userId})`
      : `organization ${scope.tenant.id}${scope.orgRole ? ` as ${scope.orgRole}` : ''}`;
    return { kind: 'signed-in', userId: scope.userId, tenant };
  } catch (error) {
    if (ScopedRagError.hasCode(error, 'UNAUTHENTICATED')) {
      return { kind: 'signed-out', reason: error.message };
    }
    throw error;
  }
}

const ROUTES: readonly (readonly [string, string])[] = [
  [
    'POST /api/chat',
    '{ question, threadId? }: retrieval in your workspace, appended to your thread',
  ],
  ['GET /api/threads', 'your threads in this workspace'],
  ['GET /api/threads/:id', 'one of your threads with its messages'],
  ['GET /api/documents', 'the documents you may read in this workspace'],
  ['POST /api/documents', '{ title, text, visibility?, source? }: index a document'],
  ['DELETE /api/documents/:id', 'delete a document you may delete'],
];

export default async function Home() {
  // Rendered per request: the configuration and the session exist only then, never at build.
  await connection();
  const me = await whoAmI();
  return (
    <main>
      <h1>scoped-rag on Next.js</h1>
      {me.kind === 'signed-in' && (
        <p>
          Signed in as <code>{me.userId}</code>. The API scopes every request to {me.tenant}.
        </p>
      )}
      {me.kind === 'signed-out' && (
        <p>
          Signed out ({me.reason}). Every API route answers 401 until a Clerk session comes with the
          request.
        </p>
      )}
      {me.kind === 'misconfigured' && (
        <p>
          <strong>Not configured:</strong> {me.message}
        </p>
      )}
      <h2>API</h2>
      <p>
        Send the Clerk session token as <code>Authorization: Bearer …</code> (or the{' '}
        <code>__session</code> cookie). The workspace is the session&apos;s active organization, or
        your personal workspace without one; nothing in a request body can change it.
      </p>
      <ul>
        {ROUTES.map(([route, what]) => (
          <li key={route}>
            <code>{route}</code>: {what}
          </li>
        ))}
      </ul>
    </main>
  );
}
