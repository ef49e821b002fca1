import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributeText,
  deadLetterMessage,
  MAX_ERROR_MESSAGE_CHARS,
  sendToDeadLetterQueue,
} from '#functions/slice-completion/dead-letter.ts';
import { InvalidCompletionEvent, SliceNotFound } from '#functions/slice-completion/errors.ts';
import { type SqsEndpoint, startSqsEndpoint } from '#tools/local/sqs-endpoint.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/buffer-dlq';

describe('deadLetterMessage', () => {
  it('carries the body exactly as received and the error as String attributes', () => {
    const body = ' {"sliceId": "3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21",\n "x": "\u00e9\u{1f600}"} ';
    const error = new SliceNotFound('slice 3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21 was not found');
    expect(deadLetterMessage(QUEUE, body, error)).toEqual({
      QueueUrl: QUEUE,
      MessageBody: body,
      MessageAttributes: {
        ErrorName: { DataType: 'String', StringValue: 'SliceNotFound' },
        ErrorMessage: { DataType: 'String', StringValue: error.message },
      },
    });
  });

  it('names anything thrown that is not an Error `Error`, with its text as the message', () => {
    expect(deadLetterMessage(QUEUE, 'b', 'boom').MessageAttributes).toEqual({
      ErrorName: { DataType: 'String', StringValue: 'Error' },
      ErrorMessage: { DataType: 'String', StringValue: 'boom' },
    });
  });

  it('keeps an invalid event message readable and within the limit', () => {
    const problems = Array.from({ length: 200 }, (_, i) => `field${i}\u0000: is required`);
    const text = deadLetterMessage(QUEUE, 'b', new InvalidCompletionEvent(problems))
      .MessageAttributes.ErrorMessage.StringValue as string;
    expect(text).toMatch(/^invalid completion event: field0\uFFFD: is required; field1\uFFFD: /);
    expect(text).toMatch(/\.\.\.$/);
    expect([...text]).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
  });
});

describe('attributeText', () => {
  it.each([
    ['plain text', 'plain text'],
    ['tab\tnew\nline\rreturn', 'tab\tnew\nline\rreturn'],
    ['nul\u0000bell\u0007', 'nul\uFFFDbell\uFFFD'],
    ['lone \uD800 surrogate', 'lone \uFFFD surrogate'],
    ['\uFFFE\uFFFF', '\uFFFD\uFFFD'],
    ['emoji \u{1F600} stays', 'emoji \u{1F600} stays'],
    ['', '(none)'],
  ])('%o becomes %o', (text, expected) => {
    expect(attributeText(text)).toBe(expected);
  });

  it('cuts at a character, never inside a surrogate pair', () => {
    const text = attributeText('\u{1F600}'.repeat(MAX_ERROR_MESSAGE_CHARS + 1));
    expect([...text]).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(text).toBe(`${'\u{1F600}'.repeat(MAX_ERROR_MESSAGE_CHARS - 3)}...`);
    expect(attributeText('a'.repeat(MAX_ERROR_MESSAGE_CHARS))).toBe(
      'a'.repeat(MAX_ERROR_MESSAGE_CHARS),
    );
  });

  it('gives only characters SQS accepts, for any text', () => {
    // SQS: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
    const allowed = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2_000 }), (text) => {
        const value = attributeText(text);
        expect(value).toMatch(allowed);
        expect([...value].length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });
});

// Against SQS on loopback, through the real client.
describe('sendToDeadLetterQueue', () => {
  const DLQ = 'dlq';
  /** A dead-letter queue this small takes the test's body with no attributes, or with ErrorName. */
  const LIMIT = 100;
  let endpoint: SqsEndpoint;
  let sqs: SQSClient;
  let queueUrl: string;
  beforeAll(async () => {
    endpoint = await startSqsEndpoint();
    queueUrl = endpoint.createQueue(DLQ, { maximumMessageSize: LIMIT });
    sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sqs.destroy();
    await endpoint.close();
  });

  const error = new SliceNotFound('slice s was not found');
  /** What each attempt sent, and what the queue holds after. */
  async function send(body: string, url = queueUrl) {
    endpoint.messages(DLQ).splice(0);
    const before = endpoint.operations.length;
    const thrown = await sendToDeadLetterQueue(sqs, url, body, error, AbortSignal.timeout(10_000))
      .then(() => undefined)
      .catch((e: Error) => e.name);
    return {
      thrown,
      requests: endpoint.operations.length - before,
      queued: endpoint.messages(DLQ).map((m) => ({ body: m.body, attributes: m.attributes })),
    };
  }

  it('sends the body with both attributes when they fit', async () => {
    expect(await send('{}')).toEqual({
      thrown: undefined,
      requests: 1,
      queued: [
        {
          body: '{}',
          attributes: { ErrorName: 'SliceNotFound', ErrorMessage: 'slice s was not found' },
        },
      ],
    });
  });

  it('sends it with ErrorName alone, then with none, as SQS refuses each larger one', async () => {
    // SQS counts ErrorName, String and SliceNotFound: 28 bytes; ErrorMessage's would add 39
    const withName = 'x'.repeat(LIMIT - 28);
    expect(await send(withName)).toEqual({
      thrown: undefined,
      requests: 2,
      queued: [{ body: withName, attributes: { ErrorName: 'SliceNotFound' } }],
    });
    const bare = 'x'.repeat(LIMIT);
    expect(await send(bare)).toEqual({
      thrown: undefined,
      requests: 3,
      queued: [{ body: bare, attributes: {} }],
    });
  });

  it('throws what SQS answered when even the body alone is refused', async () => {
    expect(await send('x'.repeat(LIMIT + 1))).toEqual({
      thrown: 'InvalidParameterValue',
      requests: 3,
      queued: [],
    });
  });

  it('throws any other failure at once, without trying smaller messages', async () => {
    const gone = queueUrl.replace(/dlq$/, 'no-such-queue');
    expect(await send('{}', gone)).toEqual({
      thrown: 'QueueDoesNotExist',
      requests: 1,
      queued: [],
    });
  });
});
