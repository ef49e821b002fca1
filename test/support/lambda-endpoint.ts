// Lambda's Invoke API (REST JSON) on loopback for synchronous invocations, running a handler in
// this process as one warm container, and answering as Lambda does: the result as the body, or
// the error as {errorType, errorMessage, trace} with X-Amz-Function-Error. The real AWS SDK
// reaches it through AWS_ENDPOINT_URL_LAMBDA.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Handler, lambdaContext } from '#tools/local/lambda-runtime.ts';

export interface LambdaEndpoint {
  url: string;
  functionArn: string;
  /** The events of every invocation, in order. */
  invocations: unknown[];
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
// What lambdaContext() reports as the function; a caller may name it by name or by ARN.
const FUNCTION_NAME = 'slice-completion';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION_NAME}`;
const TIMEOUT_MS = 60_000;

export async function startLambdaEndpoint(
  handler: Handler,
  options: { beforeInvoke?: (event: unknown) => void | Promise<void> } = {},
): Promise<LambdaEndpoint> {
  const invocations: unknown[] = [];

  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const requestId = randomUUID();
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...headers,
      });
      res.end(JSON.stringify(payload));
    };
    const refuse = (status: number, type: string, message: string) =>
      reply(status, { Type: 'User', Message: message }, { 'x-amzn-errortype': type });

    const url = new URL(req.url ?? '/', 'http://lambda');
    const name = decodeURIComponent(INVOKE_PATH.exec(url.pathname)?.[1] ?? '');
    if (req.method !== 'POST' || !name) {
      return refuse(404, 'UnknownOperationException', `${req.method} ${url.pathname}`);
    }
    if (name !== FUNCTION_NAME && name !== FUNCTION_ARN) {
      return refuse(
        404,
        'ResourceNotFoundException',
        `Function not found: ${name.startsWith('arn:') ? name : FUNCTION_ARN.replace(FUNCTION_NAME, name)}`,
      );
    }
    const invocationType = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (invocationType !== 'RequestResponse') {
      return refuse(
        400,
        'InvalidParameterValueException',
        `only RequestResponse invocations are served here, not ${invocationType}`,
      );
    }
    let event: unknown;
    try {
      event = JSON.parse(body || '{}');
    } catch {
      return refuse(
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
    }
    invocations.push(event);
    await options.beforeInvoke?.(event);
    const version = { 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await handler(event, lambdaContext(TIMEOUT_MS, requestId));
      reply(200, result ?? null, version);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      // Node's runtime reports an uncaught error this way, with the stack as `trace`.
      reply(
        200,
        {
          errorType: error.name,
          errorMessage: error.message,
          trace: (error.stack ?? '').split('\n'),
        },
        { ...version, 'x-amz-function-error': 'Unhandled' },
      );
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    functionArn: FUNCTION_ARN,
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
