// Failed events as the stack's three dead-letter queues hold them: Lambda's on-failure record
// around the event; or the event itself, on EventBridge's target DLQ with the error in message
// attributes, or on the buffer DLQ with the function's attributes or none (SQS's redrive).
import { randomUUID } from 'node:crypto';
import { sampleEvents } from '#tools/local/sample-events.ts';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:slice-completion';

/** The event in a file of events/. */
export function sampleEvent(file: string): unknown {
  const sample = sampleEvents().find((candidate) => candidate.file === file);
  if (!sample) throw new Error(`events/${file} is not a sample event`);
  return sample.event;
}

/** What Lambda sends to the on-failure destination when an asynchronous invocation failed. */
export function onFailureRecord(
  event: unknown,
  error: { errorType: string; errorMessage: string },
  condition = 'RetriesExhausted',
): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${FUNCTION_ARN}:$LATEST`,
      condition,
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      ...error,
      trace: [`${error.errorType}: ${error.errorMessage}`, '    at file:///var/task/index.mjs:1:1'],
    },
  });
}

/** The message attributes EventBridge sets on an event it could not deliver to a target. */
export function targetDeadLetterAttributes(
  errorCode: string,
  errorMessage: string,
): Record<string, string> {
  return {
    ERROR_CODE: errorCode,
    ERROR_MESSAGE: errorMessage,
    EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    RETRY_ATTEMPTS: '10',
    RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/slice-completion-destination-records',
    TARGET_ARN: FUNCTION_ARN,
  };
}

/** The message attributes the function sets on what it dead-letters from the buffer. */
export function bufferDeadLetterAttributes(
  errorName: string,
  errorMessage: string,
): Record<string, string> {
  return { ErrorName: errorName, ErrorMessage: errorMessage };
}

/** What SQS's redrive leaves on a message it moved from the buffer after `receives` receives. */
export function redrivenFromBuffer(receives: number) {
  return {
    systemAttributes: {
      DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:SliceCompletion-Buffer',
    },
    receiveCount: receives,
  };
}
