// A Kodexa stand-in on loopback that speaks the orchestrator-execution-slices API as Kodexa does:
// whole-resource PUT, changeSequence optimistic locking (409 when stale), x-api-key (401 when
// wrong), 404 to a slice it does not have (its own error body) or to a path it does not serve
// (Spring's), a PUT body that is not declared JSON refused with Spring's 415, and one Kodexa's Java
// backend cannot bind with Spring's 400, and, when asked, a rate limit answered with 429 and
// Retry-After. Tests inject faults into it, so that every answer Kodexa documents can be produced
// on demand (see `Fault`); `npm start`, `npm run emulator` and `npm run bench` run the same server.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sliceBodyProblem } from './slice-schema.ts';

export type Slice = Record<string, unknown> & { id: string; changeSequence: number };

/**
 * What the next matching request gets instead of (or before) normal handling; `method` limits a
 * fault to GETs or to PUTs, `sliceId` to one slice; a `persistent` fault serves every matching
 * request until cleared. One switch per answer Kodexa documents, or per way its network fails:
 * - `{ status, body?, headers? }`: exactly this answer, whatever the request (429 with Retry-After,
 *   5xx, 400, 204, ...), the body as JSON;
 * - `{ status, text }`: the same with a body that is not JSON (a proxy's HTML error page, say);
 * - `{ status, cutOff: true }`: this status and headers, then the connection reset before the body
 *   ends, logged with status 0;
 * - `{ forbidden: true }`: 403 with Spring Security's body, as Kodexa refuses a key it knows but
 *   that may not do this (revoked, or without the permission);
 * - `{ preconditionFailed: true }`, PUTs only: 412 with Spring's body, as Kodexa refuses a write
 *   whose precondition no longer holds (the slice changed since it was read);
 * - `{ delayMs }`: the normal answer, `delayMs` late (a slow Kodexa); none at all when the client
 *   gives up first, logged with status 0;
 * - `{ reset: true }`: the connection reset without an answer, logged with status 0;
 * - `{ concurrentWrite }`: another writer stores these fields just before the request is handled.
 */
export type Fault = { method?: 'GET' | 'PUT'; sliceId?: string; persistent?: true } & (
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { redirect: 301 | 302 | 303 | 307 | 308; location: string }
  | { status: number; text: string }
  | { status: number; cutOff: true }
  | { forbidden: true }
  | { method: 'PUT'; preconditionFailed: true }
  | { delayMs: number }
  | { reset: true }
  | { concurrentWrite: Record<string, unknown> }
);

export interface KodexaRequest {
  method: string;
  path: string;
  /** 0 when no answer was sent: the connection was reset, or the client gave up waiting. */
  status: number;
}

export interface KodexaEmulator {
  url: string;
  apiKey: string;
  /** The slices as Kodexa holds them now. */
  slices: Map<string, Slice>;
  requests: KodexaRequest[];
  /** TCP connections accepted since start. */
  connections(): number;
  /**
   * Calls `listener` with each request as it arrives, before it is handled or logged (so before
   * its client can have an answer); returns what stops the calls.
   */
  onRequest(listener: (request: { method: string; path: string }) => void): () => void;
  /** The most requests it held at once (arrived, answer not yet sent), since start. */
  peakInFlight(): number;
  /** Queue faults; each is used by the next request it matches. */
  inject(...faults: Fault[]): void;
  /** Drop the faults no request has used yet, and return them. */
  clearFaults(): Fault[];
  /** Store a slice, as if some other writer saved it, and return the stored copy. */
  write(id: string, changes: Record<string, unknown>): Slice;
  setApiKey(apiKey: string): void;
  close(): Promise<void>;
}

const SLICE_PATH = /^\/api\/orchestrator-execution-slices\/([^/]+)$/;

