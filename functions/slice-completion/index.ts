import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { apiKeyFromSecret } from './api-key.ts';
import { completeSlice, type SliceCompletionResult } from './complete-slice.ts';
import { completionSummary as summary } from './completion-summary.ts';
import { type BufferConfig, readBufferConfig, readConfig } from './config.ts';
import {
  checkHealth,
  type HealthCheckResult,
  type HealthCheckRuntime,
  isHealthCheck,
} from './health-check.ts';
import {
  createKodexaClient,
  type Invocation,
  type KodexaClient,
  type KodexaClientOptions,
} from './kodexa-client.ts';
import { createKodexaGate } from './kodexa-gate.ts';
import { SERVICE_NAME } from './metric-names.ts';
import { createMetrics, recordFailure, recordResult } from './metrics.ts';
import { type Completion, correlationOf, parseCompletionEvent } from './parse-event.ts';
import { reportBatch } from './report-batch.ts';
import { createSqsClient } from './sqs-client.ts';
import { isSqsEvent } from './sqs-event.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = createMetrics(process.env);
const processor = new BatchProcessor(EventType.SQS);

/** Left for logging the outcome and throwing, so the error reaches the on-failure destination. */
const DEADLINE_MARGIN_MS = 500;
/**
 * The function's one random source: the jitter of retries, of the gate's backoff and of the
 * visibility of completions handed back, so that containers failing together do not return
 * together. Given to each, so that tests can fix it.
 */
const random = Math.random;

// Built at the first invocation, not at import, so a bad setting fails that invocation with a
// ConfigurationError that Lambda records, instead of an opaque init failure.
let runtime: (HealthCheckRuntime & { bufferKodexa: KodexaClient }) | undefined;

function getRuntime() {
  if (!runtime) {
    const config = readConfig(process.env);
    const apiKey = apiKeyFromSecret(
      config.apiKeySecretId,
      config.apiKeyCacheSeconds,
      config.requestTimeoutMs,
    );
    const options: KodexaClientOptions = {
      baseUrl: config.kodexaUrl,
      requestTimeoutMs: config.requestTimeoutMs,
      apiKey,
      secretId: config.apiKeySecretId,
      // Checked here: Powertools reads the environment on every log call, even one it discards,
      // and these are two per invocation.
      debug: (message, details) => {
        // Stryker disable next-line ConditionalExpression: equivalent, Powertools drops the line itself (the check saves CPU only)
        if (logger.level <= LogLevelThreshold.DEBUG) logger.debug(message, details);
      },
      random,
    };
    runtime = {
      config,
      apiKey,
      kodexa: createKodexaClient(options),
      // The buffer's batches share one gate, so that they slow down together when Kodexa pushes back.
      bufferKodexa: createKodexaClient({ ...options, gate: createKodexaGate(random) }),
    };
  }
  return runtime;
}

let buffer: { config: BufferConfig; sqs: SQSClient } | undefined;

/** What only a batch from the buffer needs, so that a direct invocation works without it. */
function getBuffer() {
  if (!buffer) {
    const config = readBufferConfig(process.env);
    buffer = { config, sqs: createSqsClient(getRuntime().config.requestTimeoutMs) };
  }
  return buffer;
}

async function reportSliceCompletion(
  event: unknown,
  context: Context,
): Promise<SliceCompletionResult | HealthCheckResult> {
  const invocation: Invocation = {
    deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    statusCodes: [],
    retries: 0,
    conflicts: 0,
  };
  if (isHealthCheck(event)) {
    const health = await checkHealth(getRuntime, invocation);
    logger[health.healthy ? 'info' : 'error']('health check', { ...health });
    return health;
  }
  const { eventId, sentBy } = correlationOf(event);
  logger.setCorrelationId(eventId);
  logger.appendKeys({ sentBy });
  let completion: Completion | undefined;
  try {
    const { config, kodexa } = getRuntime();
    completion = parseCompletionEvent(event);
    const result = await completeSlice(kodexa, config.statuses, completion, invocation);
    recordResult(metrics, result, completion, invocation);
    logger.info('slice completion reported', {
      ...summary(completion, invocation),
      outcome: result.outcome,
    });
    return result;
  } catch (error) {
    recordFailure(metrics, error, invocation);
    logger.error('slice completion failed', { ...summary(completion, invocation), error });
    throw error;
  }
}

async function route(event: unknown, context: Context) {
  if (!isSqsEvent(event)) return reportSliceCompletion(event, context);
  return reportBatch(event, context, {
    logger,
    metrics,
    processor,
    runtime: () => {
      const { config, bufferKodexa } = getRuntime();
      return { config, kodexa: bufferKodexa };
    },
    buffer: getBuffer,
    random,
  });
}

export const handler = middy(route)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
