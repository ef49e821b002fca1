// Turns any of the three event shapes into one Completion, or throws InvalidCompletionEvent
// naming every offending field by its path in the event as received; and reads from any event what
// ties its log line to its cause.
import * as z from 'zod/mini';
import { DESTINATION_DETAIL_TYPE } from './detail-types.ts';
import { InvalidCompletionEvent } from './errors.ts';
import { INT32_MAX } from './int32.ts';
import { isObject, type JsonObject } from './json-object.ts';

export interface Completion {
  sliceId: string;
  lambdaRequestId: string;
  succeeded: boolean;
  completedAt: string;
  /** The event gave no time, so `completedAt` is the invocation's: no measure of lateness. */
  completedAtAssumed?: true;
  outputEvent?: JsonObject;
  durationMs?: number;
  errorMessage?: string;
  errorDetails?: JsonObject;
  attemptNumber?: number;
}

// zod/mini ships no message locale (that is most of full zod's size), so every schema says
// in words what it wants.
const want = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? 'is required' : `must be ${what}`,
});

const jsonObject = z.looseObject({}, want('a JSON object'));
const uuid = z.guid(want('a UUID'));
const nonEmptyString = z
  .string(want('a non-empty string'))
  .check(z.minLength(1, want('a non-empty string')));
// Kodexa stores these as Java int32: a larger value in a PUT is a 400 on every retry.
const count = z
  .int32(want(`an integer from 0 to ${INT32_MAX}`))
  .check(z.gte(0, want(`an integer from 0 to ${INT32_MAX}`)));
// An ISO-8601 date-time with an offset that Java's ISO_OFFSET_DATE_TIME parses, as Kodexa must:
// a real calendar date, seconds, at most 9 fraction digits (nanoseconds), an offset within +-18:00.
const dateTime = z.stringFormat(
  'date-time',
  /^((\d\d([2468][048]|[13579][26]|0[48])|([02468][048]|[13579][26])00)-02-29|\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8])))T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-](0\d|1[0-7]):[0-5]\d|[+-]18:00)$/,
  want('an ISO-8601 date-time with a time zone'),
);

export const completionEvent = z.object({
  sliceId: uuid,
  lambdaRequestId: nonEmptyString,
  outputEvent: z.optional(jsonObject),
  durationMs: z.optional(count),
  status: z.optional(z.enum(['SUCCEEDED', 'FAILED'], want('"SUCCEEDED" or "FAILED"'))),
  error: z.optional(
    z.object(
      {
        message: nonEmptyString,
        type: z.optional(z.string(want('a string'))),
        details: z.optional(z.unknown()),
      },
      want('an object {message, type?, details?}'),
    ),
  ),
  completedAt: z.optional(dateTime),
  attemptNumber: z.optional(count),
});

export const eventBridgeEnvelope = z.object({
  'detail-type': z.string(want('a string')),
  time: z.optional(dateTime),
  detail: jsonObject,
});

/** What the pipeline Lambda was invoked with, as its destination record repeats it. */
const sliceReference = z.object(
  { sliceId: uuid, attemptNumber: z.optional(count) },
  want('an object'),
);

const destinationRecord = z.object({
  timestamp: z.optional(dateTime),
  requestContext: z.object(
    {
      requestId: nonEmptyString,
      condition: nonEmptyString,
      approximateInvokeCount: z.optional(z.int(want('an integer'))),
    },
    want('an object'),
  ),
  requestPayload: sliceReference,
  responseContext: z.optional(
    z.object({ functionError: z.optional(z.string(want('a string'))) }, want('an object')),
  ),
  responsePayload: z.optional(z.unknown()),
});

// A pipeline Lambda that an EventBridge rule invokes is given the whole EventBridge event, so its
// destination record's requestPayload is that event and the slice is in its detail.
const eventBridgeInvokedDestinationRecord = z.object({
  ...destinationRecord.shape,
  // Only an object gets here (see fromDestinationRecord): no message for anything else.
  requestPayload: z.object({ detail: sliceReference }),
});

export function parseCompletionEvent(event: unknown, now: Date = new Date()): Completion {
  const completion = completionIn(event);
  if (completion.completedAt !== undefined) return completion as Completion;
  return { ...completion, completedAt: now.toISOString(), completedAtAssumed: true };
}

/** A Completion whose `completedAt` is left out when neither the event nor its envelope gives it. */
type Reported = Omit<Completion, 'completedAt'> & { completedAt: string | undefined };

function completionIn(event: unknown): Reported {
  if (!isObject(event)) {
    throw new InvalidCompletionEvent([`event: must be a JSON object, got ${describe(event)}`]);
  }
  const shape = eventShape(event);
  if (shape === 'completion') return fromCompletionEvent(event, '', undefined);
  if (shape === 'destination record') return fromDestinationRecord(event, '', undefined);
  const envelope = validate(eventBridgeEnvelope, event, '');
  return shape === 'EventBridge destination record'
    ? fromDestinationRecord(envelope.detail, 'detail.', envelope.time)
    : fromCompletionEvent(envelope.detail, 'detail.', envelope.time);
}

/** The three shapes the function takes, the last two also in an EventBridge envelope. */
export type EventShape =
  | 'completion'
  | 'destination record'
  | 'EventBridge completion'
  | 'EventBridge destination record';

