// The events the measured processes invoke the function with, each for a new Lambda request id
// (so every completion is a GET and a PUT), with the completion time a pipeline sends (so
// CompletionLag is recorded as in production).
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Handler, lambdaContext } from '../tools/local/lambda-runtime.ts';
import { lambdaRecord } from '../tools/local/sqs-record.ts';

const BUFFER_ARN = 'arn:aws:sqs:us-east-1:000000000000:slice-completion-buffer';

export function directEvent(sliceId: string) {
  return { sliceId, lambdaRequestId: randomUUID(), completedAt: new Date().toISOString() };
}

/** A batch from the buffer, as Lambda's event source mapping hands it over: a record per slice. */
export function batchEvent(sliceIds: string[]): SQSEvent {
  return {
    Records: sliceIds.map((sliceId) =>
      lambdaRecord(
        {
          MessageId: randomUUID(),
          ReceiptHandle: randomUUID(),
          Body: JSON.stringify(directEvent(sliceId)),
          Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
        },
        BUFFER_ARN,
      ),
    ),
  };
}

/** An invocation with a direct completion, made before it is called. */
export function directInvocation(handler: Handler, sliceId: string): () => Promise<unknown> {
  const event = directEvent(sliceId);
  const context = lambdaContext();
  return () => handler(event, context);
}

/** An invocation with a batch, made before it is called; throws if a record was handed back. */
export function batchInvocation(handler: Handler, sliceIds: string[]): () => Promise<unknown> {
  const event = batchEvent(sliceIds);
  const context = lambdaContext();
  return async () => {
    const response = (await handler(event, context)) as SQSBatchResponse;
    // A record handed back would be measured as less work than a completion.
    if (response.batchItemFailures.length > 0) {
      throw new Error(`${response.batchItemFailures.length} record(s) of the batch failed`);
    }
  };
}
