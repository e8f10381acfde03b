// Retries for Pinecone calls: 429, 5xx and dropped connections are retried with exponential
// backoff and full jitter, within a deadline, and never after an abort. (Retry-After is honoured
// per request by the client's fetch: see createRetryAfterFetch.)

export interface RetryOptions {
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** First backoff, in ms. Default 100. */
  baseDelayMs?: number;
  /** Longest single backoff, in ms. Default 10,000. */
  maxDelayMs?: number;
  /** Give up once this much time (ms) has passed since the first attempt. Default 60,000. */
  deadlineMs?: number;
}

export interface RetryContext {
  readonly signal?: AbortSignal | undefined;
  /** Test seam. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

const RETRYABLE_NAMES = new Set([
  'PineconeConnectionError',
  'PineconeInternalServerError',
  'PineconeUnavailableError',
  'PineconeTimeoutError',
  'PineconeMaxRetriesExceededError',
]);

/** Status of an HTTP error surfaced by the SDK, when it says. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number') return status;
  const match = /Status: (\d{3})/.exec(String((error as Error)?.message ?? ''));
  return match ? Number(match[1]) : undefined;
}

/** True for failures worth another attempt: rate limits, server errors, lost connections. */
export function isRetryable(error: unknown): boolean {
  const name = (error as Error)?.name;
  if (name === 'AbortError') return false;
  if (RETRYABLE_NAMES.has(name)) return true;
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  // Network failures carry no status: undici's "fetch failed" (its cause names the socket error)
  // or a reset connection. Other TypeErrors are bugs, not outages: never retried.
  const message = String((error as Error)?.message ?? '');
  const cause = String((error as { cause?: { code?: unknown } })?.cause?.code ?? '');
  return (
    /^fetch failed$/i.test(message) ||
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_)/.test(cause) ||
    /ECONNRESET|socket hang up|other side closed/i.test(message)
  );
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or the budget runs out. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
  context: RetryContext = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 10_000;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const sleep = context.sleep ?? defaultSleep;
  const random = context.random ?? Math.random;
  for (let n = 0; ; n++) {
    context.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (n >= retries || !isRetryable(error) || context.signal?.aborted) throw error;
      const wait = random() * Math.min(cap, base * 2 ** n);
      if (Date.now() + wait > deadline) throw error;
      await sleep(wait, context.signal);
    }
  }
}
