// The container's one SQS client, for the buffer's dead-letter queue and its messages' visibility.
import { SQSClient } from '@aws-sdk/client-sqs';

export function createSqsClient(requestTimeoutMs: number): SQSClient {
  // Each attempt bounded like the requests to Kodexa and the secret's read; each call as a whole
  // by the abort signal the batch gives it (report-batch.ts), so that an SQS that does not answer
  // ends in an error, and the record goes back to the buffer, not in the Lambda timeout.
  return new SQSClient({
    requestHandler: {
      connectionTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}
