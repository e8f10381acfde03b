import { describe, expect, it } from 'vitest';
import { createRetryAfterFetch, isRetryable, withRetries } from '../src/index.js';

const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

function harness(failures: unknown[]) {
  const waits: number[] = [];
  let calls = 0;
  const attempt = async () => {
    calls++;
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return 'ok';
  };
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { attempt, sleep, waits, calls: () => calls };
}

describe('isRetryable', () => {
  it.each([
    [named('PineconeUnavailableError'), true],
    [named('PineconeInternalServerError'), true],
    [named('PineconeConnectionError'), true],
    [
      named(
        'PineconeUnmappedHttpError',
        'An unexpected error occured. Status: 429. Body: slow down',
      ),
      true,
    ],
    [new TypeError('fetch failed'), true],
    [Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }), true],
    [new TypeError('records is not iterable'), false],
    [new TypeError("Cannot read properties of undefined (reading 'id')"), false],
    [named('PineconeBadRequestError'), false],
    [named('PineconeNotFoundError', 'Status: 404.'), false],
    [named('AbortError'), false],
    [new Error('validation'), false],
  ])('%s → %s', (error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });
});

describe('withRetries', () => {
  it('retries 429 and 5xx with growing, jittered backoff, then succeeds', async () => {
    const h = harness([
      named('PineconeUnmappedHttpError', 'Status: 429.'),
      named('PineconeUnavailableError'),
      named('PineconeInternalServerError'),
    ]);
    await expect(
      withRetries(h.attempt, { baseDelayMs: 100 }, { sleep: h.sleep, random: () => 1 }),
    ).resolves.toBe('ok');
    expect(h.waits).toEqual([100, 200, 400]);
    expect(h.calls()).toBe(4);
  });

  it('does not retry what is not retryable', async () => {
    const h = harness([named('PineconeBadRequestError')]);
    await expect(withRetries(h.attempt, {}, { sleep: h.sleep })).rejects.toMatchObject({
      name: 'PineconeBadRequestError',
    });
    expect(h.calls()).toBe(1);
  });

  it('gives up after the retry budget and when the deadline would pass', async () => {
    const many = harness(Array.from({ length: 10 }, () => named('PineconeUnavailableError')));
    await expect(
      withRetries(many.attempt, { retries: 2 }, { sleep: many.sleep, random: () => 0 }),
    ).rejects.toMatchObject({ name: 'PineconeUnavailableError' });
    expect(many.calls()).toBe(3);
    const slow = harness([named('PineconeUnavailableError')]);
    await expect(
      withRetries(
        slow.attempt,
        { deadlineMs: 50, baseDelayMs: 5_000, maxDelayMs: 5_000 },
        { sleep: slow.sleep, random: () => 1 },
      ),
    ).rejects.toBeDefined();
    expect(slow.waits).toEqual([]);
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    const h = harness([]);
    await expect(
      withRetries(h.attempt, {}, { signal: controller.signal, sleep: h.sleep }),
    ).rejects.toThrow('client went away');
    expect(h.calls()).toBe(0);
  });
});

describe('createRetryAfterFetch', () => {
  const responses = (...statuses: [number, string?][]) => {
    const calls: number[] = [];
    const fetch = (async () => {
      const [status, retryAfter] = statuses[Math.min(calls.length, statuses.length - 1)]!;
      calls.push(status);
      return new Response('{}', {
        status,
        headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      });
    }) as typeof globalThis.fetch;
    return { fetch, calls };
  };

  it('waits what Retry-After asks for that request, then sends it again', async () => {
    const { fetch, calls } = responses([429, '2'], [200]);
    const waits: number[] = [];
    const response = await createRetryAfterFetch(fetch, async (ms) => {
      waits.push(ms);
    })('http://x/vectors/upsert', { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(calls).toEqual([429, 200]);
    expect(waits).toEqual([2_000]);
  });

  it('hands the 429 to the caller without Retry-After, after five attempts, or past 60 s of waiting', async () => {
    const none = responses([429]);
    expect((await createRetryAfterFetch(none.fetch, async () => {})('http://x')).status).toBe(429);
    expect(none.calls).toHaveLength(1);
    const always = responses([429, '0']);
    expect((await createRetryAfterFetch(always.fetch, async () => {})('http://x')).status).toBe(
      429,
    );
    expect(always.calls).toHaveLength(6);
    const long = responses([429, '61']);
    expect((await createRetryAfterFetch(long.fetch, async () => {})('http://x')).status).toBe(429);
    expect(long.calls).toHaveLength(1);
  });
});
