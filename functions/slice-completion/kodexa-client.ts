// Kodexa's orchestrator-execution-slices API over Node's fetch. Node's fetch keeps connections
// alive across calls, so a warm container reuses one connection for many invocations.
import { setImmediate } from 'node:timers/promises';
import type { ApiKeySource } from './api-key.ts';
import {
  ConfigurationError,
  KodexaAuthError,
  KodexaRequestRejected,
  KodexaUnavailable,
  SliceNotFound,
} from './errors.ts';
import { requestTimeout } from './request-timeout.ts';
import { retryDelayMs } from './retry-delay.ts';
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
  /** When Kodexa may be asked again, set when a wait past the budget ended the attempts. */
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

/** A status Kodexa answered with, and its Retry-After; `status: 0` when no answer came. */
export interface GateAnswer {
  status: number;
  retryAfter?: string | null;
}

const MAX_ATTEMPTS = 6;
const EXCERPT_CHARS = 300;

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
  const request = `${method} ${options.baseUrl}${path}`;
  let apiKey = await options.apiKey();
  let keyRefreshed = false;
  let lastFailure = '';
  const { deadline, waitBudgetMs } = invocation;
  const waitUntil =
    waitBudgetMs === undefined ? deadline : Math.min(deadline, Date.now() + waitBudgetMs);
  for (let attempt = 1; ; attempt++) {
    // Not awaited without a gate, so that a direct invocation runs exactly as it did before gates.
    const answered = options.gate && (await options.gate.enter(invocation, request, waitUntil));
    const remaining = invocation.deadline - Date.now();
    if (remaining <= 0) {
      answered?.({ status: 0 });
      throw new KodexaUnavailable(
        `${request}: no time left in this invocation${lastFailure ? ` (last failure: ${lastFailure})` : ''}`,
      );
    }
    const timeoutMs = Math.min(options.requestTimeoutMs, remaining);
    // Ended once the answer is read, in every branch below.
    const timeout = requestTimeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          'x-api-key': apiKey,
          ...(body && { 'content-type': 'application/json' }),
        },
        body: body && JSON.stringify(body),
        // fetch would follow a redirect with x-api-key still set, to any origin and even to
        // plain http: the key goes nowhere but KODEXA_URL, so a 3xx comes back to us unfollowed.
        redirect: 'manual',
        signal: timeout.signal,
      });
    } catch (error) {
      timeout.clear();
      answered?.({ status: 0 });
      // fetch never connects to a port the Fetch standard blocks: a setting to fix, not an outage.
      if (((error as Error).cause as Error | undefined)?.message === 'bad port') {
        throw new ConfigurationError(
          `KODEXA_URL ${options.baseUrl}: fetch refuses its port ("bad port")`,
        );
      }
      lastFailure = networkFailure(error, timeoutMs);
      options.debug('Kodexa request failed', { request, attempt, failure: lastFailure });
      await backOff(invocation, request, attempt, null, lastFailure, waitUntil);
      continue;
    }
    const { status } = response;
    answered?.({ status, retryAfter: response.headers.get('retry-after') });
    invocation.statusCodes.push(status);
    options.debug('Kodexa answered', { request, attempt, status });
    if (response.ok) {
      try {
        return await readSlice(response, method, request, apiKey);
      } finally {
        timeout.clear();
      }
    }
    const text = await response.text().catch(() => '');
    timeout.clear();
    // Not retried: the same request would be redirected again.
    if (status >= 300 && status < 400) {
      throw new KodexaRequestRejected(
        `${request}: Kodexa answered ${status} redirecting to ${locationOrigin(response, options.baseUrl)}; redirects are refused, because the API key goes only to KODEXA_URL's origin (${new URL(options.baseUrl).origin})`,
      );
    }
    if (status === 401 || status === 403) {
      if (!keyRefreshed) {
        // The key may have been rotated since it was cached: read it once more, bypassing the cache.
        keyRefreshed = true;
        apiKey = await options.apiKey({ refresh: true });
        continue;
      }
      throw new KodexaAuthError(
        `${request}: Kodexa answered ${status} to the API key from secret ${options.secretId}, also after re-reading the secret`,
      );
    }
    if (status === 404) {
      throw new SliceNotFound(`slice ${sliceId} was not found in Kodexa (${request} answered 404)`);
    }
    if (method === 'PUT' && (status === 409 || status === 412)) return 'conflict';
    if (status === 429 || status >= 500) {
      lastFailure = `HTTP ${status}${excerpt(text, apiKey)}`;
      await backOff(
        invocation,
        request,
        attempt,
        response.headers.get('retry-after'),
        lastFailure,
        waitUntil,
      );
      continue;
    }
    throw new KodexaRequestRejected(
      `${request}: Kodexa answered ${status}${excerpt(text, apiKey)}`,
    );
  }
}

async function backOff(
  invocation: Invocation,
  request: string,
  attempt: number,
  retryAfter: string | null,
  failure: string,
  waitUntil: number,
): Promise<void> {
  if (attempt >= MAX_ATTEMPTS) {
    throw new KodexaUnavailable(`${request}: failed ${attempt} times; last failure: ${failure}`);
  }
  const delay = retryDelayMs(attempt, retryAfter, Date.now());
  if (Date.now() + delay >= invocation.deadline) {
    throw new KodexaUnavailable(
      `${request}: failed ${attempt} time(s) and the next retry (in ${delay} ms) would pass the invocation's deadline; last failure: ${failure}`,
    );
  }
  if (Date.now() + delay > waitUntil) {
    invocation.retryAt = Date.now() + delay;
    throw new KodexaUnavailable(
      `${request}: failed ${attempt} time(s); the next retry (in ${delay} ms) is left to the buffer's redelivery; last failure: ${failure}`,
    );
  }
  invocation.retries++;
  await new Promise((resolve) => setTimeout(resolve, delay));
}

async function readSlice(
  response: Response,
  method: 'GET' | 'PUT',
  request: string,
  apiKey: string,
): Promise<Slice> {
  const text = await response.text();
  // fetch hands over the body a turn before it returns the socket to its pool; without this
  // wait, the PUT that follows a GET at once opens a second connection to Kodexa.
  await setImmediate();
  // A write Kodexa accepted without echoing the slice (204) is still done: failing here would
  // only make Lambda redeliver an event that is already recorded.
  if (method === 'PUT' && !text.trim()) return {};
  try {
    const slice: unknown = JSON.parse(text);
    if (typeof slice === 'object' && slice !== null && !Array.isArray(slice)) return slice as Slice;
  } catch {
    // reported below, with an excerpt of what came back instead
  }
  throw new KodexaRequestRejected(
    `${request}: Kodexa answered ${response.status} without a JSON slice${excerpt(text, apiKey)}`,
  );
}

/** Where a redirect points, as scheme and host only: its path or query could carry anything. */
function locationOrigin(response: Response, baseUrl: string): string {
  const location = response.headers.get('location');
  if (!location) return 'no Location';
  try {
    const url = new URL(location, baseUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'an unreadable Location';
  }
}

function networkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no response within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : '';
  return `connection failed${code ? ` (${String(code)})` : ''}${detail ? `: ${detail}` : ''}`;
}

/** A short, single-line piece of Kodexa's error body, for operators; never the key. */
function excerpt(text: string, apiKey: string): string {
  const clean = text.replaceAll(apiKey, '[redacted]').replace(/\s+/g, ' ').trim();
  if (!clean) return '';
  return `: ${clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}...` : clean}`;
}
