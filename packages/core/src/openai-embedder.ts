// An Embedder over any OpenAI-compatible `POST /embeddings` endpoint (OpenAI, Azure OpenAI's v1
// API, OpenRouter, Ollama, vLLM, LiteLLM …) with plain `fetch`: retries with backoff, Retry-After,
// a deadline, aborts, and answers checked before they are returned.
import { z } from 'zod';
import type { Embedder, EmbedOptions } from './embedder.js';
import { BackendUnavailableError, InvalidInputError } from './errors.js';
import { utf8ByteLength } from './metadata.js';
import { parseOptions } from './options.js';

export interface OpenAIEmbedderRetryOptions {
  /** Attempts after the first. Default 4. */
  readonly retries?: number;
  /** First backoff, in ms; each retry doubles it, with full jitter. Default 500. */
  readonly baseDelayMs?: number;
  /** Longest backoff, in ms (a server's Retry-After is honoured as given). Default 20,000. */
  readonly maxDelayMs?: number;
  /** No attempt starts, and no wait ends, later than this many ms after the call. Default 120,000. */
  readonly deadlineMs?: number;
}

export interface OpenAIEmbedderOptions {
  /** Sent as `Authorization: Bearer …`. Never appears in errors. */
  readonly apiKey: string;
  /** Default `https://api.openai.com/v1`. */
  readonly baseURL?: string;
  /** E.g. `text-embedding-3-small`. */
  readonly model: string;
  /**
   * Vector length. Required for models this package does not know (known: text-embedding-3-small
   * 1536, text-embedding-3-large 3072, text-embedding-ada-002 1536). When given, it is also sent
   * as the request's `dimensions` (text-embedding-3 models shorten their vectors to it), unless
   * `sendDimensions` is false.
   */
  readonly dimensions?: number;
  /** Default: true when `dimensions` is given. Set false for servers that refuse the field. */
  readonly sendDimensions?: boolean;
  /** Most texts per `embed` call. Default 2,048 (OpenAI's limit). */
  readonly maxBatchSize?: number;
  /**
   * Most input tokens per request (OpenAI: 300,000). Estimated, erring high, as one token per two
   * UTF-8 bytes; a batch over it is sent as several requests. Default 300,000.
   */
  readonly maxRequestTokens?: number;
  /** Per attempt, in ms. Default 60,000. */
  readonly timeoutMs?: number;
  /** Retries of 408, 409, 429, 5xx, timeouts and network failures; `false` for none. */
  readonly retry?: OpenAIEmbedderRetryOptions | false;
  /** Extra request headers (e.g. `OpenAI-Organization`, `OpenAI-Project`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

/** Output sizes of OpenAI's embedding models. */
export const OPENAI_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = Object.freeze({
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
});

const positiveInt = z.number().int().positive();
const optionsSchema = z.strictObject({
  apiKey: z.string().min(1, 'pass the API key of the embeddings service'),
  baseURL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  model: z.string().min(1),
  dimensions: positiveInt.optional(),
  sendDimensions: z.boolean().optional(),
  maxBatchSize: positiveInt.optional(),
  maxRequestTokens: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
  retry: z
    .union([
      z.literal(false),
      z.strictObject({
        retries: z.number().int().nonnegative().max(20).optional(),
        baseDelayMs: z.number().nonnegative().finite().optional(),
        maxDelayMs: z.number().nonnegative().finite().optional(),
        deadlineMs: positiveInt.optional(),
      }),
    ])
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  fetch: z.function().optional(),
});

const RETRYABLE_STATUS = new Set([408, 409, 429]);
const isRetryableStatus = (status: number) => RETRYABLE_STATUS.has(status) || status >= 500;

/** A failed attempt: what the server (or the network) said, and whether to try again. */
interface AttemptFailure {
  readonly retryable: boolean;
  readonly error: Error;
  /** The server's Retry-After / retry-after-ms, in ms. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * An `Embedder` for OpenAI's embeddings API and servers compatible with it. Each request is
 * `POST {baseURL}/embeddings` with `{ input, model, dimensions?, encoding_format: 'float' }`;
 * vectors come back in `data[]`, put in order by their `index`.
 *
 * Errors: `InvalidInputError` for an empty text or a request the server refuses as invalid (400,
 * 413, 422, with the server's explanation); `BackendUnavailableError` for a refused key (401/403),
 * an unknown model or URL (404), an unusable answer, or failures that outlasted the retries. The
 * API key never appears in messages, details or causes. An abort rejects with the signal's reason.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const parsed = parseOptions(optionsSchema, options, 'createOpenAIEmbedder options');
  const { apiKey, model } = parsed;
  const dimensions = parsed.dimensions ?? OPENAI_EMBEDDING_DIMENSIONS[model];
  if (dimensions === undefined) {
    throw new InvalidInputError(
      `createOpenAIEmbedder does not know the vector size of model "${model}": pass dimensions (and sendDimensions: false if the server refuses that field).`,
      { details: { model } },
    );
  }
  const sendDimensions = parsed.dimensions !== undefined && parsed.sendDimensions !== false;
  const baseURL = (parsed.baseURL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const endpoint = `${baseURL}/embeddings`;
  // Where errors say the request went: no credentials or query string.
  const where = (() => {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  })();
  const maxRequestTokens = parsed.maxRequestTokens ?? 300_000;
  const timeoutMs = parsed.timeoutMs ?? 60_000;
  const retry = parsed.retry === false ? { retries: 0 } : (parsed.retry ?? {});
  const retries = retry.retries ?? 4;
  const baseDelayMs = retry.baseDelayMs ?? 500;
  const maxDelayMs = retry.maxDelayMs ?? 20_000;
  const deadlineMs = retry.deadlineMs ?? 120_000;
  // Looked up per call and called as a method: a detached `fetch` throws on some edge runtimes.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const headers = {
    ...parsed.headers,
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  /** Removes the key (and anything shaped like an OpenAI key) from text a server sent back. */
  const redact = (text: string) =>
    text
      .split(apiKey)
      .join('[redacted]')
      .replace(/\bsk-[A-Za-z0-9_*.-]{4,}/g, '[redacted]')
      .slice(0, 500);

