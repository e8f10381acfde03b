import { describe, expect, it } from 'vitest';
import { isRetryable, withRetries } from '../src/index.js';

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

  it('waits at least what Retry-After asked for', async () => {
    const h = harness([named('PineconeUnmappedHttpError', 'Status: 429.')]);
    await withRetries(
      h.attempt,
      { baseDelayMs: 10 },
      { sleep: h.sleep, random: () => 1, retryAfterMs: () => 2_000 },
    );
    expect(h.waits).toEqual([2_000]);
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
        { deadlineMs: 50 },
        { sleep: slow.sleep, retryAfterMs: () => 5_000 },
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
