// The route handlers, called as Next.js calls them (`POST(request, { params })`), with session
// tokens signed by a local Clerk-shaped issuer and `auth()` authenticating each request with the
// real @clerk/backend (see clerk-auth.ts). The stores are the app's own, made by lib/services.ts
// from the environment: Drizzle and pgvector on an in-memory PGlite, and again on the PostgreSQL
// at DATABASE_URL when it is set (CI sets it), in a schema of their own.
import { randomBytes } from 'node:crypto';
import { type ClerkTestIssuer, createClerkTestIssuer } from '@scoped-rag/testing/clerk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_LLM_NOTE } from '../lib/answer';
import { closeServices } from '../lib/services';
import { handling } from './clerk-auth';

vi.mock('@clerk/nextjs/server', async () => {
  const { auth } = await import('./clerk-auth');
  return { auth };
});

const chat = await import('../app/api/chat/route');
const threads = await import('../app/api/threads/route');
const thread = await import('../app/api/threads/[id]/route');
const documents = await import('../app/api/documents/route');
const document = await import('../app/api/documents/[id]/route');

const ORIGIN = 'http://localhost:3000';
let issuer: ClerkTestIssuer;

beforeAll(async () => {
  issuer = await createClerkTestIssuer({
    frontendApi: 'clerk.example-nextjs.test',
    authorizedParty: ORIGIN,
  });
  vi.stubEnv('NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', issuer.publishableKey);
  vi.stubEnv('CLERK_SECRET_KEY', 'sk_test_offline');
  vi.stubEnv('CLERK_JWT_KEY', issuer.jwtKey);
  vi.stubEnv('APP_ORIGIN', ORIGIN);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

interface TestDatabase {
  readonly name: string;
  /** Points the app's configuration at a fresh, empty database. */
  open(): Promise<void>;
  close(): Promise<void>;
}

const pglite: TestDatabase = {
  name: 'PGlite',
  async open() {
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('PGLITE_DATA_DIR', 'memory://');
  },
  async close() {},
};

/** A schema of its own on the server, first on the search_path of every pooled connection. */
function postgres(url: string): TestDatabase {
  const schema = `nextjs_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'PostgreSQL',
    async open() {
      await admin(`CREATE SCHEMA "${schema}"`);
      const scoped = new URL(url);
      scoped.searchParams.set('options', `-c search_path=${schema},public`);
      vi.stubEnv('DATABASE_URL', scoped.toString());
      vi.stubEnv('PGLITE_DATA_DIR', '');
    },
    close: () => admin(`DROP SCHEMA "${schema}" CASCADE`),
  };
}

const DATABASES: readonly TestDatabase[] = [
  pglite,
  ...(process.env.DATABASE_URL ? [postgres(process.env.DATABASE_URL)] : []),
];

type Claims = Parameters<ClerkTestIssuer['sessionToken']>[0];
type Params = Record<string, string>;
type Handler<P extends Params> = (
  request: Request,
  context: { params: Promise<P> },
) => Promise<Response>;

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field.
  readonly body: any;
}

/** Calls a route handler as Next.js does: the request, and the dynamic segments as `params`. */
async function call<P extends Params>(
  handler: Handler<P>,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; params?: P } = {},
): Promise<Answer> {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const request = new Request(`${ORIGIN}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const response = await handling(request, () =>
    handler(request, { params: Promise.resolve(options.params ?? ({} as P)) }),
  );
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: await response.json() };
}

/** The API as one signed-in session (or, with `null`, signed out). */
function as(claims: Claims | null, headers: Record<string, string> = {}) {
  const withSession = async () =>
    claims === null
      ? headers
      : { ...headers, authorization: `Bearer ${await issuer.sessionToken(claims)}` };
  return {
    chat: async (body: unknown) =>
      call(chat.POST, 'POST', '/api/chat', { headers: await withSession(), body }),
    threads: async () => call(threads.GET, 'GET', '/api/threads', { headers: await withSession() }),
    thread: async (id: string) =>
      call(thread.GET, 'GET', `/api/threads/${id}`, {
        headers: await withSession(),
        params: { id },
      }),
    documents: async () =>
      call(documents.GET, 'GET', '/api/documents', { headers: await withSession() }),
    addDocument: async (body: unknown) =>
      call(documents.POST, 'POST', '/api/documents', { headers: await withSession(), body }),
    deleteDocument: async (id: string) =>
      call(document.DELETE, 'DELETE', `/api/documents/${id}`, {
        headers: await withSession(),
        params: { id },
      }),
  };
}

const aliceAcme: Claims = { userId: 'user_alice', orgId: 'org_acme', orgRole: 'admin' };
const bobAcme: Claims = { userId: 'user_bob', orgId: 'org_acme', orgRole: 'member' };
const bobGlobex: Claims = { userId: 'user_bob', orgId: 'org_globex', orgRole: 'admin' };
const alicePersonal: Claims = { userId: 'user_alice' };

const VACATION = {
  title: 'Acme vacation policy',
  text: 'Every Acme employee gets 25 days of paid vacation per year. Unused vacation days carry over to the next year.',
  visibility: 'org',
};
const SALARIES = {
  title: 'Acme salary review notes',
  text: 'Private notes for the salary review of the Acme engineering team: raises of four percent.',
  visibility: 'private',
};
const DIARY = {
  title: "Alice's diary",
  text: 'My own notes about vacation plans: a week of hiking in the Alps in July.',
};

const titles = (answer: Answer) =>
  answer.body.items.map((doc: { title: string }) => doc.title).sort();

describe.each(DATABASES)('on $name', (database) => {
  beforeAll(() => database.open());
  afterAll(async () => {
    await closeServices();
    await database.close();
  });

  describe('signed out', () => {
    const everyRoute = (api: ReturnType<typeof as>) => [
      api.chat({ question: 'vacation?' }),
      api.threads(),
      api.thread('thread_1'),
      api.documents(),
      api.addDocument(VACATION),
      api.deleteDocument('doc_1'),
    ];

    it('answers 401 UNAUTHENTICATED on every route without a session', async () => {
      for (const answer of await Promise.all(everyRoute(as(null)))) {
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('UNAUTHENTICATED');
        expect(answer.body.message).toMatch(/signed out/);
      }
    });

    it('answers 401 for forged, expired, unsigned, foreign-site and foreign-issuer tokens', async () => {
      const valid = await issuer.sessionToken(aliceAcme);
      const [header, payload, signature] = valid.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const tokens = {
        tampered: `${header}.${encode({ ...claims, o: { ...claims.o, id: 'org_globex' } })}.${signature}`,
        'alg none': `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        expired: await issuer.sessionToken({
          ...aliceAcme,
          issuedAt: now - 600,
          expiresInSeconds: 60,
        }),
        'another site (azp)': await issuer.sessionToken({
          ...aliceAcme,
          claims: { azp: 'https://evil.example' },
        }),
        'another Clerk instance (iss)': await issuer.sessionToken({
          ...aliceAcme,
          claims: { iss: 'https://clerk.evil.example' },
        }),
        'another key': await (
          await createClerkTestIssuer({ authorizedParty: ORIGIN })
        ).sessionToken(aliceAcme),
      };
      for (const [what, token] of Object.entries(tokens)) {
        const api = as(null, { authorization: `Bearer ${token}` });
        for (const answer of await Promise.all(everyRoute(api))) {
          expect({ what, status: answer.status, code: answer.body.code }).toEqual({
            what,
            status: 401,
            code: 'UNAUTHENTICATED',
          });
        }
      }
      // The foreign issuer passes Clerk's own checks; the resolver is what refuses it.
      const foreign = await as(null, {
        authorization: `Bearer ${tokens['another Clerk instance (iss)']}`,
      }).documents();
      expect(foreign.body.details.reason).toBe('token-invalid-issuer');
    });
  });

  describe('documents', () => {
    it('shows an organization document to its members only, and a private one to its owner only', async () => {
      const created = await as(aliceAcme).addDocument(VACATION);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: 'created',
        document: {
          title: VACATION.title,
          visibility: 'org',
          state: 'indexed',
          ownerId: 'user_alice',
        },
      });
      expect((await as(aliceAcme).addDocument(SALARIES)).status).toBe(201);

      expect(titles(await as(aliceAcme).documents())).toEqual([SALARIES.title, VACATION.title]);
      expect(titles(await as(bobAcme).documents())).toEqual([VACATION.title]);
      expect(titles(await as(bobGlobex).documents())).toEqual([]);
      expect(titles(await as(alicePersonal).documents())).toEqual([]);
    });

    it('ids are per workspace: re-posting an id replaces or keeps that workspace’s document only', async () => {
      const handbook = {
        id: 'handbook',
        title: 'Acme handbook',
        text: 'Acme opens at nine.',
        visibility: 'org',
      };
      expect((await as(aliceAcme).addDocument(handbook)).status).toBe(201);
      const again = await as(aliceAcme).addDocument(handbook);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('unchanged');
      expect(again.body.embedded).toBe(0);
      // Globex choosing the same id makes its own document; Acme's is untouched.
      const globex = await as(bobGlobex).addDocument({
        ...handbook,
        title: 'Globex handbook',
        text: 'Globex opens at ten.',
      });
      expect(globex.status).toBe(201);
      expect(globex.body.status).toBe('created');
      const acmeChat = await as(bobAcme).chat({ question: 'When does it open?' });
      expect(JSON.stringify(acmeChat.body.retrieval)).toContain('Acme opens at nine.');
      expect(JSON.stringify(acmeChat.body.retrieval)).not.toContain('Globex');
      // Replacing it in Acme replaces Acme's only.
      const replaced = await as(aliceAcme).addDocument({
        ...handbook,
        text: 'Acme opens at eight.',
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.status).toBe('replaced');
      const globexChat = await as(bobGlobex).chat({ question: 'When does it open?' });
      expect(JSON.stringify(globexChat.body.retrieval)).toContain('Globex opens at ten.');
      expect(JSON.stringify(globexChat.body.retrieval)).not.toContain('Acme');
      expect((await as(aliceAcme).deleteDocument('handbook')).status).toBe(200);
      expect((await as(bobGlobex).deleteDocument('handbook')).status).toBe(200);
    });

    it('switching the organization in the session switches the data', async () => {
      expect((await as(alicePersonal).addDocument(DIARY)).status).toBe(201);
      expect(titles(await as(alicePersonal).documents())).toEqual([DIARY.title]);
      expect(titles(await as(aliceAcme).documents())).toEqual([SALARIES.title, VACATION.title]);
      // Same user, another organization: nothing of Acme, nothing personal.
      const aliceGlobex = { userId: 'user_alice', orgId: 'org_globex', orgRole: 'member' };
      expect(titles(await as(aliceGlobex).documents())).toEqual([]);
      // Bob's personal workspace is not Alice's.
      expect(titles(await as({ userId: 'user_bob' }).documents())).toEqual([]);
    });
  });

  describe('chat', () => {
    it('answers from the caller’s workspace only, and never cites what the caller may not read', async () => {
      const question = { question: 'How many days of paid vacation per year?' };

      const acme = await as(bobAcme).chat(question);
      expect(acme.status).toBe(201);
      expect(acme.body.retrieval.chunks[0].document.title).toBe(VACATION.title);
      expect(acme.body.retrieval.chunks[0].text).toContain('25 days of paid vacation');
      const [user, assistant] = acme.body.messages;
      expect(user).toMatchObject({ role: 'user', content: question.question });
      expect(assistant.role).toBe('assistant');
      expect(assistant.content).toContain(NO_LLM_NOTE);
      expect(assistant.content).toContain('25 days of paid vacation');
      // Alice's private salary notes are in Acme, but not Bob's to read.
      const bobSalary = await as(bobAcme).chat({
        question: 'salary review raises engineering team',
      });
      expect(JSON.stringify(bobSalary.body)).not.toContain('four percent');
      const aliceSalary = await as(aliceAcme).chat({
        question: 'salary review raises engineering team',
      });
      expect(JSON.stringify(aliceSalary.body.retrieval)).toContain('four percent');

      for (const outsider of [bobGlobex, { userId: 'user_bob' }, alicePersonal]) {
        const answer = await as(outsider).chat(question);
        expect(answer.status).toBe(201);
        const cited = JSON.stringify(answer.body);
        expect(cited).not.toContain('25 days');
        expect(cited).not.toContain('four percent');
        expect(
          answer.body.retrieval.chunks.every(
            (chunk: { document: { title: string } }) => chunk.document.title !== VACATION.title,
          ),
        ).toBe(true);
      }
    });

    it('keeps threads per user: another member of the same organization cannot list, read or continue them', async () => {
      const first = await as(aliceAcme).chat({ question: 'Do unused vacation days carry over?' });
      expect(first.status).toBe(201);
      const threadId: string = first.body.thread.id;
      expect(first.body.thread.title).toBe('Do unused vacation days carry over?');

      const next = await as(aliceAcme).chat({ question: 'And how many days are there?', threadId });
      expect(next.status).toBe(200);
      expect(next.body.thread.id).toBe(threadId);

      const read = await as(aliceAcme).thread(threadId);
      expect(read.status).toBe(200);
      expect(read.body.messages.map((m: { role: string }) => m.role)).toEqual([
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
      expect(read.body.messages[2].content).toBe('And how many days are there?');
      const aliceThreads = (await as(aliceAcme).threads()).body.items.map(
        (t: { id: string }) => t.id,
      );
      expect(aliceThreads).toContain(threadId);

      // Bob is in Acme too: Alice's thread is not his.
      const bobThreads = (await as(bobAcme).threads()).body.items.map((t: { id: string }) => t.id);
      expect(bobThreads).not.toContain(threadId);
      for (const intruder of [bobAcme, bobGlobex, alicePersonal]) {
        const peek = await as(intruder).thread(threadId);
        expect(peek.status).toBe(404);
        expect(peek.body.code).toBe('NOT_FOUND');
        const hijack = await as(intruder).chat({ question: 'hello', threadId });
        expect(hijack.status).toBe(404);
        expect(hijack.body.code).toBe('NOT_FOUND');
      }
      // Nothing was appended by the refused attempts.
      expect((await as(aliceAcme).thread(threadId)).body.messages).toHaveLength(4);
      // The same user in another workspace has other threads.
      const personal = (await as(alicePersonal).threads()).body.items.map(
        (t: { id: string }) => t.id,
      );
      expect(personal).not.toContain(threadId);
    });
  });

  describe('bad input', () => {
    it('answers 400 INVALID_INPUT naming what to fix', async () => {
      const api = as(aliceAcme);
      const cases: [Promise<Answer>, RegExp][] = [
        [api.chat({}), /"question"/],
        [api.chat({ question: '   ' }), /"question" must not be empty/],
        [api.chat({ question: 'hi', tenant: 'org_globex' }), /unrecognized key/i],
        [api.chat({ question: 'hi', threadId: '' }), /"threadId"/],
        [api.chat('{"question": '), /not valid JSON/],
        [api.addDocument({ title: 'x', text: 'y', visibility: 'public' }), /"visibility"/],
        [api.addDocument({ title: '', text: 'y' }), /"title" must not be empty/],
        [
          api.addDocument({ title: 'x', text: 'y', metadata: { tenant: 'org_globex' } }),
          /unrecognized key/i,
        ],
        [
          call(documents.POST, 'POST', '/api/documents', {
            headers: {
              authorization: `Bearer ${await issuer.sessionToken(aliceAcme)}`,
              'content-type': 'text/plain',
            },
            body: JSON.stringify({ title: 'x', text: 'y' }),
          }),
          /as JSON/,
        ],
        [api.addDocument({ title: 'big', text: 'x'.repeat(1_100_000) }), /larger than 1 MB/],
      ];
      for (const [answer, message] of cases) {
        const { status, body } = await answer;
        expect({ status, code: body.code }).toEqual({ status: 400, code: 'INVALID_INPUT' });
        expect(body.message).toMatch(message);
      }
    });
  });

  describe('deleting', () => {
    it('deletes a document, its chunks and vectors; another tenant deleting its id gets 404 and changes nothing', async () => {
      const created = await as(aliceAcme).addDocument({
        title: 'Acme parking rules',
        text: 'Visitors park on level two of the Acme garage; employees on levels three to five.',
        visibility: 'org',
      });
      const id: string = created.body.document.id;

      for (const outsider of [bobGlobex, alicePersonal, { userId: 'user_mallory' }]) {
        const attempt = await as(outsider).deleteDocument(id);
        expect(attempt.status).toBe(404);
        expect(attempt.body.code).toBe('NOT_FOUND');
      }
      const question = { question: 'Where do visitors park in the garage?' };
      expect(JSON.stringify((await as(bobAcme).chat(question)).body.retrieval)).toContain(
        'level two',
      );

      const deleted = await as(aliceAcme).deleteDocument(id);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ deleted: true, verified: true });
      expect(deleted.body.vectors).toBeGreaterThan(0);
      expect(titles(await as(aliceAcme).documents())).not.toContain('Acme parking rules');
      expect(JSON.stringify((await as(bobAcme).chat(question)).body.retrieval)).not.toContain(
        'level two',
      );

      const again = await as(aliceAcme).deleteDocument(id);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('NOT_FOUND');
    });
  });

  describe('configuration', () => {
    it('answers 500 CONFIG_INVALID naming the missing variable when Clerk is half-configured', async () => {
      vi.stubEnv('CLERK_JWT_KEY', '');
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const answer = await as(aliceAcme).documents();
        expect(answer.status).toBe(500);
        expect(answer.body.code).toBe('CONFIG_INVALID');
        expect(answer.body.message).toMatch(/CLERK_JWT_KEY is not/);
        expect(answer.body.message).not.toContain('sk_test_offline');
        expect(log).toHaveBeenCalledWith(answer.body.message);
      } finally {
        log.mockRestore();
        vi.stubEnv('CLERK_JWT_KEY', issuer.jwtKey);
      }
      expect((await as(aliceAcme).documents()).status).toBe(200);
    });
  });
});
