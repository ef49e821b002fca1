import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { judge, startEventSourceMapping } from '#tools/local/event-source-mapping.ts';
import type { Handler } from '#tools/local/lambda-runtime.ts';
import { startSqsEndpoint } from '#tools/local/sqs-endpoint.ts';

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

describe('the simulated mapping', () => {
  /** Drains `count` messages through containers that take `coldStartMs` to start. */
  async function drain(
    count: number,
    killWhen?: Parameters<typeof startEventSourceMapping>[0]['killWhen'],
  ) {
    const sqs = await startSqsEndpoint();
    sqs.createQueue('buffer', { visibilityTimeoutSeconds: 1 });
    for (let i = 0; i < count; i++) sqs.send('buffer', `message ${i}`);
    // each invocation takes 50 ms, and answers that every record is done
    const handler: Handler = async () => {
      await sleep(50);
      return { batchItemFailures: [] };
    };
    const mapping = startEventSourceMapping({
      sqs,
      queueName: 'buffer',
      loadContainer: async () => {
        await sleep(20);
        return handler;
      },
      maximumConcurrency: 3,
      batchSize: 2,
      maximumBatchingWindowSeconds: 0,
      functionTimeoutMs: 5_000,
      killWhen,
    });
    try {
      await mapping.drained();
    } finally {
      await mapping.stop();
      await sqs.close();
    }
    return mapping.invocations;
  }

  it('numbers the invocations in the order they start, cold starts included', async () => {
    const invocations = await drain(6);
    expect(invocations.map((i) => i.number)).toEqual([1, 2, 3]);
    expect(new Set(invocations.map((i) => i.container)).size).toBe(3);
  });

  it('kills the container of an invocation when its killWhen resolves while it runs', async () => {
    const invocations = await drain(6, ({ number }) => (number === 2 ? sleep(10) : undefined));
    expect(invocations.map((i) => [i.number, i.ended])).toEqual([
      [1, 'answered'],
      [2, 'killed'],
      [3, 'answered'],
      // its records, back after their visibility timeout
      [4, 'answered'],
    ]);
  });
});
