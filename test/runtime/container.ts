// One Lambda execution environment: AWS's runtime client in a Node process of its own, with the
// built dist/slice-completion/ as its task root and the environment Lambda sets for our stack
// (JSON log format, NODE_OPTIONS as deployed), fed by a loopback Runtime API.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '#tools/local/lambda-runtime.ts';
import { functionDir } from '../../infra/paths.ts';
import { type Outcome, type Posted, startRuntimeApi } from './runtime-api.ts';
import { runtimeClientPath } from './runtime-client.ts';

export interface Container {
  /** Invokes the function and waits for what the runtime posts back. */
  invoke(event: unknown, context?: Context): Promise<Outcome>;
  /** How many invocations this container has been given. */
  invocations(): number;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** The runtime's own log lines about the request (console, patched by the runtime). */
  runtimeLog(requestId: string): Record<string, unknown>[];
  /** The function's log lines about the request (Powertools Logger). */
  functionLog(requestId: string): Record<string, unknown>[];
  /** Every request the runtime posted to the Runtime API. */
  posted(): Posted[];
  close(): Promise<void>;
}

/** `functionEnv`: the function's own variables; an undefined value leaves a variable out. */
export async function startContainer(
  functionEnv: Record<string, string | undefined>,
): Promise<Container> {
  const api = await startRuntimeApi();
  const identity = lambdaContext();
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: identity.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: identity.functionVersion,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: identity.memoryLimitInMB,
    AWS_LAMBDA_LOG_GROUP_NAME: identity.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: identity.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_RUNTIME_API: api.address,
    LAMBDA_TASK_ROOT: functionDir,
    _HANDLER: 'index.handler',
    // As infra/slice-completion.ts deploys the function.
    NODE_OPTIONS: '--enable-source-maps',
    ...functionEnv,
  };
  const child = spawn(process.execPath, [runtimeClientPath], {
    cwd: functionDir,
    env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = once(child, 'exit');
  child.on('exit', (code, signal) => {
    api.abort(new Error(`the runtime exited (${signal ?? code}); it wrote:\n${output}`));
  });
  let invocations = 0;
  const jsonLines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  return {
    invoke: (event, context = lambdaContext()) => {
      invocations++;
      return api.invoke(event, context);
    },
    invocations: () => invocations,
    output: () => output,
    runtimeLog: (requestId) => jsonLines().filter((line) => line.requestId === requestId),
    functionLog: (requestId) =>
      jsonLines().filter((line) => line.function_request_id === requestId),
    posted: () => api.posted,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await api.close();
    },
  };
}
