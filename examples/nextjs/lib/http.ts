// What every route handler shares: the caller's scoped pipeline, input validated once at the
// edge with zod, and errors as JSON `{ code, message }` with scoped-rag's HTTP statuses.
import {
  InvalidInputError,
  type RagScope,
  type RetrieveResult,
  type StoredDocument,
} from '@scoped-rag/core';
import type { z } from 'zod';
import { errorResponse } from './http-errors';
import { currentIdentity } from './identity';
import { getServices, type Services } from './services';

/** Largest request body read, in bytes (a document's text is at most 200,000 characters). */
const MAX_BODY_BYTES = 1_000_000;

export interface Caller {
  /** The pipeline in the caller's Scope: every read and write stays in their tenant. */
  readonly docs: RagScope;
  readonly services: Services;
}

/**
 * The caller's scoped pipeline. The identity is resolved first: a signed-out or refused request
 * is a 401 before the database is opened.
 */
export async function currentCaller(): Promise<Caller> {
  const identity = await currentIdentity();
  const services = await getServices();
  return { docs: services.rag.forIdentity(identity), services };
}

export { json } from './http-errors';

/** Runs a route handler's work, answering its errors as JSON. */
export async function respond(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    return errorResponse(error);
  }
}

/** Validates untrusted input once, at the edge; the message names the field and what to fix. */
export function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.');
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  throw new InvalidInputError(`Invalid ${what}: ${path ? `"${path}" ` : ''}${message}.`, {
    details: { path },
  });
}

/**
 * The body as text, read chunk by chunk and abandoned past MAX_BODY_BYTES: a body sent without
 * content-length (chunked) is never buffered beyond the limit.
 */
async function readText(request: Request): Promise<string> {
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new InvalidInputError('The request body is larger than 1 MB.');
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** The JSON body of `request`, validated by `schema`. */
export async function readJson<T>(
  request: Request,
  schema: z.ZodType<T>,
  what: string,
): Promise<T> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new InvalidInputError('Send the request body as JSON (content-type: application/json).');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES)
    throw new InvalidInputError('The request body is larger than 1 MB.');
  const text = await readText(request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInputError('The request body is not valid JSON.');
  }
  return parse(schema, body, what);
}

/** The query-string parameters of `request`, validated by `schema`. */
export function readQuery<T>(request: Request, schema: z.ZodType<T>): T {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  return parse(schema, params, 'query string');
}

export function documentView(document: StoredDocument) {
  const { id, title, source, visibility, state, ownerId, chunkCount, error, createdAt, updatedAt } =
    document;
  return { id, title, source, visibility, state, ownerId, chunkCount, error, createdAt, updatedAt };
}

export function retrievalView(result: RetrieveResult) {
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
