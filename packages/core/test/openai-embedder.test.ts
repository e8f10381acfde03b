// createOpenAIEmbedder against a local HTTP server on 127.0.0.1 that answers like OpenAI's
// `POST /v1/embeddings` (or misbehaves on purpose), through the real fetch.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BackendUnavailableError,
  createOpenAIEmbedder,
  embedAll,
  InvalidInputError,
  type OpenAIEmbedderOptions,
  type ScopedRagError,
} from '@scoped-rag/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const API_KEY = 'sk-test-4f9c2a7e1b8d6053abcdef';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: { input: string[]; model: string; dimensions?: number; encoding_format?: string };
}
type Handler = (request: Received, response: ServerResponse) => void;

const received: Received[] = [];
let handlers: Handler[] = [];
/** Answers each request with the next handler; the last one repeats. */
const answer = (...next: Handler[]) => {
  handlers = next;
};
let baseURL = '';

/** OpenAI's answer for `input`: vector i is [i + 1, text length, 0, …] of `dims` values. */
const vectorFor = (text: string, i: number, dims: number) =>
  Array.from({ length: dims }, (_, d) => (d === 0 ? i + 1 : d === 1 ? text.length : 0.5));
const ok =
  (dims = 4, reorder: (data: unknown[]) => unknown[] = (data) => data): Handler =>
  (request, response) => {
    const data = request.body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorFor(text, index, dims),
    }));
    json(response, 200, {
      object: 'list',
      data: reorder(data),
      model: request.body.model,
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  };
const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};
const openAIError = (status: number, message: string, type: string, code: string | null) =>
  ((_, response) =>
    json(response, status, { error: { message, type, param: null, code } })) as Handler;

