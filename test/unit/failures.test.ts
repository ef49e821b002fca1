// The pure parts of `npm run failures`: reading a queue message, and the table `list` prints.
import type { Message } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import {
  describeEvent,
  type FailedEvent,
  readFailedMessage,
} from '#tools/failures/failed-message.ts';
import { failureTable, formatAge, groupFailures } from '#tools/failures/failure-table.ts';
import { exampleLine, plural } from '#tools/failures/format.ts';
import { sampleEvents } from '#tools/local/sample-events.ts';
import {
  bufferDeadLetterAttributes,
  onFailureRecord,
  sampleEvent,
  targetDeadLetterAttributes,
} from '../support/failed-events.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';

function message(body: string, attributes: Record<string, string> = {}): Message {
  return {
    MessageId: 'm-1',
    ReceiptHandle: 'r-1',
    Body: body,
    Attributes: { SentTimestamp: '1796000000000' },
    MessageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    ),
  };
}

describe('readFailedMessage', () => {
  it('takes the event, error and condition from an on-failure record', async () => {
    const event = sampleEvent('4-destination-failure.updated.json');
    const body = onFailureRecord(
      event,
      { errorType: 'SliceNotFound', errorMessage: 'slice e1f2 was not found' },
      'EventAgeExceeded',
    );
    expect(readFailedMessage(message(body), QUEUE)).toEqual({
      queueUrl: QUEUE,
      messageId: 'm-1',
      receiptHandle: 'r-1',
      source: 'on-failure record',
      errorName: 'SliceNotFound',
      errorMessage: 'slice e1f2 was not found',
      condition: 'EventAgeExceeded',
      sentAt: 1796000000000,
      event,
      shape: 'destination record',
      sliceId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
    });
  });

  it('takes a target-DLQ message body as the event, the error from its attributes', async () => {
    const event = sampleEvent('2-eventbridge-completion.updated.json');
    const attributes = targetDeadLetterAttributes('NO_PERMISSIONS', 'not authorized');
    expect(readFailedMessage(message(JSON.stringify(event), attributes), QUEUE)).toMatchObject({
      source: 'target DLQ',
      errorName: 'NO_PERMISSIONS',
      errorMessage: 'not authorized',
      condition: 'MaximumRetryAttempts',
      event,
      shape: 'EventBridge completion',
      sliceId: '8a2d4c6e-1b3f-4a5c-8e7d-9f0b1c2d3e4f',
    });
  });

  it('says "not delivered" for a target-DLQ message without ERROR_CODE', () => {
    const failed = readFailedMessage(message('{"sliceId": "s"}'), QUEUE);
    expect(failed).toMatchObject({ errorName: 'not delivered', condition: '-', sliceId: 's' });
  });

  it('takes a buffer-DLQ message body as the event, the error from the function’s attributes', () => {
    // A destination record, as a pipeline's destination sends it to the buffer: the body looks
    // like an on-failure record, but the record itself is the event.
    const record = sampleEvent('4-destination-failure.updated.json');
    const attributes = bufferDeadLetterAttributes('SliceNotFound', 'slice e1f2 was not found');
    expect(readFailedMessage(message(JSON.stringify(record), attributes), QUEUE)).toMatchObject({
      source: 'buffer DLQ',
      errorName: 'SliceNotFound',
      errorMessage: 'slice e1f2 was not found',
      condition: '-',
      event: record,
      shape: 'destination record',
      sliceId: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
    });
  });

  it('says how many receives SQS redrove a message after, not counting this read', () => {
    const record = sampleEvent('4-destination-failure.updated.json');
    const redriven = (attributes: Record<string, string>) =>
      readFailedMessage({ ...message(JSON.stringify(record)), Attributes: attributes }, QUEUE);
    const source = 'arn:aws:sqs:eu-west-1:123456789012:buffer';
    expect(
      redriven({ DeadLetterQueueSourceArn: source, ApproximateReceiveCount: '61' }),
    ).toMatchObject({
      source: 'buffer DLQ',
      errorName: 'redriven after 60 receives',
      errorMessage: undefined,
      event: record,
      shape: 'destination record',
    });
    expect(redriven({ DeadLetterQueueSourceArn: source })).toMatchObject({
      errorName: 'redriven by SQS',
    });
    // Without the redrive's attribute, the same body is Lambda's on-failure record.
    expect(redriven({ ApproximateReceiveCount: '61' })).toMatchObject({
      source: 'on-failure record',
    });
  });

  it('names the function’s error for a buffer-DLQ body that is not JSON, and replays nothing', () => {
    const attributes = bufferDeadLetterAttributes('InvalidCompletionEvent', 'not JSON');
    const failed = readFailedMessage(message('{oops', attributes), QUEUE);
    expect(failed).toMatchObject({
      source: 'buffer DLQ',
      errorName: 'InvalidCompletionEvent',
      errorMessage: 'not JSON',
      shape: 'not JSON',
    });
    expect(failed.event).toBeUndefined();
  });

  it('keeps a body that is not JSON out of any replay', () => {
    const failed = readFailedMessage({ ...message('{oops'), Attributes: {} }, QUEUE);
    expect(failed).toMatchObject({ source: 'unreadable', errorName: 'body is not JSON' });
    expect(failed.event).toBeUndefined();
    expect(failed.sentAt).toBeUndefined();
  });
});

