// What one attempt of a request to Kodexa came to, as one outcome the request loop acts on
// (kodexa-client.ts): Kodexa's answer, or the error fetch threw instead. Pure: no I/O, no clock.
import {
  ConfigurationError,
  KodexaAuthError,
  KodexaRequestRejected,
  SliceNotFound,
} from './errors.ts';
import { isObject } from './json-object.ts';
import { oneLine, shorten } from './short-text.ts';
import type { Slice } from './update-rules.ts';

export type AttemptOutcome =
  | { kind: 'slice'; slice: Slice }
  /** Kodexa refused the write because the slice changed since it was read. */
  | { kind: 'conflict' }
  /** Kodexa refused the key: read the secret again and repeat the request. */
  | { kind: 'refreshKey' }
  /** A failure that time may cure; `failure` says what it was, for the error that may follow. */
  | { kind: 'retry'; failure: string; retryAfter: string | null }
  | { kind: 'fail'; error: Error };

/** The request an answer is to, and what its messages name. */
export interface Exchange {
  method: 'GET' | 'PUT';
  /** `METHOD URL`, as messages name the request. */
  request: string;
  baseUrl: string;
  sliceId: string;
  secretId: string;
  /** Redacted wherever Kodexa's body is quoted. */
  apiKey: string;
  /** Whether the key sent was read again, bypassing the cache, after Kodexa refused one. */
  keyRefreshed: boolean;
}

/** Kodexa's answer: its status, the headers that matter and the body as text. */
export interface Answer {
  status: number;
  text: string;
  retryAfter: string | null;
  location: string | null;
}

const EXCERPT_CHARS = 300;

export function classifyAnswer(answer: Answer, exchange: Exchange): AttemptOutcome {
  const { status, text } = answer;
  const { method, request, apiKey } = exchange;
  // fetch's statuses run from 200 to 599: it answers no 1xx, which are not final.
  if (status < 300) return sliceIn(answer, exchange);
  // Not retried, and not the completion's fault: KODEXA_URL is wrong for every completion, and the
  // same request would be redirected again until it is fixed.
  if (status < 400) {
    return fail(
      new ConfigurationError(
        `${request}: Kodexa answered ${status} redirecting to ${locationOrigin(answer.location, exchange.baseUrl)}; redirects are refused, because the API key goes only to KODEXA_URL's origin (${new URL(exchange.baseUrl).origin}); set KODEXA_URL to the origin that serves the API`,
      ),
    );
  }
  if (status === 401 || status === 403) {
    // The key may have been rotated since it was cached: read it once more.
    if (!exchange.keyRefreshed) return { kind: 'refreshKey' };
    return fail(
      new KodexaAuthError(
        `${request}: Kodexa answered ${status} to the API key from secret ${exchange.secretId}, also after re-reading the secret`,
      ),
    );
  }
  if (status === 404) {
    return fail(
      new SliceNotFound(
        `slice ${exchange.sliceId} was not found in Kodexa (${request} answered 404)`,
      ),
    );
  }
  if (method === 'PUT' && (status === 409 || status === 412)) return { kind: 'conflict' };
  if (status === 429 || isKodexaFailing(status)) {
    return {
      kind: 'retry',
      failure: `HTTP ${status}${excerpt(text, apiKey)}`,
      retryAfter: answer.retryAfter,
    };
  }
  return fail(
    new KodexaRequestRejected(`${request}: Kodexa answered ${status}${excerpt(text, apiKey)}`),
  );
}

/**
 * An answer that says Kodexa could not serve the request now, not that the request is wrong: a 5xx,
 * 408 Request Timeout (it stopped waiting for the request) or 425 Too Early (it will not risk a
 * replay yet). The same request may succeed later; 429, Kodexa's own pacing, is apart.
 */
export function isKodexaFailing(status: number): boolean {
  return status >= 500 || status === 408 || status === 425;
}

/** What fetch's error means: a port fetch refuses is a setting to fix; anything else, retried. */
export function classifyFetchError(
  error: unknown,
  timeoutMs: number,
  baseUrl: string,
): AttemptOutcome {
  // fetch never connects to a port the Fetch standard blocks: a setting to fix, not an outage.
  if (((error as Error).cause as Error | undefined)?.message === 'bad port') {
    return fail(
      new ConfigurationError(`KODEXA_URL ${baseUrl}: fetch refuses its port ("bad port")`),
    );
  }
  return { kind: 'retry', failure: networkFailure(error, timeoutMs), retryAfter: null };
}

function sliceIn({ status, text }: Answer, { method, request, apiKey }: Exchange): AttemptOutcome {
  // A write Kodexa accepted without echoing the slice (204) is still done: failing here would
  // only make Lambda redeliver an event that is already recorded.
  if (method === 'PUT' && !text.trim()) return { kind: 'slice', slice: {} };
  try {
    const slice: unknown = JSON.parse(text);
    if (isObject(slice)) return { kind: 'slice', slice };
  } catch {
    // reported below, with an excerpt of what came back instead
  }
  return fail(
    new KodexaRequestRejected(
      `${request}: Kodexa answered ${status} without a JSON slice${excerpt(text, apiKey)}`,
    ),
  );
}

function fail(error: Error): AttemptOutcome {
  return { kind: 'fail', error };
}

/** Where a redirect points, as scheme and host only: its path or query could carry anything. */
function locationOrigin(location: string | null, baseUrl: string): string {
  if (!location) return 'no Location';
  try {
    const url = new URL(location, baseUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'an unreadable Location';
  }
}

/** Whether fetch gave up because no answer came within its timeout (AbortSignal.timeout). */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function networkFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `no response within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : '';
  return `connection failed${code ? ` (${String(code)})` : ''}${detail ? `: ${detail}` : ''}`;
}

/** A short, single-line piece of Kodexa's error body, for operators; never the key. */
function excerpt(text: string, apiKey: string): string {
  const clean = oneLine(text.replaceAll(apiKey, '[redacted]'));
  return clean ? `: ${shorten(clean, EXCERPT_CHARS)}` : '';
}
