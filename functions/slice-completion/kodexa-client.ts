// Kodexa's orchestrator-execution-slices API: each request a loop of attempts, each attempt let
// through by the gate when there is one, sent (kodexa-request.ts), its answer classified
// (kodexa-answer.ts) and acted on: the slice returned, the key read again, a retry decided
// (retry-decision.ts) within the time the request has (request-time.ts), or a named error thrown.
import type { ApiKeySource } from './api-key.ts';
import { KodexaUnavailable } from './errors.ts';
import {
  type Answer,
  type AttemptOutcome,
  classifyAnswer,
  classifyFetchError,
  type Exchange,
  isTimeout,
} from './kodexa-answer.ts';
import { readAnswer, requestKodexa } from './kodexa-request.ts';
import { attemptTimeoutMs, waitLimit } from './request-time.ts';
import { decideRetry } from './retry-decision.ts';
import type { Slice } from './update-rules.ts';

/** One invocation's time limit and what its calls to Kodexa did, for the invocation's log line. */
export interface Invocation {
  /** Epoch ms after which no request may still be running. */
  deadline: number;
  /**
   * How long one request may wait, in retries and at the gate, before the completion is handed
   * back to the buffer instead, so that it does not hold a concurrency slot while it waits.
   * Unset: until the deadline.
   */
  waitBudgetMs?: number;
  /**
   * When Kodexa may be asked again, set when a wait the request could not make (past its budget or
   * the deadline, Kodexa's Retry-After included) ended its attempts: the buffer hides the record
   * until then.
   */
  retryAt?: number;
  statusCodes: number[];
  retries: number;
  conflicts: number;
}

export interface KodexaClient {
  getSlice(invocation: Invocation, sliceId: string): Promise<Slice>;
  /** `conflict` when Kodexa refused the write because the slice changed since it was read. */
  putSlice(invocation: Invocation, sliceId: string, slice: Slice): Promise<Slice | 'conflict'>;
}

export interface KodexaClientOptions {
  baseUrl: string;
  requestTimeoutMs: number;
  apiKey: ApiKeySource;
  secretId: string;
  /** Told of every exchange with Kodexa, for DEBUG logs; never given the key. */
  debug: (message: string, details: Record<string, unknown>) => void;
  /** Shared by the requests of every completion a container has in hand (the buffer's batches). */
  gate?: KodexaGate;
  /** The retries' jitter: in [0, 1), as Math.random. */
  random: () => number;
}

/** Paces requests to Kodexa; each request enters it, and reports how it ended. */
export interface KodexaGate {
  /**
   * Resolves when the request may be sent, with what to call when it has been answered; throws
   * KodexaUnavailable, with `invocation.retryAt` set, when that is later than `waitUntil`.
   */
  enter(
    invocation: Invocation,
    request: string,
    waitUntil: number,
  ): Promise<(answer: GateAnswer) => void>;
}

/**
 * How a request the gate let through ended: the status Kodexa answered with, and its Retry-After;
 * `status: 0` when Kodexa gave no answer (a reset, a refused connection, none within the request
 * timeout); `cutShort` when the invocation's deadline ended the wait first, or left no time to
 * send it, which says nothing of how Kodexa fares.
 */
export type GateAnswer = { status: number; retryAfter?: string | null } | { cutShort: true };

export function createKodexaClient(options: KodexaClientOptions): KodexaClient {
  const slicePath = (sliceId: string) =>
    `/api/orchestrator-execution-slices/${encodeURIComponent(sliceId)}`;
  return {
    getSlice: (invocation, sliceId) =>
      send(options, invocation, 'GET', slicePath(sliceId), sliceId) as Promise<Slice>,
    putSlice: (invocation, sliceId, slice) =>
      send(options, invocation, 'PUT', slicePath(sliceId), sliceId, slice),
  };
}

