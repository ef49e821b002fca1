// A batch from the SQS buffer, as Lambda's event source mapping delivers it: each record's body is
// one completion in any of the three shapes, as a pipeline, an EventBridge rule or a Lambda
// destination sent it.
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidCompletionEvent } from './errors.ts';

export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((record) => (record as SQSRecord | null)?.eventSource === 'aws:sqs')
  );
}

/** The completion event a record carries; a body that is not JSON is refused like a bad event. */
export function eventInBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    // Where, not the parser's own message: that quotes the body, which is the pipeline's data.
    const at = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new InvalidCompletionEvent([
      `body: must be JSON${at === undefined ? '' : ` (it is not, at character ${at})`}`,
    ]);
  }
}

/** How many times SQS has handed this message out, this time included (1 on the first). */
export function receiveCount(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isSafeInteger(count) && count > 0 ? count : 1;
}

/** When SQS first handed this message out (epoch ms), when the record says. */
export function firstReceivedAt(record: SQSRecord): number | undefined {
  const at = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return Number.isSafeInteger(at) && at > 0 ? at : undefined;
}
