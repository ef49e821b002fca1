import { describe, expect, it } from 'vitest';
import {
  correlationOf,
  eventShape,
  invokedByEventBridge,
  parseCompletionEvent,
} from '#functions/slice-completion/parse-event.ts';
import { thrownBy } from '../support/thrown-by.ts';

const sliceId = '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21';
const now = new Date('2026-11-28T12:00:00.000Z');

function envelope(detailType: string, detail: unknown) {
  return {
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source: 'kodexa.pipeline',
    account: '123456789012',
    time: '2026-11-28T11:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

function record(overrides: Record<string, unknown> = {}) {
  return {
    version: '1.0',
    timestamp: '2026-11-28T11:30:00.000Z',
    requestContext: {
      requestId: 'req-d',
      functionArn: 'arn:x',
      condition: 'Success',
      approximateInvokeCount: 1,
    },
    requestPayload: { sliceId, attemptNumber: 2 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST' },
    responsePayload: { pages: 3, durationMs: 812 },
    ...overrides,
  };
}

/** What a pipeline Lambda that an EventBridge rule invokes receives, and its records repeat. */
const triggeringEvent = (detail: unknown) => envelope('Execution Slice Ready', detail);

const failedRecord = (responsePayload: unknown, functionError = 'Unhandled') =>
  record({
    requestContext: {
      requestId: 'req-d',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, functionError },
    responsePayload,
  });

const mappings: [string, unknown, Record<string, unknown>][] = [
  [
    'a direct success, completedAt defaulting to now',
    {
      sliceId,
      lambdaRequestId: 'req-1',
      outputEvent: { a: 1 },
      durationMs: 5,
      attemptNumber: 0,
      extra: 'ignored',
    },
    {
      sliceId,
      lambdaRequestId: 'req-1',
      succeeded: true,
      completedAt: now.toISOString(),
      outputEvent: { a: 1 },
      durationMs: 5,
      attemptNumber: 0,
    },
  ],
  [
    'a direct failure, status implied by error',
    {
      sliceId,
      lambdaRequestId: 'req-1',
      error: { message: 'bad', type: 'E', details: { page: 2 } },
      completedAt: '2026-11-28T10:00:00+02:00',
    },
    {
      sliceId,
      lambdaRequestId: 'req-1',
      succeeded: false,
      completedAt: '2026-11-28T10:00:00+02:00',
      errorMessage: 'bad',
      errorDetails: { errorType: 'E', details: { page: 2 } },
    },
  ],
  [
    'an explicit FAILED without an error',
    { sliceId, lambdaRequestId: 'req-1', status: 'FAILED' },
    { succeeded: false, errorMessage: 'reported FAILED with no error', errorDetails: {} },
  ],
  [
    'an EventBridge completion, completedAt from the envelope time',
    envelope('Execution Slice Completed', { sliceId, lambdaRequestId: 'req-e' }),
    { sliceId, lambdaRequestId: 'req-e', succeeded: true, completedAt: '2026-11-28T11:00:00Z' },
  ],
  [
    'a destination success record',
    record(),
    {
      sliceId,
      lambdaRequestId: 'req-d',
      succeeded: true,
      completedAt: '2026-11-28T11:30:00.000Z',
      outputEvent: { pages: 3, durationMs: 812 },
      durationMs: 812,
      attemptNumber: 2,
    },
  ],
  [
    'a destination success with a non-object payload',
    record({ responsePayload: [1, 2] }),
    { outputEvent: { value: [1, 2] }, durationMs: undefined },
  ],
  [
    'a destination success with a null payload',
    record({ responsePayload: null }),
    { outputEvent: { value: null } },
  ],
  [
    'a destination failure with Node`s trace',
    failedRecord({
      errorType: 'TypeError',
      errorMessage: 'x is undefined',
      trace: ['TypeError: x', 'at y'],
    }),
    {
      succeeded: false,
      errorMessage: 'x is undefined',
      errorDetails: {
        errorType: 'TypeError',
        stackTrace: ['TypeError: x', 'at y'],
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionError: 'Unhandled',
      },
    },
  ],
  [
    'a destination failure with only an errorMessage',
    failedRecord({ errorMessage: 'Task timed out after 3.00 seconds' }, 'Handled'),
    {
      errorMessage: 'Task timed out after 3.00 seconds',
      errorDetails: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionError: 'Handled',
      },
    },
  ],
  [
    'a destination failure with no payload, message from the condition',
    record({
      requestContext: { requestId: 'r', condition: 'EventAgeExceeded' },
      responseContext: undefined,
      responsePayload: undefined,
    }),
    {
      succeeded: false,
      errorMessage: 'EventAgeExceeded',
      errorDetails: { condition: 'EventAgeExceeded' },
    },
  ],
  [
    'a destination success condition carrying a functionError as a failure',
    record({
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'oops' },
    }),
    { succeeded: false, errorMessage: 'oops' },
  ],
  [
    'a destination success of a pipeline invoked by EventBridge, the slice in requestPayload.detail',
    record({ requestPayload: triggeringEvent({ sliceId, attemptNumber: 4, pages: 2 }) }),
    { sliceId, lambdaRequestId: 'req-d', succeeded: true, attemptNumber: 4, durationMs: 812 },
  ],
  [
    'the same record through EventBridge',
    envelope(
      'Lambda Function Invocation Result - Success',
      record({ requestPayload: triggeringEvent({ sliceId }) }),
    ),
    { sliceId, succeeded: true, attemptNumber: undefined, completedAt: '2026-11-28T11:30:00.000Z' },
  ],
  [
    'a destination failure of a pipeline invoked by EventBridge',
    {
      ...failedRecord({ errorMessage: 'boom' }),
      requestPayload: triggeringEvent({ sliceId, attemptNumber: 2 }),
    },
    { sliceId, succeeded: false, attemptNumber: 2, errorMessage: 'boom' },
  ],
  [
    'a requestPayload with its own sliceId and a field named detail, as a plain payload',
    record({ requestPayload: { sliceId, detail: 'verbose' } }),
    { sliceId, succeeded: true },
  ],
  [
    'the largest int32 durationMs and attemptNumber',
    { sliceId, lambdaRequestId: 'r', durationMs: 2147483647, attemptNumber: 2147483647 },
    { durationMs: 2147483647, attemptNumber: 2147483647 },
  ],
  ...[5e9, 2147483648, -1, 1.5, '812'].map(
    (durationMs) =>
      [
        `a destination success whose payload durationMs ${JSON.stringify(durationMs)} Kodexa cannot store, ignored`,
        record({ responsePayload: { durationMs } }),
        { succeeded: true, durationMs: undefined, outputEvent: { durationMs } },
      ] as [string, unknown, Record<string, unknown>],
  ),
  [
    'a date-time with nanoseconds and the largest offset Java takes',
    { sliceId, lambdaRequestId: 'r', completedAt: '2026-11-28T10:00:00.123456789-18:00' },
    { completedAt: '2026-11-28T10:00:00.123456789-18:00' },
  ],
  ...[
    'Lambda Function Invocation Result - Failure',
    'Lambda Function Invocation Result – Failure',
  ].map(
    (detailType) =>
      [
        `a "${detailType}" EventBridge event, success decided from the record`,
        envelope(detailType, failedRecord({ errorMessage: 'boom' })),
        { succeeded: false, errorMessage: 'boom', completedAt: '2026-11-28T11:30:00.000Z' },
      ] as [string, unknown, Record<string, unknown>],
  ),
];

describe('parseCompletionEvent maps', () => {
  it.each(mappings)('%s', (_, event, expected) => {
    expect(parseCompletionEvent(event, now)).toMatchObject(expected);
  });
});

describe('parseCompletionEvent leaves out what an event does not give', () => {
  it('an empty errorMessage or errorType of a destination payload, and every absent detail', () => {
    const completion = parseCompletionEvent(failedRecord({ errorMessage: '', errorType: '' }), now);
    expect(completion.errorMessage).toBe('RetriesExhausted');
    expect(completion.errorDetails).toStrictEqual({
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      functionError: 'Unhandled',
    });
    const direct = parseCompletionEvent({ sliceId, lambdaRequestId: 'r', status: 'FAILED' }, now);
    expect(direct.errorDetails).toStrictEqual({});
  });
});

describe('parseCompletionEvent passes on what it does not own exactly as received', () => {
  // JSON.parse makes `__proto__` an own key, as the Lambda runtime's parse of an event does.
  const exotic = () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "a": [1]}');

  it('outputEvent, any key included, without touching any prototype', () => {
    const outputEvent = exotic();
    const completion = parseCompletionEvent({ sliceId, lambdaRequestId: 'r', outputEvent }, now);
    expect(completion.outputEvent).toBe(outputEvent);
    expect(Object.keys(completion.outputEvent ?? {})).toEqual(['__proto__', 'constructor', 'a']);
    expect(JSON.stringify(completion.outputEvent)).toBe(
      '{"__proto__":{"polluted":true},"constructor":1,"a":[1]}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('error details and a destination payload', () => {
    const details = exotic();
    const direct = parseCompletionEvent(
      { sliceId, lambdaRequestId: 'r', error: { message: 'm', details } },
      now,
    );
    expect(direct.errorDetails?.details).toBe(details);
    const payload = exotic();
    expect(parseCompletionEvent(record({ responsePayload: payload }), now).outputEvent).toBe(
      payload,
    );
  });
});

describe('parseCompletionEvent rejects', () => {
  it.each([
    ['{}', {}, ['sliceId: is required', 'lambdaRequestId: is required']],
    ['null', null, ['event: must be a JSON object, got null']],
    ['a string', 'hello', ['event: must be a JSON object, got a string']],
    ['an array', [{ sliceId }], ['event: must be a JSON object, got an array']],
    [
      'a path-traversal sliceId',
      { sliceId: '../../x', lambdaRequestId: 'r' },
      ['sliceId: must be a UUID'],
    ],
    [
      'wrong types',
      {
        sliceId: 42,
        lambdaRequestId: 7,
        outputEvent: 'x',
        status: 'DONE',
        error: 'bad',
        attemptNumber: 1.5,
      },
      [
        'sliceId: must be a UUID',
        'lambdaRequestId: must be a non-empty string',
        'outputEvent: must be a JSON object',
        'status: must be "SUCCEEDED" or "FAILED"',
        'error: must be an object {message, type?, details?}',
        'attemptNumber: must be an integer from 0 to 2147483647',
      ],
    ],
    [
      'a negative durationMs',
      { sliceId, lambdaRequestId: 'r', durationMs: -1 },
      ['durationMs: must be an integer from 0 to 2147483647'],
    ],
    [
      'a durationMs and an attemptNumber beyond int32',
      { sliceId, lambdaRequestId: 'r', durationMs: 3000000000, attemptNumber: 2147483648 },
      [
        'durationMs: must be an integer from 0 to 2147483647',
        'attemptNumber: must be an integer from 0 to 2147483647',
      ],
    ],
    ...[
      '2026-11-28T10:00:00.1234567890Z',
      '2026-11-28T10:00:00+18:30',
      '2026-02-29T10:00:00Z',
      '2026-11-28T10:00Z',
    ].map(
      (completedAt) =>
        [
          `a completedAt Kodexa (Java) cannot parse: ${completedAt}`,
          { sliceId, lambdaRequestId: 'r', completedAt },
          ['completedAt: must be an ISO-8601 date-time with a time zone'],
        ] as [string, unknown, string[]],
    ),
    [
      'a non-ISO completedAt',
      { sliceId, lambdaRequestId: 'r', completedAt: '28/11/2026 10:00' },
      ['completedAt: must be an ISO-8601 date-time with a time zone'],
    ],
    [
      'an error without a message',
      { sliceId, lambdaRequestId: 'r', error: {} },
      ['error.message: is required'],
    ],
    [
      'SUCCEEDED with an error',
      { sliceId, lambdaRequestId: 'r', status: 'SUCCEEDED', error: { message: 'm' } },
      ['error: must be absent when status is SUCCEEDED'],
    ],
    [
      'an EventBridge detail without sliceId',
      envelope('Execution Slice Completed', { lambdaRequestId: 'r' }),
      ['detail.sliceId: is required'],
    ],
    [
      'an EventBridge detail that is not an object',
      envelope('Execution Slice Completed', 'x'),
      ['detail: must be a JSON object'],
    ],
    [
      'a destination record without requestPayload.sliceId',
      record({ requestPayload: { attemptNumber: 1 } }),
      ['requestPayload.sliceId: is required'],
    ],
    [
      'a destination record with a string requestPayload',
      record({ requestPayload: 'x' }),
      ['requestPayload: must be an object'],
    ],
    [
      'an EventBridge destination record without requestPayload.sliceId',
      envelope('Lambda Function Invocation Result - Success', record({ requestPayload: {} })),
      ['detail.requestPayload.sliceId: is required'],
    ],
    [
      'a destination record of a pipeline invoked by EventBridge without detail.sliceId',
      record({ requestPayload: triggeringEvent({ attemptNumber: 1 }) }),
      ['requestPayload.detail.sliceId: is required'],
    ],
    [
      'the same through EventBridge',
      envelope(
        'Lambda Function Invocation Result - Failure',
        record({ requestPayload: triggeringEvent({ sliceId: 'x', attemptNumber: 3e9 }) }),
      ),
      [
        'detail.requestPayload.detail.sliceId: must be a UUID',
        'detail.requestPayload.detail.attemptNumber: must be an integer from 0 to 2147483647',
      ],
    ],
    [
      'a requestPayload that is an EventBridge event without its detail',
      record({ requestPayload: { 'detail-type': 'Execution Slice Ready' } }),
      ['requestPayload.detail: is required'],
    ],
    [
      'an error type that is not a string',
      { sliceId, lambdaRequestId: 'r', error: { message: 'm', type: 42 } },
      ['error.type: must be a string'],
    ],
    [
      'a detail-type that is not a string',
      { ...envelope('x', { sliceId, lambdaRequestId: 'r' }), 'detail-type': 42 },
      ['detail-type: must be a string'],
    ],
    [
      'a destination record whose requestContext is not an object',
      record({ requestContext: 'x' }),
      ['requestContext: must be an object'],
    ],
    [
      'a destination record whose approximateInvokeCount is not an integer',
      record({
        requestContext: { requestId: 'r', condition: 'Success', approximateInvokeCount: 1.5 },
      }),
      ['requestContext.approximateInvokeCount: must be an integer'],
    ],
    [
      'a destination record whose responseContext is not an object',
      record({ responseContext: 'x' }),
      ['responseContext: must be an object'],
    ],
    [
      'a destination record whose functionError is not a string',
      record({ responseContext: { functionError: true } }),
      ['responseContext.functionError: must be a string'],
    ],
    [
      'a destination record without requestId',
      record({ requestContext: { condition: 'Success' } }),
      ['requestContext.requestId: is required'],
    ],
  ])('%s', (_, event, problems) => {
    const thrown = thrownBy(() => parseCompletionEvent(event, now));
    expect(thrown).toMatchObject({ name: 'InvalidCompletionEvent', problems });
    expect(thrown.message).toBe(`invalid completion event: ${problems.join('; ')}`);
  });
});

describe('eventShape', () => {
  it.each([
    [{ sliceId }, 'completion'],
    [{}, 'completion'],
    [record(), 'destination record'],
    [{ requestContext: 'x' }, 'destination record'],
    [envelope('Execution Slice Completed', { sliceId }), 'EventBridge completion'],
    [{ detail: {} }, 'EventBridge completion'],
    [{ 'detail-type': 'Anything' }, 'EventBridge completion'],
    [{ 'detail-type': 7, detail: record() }, 'EventBridge completion'],
    [
      envelope('Lambda Function Invocation Result - Success', record()),
      'EventBridge destination record',
    ],
    [
      { 'detail-type': 'Lambda Function Invocation Result – Failure' },
      'EventBridge destination record',
    ],
  ])('of %j is %s', (event, shape) => {
    expect(eventShape(event)).toBe(shape);
  });
});

describe('invokedByEventBridge', () => {
  it.each([
    [envelope('Execution Slice Ready', { sliceId }), true],
    [{ detail: { sliceId } }, true],
    [{ 'detail-type': 'x' }, true],
    [{ sliceId, detail: {} }, false],
    [{ sliceId }, false],
    [[{ detail: {} }], false],
    [null, false],
    ['detail', false],
  ])('%j: %s', (payload, invoked) => {
    expect(invokedByEventBridge(payload)).toBe(invoked);
  });
});

describe('correlationOf', () => {
  const pipeline = 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-a:$LATEST';
  const fromPipeline = (overrides: Record<string, unknown> = {}) =>
    record({
      requestContext: { requestId: 'req-d', functionArn: pipeline, condition: 'Success' },
      ...overrides,
    });

  it.each<[string, unknown, Record<string, unknown>]>([
    [
      'a completion event through EventBridge: the event id and its source',
      envelope('Execution Slice Completed', { sliceId, lambdaRequestId: 'req-1' }),
      { eventId: 'e1', sentBy: 'kodexa.pipeline' },
    ],
    [
      'a destination record through EventBridge: the event id and the pipeline, not source lambda',
      {
        ...envelope('Lambda Function Invocation Result - Success', fromPipeline()),
        source: 'lambda',
      },
      { eventId: 'e1', sentBy: pipeline },
    ],
    ['a raw destination record: the pipeline', fromPipeline(), { sentBy: pipeline }],
    [
      'a record of a pipeline an EventBridge rule invoked: its own function, not the triggering event',
      fromPipeline({ requestPayload: triggeringEvent({ sliceId }) }),
      { sentBy: pipeline },
    ],
    ['a direct completion event: nothing', { sliceId, lambdaRequestId: 'req-1' }, {}],
    [
      'an invalid event: what it carries, so the sender of a bad event can be found',
      { ...envelope('Execution Slice Completed', { sliceId: 'x' }), source: 'acme.pipeline' },
      { eventId: 'e1', sentBy: 'acme.pipeline' },
    ],
    [
      'fields that are not non-empty strings: nothing',
      { id: 7, source: '', 'detail-type': 'x', detail: { requestContext: { functionArn: {} } } },
      {},
    ],
    ['not an object: nothing', [1, 2], {}],
    ['null: nothing', null, {}],
  ])('%s', (_, event, expected) => {
    expect(JSON.parse(JSON.stringify(correlationOf(event)))).toEqual(expected);
  });
});
