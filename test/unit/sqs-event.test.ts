import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  eventInBody,
  firstReceivedAt,
  isSqsEvent,
  receiveCount,
} from '#functions/slice-completion/sqs-event.ts';
import { thrownBy } from '../support/thrown-by.ts';

const record = (fields: Record<string, unknown> = {}) => ({ eventSource: 'aws:sqs', ...fields });

describe('isSqsEvent', () => {
  it.each([
    [{ Records: [record()] }, true],
    [{ Records: [record(), record()] }, true],
    [{ Records: [] }, false],
    [{ Records: [record(), { eventSource: 'aws:kinesis' }] }, false],
    [{ Records: [null] }, false],
    [{ Records: record() }, false],
    [{ sliceId: '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21', lambdaRequestId: 'r' }, false],
    [null, false],
    ['Records', false],
  ])('%o: %s', (event, expected) => {
    expect(isSqsEvent(event)).toBe(expected);
  });
});

describe('eventInBody', () => {
  it('parses the body as JSON, whatever its value', () => {
    expect(eventInBody('{"sliceId":"s","n":[1,2]}')).toEqual({ sliceId: 's', n: [1, 2] });
    expect(eventInBody('"text"')).toBe('text');
  });

  it.each([
    ['{"sliceId": "s",', 'body: must be JSON (it is not, at character 16)'],
    ['sliceId=secret-looking-value', 'body: must be JSON'],
    ['', 'body: must be JSON'],
  ])('refuses %o as an InvalidCompletionEvent that does not quote it', (body, problem) => {
    const error = thrownBy(() => eventInBody(body));
    expect(error).toMatchObject({ name: 'InvalidCompletionEvent', problems: [problem] });
    if (body) expect(error.message).not.toContain(body);
  });
});

describe('receiveCount', () => {
  const withCount = (count: unknown) =>
    ({ attributes: { ApproximateReceiveCount: count } }) as unknown as SQSRecord;

  it.each([
    ['1', 1],
    ['7', 7],
    ['0', 1],
    ['', 1],
    ['x', 1],
    [undefined, 1],
  ])('reads %o as %i', (count, expected) => {
    expect(receiveCount(withCount(count))).toBe(expected);
  });

  it('takes a record without attributes as its first receive', () => {
    expect(receiveCount({} as SQSRecord)).toBe(1);
  });
});

describe('firstReceivedAt', () => {
  const withTimestamp = (at: unknown) =>
    ({ attributes: { ApproximateFirstReceiveTimestamp: at } }) as unknown as SQSRecord;

  it.each([
    ['1733313600000', 1_733_313_600_000],
    ['1', 1],
    ['0', undefined],
    ['-1733313600000', undefined],
    ['1733313600000.5', undefined],
    ['9007199254740993', undefined],
    ['', undefined],
    ['x', undefined],
    [undefined, undefined],
  ])('reads %o as %o', (at, expected) => {
    expect(firstReceivedAt(withTimestamp(at))).toBe(expected);
  });

  it('has no time for a record without attributes', () => {
    expect(firstReceivedAt({} as SQSRecord)).toBeUndefined();
  });
});