describe('describeEvent', () => {
  it.each([
    [{ sliceId: 's' }, 'completion', 's'],
    [
      { 'detail-type': 'Execution Slice Completed', detail: { sliceId: 's' } },
      'EventBridge completion',
      's',
    ],
    [
      {
        'detail-type': 'Lambda Function Invocation Result – Failure',
        detail: { requestPayload: { sliceId: 's' } },
      },
      'EventBridge destination record',
      's',
    ],
    [{ requestContext: {}, requestPayload: { sliceId: 's' } }, 'destination record', 's'],
    // A pipeline that an EventBridge rule invokes gets the whole EventBridge event.
    [
      {
        requestContext: {},
        requestPayload: { 'detail-type': 'Slice Ready', detail: { sliceId: 's' } },
      },
      'destination record',
      's',
    ],
    [
      {
        'detail-type': 'Lambda Function Invocation Result - Success',
        detail: { requestPayload: { detail: { sliceId: 's' } } },
      },
      'EventBridge destination record',
      's',
    ],
    [{ detail: 'not an object' }, 'EventBridge completion', undefined],
    [{ sliceId: 42 }, 'completion', undefined],
    [['an', 'array'], 'not an object', undefined],
  ])('%j is a %s about slice %s', (event, shape, sliceId) => {
    expect(describeEvent(event)).toEqual({ shape, sliceId });
  });

  // The tool finds slice ids without validating, so that rejected events still show theirs; this
  // keeps it in step with the function's own parser on every event the function accepts.
  it('finds the slice id the function would report on, for every shape it accepts', () => {
    const completion = fc.record({
      sliceId: fc.uuid(),
      lambdaRequestId: fc.uuid(),
      attemptNumber: fc.nat(5),
    });
    const envelope = (detailType: fc.Arbitrary<string>, detail: fc.Arbitrary<object>) =>
      fc.record({ 'detail-type': detailType, time: fc.constant('2026-11-28T10:00:00Z'), detail });
    const sliceReference = fc.record({ sliceId: fc.uuid() });
    const destinationRecord = fc.record({
      requestContext: fc.record({
        requestId: fc.uuid(),
        condition: fc.constantFrom('Success', 'RetriesExhausted', 'EventAgeExceeded'),
      }),
      // What the pipeline was invoked with: the slice, or an EventBridge event about it.
      requestPayload: fc.oneof(
        sliceReference,
        envelope(fc.constantFrom('Execution Slice Ready'), sliceReference),
      ),
    });
    const event = fc.oneof(
      completion,
      destinationRecord,
      envelope(fc.constantFrom('Execution Slice Completed', 'Anything Else'), completion),
      envelope(
        fc.constantFrom(
          'Lambda Function Invocation Result - Success',
          'Lambda Function Invocation Result – Failure',
        ),
        destinationRecord,
      ),
    );
    fc.assert(
      fc.property(event, (e) => {
        expect(describeEvent(e).sliceId).toBe(parseCompletionEvent(e).sliceId);
      }),
      { seed: 10, numRuns: 200 },
    );
  });

  // Every sample the function accepts, with the slice id it reports on (7-invalid is rejected).
  const accepted = sampleEvents().flatMap(({ file, event }) => {
    try {
      return [{ file, event, sliceId: parseCompletionEvent(event).sliceId }];
    } catch {
      return [];
    }
  });

  it('has samples of every shape to check', () => {
    expect(new Set(accepted.map(({ event }) => describeEvent(event).shape))).toEqual(
      new Set([
        'completion',
        'EventBridge completion',
        'destination record',
        'EventBridge destination record',
      ]),
    );
  });

  it.each(accepted)(
    'finds the slice id the function reports on in events/$file',
    ({ event, sliceId }) => {
      expect(describeEvent(event).sliceId).toBe(sliceId);
    },
  );
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [42_000, '42s'],
    [60_000, '1m'],
    [(12 * 60 + 5) * 1000, '12m 5s'],
    [(3 * 3600 + 12 * 60 + 59) * 1000, '3h 12m'],
    [3 * 3600 * 1000 + 30_000, '3h'],
    [(2 * 86_400 + 4 * 3600 + 7 * 60) * 1000, '2d 4h'],
    [-5000, '0s'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('plural', () => {
  it.each([
    [0, 'events'],
    [1, 'event'],
    [2, 'events'],
  ])('%i %s', (count, noun) => {
    expect(plural(count, 'event')).toBe(`${count} ${noun}`);
  });
});

describe('exampleLine', () => {
  it('makes one line of at most 160 characters, marking a cut', () => {
    expect(exampleLine('  HTTP 503:\n\t{"errorMessage":\r\n "x"}  ')).toBe(
      'HTTP 503: {"errorMessage": "x"}',
    );
    expect(exampleLine('x'.repeat(160))).toBe('x'.repeat(160));
    expect(exampleLine('x'.repeat(161))).toBe(`${'x'.repeat(157)}...`);
  });
});

const failedEvent = fc.record({
  errorName: fc.constantFrom('KodexaUnavailable', 'InvalidCompletionEvent', 'THROTTLING'),
  condition: fc.constantFrom('RetriesExhausted', 'EventAgeExceeded'),
  sentAt: fc.option(fc.integer({ min: 0, max: 1e12 }), { nil: undefined }),
  sliceId: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }),
  errorMessage: fc.option(fc.string(), { nil: undefined }),
}) as fc.Arbitrary<FailedEvent>;

describe('groupFailures', () => {
  it('puts each event in the one group of its error and condition, most frequent first', () => {
    fc.assert(
      fc.property(fc.array(failedEvent, { maxLength: 30 }), (events) => {
        const groups = groupFailures(events);
        expect(groups.reduce((sum, g) => sum + g.count, 0)).toBe(events.length);
        for (const group of groups) {
          const members = events.filter(
            (e) => e.errorName === group.errorName && e.condition === group.condition,
          );
          expect(group.count).toBe(members.length);
          const sent = members.flatMap((e) => (e.sentAt === undefined ? [] : [e.sentAt]));
          expect(group.oldestSentAt).toBe(sent.length > 0 ? Math.min(...sent) : undefined);
          expect(new Set(group.sliceIds)).toEqual(
            new Set(members.flatMap((e) => (e.sliceId === undefined ? [] : [e.sliceId]))),
          );
          expect(group.sliceIds).toHaveLength(new Set(group.sliceIds).size);
        }
        const counts = groups.map((g) => g.count);
        expect(counts).toEqual([...counts].sort((a, b) => b - a));
      }),
      { seed: 10, numRuns: 200 },
    );
  });
});

describe('failureTable', () => {
  it('aligns the columns, shows at most three slices and an example message per group', () => {
    const now = 1_000_000_000;
    const lines = failureTable(
      [
        {
          errorName: 'KodexaUnavailable',
          condition: 'RetriesExhausted',
          count: 12,
          oldestSentAt: now - 2 * 3600_000,
          sliceIds: ['a', 'b', 'c', 'd', 'e'],
          example: `HTTP 503 ${'x'.repeat(200)}`,
        },
        {
          errorName: 'THROTTLING',
          condition: 'MaximumRetryAttempts',
          count: 1,
          oldestSentAt: undefined,
          sliceIds: [],
          example: undefined,
        },
      ],
      now,
    );
    expect(lines).toEqual([
      'count  error              condition             oldest  slices',
      '   12  KodexaUnavailable  RetriesExhausted      2h      a, b, c, +2 more',
      `       e.g. HTTP 503 ${'x'.repeat(148)}...`,
      '    1  THROTTLING         MaximumRetryAttempts  -       -',
    ]);
  });
});