/**
 * Which shape an event is, by its keys and its detail-type alone, unvalidated: how the parser
 * dispatches, and how tools tell apart events the function may have rejected.
 */
export function eventShape(event: JsonObject): EventShape {
  if (isEventBridgeEvent(event)) {
    const type = event['detail-type'];
    return typeof type === 'string' && type.startsWith(DESTINATION_DETAIL_TYPE)
      ? 'EventBridge destination record'
      : 'EventBridge completion';
  }
  return 'requestContext' in event ? 'destination record' : 'completion';
}

/**
 * Whether a destination record's requestPayload is a whole EventBridge event, the slice in its
 * detail: a pipeline that an EventBridge rule invokes is given the whole event.
 */
export function invokedByEventBridge(requestPayload: unknown): requestPayload is JsonObject {
  return (
    isObject(requestPayload) && !('sliceId' in requestPayload) && isEventBridgeEvent(requestPayload)
  );
}

function fromCompletionEvent(
  input: unknown,
  prefix: string,
  defaultCompletedAt: string | undefined,
): Reported {
  const event = validate(completionEvent, input, prefix);
  const succeeded = event.status ? event.status === 'SUCCEEDED' : !event.error;
  if (succeeded && event.error) {
    throw new InvalidCompletionEvent([`${prefix}error: must be absent when status is SUCCEEDED`]);
  }
  return {
    sliceId: event.sliceId,
    lambdaRequestId: event.lambdaRequestId,
    succeeded,
    completedAt: event.completedAt ?? defaultCompletedAt,
    outputEvent: event.outputEvent,
    durationMs: event.durationMs,
    errorMessage: succeeded ? undefined : (event.error?.message ?? 'reported FAILED with no error'),
    errorDetails: succeeded
      ? undefined
      : definedOnly({ errorType: event.error?.type, details: event.error?.details }),
    attemptNumber: event.attemptNumber,
  };
}

function fromDestinationRecord(
  input: unknown,
  prefix: string,
  defaultCompletedAt: string | undefined,
): Reported {
  const record = invokedByEventBridge(isObject(input) && input.requestPayload)
    ? validate(eventBridgeInvokedDestinationRecord, input, prefix)
    : validate(destinationRecord, input, prefix);
  const { requestContext, responseContext, responsePayload } = record;
  const { sliceId, attemptNumber } =
    'sliceId' in record.requestPayload ? record.requestPayload : record.requestPayload.detail;
  const functionError = responseContext?.functionError;
  const succeeded = requestContext.condition === 'Success' && !functionError;
  const payload = isObject(responsePayload) ? responsePayload : undefined;
  const base = {
    sliceId,
    lambdaRequestId: requestContext.requestId,
    succeeded,
    completedAt: record.timestamp ?? defaultCompletedAt,
    attemptNumber,
  };
  if (succeeded) {
    return {
      ...base,
      outputEvent: payload ?? { value: responsePayload ?? null },
      // The pipeline's own figure, used only when Kodexa can store it.
      durationMs: z.safeParse(count, payload?.durationMs).data,
    };
  }
  return {
    ...base,
    errorMessage: stringOrUndefined(payload?.errorMessage) ?? requestContext.condition,
    errorDetails: definedOnly({
      errorType: stringOrUndefined(payload?.errorType),
      // Node's runtime writes the stack as `trace`; other runtimes use `stackTrace`.
      stackTrace: payload?.stackTrace ?? payload?.trace,
      condition: requestContext.condition,
      approximateInvokeCount: requestContext.approximateInvokeCount,
      functionError,
    }),
  };
}

/** What an operator searches for to tie a completion's log line to its cause. */
export interface Correlation {
  /** The EventBridge event's `id`, when the event came in an envelope. */
  eventId?: string;
  /** The pipeline that sent it: its destination record's `requestContext.functionArn`, else the envelope's `source`. */
  sentBy?: string;
}

/**
 * Read, not validated, from any event, an invalid one included: which pipeline sent a bad event is
 * what an operator needs most. A direct completion event carries neither.
 */
export function correlationOf(event: unknown): Correlation {
  if (!isObject(event)) return {};
  const envelope = isEventBridgeEvent(event) ? event : undefined;
  const record = envelope ? envelope.detail : event;
  const requestContext = isObject(record) ? record.requestContext : undefined;
  const functionArn = isObject(requestContext) ? requestContext.functionArn : undefined;
  return {
    eventId: stringOrUndefined(envelope?.id),
    sentBy: stringOrUndefined(functionArn) ?? stringOrUndefined(envelope?.source),
  };
}

function validate<T extends z.ZodMiniType>(schema: T, input: unknown, prefix: string): z.infer<T> {
  const result = z.safeParse(schema, input);
  // The input itself, not zod's copy: zod rebuilds objects and drops a key named __proto__, and
  // outputEvent and error details must reach Kodexa exactly as received. The schemas transform
  // nothing, so the input has the validated type.
  if (result.success) return input as z.infer<T>;
  throw new InvalidCompletionEvent(
    result.error.issues.map((issue) => `${fieldPath(prefix, issue.path)}: ${issue.message}`),
  );
}

// The schemas hold no arrays and the input is always an object, so every issue has a path of
// field names.
function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  return `${prefix}${path.map(String).join('.')}`;
}

function isEventBridgeEvent(value: JsonObject): boolean {
  return 'detail-type' in value || 'detail' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function definedOnly(fields: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
