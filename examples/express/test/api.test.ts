// The JSON API over HTTP, on the embedded defaults: each development identity sees only its own
// tenant, errors keep scoped-rag's codes and messages, and erasure is for admins.
import { BackendUnavailableError, InvalidInputError } from '@scoped-rag/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_LLM_NOTE } from '../src/answer.js';
import { errorResponse } from '../src/app.js';
import { type DemoServer, startDemo } from './demo-server.js';

const HANDBOOK = {
  title: 'Acme vacation policy',
  text: 'Every Acme employee gets 25 days of paid vacation per year. Unused vacation days carry over to the next year.',
  visibility: 'org',
};
const SALARIES = {
  title: 'Acme salary review notes',
  text: 'Private notes for the salary review of the Acme engineering team: raises of four percent.',
  visibility: 'private',
};

let demo: DemoServer;

beforeAll(async () => {
  demo = await startDemo();
});
afterAll(async () => {
  await demo.close();
});
afterEach(async () => {
  expect(demo.serverErrors).toEqual([]);
  // Every test starts from empty workspaces (erasing is allowed for each admin and in personal ones).
  for (const identity of ['alice-acme', 'bob-globex', 'alice-personal', 'bob-personal']) {
    expect((await demo.as(identity).post('/api/tenant/erase')).status).toBe(200);
  }
});

const titles = (answer: { body: { items: { title: string }[] } }) =>
  answer.body.items.map((doc) => doc.title).sort();

