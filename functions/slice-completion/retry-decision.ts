// Whether a request whose attempt failed for a reason time may cure is tried again, and after how
// long: up to MAX_ATTEMPTS attempts, each wait from retry-delay.ts, none ending at or past the
// invocation's deadline, none past the request's wait limit (a batch record's budget: past it,
// the buffer's redelivery waits instead). Pure: the time and the random source are given.
import { KodexaUnavailable } from './errors.ts';
import { retryDelayMs } from './retry-delay.ts';

export const MAX_ATTEMPTS = 6;

export interface FailedAttempt {
  /** `METHOD URL`, as messages name the request. */
  request: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** What went wrong, for the message should the request give up. */
  failure: string;
  retryAfter: string | null;
}

export type RetryDecision =
  | { retryInMs: number }
  /** `retryAt`: when Kodexa may be asked again, when the wait was left to the buffer. */
  | { error: KodexaUnavailable; retryAt?: number };

export function decideRetry(
  { request, attempt, failure, retryAfter }: FailedAttempt,
  { deadline, waitUntil }: { deadline: number; waitUntil: number },
  now: number,
  random: () => number,
): RetryDecision {
  if (attempt >= MAX_ATTEMPTS) {
    return {
      error: new KodexaUnavailable(`${request}: failed ${attempt} times; last failure: ${failure}`),
    };
  }
  const delay = retryDelayMs(attempt, retryAfter, now, random);
  if (now + delay >= deadline) {
    return {
      error: new KodexaUnavailable(
        `${request}: failed ${attempt} time(s) and the next retry (in ${delay} ms) would pass the invocation's deadline; last failure: ${failure}`,
      ),
    };
  }
  if (now + delay > waitUntil) {
    return {
      error: new KodexaUnavailable(
        `${request}: failed ${attempt} time(s); the next retry (in ${delay} ms) is left to the buffer's redelivery; last failure: ${failure}`,
      ),
      retryAt: now + delay,
    };
  }
  return { retryInMs: delay };
}