  const serverExplanation = (body: unknown): { message?: string; type?: string; code?: string } => {
    const error = (body as { error?: unknown } | null)?.error;
    if (typeof error === 'string') return { message: redact(error) };
    if (typeof error !== 'object' || error === null) return {};
    const { message, type, code } = error as Record<string, unknown>;
    const label = (value: unknown) =>
      typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? value : undefined;
    return {
      ...(typeof message === 'string' ? { message: redact(message) } : {}),
      ...(label(type) ? { type: label(type)! } : {}),
      ...(label(code) ? { code: label(code)! } : {}),
    };
  };

  const refusal = (status: number, body: unknown): Error => {
    const { message, type, code } = serverExplanation(body);
    const details = {
      status,
      url: where,
      model,
      ...(type ? { type } : {}),
      ...(code ? { code } : {}),
    };
    const label = [status, code ?? type].filter(Boolean).join(' ');
    if (status === 401 || status === 403) {
      // The server's message can quote (part of) the key: it is left out.
      return new BackendUnavailableError(
        `The embeddings API at ${where} refused the API key (${label}): check the apiKey passed to createOpenAIEmbedder and its access to model "${model}".`,
        { details },
      );
    }
    if (status === 404) {
      return new BackendUnavailableError(
        `The embeddings API at ${where} answered 404${message ? ` (${message})` : ''}: check baseURL and that model "${model}" exists.`,
        { details },
      );
    }
    if (status === 400 || status === 413 || status === 422) {
      return new InvalidInputError(
        `The embeddings API at ${where} refused the request (${label})${message ? `: ${message}` : ''}. Shorten the texts, or check model and dimensions.`,
        { details },
      );
    }
    return new BackendUnavailableError(
      `The embeddings API at ${where} answered ${label}${message ? ` (${message})` : ''}.`,
      { details },
    );
  };

  const unusable = (problem: string) =>
    new BackendUnavailableError(
      `The embeddings API at ${where} answered with ${problem}: is baseURL an OpenAI-compatible embeddings API, and is dimensions right for model "${model}"?`,
      { details: { status: 200, url: where, model } },
    );

  /** The vectors of one request's answer, in the order of the request's texts. */
  const readVectors = (body: unknown, count: number): Float32Array[] => {
    const data = (body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) return fail(unusable('no data array'));
    if (data.length !== count) {
      return fail(unusable(`${data.length} embeddings for ${count} inputs`));
    }
    // OpenAI always sends `index`; a few compatible servers leave it out and keep the order.
    const indexed = data.some((item) => (item as { index?: unknown })?.index !== undefined);
    const out = new Array<Float32Array | undefined>(count);
    data.forEach((item: unknown, position) => {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const slot = indexed ? index : position;
      if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= count) {
        fail(
          unusable(`data[${position}].index ${JSON.stringify(index)} (expected 0 to ${count - 1})`),
        );
      }
      if (out[slot as number] !== undefined) {
        fail(unusable(`two embeddings for index ${String(slot)}`));
      }
      if (!Array.isArray(embedding)) {
        fail(unusable(`data[${position}].embedding that is not an array of numbers`));
      }
      const values = embedding as unknown[];
      if (values.length !== dimensions) {
        fail(unusable(`vectors of ${values.length} dimensions, not ${dimensions}`));
      }
      const vector = new Float32Array(dimensions);
      values.forEach((value, d) => {
        vector[d] = typeof value === 'number' ? value : Number.NaN;
        if (!Number.isFinite(vector[d])) {
          fail(
            unusable(`a value that is not a finite number (${String(value)}) in data[${position}]`),
          );
        }
      });
      out[slot as number] = vector;
    });
    return out as Float32Array[];
  };

