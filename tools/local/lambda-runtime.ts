// Runs the built bundle as Lambda's Node runtime would: one module instance per container,
// and a context whose remaining time counts down from the function's timeout.
// AWS's own runtime client (npm run test:runtime runs the bundle under it) differs as follows;
// this stays simpler on purpose, for fast in-process tests:
// - it runs a process per container; here containers share the test's process (its environment,
//   and fetch's connection pool);
// - it turns a thrown error into the posted body {errorType, errorMessage, trace} and writes its
//   own ERROR log line; here the caller gets the error itself and nothing is logged for it;
// - it sets _X_AMZN_TRACE_ID per invocation, so Powertools' lines carry xray_trace_id; not here.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { bundlePath } from '../../infra/paths.ts';

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

/**
 * The context as AWS's runtime client builds it for Node 24: without callbackWaitsForEmptyEventLoop,
 * done, fail and succeed, which went with callback handlers (@types/aws-lambda still lists them).
 */
export function lambdaContext(timeoutMs = 60_000, awsRequestId: string = randomUUID()): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: 'slice-completion',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:slice-completion',
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: '/aws/lambda/slice-completion',
    logStreamName: 'local',
    // Not clamped at 0: the runtime client's goes negative past the deadline.
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as Context;
}