describe('GET /api/config', () => {
  it('lists the development identities and the embedded services', async () => {
    const { status, body } = await demo.withHeaders({}).get('/api/config');
    expect(status).toBe(200);
    expect(body.services).toMatchObject({
      identity: 'development',
      vectors: 'memory',
      database: 'memory',
    });
    expect(body.services.embedder).toMatch(/^local\//);
    expect(body.devIdentities.map((identity: { key: string }) => identity.key)).toEqual([
      'alice-acme',
      'alice-personal',
      'bob-globex',
      'bob-acme',
      'bob-personal',
    ]);
  });
});

describe('signing in', () => {
  it('answers 401 UNAUTHENTICATED without a session', async () => {
    const { status, body } = await demo.withHeaders({}).get('/api/documents');
    expect(status).toBe(401);
    expect(body.code).toBe('UNAUTHENTICATED');
    expect(body.message).toMatch(/no Clerk session/);
  });

  it('answers 401 for a forged token', async () => {
    const token = (await demo.withHeaders({}).post('/api/dev/session', { identity: 'bob-acme' }))
      .body.token as string;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, o: { ...claims.o, rol: 'admin' } })).toString('base64url')}.${signature}`;
    const { status, body } = await demo
      .withHeaders({ authorization: `Bearer ${forged}` })
      .post('/api/tenant/erase');
    expect(status).toBe(401);
    expect(body.code).toBe('UNAUTHENTICATED');
    expect(body.details.reason).toBe('token-invalid-signature');
  });

  it('accepts the session in the __session cookie, as Clerk sets it', async () => {
    const { token } = (
      await demo.withHeaders({}).post('/api/dev/session', { identity: 'bob-acme' })
    ).body;
    const cookie = `__session=${token}; __client_uat=${Math.floor(Date.now() / 1000) - 5}`;
    const { status, body } = await demo.withHeaders({ cookie }).get('/api/me');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      userId: 'user_bob',
      tenant: { kind: 'org', id: 'org_acme' },
      orgRole: 'org:member',
      canErase: false,
    });
  });

  it('maps each development identity to its tenant', async () => {
    const me = async (identity: string) => (await demo.as(identity).get('/api/me')).body;
    expect(await me('alice-acme')).toMatchObject({
      userId: 'user_alice',
      tenant: { kind: 'org', id: 'org_acme' },
      orgRole: 'org:admin',
      canErase: true,
      defaultVisibility: 'org',
    });
    expect(await me('alice-personal')).toMatchObject({
      userId: 'user_alice',
      tenant: { kind: 'user', id: 'user_alice' },
      isPersonal: true,
      defaultVisibility: 'private',
    });
    expect((await me('bob-globex')).tenant).toEqual({ kind: 'org', id: 'org_globex' });
  });

  it('refuses to mint a session for an unknown identity', async () => {
    const { status, body } = await demo
      .withHeaders({})
      .post('/api/dev/session', { identity: 'mallory' });
    expect(status).toBe(400);
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.message).toMatch(/Unknown development identity "mallory"/);
  });
});

describe('documents and search', () => {
  it('shows an organization document to its members only, never to another organization', async () => {
    const created = await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'created',
      document: {
        title: HANDBOOK.title,
        visibility: 'org',
        state: 'indexed',
        ownerId: 'user_alice',
      },
    });
    expect(created.body.document.chunkCount).toBeGreaterThan(0);

    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([HANDBOOK.title]);
    expect(titles(await demo.as('bob-acme').get('/api/documents'))).toEqual([HANDBOOK.title]);
    expect(titles(await demo.as('bob-globex').get('/api/documents'))).toEqual([]);
    expect(titles(await demo.as('alice-personal').get('/api/documents'))).toEqual([]);

    const question = { query: 'How many days of paid vacation per year?' };
    const acme = await demo.as('bob-acme').post('/api/search', question);
    expect(acme.status).toBe(200);
    expect(acme.body.chunks[0].document.title).toBe(HANDBOOK.title);
    expect(acme.body.chunks[0].text).toContain('25 days of paid vacation');
    expect(acme.body.chunks[0].score).toBeGreaterThan(0);

    const globex = await demo.as('bob-globex').post('/api/search', question);
    expect(globex.status).toBe(200);
    expect(globex.body.chunks).toEqual([]);
    expect(globex.body.shortfall).toMatchObject({ requested: 5, returned: 0, reason: 'exhausted' });
  });

  it("hides a member's private document from the other members", async () => {
    await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    const created = await demo.as('alice-acme').post('/api/documents', SALARIES);
    expect(created.status).toBe(201);
    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([
      SALARIES.title,
      HANDBOOK.title,
    ]);
    expect(titles(await demo.as('bob-acme').get('/api/documents'))).toEqual([HANDBOOK.title]);

    const query = { query: 'salary review raises engineering team', topK: 10 };
    const owner = await demo.as('alice-acme').post('/api/search', query);
    expect(
      owner.body.chunks.map((c: { document: { title: string } }) => c.document.title),
    ).toContain(SALARIES.title);
    const colleague = await demo.as('bob-acme').post('/api/search', query);
    expect(
      colleague.body.chunks.map((c: { document: { title: string } }) => c.document.title),
    ).not.toContain(SALARIES.title);
    expect(JSON.stringify(colleague.body)).not.toContain('four percent');
  });

  it('answers 400 INVALID_INPUT for empty text, a missing title, bad JSON and unknown fields', async () => {
    const alice = demo.as('alice-acme');
    const empty = await alice.post('/api/documents', { title: 'Empty', text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'INVALID_INPUT', details: { path: 'text' } });
    expect(empty.body.message).toMatch(/"text" must not be empty/);

    const untitled = await alice.post('/api/documents', { title: '', text: 'Some text.' });
    expect(untitled.status).toBe(400);
    expect(untitled.body.message).toMatch(/"title" must not be empty/);

    const badJson = await alice.post('/api/documents', '{"title": "x", ');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual({
      code: 'INVALID_INPUT',
      message: 'The request body is not valid JSON.',
    });

    const smuggled = await alice.post('/api/documents', { ...HANDBOOK, tenantId: 'org_globex' });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.message).toMatch(/tenantId/);

    const blankQuery = await alice.post('/api/search', { query: '' });
    expect(blankQuery.status).toBe(400);
    expect(blankQuery.body.message).toMatch(/"query" must not be empty/);
    expect(titles(await alice.get('/api/documents'))).toEqual([]);
  });

  it('answers 403 SCOPE_VIOLATION for an org-visible document in a personal workspace', async () => {
    const { status, body } = await demo.as('alice-personal').post('/api/documents', HANDBOOK);
    expect(status).toBe(403);
    expect(body.code).toBe('SCOPE_VIOLATION');
    expect(body.message).toMatch(/personal workspace/);
  });

  it('keeps a personal workspace apart from the organizations of the same user', async () => {
    const note = { title: 'Alice trip plans', text: 'Hiking in the Alps for ten days in June.' };
    expect((await demo.as('alice-personal').post('/api/documents', note)).status).toBe(201);
    expect(titles(await demo.as('alice-personal').get('/api/documents'))).toEqual([note.title]);
    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([]);
    expect(titles(await demo.as('bob-personal').get('/api/documents'))).toEqual([]);
  });

  it('deletes a document for those who may, and answers 404 to other tenants', async () => {
    const { body } = await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    const path = `/api/documents/${encodeURIComponent(body.document.id)}`;
    const foreign = await demo.as('bob-globex').delete(path);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([HANDBOOK.title]);

    const deleted = await demo.as('alice-acme').delete(path);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ deleted: true, verified: true });
    expect(deleted.body.vectors).toBe(body.document.chunkCount);
    expect(titles(await demo.as('bob-acme').get('/api/documents'))).toEqual([]);
  });
});

describe('chat threads', () => {
  it('lists threads per user and answers with the retrieved context and its sources', async () => {
    await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    const thread = await demo.as('alice-acme').post('/api/threads', {});
    expect(thread.status).toBe(201);
    const path = `/api/threads/${encodeURIComponent(thread.body.id)}/messages`;

    const sent = await demo.as('alice-acme').post(path, { content: 'How many vacation days?' });
    expect(sent.status).toBe(201);
    const [question, reply] = sent.body.messages;
    expect(question).toMatchObject({ role: 'user', content: 'How many vacation days?', seq: 1 });
    expect(reply.role).toBe('assistant');
    expect(reply.content).toContain(NO_LLM_NOTE);
    expect(reply.content).toMatch(/\[1\] Acme vacation policy \(document .+, chunk 0, score/);
    expect(reply.content).toContain('25 days of paid vacation');
    expect(reply.content).toContain('(1 of 4 chunks: nothing else you may read matches.)');
    expect(reply.content).toContain('System message:\nAnswer using the sources in the <context>');
    expect(reply.content).toContain('<source id="1" title="Acme vacation policy">');
    expect(reply.metadata.citedDocuments).toEqual([sent.body.retrieval.chunks[0].document.id]);

    const aliceThreads = await demo.as('alice-acme').get('/api/threads');
    expect(aliceThreads.body.items).toHaveLength(1);
    expect(aliceThreads.body.items[0].title).toBe('How many vacation days?');
    const messages = await demo.as('alice-acme').get(path);
    expect(messages.body.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);

    // Bob shares the organization, not Alice's threads.
    expect((await demo.as('bob-acme').get('/api/threads')).body.items).toEqual([]);
    expect((await demo.as('bob-acme').get(path)).status).toBe(404);
    const intrusion = await demo.as('bob-acme').post(path, { content: 'hello' });
    expect(intrusion.status).toBe(404);
    expect(intrusion.body.code).toBe('NOT_FOUND');
    expect((await demo.as('alice-personal').get('/api/threads')).body.items).toEqual([]);
  });

  it('says so when nothing in the workspace matches', async () => {
    const thread = await demo.as('bob-globex').post('/api/threads', { title: 'Questions' });
    const sent = await demo
      .as('bob-globex')
      .post(`/api/threads/${thread.body.id}/messages`, { content: 'vacation days?' });
    expect(sent.status).toBe(201);
    expect(sent.body.messages[1].content).toMatch(/Nothing you may read in this workspace matches/);
    expect(sent.body.retrieval.chunks).toEqual([]);
  });

  it('answers 400 for an empty message', async () => {
    const thread = await demo.as('bob-globex').post('/api/threads', {});
    const sent = await demo
      .as('bob-globex')
      .post(`/api/threads/${thread.body.id}/messages`, { content: '' });
    expect(sent.status).toBe(400);
    expect(sent.body.message).toMatch(/"content" must not be empty/);
  });
});

describe('erasing a tenant', () => {
  it('answers 403 FORBIDDEN to a member and leaves the data', async () => {
    await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    const { status, body } = await demo.as('bob-acme').post('/api/tenant/erase');
    expect(status).toBe(403);
    expect(body.code).toBe('FORBIDDEN');
    expect(body.message).toMatch(/organization admins only/);
    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([HANDBOOK.title]);
  });

  it("lets the admin erase the organization's data, and no other tenant's", async () => {
    await demo.as('alice-acme').post('/api/documents', HANDBOOK);
    await demo.as('alice-acme').post('/api/documents', SALARIES);
    await demo.as('alice-acme').post('/api/threads', { title: 'Acme thread' });
    const globexDoc = { title: 'Globex roadmap', text: 'Ship vector search next quarter.' };
    await demo.as('bob-globex').post('/api/documents', globexDoc);
    const personal = { title: 'Alice trip plans', text: 'Hiking in the Alps.' };
    await demo.as('alice-personal').post('/api/documents', personal);

    const { status, body } = await demo.as('alice-acme').post('/api/tenant/erase');
    expect(status).toBe(200);
    expect(body).toMatchObject({ documents: 2, threads: 1, verified: true });
    expect(body.vectors).toBeGreaterThanOrEqual(2);

    expect(titles(await demo.as('alice-acme').get('/api/documents'))).toEqual([]);
    expect((await demo.as('alice-acme').get('/api/threads')).body.items).toEqual([]);
    expect(titles(await demo.as('bob-globex').get('/api/documents'))).toEqual([globexDoc.title]);
    expect(titles(await demo.as('alice-personal').get('/api/documents'))).toEqual([personal.title]);

    // The workspace goes on: new uploads are accepted right away.
    expect((await demo.as('alice-acme').post('/api/documents', HANDBOOK)).status).toBe(201);
  });
});

describe('the HTTP surface', () => {
  it('answers unknown API routes with a JSON 404', async () => {
    const { status, body } = await demo.as('alice-acme').get('/api/nothing-here');
    expect(status).toBe(404);
    expect(body).toEqual({ code: 'NOT_FOUND', message: 'No API route GET /api/nothing-here.' });
  });

  it('serves the page and its script with a policy that loads nothing from elsewhere', async () => {
    const page = await fetch(`${demo.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).not.toMatch(/src="https?:|href="https?:/);
    const script = await fetch(`${demo.url}/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('errorResponse', () => {
  it("answers a 5xx with its code and a generic message: the server's details stay in the log", () => {
    const failed = errorResponse(
      new BackendUnavailableError(
        'putDocument failed in PostgreSQL: Failed query: insert into "scoped_rag_documents" … params: o_acme,secret',
      ),
    );
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe('BACKEND_UNAVAILABLE');
    expect(JSON.stringify(failed.body)).not.toMatch(/scoped_rag_documents|secret|params/);
    // A 4xx keeps its message: the caller can act on it.
    expect(errorResponse(new InvalidInputError('"title" must not be empty.')).body.message).toBe(
      '"title" must not be empty.',
    );
  });
});
