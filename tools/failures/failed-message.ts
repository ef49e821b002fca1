// What one message of any of the three queues says: the event to replay, why it failed, and
// which slice it is about. Pure: a message in, a FailedEvent out, whatever the body holds.
import type { Message } from '@aws-sdk/client-sqs';
import { isObject, type JsonObject } from '#functions/slice-completion/json-object.ts';
import { eventShape, invokedByEventBridge } from '#functions/slice-completion/parse-event.ts';

export interface FailedEvent {
  queueUrl: string;
  messageId: string;
  receiptHandle: string;
  /**
   * An on-failure record (Lambda's), a target-DLQ message (EventBridge's), a buffer-DLQ message
   * (the function's, or SQS's redrive), or none of these.
   */
  source: 'on-failure record' | 'target DLQ' | 'buffer DLQ' | 'unreadable';
  errorName: string;
  errorMessage: string | undefined;
  condition: string;
  /** Epoch ms when the message was sent to the queue. */
  sentAt: number | undefined;
  /** What the function is invoked with on replay; absent when the body is not JSON. */
  event?: unknown;
  shape: string;
  sliceId: string | undefined;
}

export function readFailedMessage(message: Message, queueUrl: string): FailedEvent {
  const sent = Number(message.Attributes?.SentTimestamp);
  const base = {
    queueUrl,
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    sentAt: Number.isFinite(sent) ? sent : undefined,
  };
  const attribute = (name: string) => text(message.MessageAttributes?.[name]?.StringValue);
  const buffered = bufferDeadLetter(message, attribute);
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return {
      ...base,
      ...(buffered ?? {
        source: 'unreadable',
        errorName: 'body is not JSON',
        errorMessage: undefined,
        condition: '-',
      }),
      shape: 'not JSON',
      sliceId: undefined,
    };
  }
  // A buffer-DLQ message is the event itself, whichever shape: a destination record there was
  // sent by a pipeline's destination, not by Lambda about this function.
  if (buffered) return { ...base, ...buffered, event: body, ...describeEvent(body) };
  // Lambda's invocation record carries the event as requestPayload and the error beside it;
  // EventBridge puts the event itself on the target DLQ, the error in message attributes.
  if (isObject(body) && isObject(body.requestContext) && 'requestPayload' in body) {
    const response = isObject(body.responsePayload) ? body.responsePayload : {};
    const event = body.requestPayload;
    return {
      ...base,
      source: 'on-failure record',
      errorName:
        text(response.errorType) ??
        text(isObject(body.responseContext) ? body.responseContext.functionError : undefined) ??
        '-',
      errorMessage: text(response.errorMessage),
      condition: text(body.requestContext.condition) ?? '-',
      event,
      ...describeEvent(event),
    };
  }
  return {
    ...base,
    source: 'target DLQ',
    errorName: attribute('ERROR_CODE') ?? 'not delivered',
    errorMessage: attribute('ERROR_MESSAGE'),
    condition: attribute('EXHAUSTED_RETRY_CONDITION') ?? '-',
    event: body,
    ...describeEvent(body),
  };
}

/**
 * Why a buffer-DLQ message is there: the function dead-lettered it with `ErrorName` and
 * `ErrorMessage`, or SQS's redrive moved it after maxReceiveCount receives, which records no
 * reason but the source queue and the receive count. Undefined for a message of another queue.
 */
function bufferDeadLetter(
  message: Message,
  attribute: (name: string) => string | undefined,
): Pick<FailedEvent, 'source' | 'errorName' | 'errorMessage' | 'condition'> | undefined {
  const errorName = attribute('ErrorName');
  if (errorName) {
    return {
      source: 'buffer DLQ',
      errorName,
      errorMessage: attribute('ErrorMessage'),
      condition: '-',
    };
  }
  if (!message.Attributes?.DeadLetterQueueSourceArn) return undefined;
  // The count includes this read (and any earlier list or replay).
  const receives = Number(message.Attributes.ApproximateReceiveCount) - 1;
  return {
    source: 'buffer DLQ',
    errorName: Number.isSafeInteger(receives)
      ? `redriven after ${receives} receives`
      : 'redriven by SQS',
    errorMessage: undefined,
    condition: '-',
  };
}

/**
 * Which of the function's input shapes the event is (the function's own dispatch) and where its
 * slice id sits, read without validating: an event the function rejects still shows the slice it
 * was about.
 */
export function describeEvent(event: unknown): { shape: string; sliceId: string | undefined } {
  if (!isObject(event)) return { shape: 'not an object', sliceId: undefined };
  const shape = eventShape(event);
  const inEnvelope =
    shape === 'EventBridge completion' || shape === 'EventBridge destination record';
  const content = inEnvelope ? objectOrEmpty(event.detail) : event;
  const isRecord = shape === 'destination record' || shape === 'EventBridge destination record';
  return { shape, sliceId: text((isRecord ? recordSliceReference(content) : content).sliceId) };
}

/** Where a destination record names the slice: its requestPayload, or that payload's detail when
 * an EventBridge rule invoked the pipeline with the whole event. */
function recordSliceReference(record: JsonObject): JsonObject {
  const request = record.requestPayload;
  return objectOrEmpty(invokedByEventBridge(request) ? request.detail : request);
}

function objectOrEmpty(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