const server = createServer((request, response) => {
  let raw = '';
  request.on('data', (chunk) => {
    raw += chunk;
  });
  request.on('end', () => {
    const entry: Received = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: JSON.parse(raw || '{}'),
    };
    received.push(entry);
    const handler = handlers[Math.min(received.length - 1, handlers.length - 1)];
    handler?.(entry, response);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterEach(() => {
  received.length = 0;
  handlers = [];
});
afterAll(() => {
  // Hung requests were aborted by their clients; this ends the idle keep-alive sockets.
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const embedder = (options: Partial<OpenAIEmbedderOptions> = {}) =>
  createOpenAIEmbedder({
    apiKey: API_KEY,
    baseURL,
    model: 'text-embedding-3-small',
    dimensions: 4,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });

const caught = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
};

/** Nothing the caller can see, log or serialize contains the key. */
const expectNoKey = (error: unknown) => {
  const seen = [
    (error as Error).message,
    (error as Error).stack,
    JSON.stringify(error),
    JSON.stringify((error as ScopedRagError).details),
    String((error as Error).cause),
    JSON.stringify((error as Error).cause),
  ].join('\n');
  expect(seen).not.toContain(API_KEY);
  expect(seen).not.toContain(API_KEY.slice(3, 15));
};

describe('createOpenAIEmbedder', () => {
  it('sends OpenAI’s request and returns one Float32Array per text, in input order', async () => {
    answer(ok());
    const vectors = await embedder().embed(['alpha', 'be']);
    expect(vectors).toEqual([
      Float32Array.from([1, 5, 0.5, 0.5]),
      Float32Array.from([2, 2, 0.5, 0.5]),
    ]);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/embeddings');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      input: ['alpha', 'be'],
      model: 'text-embedding-3-small',
      dimensions: 4,
      encoding_format: 'float',
    });
  });

  it('puts embeddings back in order by their index, whatever order they arrive in', async () => {
    answer(ok(4, (data) => [...data].reverse()));
    const texts = ['one', 'three', 'seven!!'];
    const vectors = await embedder().embed(texts);
    expect(vectors.map((v) => [v[0], v[1]])).toEqual([
      [1, 3],
      [2, 5],
      [3, 7],
    ]);
  });

  it('takes the order of the data array from servers that send no index', async () => {
    answer((request, response) =>
      json(response, 200, {
        data: request.body.input.map((text, i) => ({ embedding: vectorFor(text, i, 4) })),
      }),
    );
    const vectors = await embedder().embed(['a', 'bb']);
    expect(vectors.map((v) => v[1])).toEqual([1, 2]);
  });

  it('knows the sizes of OpenAI’s models and sends dimensions only when asked to', async () => {
    answer(ok(1536));
    const small = createOpenAIEmbedder({
      apiKey: API_KEY,
      baseURL,
      model: 'text-embedding-3-small',
    });
    expect(small.dimensions).toBe(1536);
    await small.embed(['x']);
    expect(received[0]?.body).not.toHaveProperty('dimensions');

    answer(ok(768));
    const local = createOpenAIEmbedder({
      apiKey: API_KEY,
      baseURL: `${baseURL}/`,
      model: 'nomic-embed-text',
      dimensions: 768,
      sendDimensions: false,
    });
    expect((await local.embed(['x']))[0]).toHaveLength(768);
    expect(received[1]?.url).toBe('/v1/embeddings');
    expect(received[1]?.body).not.toHaveProperty('dimensions');
  });

  it('sends the extra headers it is given', async () => {
    answer(ok());
    await embedder({ headers: { 'OpenAI-Project': 'proj_1' } }).embed(['x']);
    expect(received[0]?.headers['openai-project']).toBe('proj_1');
  });

  it('retries a 429 after the server’s retry-after-ms', async () => {
    answer(
      (_, response) =>
        json(
          response,
          429,
          {
            error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
          },
          { 'retry-after-ms': '150' },
        ),
      ok(),
    );
    const started = performance.now();
    const vectors = await embedder({ retry: { baseDelayMs: 0 } }).embed(['x']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(vectors).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  it('retries a 429 after Retry-After in seconds', async () => {
    answer(
      (_, response) =>
        json(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '1' }),
      ok(),
    );
    const started = performance.now();
    await embedder({ retry: { baseDelayMs: 0 } }).embed(['x']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(received).toHaveLength(2);
  });

  it('fails at once when Retry-After is past the deadline, saying what the server said', async () => {
    answer((_, response) =>
      json(
        response,
        429,
        { error: { message: 'quota', code: 'rate_limit_exceeded' } },
        { 'retry-after': '30' },
      ),
    );
    const started = performance.now();
    const error = await caught(embedder({ retry: { deadlineMs: 2_000 } }).embed(['x']));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/answered 429 rate_limit_exceeded \(quota\)/);
    expect(received).toHaveLength(1);
  });

  it('retries a 500 and succeeds', async () => {
    answer(openAIError(500, 'The server had an error', 'server_error', null), ok());
    expect(await embedder().embed(['x'])).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  it('gives up after the retries with BackendUnavailableError naming status and attempts', async () => {
    answer(openAIError(503, 'overloaded', 'server_error', null));
    const error = await caught(embedder({ retry: { retries: 2, baseDelayMs: 1 } }).embed(['x']));
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(
      /answered 503 server_error \(overloaded\).*Gave up after 3 attempts/,
    );
    expect(error.details).toMatchObject({ status: 503, attempts: 3 });
    expect(received).toHaveLength(3);
  });

  it('does not retry when retry is false', async () => {
    answer(openAIError(500, 'boom', 'server_error', null), ok());
    const error = await caught(embedder({ retry: false }).embed(['x']));
    expect(error.message).toMatch(/answered 500/);
    expect(received).toHaveLength(1);
  });

  it('refuses a bad key (401) once, without ever showing the key', async () => {
    answer(
      openAIError(
        401,
        `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
    const error = await caught(embedder().embed(['x']));
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/refused the API key \(401 invalid_api_key\): check the apiKey/);
    expect(error.details).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expectNoKey(error);
    expect(received).toHaveLength(1);
  });

  it('reports a refused request (400) as InvalidInputError with the server’s reason, key redacted', async () => {
    answer(
      openAIError(
        400,
        `This model's maximum context length is 8192 tokens (key ${API_KEY}, also sk-abc***wxyz)`,
        'invalid_request_error',
        null,
      ),
    );
    const error = await caught(embedder().embed(['x']));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(
      /maximum context length is 8192 tokens \(key \[redacted\], also \[redacted\]\)/,
    );
    expectNoKey(error);
    expect(received).toHaveLength(1);
  });

  it('reports an unknown model (404) without retrying', async () => {
    answer(
      openAIError(
        404,
        'The model `nope` does not exist',
        'invalid_request_error',
        'model_not_found',
      ),
    );
    const error = await caught(embedder({ model: 'nope' }).embed(['x']));
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/404 \(The model `nope` does not exist\): check baseURL/);
    expect(received).toHaveLength(1);
  });

  it.each<[string, Handler, RegExp]>([
    ['a body that is not JSON', (_, r) => r.end('<html>gateway</html>'), /not JSON/],
    ['no data array', (_, r) => json(r, 200, { object: 'list' }), /no data array/],
    [
      'too few embeddings',
      (q, r) =>
        json(r, 200, { data: [{ index: 0, embedding: vectorFor(q.body.input[0]!, 0, 4) }] }),
      /1 embeddings for 2 inputs/,
    ],
    ['vectors of the wrong dimension', ok(3), /vectors of 3 dimensions, not 4/],
    ['a duplicated index', ok(4, (data) => [data[0], data[0]]), /two embeddings for index 0/],
    [
      'an index out of range',
      ok(4, (data) => [data[0], { ...(data[1] as object), index: 7 }]),
      /data\[1\]\.index 7/,
    ],
    [
      'a null value',
      ok(4, (data) => [data[0], { index: 1, embedding: [1, null, 1, 1] }]),
      /not a finite number \(null\)/,
    ],
    [
      'base64 embeddings',
      ok(4, (data) => data.map((_, index) => ({ index, embedding: 'AAAA' }))),
      /not an array of numbers/,
    ],
  ])('refuses an answer with %s, without retrying', async (_, handler, message) => {
    answer(handler, ok());
    const error = await caught(embedder().embed(['ab', 'cd']));
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(message);
    expect(received).toHaveLength(1);
  });

  it('aborts a request in flight with the signal’s reason, and does not retry', async () => {
    answer(() => {}); // never answers
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => controller.abort(reason), 50);
    const error = await caught(embedder().embed(['x'], { signal: controller.signal }));
    expect(error).toBe(reason);
    expect(received).toHaveLength(1);
  });

  it('aborts during a backoff wait', async () => {
    answer((_, response) => json(response, 429, {}, { 'retry-after': '10' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    const started = performance.now();
    const error = await caught(embedder().embed(['x'], { signal: controller.signal }));
    expect(error.message).toBe('stop');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('times out a hung attempt and retries it', async () => {
    answer(() => {}, ok());
    const vectors = await embedder({ timeoutMs: 100 }).embed(['x']);
    expect(vectors).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  it('retries when the connection drops while the body arrives', async () => {
    answer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"object":"list","data":[');
      setTimeout(() => response.socket?.destroy(), 5);
    }, ok());
    expect(await embedder().embed(['x'])).toHaveLength(1);
    expect(received).toHaveLength(2);
  });

  it('reports a server that is not there after retrying', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await caught(
      embedder({
        baseURL: `http://127.0.0.1:${port}/v1`,
        retry: { retries: 2, baseDelayMs: 1 },
      }).embed(['x']),
    );
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/could not be reached .*Gave up after 3 attempts/);
    expectNoKey(error);
  });

  it('splits a batch over the token budget into several requests, keeping order', async () => {
    answer(ok());
    const texts = ['aaaa', 'bbbb', 'cccc', 'dddd', 'ee'];
    const vectors = await embedder({ maxRequestTokens: 4 }).embed(texts);
    expect(received.map((r) => r.body.input)).toEqual([['aaaa', 'bbbb'], ['cccc', 'dddd'], ['ee']]);
    expect(vectors.map((v) => v[1])).toEqual([4, 4, 4, 4, 2]);
  });

  it('refuses empty texts and oversized batches before sending anything', async () => {
    answer(ok());
    const empty = await caught(embedder().embed(['fine', '']));
    expect(InvalidInputError.isInstance(empty)).toBe(true);
    expect(empty.message).toBe(
      'texts[1] is empty: the embeddings API takes non-empty strings only.',
    );
    const many = await caught(embedder({ maxBatchSize: 2 }).embed(['a', 'b', 'c']));
    expect(many.message).toMatch(/at most 2 texts per call \(maxBatchSize\), got 3: use embedAll/);
    expect(received).toEqual([]);
  });

  it('works through embedAll, in batches of maxBatchSize', async () => {
    answer(ok());
    const texts = Array.from({ length: 7 }, (_, i) => `text ${i}`);
    const vectors = await embedAll(embedder({ maxBatchSize: 3 }), texts, { concurrency: 2 });
    expect(vectors).toHaveLength(7);
    expect(received.map((r) => r.body.input.length).sort()).toEqual([1, 3, 3]);
  });

  it.each<[Partial<OpenAIEmbedderOptions>, RegExp]>([
    [{ apiKey: '' }, /at apiKey: pass the API key/],
    [{ baseURL: 'ftp://example.com' }, /at baseURL: expected an http\(s\) URL/],
    [{ dimensions: 0 }, /at dimensions/],
    [{ retry: { retries: -1 } }, /at retry/],
  ])('refuses the options %j', (options, message) => {
    let error: unknown;
    try {
      embedder(options);
    } catch (e) {
      error = e;
    }
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('asks for dimensions when it does not know the model', () => {
    expect(() => createOpenAIEmbedder({ apiKey: API_KEY, model: 'my-model' })).toThrow(
      /does not know the vector size of model "my-model": pass dimensions/,
    );
  });
});