export async function startKodexaEmulator(
  options: {
    apiKey?: string;
    slices?: Slice[];
    port?: number;
    /** Serve https with this certificate, as Kodexa does, instead of plain http. */
    tls?: { key: string; cert: string };
    /**
     * Kodexa's rate limit, as a token bucket holding one second's worth: a request beyond it gets
     * 429 with a Retry-After of the whole seconds until it would have been taken.
     */
    rateLimit?: { requestsPerSecond: number };
    /**
     * How long every answer takes, 429s and faults included: a Kodexa some distance away (a
     * network between, a database behind) rather than one on loopback. None at all to a client
     * that gives up first.
     */
    latencyMs?: number;
  } = {},
): Promise<KodexaEmulator> {
  let apiKey = options.apiKey ?? `local-emulator-key-${randomUUID().slice(0, 8)}`;
  const slices = new Map((options.slices ?? []).map((s) => [s.id, structuredClone(s)]));
  const requests: KodexaRequest[] = [];
  const faults: Fault[] = [];
  const listeners = new Set<(request: { method: string; path: string }) => void>();
  let connections = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const bucket = options.rateLimit && tokenBucket(options.rateLimit.requestsPerSecond);

  // Kodexa's PUT replaces the whole resource: fields left out of the body are gone.
  const replace = (id: string, body: Record<string, unknown>): Slice => {
    const stored: Slice = {
      ...body,
      id,
      changeSequence: (slices.get(id)?.changeSequence ?? 0) + 1,
      updatedOn: new Date().toISOString(),
    };
    slices.set(id, stored);
    return stored;
  };
  const write = (id: string, changes: Record<string, unknown>) =>
    replace(id, { ...slices.get(id), ...changes });

  const handle: RequestListener = async (req, res) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => inFlight--);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    for (const listener of listeners) listener({ method, path });
    const body = await readBody(req);
    const unanswered = () => requests.push({ method, path, status: 0 });
    if (options.latencyMs && !(await stillWaiting(res, options.latencyMs))) return unanswered();
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) =>
      send(status, payload === undefined ? '' : JSON.stringify(payload), {
        'content-type': 'application/json',
        ...headers,
      });
    const send = (status: number, text: string, headers: Record<string, string>) => {
      requests.push({ method, path, status });
      res.writeHead(status, headers);
      res.end(text);
    };
    // Spring Boot's error body, as Kodexa's Java backend sends it.
    const springError = (status: number, error: string, message: string) =>
      answer(status, { timestamp: new Date().toISOString(), status, error, message, path });

    const match = SLICE_PATH.exec(path);
    const faultAt = faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.sliceId || (match?.[1] && decodeURIComponent(match[1])) === f.sliceId),
    );
    const fault = faults[faultAt];
    if (fault && !fault.persistent) faults.splice(faultAt, 1);
    if (fault && 'reset' in fault) {
      unanswered();
      req.socket.resetAndDestroy();
      return;
    }
    if (fault && 'cutOff' in fault) {
      unanswered();
      res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"errorMessage":', () => req.socket.resetAndDestroy());
      return;
    }
    if (fault && 'text' in fault) {
      return send(fault.status, fault.text, { 'content-type': 'text/html' });
    }
    if (fault && 'status' in fault) return answer(fault.status, fault.body, fault.headers);
    if (fault && 'redirect' in fault) {
      return answer(fault.redirect, undefined, { location: fault.location });
    }
    if (fault && 'forbidden' in fault) return springError(403, 'Forbidden', 'Access Denied');
    if (fault && 'preconditionFailed' in fault) {
      return springError(412, 'Precondition Failed', 'The slice has changed since it was read');
    }
    if (fault && 'delayMs' in fault && !(await stillWaiting(res, fault.delayMs))) {
      return unanswered();
    }
    if (fault && 'concurrentWrite' in fault && match?.[1]) write(match[1], fault.concurrentWrite);
    if (res.destroyed) return;

    const waitMs = bucket?.take();
    if (waitMs) {
      return answer(
        429,
        { errorMessage: 'Too Many Requests' },
        { 'retry-after': String(Math.ceil(waitMs / 1000)) },
      );
    }
    if (req.headers['x-api-key'] !== apiKey) {
      return answer(401, { errorMessage: 'Unauthorized: invalid or missing x-api-key' });
    }
    const id = match?.[1] && decodeURIComponent(match[1]);
    const current = id ? slices.get(id) : undefined;
    // A path no controller serves gets Spring Boot's own error body (without a message, as Spring
    // Boot leaves it out by default); a slice Kodexa does not have gets Kodexa's.
    if (!id) {
      const timestamp = new Date().toISOString();
      return answer(404, { timestamp, status: 404, error: 'Not Found', path });
    }
    if (!current) return answer(404, { errorMessage: `Not found: ${path}` });
    if (method === 'GET') return answer(200, current);
    if (method !== 'PUT') return answer(405, { errorMessage: `${method} is not allowed` });

    // Spring reads a request body only as the media type it is declared to be.
    const contentType = req.headers['content-type'] ?? 'application/octet-stream';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return springError(
        415,
        'Unsupported Media Type',
        `Content-Type '${contentType}' is not supported`,
      );
    }
    // Spring answers a body that Jackson cannot read or bind with this 400, before any locking.
    const badRequest = (problem: string) =>
      springError(400, 'Bad Request', `JSON parse error: ${problem}`);
    let incoming: Record<string, unknown>;
    try {
      incoming = JSON.parse(body);
    } catch (error) {
      return badRequest((error as Error).message);
    }
    const problem = sliceBodyProblem(incoming);
    if (problem) return badRequest(problem);
    if (incoming.changeSequence !== current.changeSequence) {
      return answer(409, {
        errorMessage: `Stale changeSequence ${String(incoming.changeSequence)}: the slice is at ${current.changeSequence}`,
      });
    }
    return answer(200, replace(id, incoming));
  };
  const server = options.tls ? createTlsServer(options.tls, handle) : createServer(handle);
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get apiKey() {
      return apiKey;
    },
    slices,
    requests,
    connections: () => connections,
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    peakInFlight: () => peakInFlight,
    inject: (...more) => faults.push(...more),
    clearFaults: () => faults.splice(0),
    write,
    setApiKey: (key) => {
      apiKey = key;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A bucket of one second's worth of requests, refilled continuously; `take` returns 0 when it
 * took a token, else the milliseconds until one is there.
 */
function tokenBucket(requestsPerSecond: number) {
  let tokens = requestsPerSecond;
  let filledAt = Date.now();
  return {
    take(): number {
      const now = Date.now();
      tokens = Math.min(requestsPerSecond, tokens + ((now - filledAt) / 1000) * requestsPerSecond);
      filledAt = now;
      if (tokens < 1) return ((1 - tokens) / requestsPerSecond) * 1000;
      tokens--;
      return 0;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/** Waits `ms`, or less when the client gives up first; says whether the client still waits. */
function stillWaiting(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const gone = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', gone);
      resolve(true);
    }, ms);
    res.once('close', gone);
  });
}
