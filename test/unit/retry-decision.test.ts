import { describe, expect, it } from 'vitest';
import { decideRetry, type FailedAttempt } from '#functions/slice-completion/retry-decision.ts';

const now = Date.parse('2026-12-04T12:00:00Z');
const REQUEST = 'GET https://kodexa.example.com/api/orchestrator-execution-slices/s';
const ample = { deadline: now + 60_000, waitUntil: now + 60_000 };
/** Full jitter drawing its whole range: 200 ms after the first attempt, doubling. */
const most = () => 1;

function failed(attempt: number, fields: Partial<FailedAttempt> = {}): FailedAttempt {
  return { request: REQUEST, attempt, failure: 'HTTP 503', retryAfter: null, ...fields };
}

describe('decideRetry', () => {
  it('retries after each of the first five attempts, after the backoff drawn', () => {
    expect([1, 2, 3, 4, 5].map((n) => decideRetry(failed(n), ample, now, most))).toEqual([
      { retryInMs: 200 },
      { retryInMs: 400 },
      { retryInMs: 800 },
      { retryInMs: 1600 },
      { retryInMs: 3200 },
    ]);
    expect(decideRetry(failed(1), ample, now, () => 0.5)).toEqual({ retryInMs: 100 });
  });

  it('waits what Retry-After asks, and a jitter of up to 100 ms', () => {
    expect(decideRetry(failed(1, { retryAfter: '2' }), ample, now, () => 0.37)).toEqual({
      retryInMs: 2037,
    });
  });

  it('gives up after the sixth attempt', () => {
    expect(decideRetry(failed(6), ample, now, most)).toEqual({
      error: expect.objectContaining({
        name: 'KodexaUnavailable',
        message: `${REQUEST}: failed 6 times; last failure: HTTP 503`,
      }),
    });
  });

  it('gives up when the wait would end at the deadline or past it', () => {
    const retry = (deadline: number) =>
      decideRetry(failed(2), { deadline, waitUntil: deadline }, now, most);
    expect(retry(now + 401)).toEqual({ retryInMs: 400 });
    expect(retry(now + 400)).toEqual({
      error: expect.objectContaining({
        name: 'KodexaUnavailable',
        message: `${REQUEST}: failed 2 time(s) and the next retry (in 400 ms) would pass the invocation's deadline; last failure: HTTP 503`,
      }),
    });
  });

  it('leaves a wait past the wait limit to the buffer, saying when to come back', () => {
    const retry = (waitUntil: number) =>
      decideRetry(failed(3), { deadline: now + 60_000, waitUntil }, now, most);
    expect(retry(now + 800)).toEqual({ retryInMs: 800 });
    expect(retry(now + 799)).toEqual({
      error: expect.objectContaining({
        name: 'KodexaUnavailable',
        message: `${REQUEST}: failed 3 time(s); the next retry (in 800 ms) is left to the buffer's redelivery; last failure: HTTP 503`,
      }),
      retryAt: now + 800,
    });
  });
});