async function send(
  options: KodexaClientOptions,
  invocation: Invocation,
  method: 'GET' | 'PUT',
  path: string,
  sliceId: string,
  body?: Slice,
): Promise<Slice | 'conflict'> {
  const url = `${options.baseUrl}${path}`;
  const exchange: Exchange = {
    method,
    request: `${method} ${url}`,
    baseUrl: options.baseUrl,
    sliceId,
    secretId: options.secretId,
    apiKey: await options.apiKey(),
    keyRefreshed: false,
  };
  const { request } = exchange;
  const waitUntil = waitLimit(invocation, Date.now());
  let lastFailure = '';
  for (let attempt = 1; ; attempt++) {
    // Not awaited without a gate, so that a direct invocation runs exactly as it did before gates.
    const answered = options.gate && (await options.gate.enter(invocation, request, waitUntil));
    const timeoutMs = attemptTimeoutMs(invocation.deadline, options.requestTimeoutMs, Date.now());
    if (timeoutMs === undefined) {
      // Stryker disable next-line BooleanLiteral: equivalent, the gate reads the key, not its value
      answered?.({ cutShort: true });
      throw new KodexaUnavailable(
        `${request}: no time left in this invocation${lastFailure ? ` (last failure: ${lastFailure})` : ''}`,
      );
    }
    const outcome = await attemptOnce(options, invocation, exchange, url, body, {
      attempt,
      timeoutMs,
      answered,
    });
    switch (outcome.kind) {
      case 'slice':
        return outcome.slice;
      case 'conflict':
        return 'conflict';
      case 'fail':
        throw outcome.error;
      case 'refreshKey':
        exchange.keyRefreshed = true;
        exchange.apiKey = await options.apiKey({ refresh: true });
        break;
      case 'retry': {
        lastFailure = outcome.failure;
        const next = decideRetry(
          { request, attempt, failure: lastFailure, retryAfter: outcome.retryAfter },
          { deadline: invocation.deadline, waitUntil },
          Date.now(),
          options.random,
        );
        if ('error' in next) {
          // Nothing else sets it before the request's error ends the completion.
          invocation.retryAt = next.retryAt;
          throw next.error;
        }
        invocation.retries++;
        await new Promise((resolve) => setTimeout(resolve, next.retryInMs));
      }
    }
  }
}

/** One attempt, its answer (or its failure) told to the gate, the invocation's record and DEBUG. */
async function attemptOnce(
  options: KodexaClientOptions,
  invocation: Invocation,
  exchange: Exchange,
  url: string,
  body: Slice | undefined,
  {
    attempt,
    timeoutMs,
    answered,
  }: {
    attempt: number;
    timeoutMs: number;
    answered: ((answer: GateAnswer) => void) | undefined;
  },
): Promise<AttemptOutcome> {
  const { request } = exchange;
  const failed = (error: unknown): AttemptOutcome => {
    const outcome = classifyFetchError(error, timeoutMs, options.baseUrl);
    if (outcome.kind === 'retry') {
      options.debug('Kodexa request failed', { request, attempt, failure: outcome.failure });
    }
    return outcome;
  };
  let response: Response;
  try {
    response = await requestKodexa(url, exchange.method, exchange.apiKey, body, timeoutMs);
  } catch (error) {
    // Only Kodexa's own request timeout counts against it, not a wait the deadline cut shorter.
    const cutShort = timeoutMs < options.requestTimeoutMs && isTimeout(error);
    answered?.(cutShort ? { cutShort } : { status: 0 });
    return failed(error);
  }
  const { status } = response;
  answered?.({ status, retryAfter: response.headers.get('retry-after') });
  invocation.statusCodes.push(status);
  options.debug('Kodexa answered', { request, attempt, status });
  let answer: Answer;
  try {
    answer = await readAnswer(response);
  } catch (error) {
    // The headers came but not the whole body (a reset, or the time limit ran out while reading
    // it): as a request that failed, retried and at last named, not a bare fetch error.
    return failed(error);
  }
  return classifyAnswer(answer, exchange);
}
