// A Kodexa stand-in on loopback that speaks the orchestrator-execution-slices API as Kodexa does:
// whole-resource PUT, changeSequence optimistic locking (409 when stale), x-api-key (401 when
// wrong), a PUT body Kodexa's Java backend cannot bind refused with Spring's 400. Tests inject
// faults into it; `npm start` and `npm run emulator` run the same server.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sliceBodyProblem } from './slice-schema.ts';

export type Slice = Record<string, unknown> & { id: string; changeSequence: number };

/**
 * What the next matching request gets instead of (or before) normal handling: of that method, for
 * that slice, if given; a `persistent` fault serves every matching request until cleared.
 */
export type Fault = { method?: 'GET' | 'PUT'; sliceId?: string; persistent?: true } & (
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { reset: true }
  | { delayMs: number }
  | { concurrentWrite: Record<string, unknown> }
);

export interface KodexaRequest {
  method: string;
  path: string;
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
  options: { apiKey?: string; slices?: Slice[]; port?: number } = {},
): Promise<KodexaEmulator> {
  let apiKey = options.apiKey ?? `local-emulator-key-${randomUUID().slice(0, 8)}`;
  const slices = new Map((options.slices ?? []).map((s) => [s.id, structuredClone(s)]));
  const requests: KodexaRequest[] = [];
  const faults: Fault[] = [];
  let connections = 0;

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

  const server = createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const body = await readBody(req);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method, path, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };

    const match = SLICE_PATH.exec(path);
    const faultAt = faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.sliceId || (match?.[1] && decodeURIComponent(match[1])) === f.sliceId),
    );
    const fault = faults[faultAt];
    if (fault && !fault.persistent) faults.splice(faultAt, 1);
    if (fault && 'reset' in fault) {
      requests.push({ method, path, status: 0 });
      req.socket.resetAndDestroy();
      return;
    }
    if (fault && 'status' in fault) return answer(fault.status, fault.body, fault.headers);
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && 'concurrentWrite' in fault && match?.[1]) write(match[1], fault.concurrentWrite);
    if (res.destroyed) return;

    if (req.headers['x-api-key'] !== apiKey) {
      return answer(401, { errorMessage: 'Unauthorized: invalid or missing x-api-key' });
    }
    const id = match?.[1] && decodeURIComponent(match[1]);
    const current = id ? slices.get(id) : undefined;
    if (!id || !current) return answer(404, { errorMessage: `Not found: ${path}` });
    if (method === 'GET') return answer(200, current);
    if (method !== 'PUT') return answer(405, { errorMessage: `${method} is not allowed` });

    // Spring answers a body that Jackson cannot read or bind with this 400, before any locking.
    const badRequest = (problem: string) =>
      answer(400, {
        timestamp: new Date().toISOString(),
        status: 400,
        error: 'Bad Request',
        message: `JSON parse error: ${problem}`,
        path,
      });
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
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get apiKey() {
      return apiKey;
    },
    slices,
    requests,
    connections: () => connections,
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

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}
