// The Lambda Runtime API (2018-06-01) on loopback, as Lambda serves it to the runtime in an
// execution environment: the runtime long-polls for the next invocation and posts back its
// response, its error, or an init error. Deadlines are reported, not enforced.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';

const BASE = '/2018-06-01/runtime';
const POSTED = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export interface Posted {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the runtime posted for one invocation: `body` is what Lambda passes on, parsed. */
export interface Outcome {
  kind: 'response' | 'error' | 'init error';
  requestId: string;
  body: unknown;
}

export interface RuntimeApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API */
  address: string;
  /** Hands the event to the runtime with the context's request id, ARN and deadline. */
  invoke(event: unknown, context: Context): Promise<Outcome>;
  /** Every request the runtime posted, as sent. */
  posted: Posted[];
  /** Fails the invocations still waiting, e.g. because the runtime's process ended. */
  abort(reason: Error): void;
  close(): Promise<void>;
}

interface Pending {
  requestId: string;
  headers: Record<string, string>;
  body: string;
  resolve(outcome: Outcome): void;
  reject(reason: Error): void;
}

export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queued: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const posted: Posted[] = [];
  let waitingForNext: ServerResponse | undefined;

  const deliver = (res: ServerResponse, invocation: Pending) => {
    inFlight.set(invocation.requestId, invocation);
    res.writeHead(200, invocation.headers);
    res.end(invocation.body);
  };
  const accepted = (res: ServerResponse) => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"OK"}');
  };

  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = req.url ?? '';
    if (req.method === 'GET' && path === `${BASE}/invocation/next`) {
      const next = queued.shift();
      if (next) deliver(res, next);
      else waitingForNext = res;
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    posted.push({ path, headers: req.headers, body });
    if (path === `${BASE}/init/error`) {
      accepted(res);
      // Lambda fails the invocation that started the environment with the init error.
      for (const pending of [...inFlight.values(), ...queued.splice(0)]) {
        pending.resolve({ kind: 'init error', requestId: pending.requestId, body: parse(body) });
      }
      inFlight.clear();
      return;
    }
    const match = POSTED.exec(path);
    const invocation = match?.[1] ? inFlight.get(decodeURIComponent(match[1])) : undefined;
    if (!match || !invocation) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: `unknown ${path}` }));
      return;
    }
    accepted(res);
    inFlight.delete(invocation.requestId);
    invocation.resolve({
      kind: match[2] === 'response' ? 'response' : 'error',
      requestId: invocation.requestId,
      body: parse(body),
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    invoke: (event, context) =>
      new Promise<Outcome>((resolve, reject) => {
        const invocation: Pending = {
          requestId: context.awsRequestId,
          headers: {
            'content-type': 'application/json',
            'lambda-runtime-aws-request-id': context.awsRequestId,
            'lambda-runtime-deadline-ms': String(Date.now() + context.getRemainingTimeInMillis()),
            'lambda-runtime-invoked-function-arn': context.invokedFunctionArn,
            'lambda-runtime-trace-id': traceId(),
          },
          body: JSON.stringify(event),
          resolve,
          reject,
        };
        if (waitingForNext) {
          deliver(waitingForNext, invocation);
          waitingForNext = undefined;
        } else {
          queued.push(invocation);
        }
      }),
    posted,
    abort: (reason) => {
      for (const pending of [...inFlight.values(), ...queued.splice(0)]) pending.reject(reason);
      inFlight.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** An X-Ray trace header, as Lambda passes it even when tracing is off. */
function traceId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${seconds}-${hex(12)};Parent=${hex(8)};Sampled=0`;
}
