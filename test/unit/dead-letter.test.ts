import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeText,
  deadLetterMessage,
  MAX_ERROR_MESSAGE_CHARS,
} from '#functions/slice-completion/dead-letter.ts';
import { InvalidCompletionEvent, SliceNotFound } from '#functions/slice-completion/errors.ts';

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
      .MessageAttributes?.ErrorMessage?.StringValue as string;
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
