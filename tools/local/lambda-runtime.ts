// Runs the built bundle as Lambda's Node runtime would: one module instance per container,
// and a context whose remaining time counts down from the function's timeout.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { bundlePath } from '../../infra/build.ts';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

let containers = 0;

/** A fresh module instance of the bundle: a cold start, with its own caches. */
export async function loadBundle(): Promise<Handler> {
  // Set by Lambda; Powertools marks the first invocation `cold_start: true` only when it is.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  const url = `${pathToFileURL(bundlePath).href}?container=${++containers}`;
  const bundle = (await import(url)) as { handler: Handler };
  return bundle.handler;
}

export function lambdaContext(timeoutMs = 60_000, awsRequestId: string = randomUUID()): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'slice-completion',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:slice-completion',
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: '/aws/lambda/slice-completion',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
