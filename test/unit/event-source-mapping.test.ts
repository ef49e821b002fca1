import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { judge } from '#tools/local/event-source-mapping.ts';

const records = ['m-1', 'm-2'].map((messageId) => ({ messageId }) as SQSRecord);

describe("the simulated mapping's reading of an answer, as Lambda's", () => {
  it.each([
    [undefined, { failed: [] }],
    [null, { failed: [] }],
    [{}, { failed: [] }],
    [{ batchItemFailures: null }, { failed: [] }],
    [{ batchItemFailures: [] }, { failed: [] }],
    [{ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, { failed: ['m-2'] }],
  ])('takes %o as %o', (answer, expected) => {
    expect(judge(answer, records)).toEqual(expected);
  });

  it.each([
    [{ batchItemFailures: 'm-1' }, 'batchItemFailures is not a list'],
    [{ batchItemFailures: [{ itemIdentifier: 'm-3' }] }, 'itemIdentifier m-3 is not in the batch'],
    [{ batchItemFailures: [{ itemIdentifier: '' }] }, 'an itemIdentifier that is missing or empty'],
    [{ batchItemFailures: [{ id: 'm-1' }] }, 'an itemIdentifier that is missing or empty'],
    [{ batchItemFailures: [null] }, 'an itemIdentifier that is missing or empty'],
  ])('fails the whole batch for %o', (answer, why) => {
    expect(judge(answer, records)).toEqual({ wholeBatchFailed: expect.stringContaining(why) });
  });
});
