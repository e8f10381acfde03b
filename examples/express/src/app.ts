// The Express app: a JSON API under /api whose every route runs in the Scope made from the
// caller's verified Clerk session, and the static page that uses it.
import {
  InvalidInputError,
  NotFoundError,
  type RagScope,
  type RetrieveResult,
  ScopedRagError,
  type StoredDocument,
  toHttpStatus,
} from '@scoped-rag/core';
import express, { type Request as ExpressRequest, type NextFunction, type Response } from 'express';
import { z } from 'zod';
import { composeReply } from './answer.js';
import type { Services } from './services.js';

const documentInput = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(200),
  text: z
    .string()
    .max(200_000, 'must be at most 200,000 characters')
    .refine((text) => text.trim().length > 0, 'must not be empty'),
  visibility: z.enum(['private', 'org']).optional(),
  source: z.string().trim().min(1).max(2_048).optional(),
});

const searchInput = z.strictObject({
  query: z.string().trim().min(1, 'must not be empty').max(2_000),
  topK: z.number().int().min(1).max(20).optional(),
});

const threadInput = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
});

const messageInput = z.strictObject({
  content: z.string().trim().min(1, 'must not be empty').max(4_000),
});

/** Chunks an assistant reply cites, and the least score worth citing (cosine, local embedder). */
const REPLY_CONTEXT = { topK: 4, minScore: 0.1 } as const;

const devSessionInput = z.strictObject({ identity: z.string().min(1) });

const documentsQuery = z.object({ cursor: z.string().min(1).max(1_000).optional() });

/** Validates untrusted input once, at the edge; the message names the field and what to fix. */
function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.');
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  throw new InvalidInputError(`Invalid ${what}: ${path ? `"${path}" ` : ''}${message}.`, {
    details: { path },
  });
}

// Only the credential headers reach the resolver: nothing else in the request names a tenant.
function credentialRequest(req: ExpressRequest): Request {
  const headers = new Headers();
  if (req.headers.authorization !== undefined)
    headers.set('authorization', req.headers.authorization);
  if (req.headers.cookie !== undefined) headers.set('cookie', req.headers.cookie);
  return new Request('http://localhost/', { headers });
}

function documentView(document: StoredDocument) {
  const { id, title, source, visibility, state, ownerId, chunkCount, error, createdAt, updatedAt } =
    document;
  return { id, title, source, visibility, state, ownerId, chunkCount, error, createdAt, updatedAt };
}

function retrievalView(result: RetrieveResult) {
  return {
    chunks: result.chunks.map((chunk) => ({
      text: chunk.text,
      score: chunk.score,
      position: chunk.position,
      vectorId: chunk.vectorId,
      document: documentView(chunk.document),
    })),
    shortfall: result.shortfall,
  };
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The status and JSON body for an error: scoped-rag's typed errors keep their code, and their
 * message and details when the caller can act on them (4xx). A 5xx error's message may hold what
 * the server saw (a failed query's SQL and parameters): the log gets it, the client a generic one.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (ScopedRagError.isInstance(error)) {
    const status = toHttpStatus(error);
    if (status >= 500) {
      return {
        status,
        body: {
          code: error.code,
          message:
            'A service the app depends on failed; try again. The server log has the details.',
        },
      };
    }
    return {
      status,
      body: {
        code: error.code,
        message: error.message,
        ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
      },
    };
  }
  // body-parser's errors carry a status and a type.
  const type = (error as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') {
    return {
      status: 400,
      body: { code: 'INVALID_INPUT', message: 'The request body is not valid JSON.' },
    };
  }
  if (type === 'entity.too.large') {
    return {
      status: 413,
      body: { code: 'INVALID_INPUT', message: 'The request body is larger than 1 MB.' },
    };
  }
  return {
    status: 500,
    body: { code: 'INTERNAL_ERROR', message: 'Something failed on the server; see its log.' },
  };
}

export interface CreateAppOptions {
  /** The directory holding index.html and the client script. */
  readonly publicDir: string;
  /** Where unexpected (500) errors are reported. Default console.error. */
  readonly logError?: (error: unknown) => void;
}