  /** One HTTP request; throws an AttemptFailure-carrying error or returns the vectors. */
  const attempt = async (
    input: readonly string[],
    signal: AbortSignal,
  ): Promise<Float32Array[] | AttemptFailure> => {
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          input,
          model,
          ...(sendDimensions ? { dimensions } : {}),
          encoding_format: 'float',
        }),
        signal,
      });
    } catch (error) {
      return { retryable: true, error: networkError(error) };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // Aborted or timed out: the caller of attempt tells which. Otherwise the connection dropped.
      if (signal.aborted) throw error;
      return { retryable: true, error: networkError(error) };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      return {
        retryable: isRetryableStatus(response.status),
        error: refusal(response.status, body),
        retryAfterMs: retryAfter(response.headers),
      };
    }
    if (body === undefined) {
      return fail(unusable('a body that is not JSON'));
    }
    return readVectors(body, input.length);
  };

  const networkError = (error: unknown) => {
    const timedOut = (error as Error)?.name === 'TimeoutError';
    return new BackendUnavailableError(
      timedOut
        ? `The embeddings API at ${where} did not answer within ${timeoutMs} ms.`
        : `The embeddings API at ${where} could not be reached (${redact(String((error as Error)?.message ?? error))}).`,
      { cause: error, details: { url: where, model, ...(timedOut ? { timeoutMs } : {}) } },
    );
  };

  /** One request with retries, within the deadline. */
  const request = async (input: readonly string[], signal: AbortSignal | undefined) => {
    const deadline = Date.now() + deadlineMs;
    for (let attemptNumber = 1; ; attemptNumber++) {
      signal?.throwIfAborted();
      const remaining = deadline - Date.now();
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(timeoutMs, remaining)));
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let result: Awaited<ReturnType<typeof attempt>>;
      try {
        result = await attempt(input, combined);
      } catch (error) {
        signal?.throwIfAborted();
        if (timeout.aborted) result = { retryable: true, error: networkError(timeout.reason) };
        else throw error;
      }
      signal?.throwIfAborted();
      if (Array.isArray(result)) return result;
      const failure = result;
      const finalError = () => {
        if (attemptNumber === 1 || !failure.retryable) return failure.error;
        return new BackendUnavailableError(
          `${failure.error.message} Gave up after ${attemptNumber} attempts.`,
          {
            cause: failure.error,
            details: {
              ...(failure.error as BackendUnavailableError).details,
              attempts: attemptNumber,
            },
          },
        );
      };
      if (!failure.retryable || attemptNumber > retries) throw finalError();
      const backoff = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attemptNumber - 1));
      const wait = failure.retryAfterMs ?? backoff;
      if (Date.now() + wait >= deadline) throw finalError();
      await sleep(wait, signal);
    }
  };

  /** Splits texts into requests under the token budget, in order. */
  const requests = (texts: readonly string[]): (readonly string[])[] => {
    const groups: string[][] = [];
    let current: string[] = [];
    let tokens = 0;
    for (const text of texts) {
      const estimate = Math.ceil(utf8ByteLength(text) / 2);
      if (current.length > 0 && tokens + estimate > maxRequestTokens) {
        groups.push(current);
        current = [];
        tokens = 0;
      }
      current.push(text);
      tokens += estimate;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  };

  const maxBatchSize = parsed.maxBatchSize ?? 2_048;
  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider: 'openai',
    model,
    dimensions,
    maxBatchSize,
    async embed(texts: readonly string[], embedOptions: EmbedOptions = {}) {
      const { signal } = embedOptions;
      signal?.throwIfAborted();
      if (texts.length > maxBatchSize) {
        throw new InvalidInputError(
          `embed takes at most ${maxBatchSize} texts per call (maxBatchSize), got ${texts.length}: use embedAll, which batches.`,
        );
      }
      texts.forEach((text, i) => {
        if (typeof text !== 'string' || text.length === 0) {
          throw new InvalidInputError(
            `texts[${i}] is ${typeof text === 'string' ? 'empty' : `a ${typeof text}`}: the embeddings API takes non-empty strings only.`,
            { details: { index: i } },
          );
        }
      });
      const out: Float32Array[] = [];
      for (const group of requests(texts)) out.push(...(await request(group, signal)));
      return out;
    },
  });
}

function fail(error: Error): never {
  throw error;
}

/** Retry-After as ms: OpenAI's `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfter(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
