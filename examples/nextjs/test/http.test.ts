// Request bodies are read with a hard size limit, and 5xx answers keep what the server saw to
// its log.
import { BackendUnavailableError, InvalidInputError } from '@scoped-rag/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { readJson } from '../lib/http';
import { errorResponse } from '../lib/http-errors';

const MB = 1024 * 1024;

/** A JSON body streamed in 64 KiB chunks with no content-length, as a chunked upload arrives. */
function streamed(bytes: number): { request: Request; pulled: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const request = new Request('http://localhost:3000/api/documents', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  return { request, pulled: () => sent };
}

describe('readJson', () => {
  it('refuses a body without content-length once it passes 1 MB, without reading the rest', async () => {
    const { request, pulled } = streamed(64 * MB);
    await expect(readJson(request, z.unknown(), 'body')).rejects.toSatisfy(
      (error) => InvalidInputError.isInstance(error) && /larger than 1 MB/.test(error.message),
    );
    expect(pulled()).toBeLessThan(2 * MB);
  });

  it('reads a body under the limit that arrives in chunks', async () => {
    const text = JSON.stringify({ title: 'x', text: 'é'.repeat(100_000) });
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const request = new Request('http://localhost:3000/api/documents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    const schema = z.object({ title: z.string(), text: z.string() });
    expect(await readJson(request, schema, 'body')).toEqual(JSON.parse(text));
  });
});

describe('errorResponse', () => {
  it("answers a 5xx with its code and a generic message: the server's details stay in the log", async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const error = new BackendUnavailableError(
      'putDocument failed in PostgreSQL: Failed query: insert into "scoped_rag_documents" … params: o_acme,secret',
      { details: { operation: 'putDocument' } },
    );
    const response = errorResponse(error);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.code).toBe('BACKEND_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toMatch(/scoped_rag_documents|secret|params/);
    expect(log).toHaveBeenCalledWith(error);
    log.mockRestore();
  });

  it('keeps the message and details of a 4xx: the caller can act on them', async () => {
    const response = errorResponse(
      new InvalidInputError('"title" must not be empty.', { details: { field: 'title' } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 'INVALID_INPUT',
      message: '"title" must not be empty.',
      details: { field: 'title' },
    });
  });
});