export function createApp(services: Services, options: CreateAppOptions): express.Express {
  const { rag, threads, policy, devSessions } = services;
  const logError = options.logError ?? ((error: unknown) => console.error(error));
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // The page loads nothing from elsewhere; say so to the browser.
    res.set({
      'content-security-policy':
        "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    next();
  });

  const api = express.Router();
  const { clerkWebhooks } = services;
  if (clerkWebhooks) {
    // The signature covers the raw body: it reaches the verifier byte for byte.
    api.post(
      '/webhooks/clerk',
      express.raw({ type: () => true, limit: '1mb' }),
      async (req, res) => {
        const headers = new Headers();
        for (const name of ['content-type', 'svix-id', 'svix-timestamp', 'svix-signature']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers.set(name, value);
        }
        const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
        const answer = await clerkWebhooks(
          new Request('http://localhost/api/webhooks/clerk', { method: 'POST', headers, body }),
        );
        res
          .status(answer.status)
          .type('application/json')
          .send(await answer.text());
      },
    );
  }
  api.use(express.json({ limit: '1mb' }));
  api.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  const scopeOf = (req: ExpressRequest): Promise<RagScope> =>
    rag.forRequest(credentialRequest(req));

  api.get('/config', (_req, res) => {
    res.json({
      services: services.description,
      llm: null,
      devIdentities: devSessions?.identities ?? null,
    });
  });

  api.post('/dev/session', async (req, res) => {
    if (!devSessions) {
      throw new NotFoundError(
        'The development identity switcher is off because Clerk keys are configured: sign in with Clerk.',
      );
    }
    const { identity } = parse(devSessionInput, req.body, 'development session request');
    const origin = `${req.protocol}://${req.headers.host ?? ''}`;
    res.json(await devSessions.mint(identity, origin));
  });

  api.get('/me', async (req, res) => {
    const { scope } = await scopeOf(req);
    let canErase = true;
    try {
      policy.assertCanErase(scope);
    } catch {
      canErase = false;
    }
    res.json({
      userId: scope.userId,
      orgRole: scope.orgRole,
      tenant: scope.tenant,
      tenantKey: scope.tenantKey,
      isPersonal: scope.isPersonal,
      defaultVisibility: policy.defaultVisibility(scope),
      canErase,
    });
  });

  api.get('/documents', async (req, res) => {
    const ragScope = await scopeOf(req);
    const { cursor } = parse(documentsQuery, req.query, 'query string');
    const page = await ragScope.listDocuments({ limit: 50, ...(cursor ? { cursor } : {}) });
    res.json({ items: page.items.map(documentView), nextCursor: page.nextCursor });
  });

  api.post('/documents', async (req, res) => {
    const ragScope = await scopeOf(req);
    const input = parse(documentInput, req.body, 'document');
    const result = await ragScope.ingest({
      title: input.title,
      text: input.text,
      source: input.source ?? null,
      ...(input.visibility ? { visibility: input.visibility } : {}),
    });
    res.status(result.status === 'created' ? 201 : 200).json({
      status: result.status,
      embedded: result.embedded,
      document: documentView(result.document),
    });
  });

  api.delete('/documents/:id', async (req, res) => {
    const ragScope = await scopeOf(req);
    const receipt = await ragScope.deleteDocument(req.params.id);
    if (!receipt.deleted) {
      throw new NotFoundError(
        `There is no document "${req.params.id}" that you may delete in this workspace.`,
      );
    }
    res.json(receipt);
  });

  api.post('/search', async (req, res) => {
    const ragScope = await scopeOf(req);
    const { query, topK } = parse(searchInput, req.body, 'search');
    res.json(retrievalView(await ragScope.retrieve(query, { topK: topK ?? 5 })));
  });

  api.get('/threads', async (req, res) => {
    const { scope } = await scopeOf(req);
    const page = await threads.listThreads(scope, { limit: 50 });
    res.json({ items: page.items, nextCursor: page.nextCursor });
  });

  api.post('/threads', async (req, res) => {
    const { scope } = await scopeOf(req);
    const { title } = parse(threadInput, req.body, 'thread');
    res.status(201).json(await threads.createThread(scope, { title: title ?? null }));
  });

  api.get('/threads/:id/messages', async (req, res) => {
    const { scope } = await scopeOf(req);
    const page = await threads.listMessages(scope, req.params.id, { limit: 100 });
    res.json({ items: page.items, nextCursor: page.nextCursor });
  });

  api.post('/threads/:id/messages', async (req, res) => {
    const ragScope = await scopeOf(req);
    const { scope } = ragScope;
    const { content } = parse(messageInput, req.body, 'message');
    const thread = await threads.getThread(scope, req.params.id);
    if (!thread) {
      throw new NotFoundError(`You have no thread "${req.params.id}" in this workspace.`);
    }
    const retrieval = await ragScope.retrieve(content, REPLY_CONTEXT);
    const reply = composeReply(retrieval);
    const messages = await threads.appendMessages(scope, thread.id, [
      { role: 'user', content },
      { role: 'assistant', content: reply.content, metadata: reply.metadata },
    ]);
    if (thread.title === null) {
      await threads.updateThread(scope, thread.id, { title: content.slice(0, 60) });
    }
    res.status(201).json({ messages, retrieval: retrievalView(retrieval) });
  });

  api.post('/tenant/erase', async (req, res) => {
    const { scope } = await scopeOf(req);
    policy.assertCanErase(scope); // ForbiddenError (403) unless org:admin or a personal workspace
    const receipt = await rag.eraseTenant(scope.tenant, { actor: `user:${scope.userId}` });
    res.json(receipt);
  });

  api.use((req) => {
    throw new NotFoundError(`No API route ${req.method} ${req.baseUrl}${req.path}.`);
  });

  app.use('/api', api);
  app.use(express.static(options.publicDir, { index: 'index.html' }));

  app.use((error: unknown, _req: ExpressRequest, res: Response, _next: NextFunction) => {
    const { status, body } = errorResponse(error);
    if (status >= 500) logError(error);
    res.status(status).json(body);
  });
  return app;
}
