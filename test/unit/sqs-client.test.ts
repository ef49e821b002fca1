// The container's SQS client against SQS on loopback that reads a request and never answers it:
// each attempt ends at the request timeout, so that the call fails rather than waiting for the
// Lambda timeout (the batch's abort signal bounds the call as a whole; here there is none).
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqsClient } from '#functions/slice-completion/sqs-client.ts';
import { type SqsEndpoint, startSqsEndpoint } from '#tools/local/sqs-endpoint.ts';

let endpoint: SqsEndpoint;
beforeAll(async () => {
  endpoint = await startSqsEndpoint();
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', endpoint.url);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await endpoint.close();
});

describe('createSqsClient', () => {
  it('ends each attempt that SQS does not answer at the request timeout, and fails after the last', async () => {
    const sqs = createSqsClient(100);
    const queueUrl = endpoint.createQueue('stalled');
    endpoint.stalled.add('SendMessage');
    const before = endpoint.operations.length;
    try {
      // The test's own bound: without the request timeout, the call would wait until this.
      const error = await sqs
        .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }), {
          abortSignal: AbortSignal.timeout(4_000),
        })
        .catch((e: Error) => e);
      expect(error).toMatchObject({
        name: 'TimeoutError',
        message: expect.stringContaining('exceeded the configured 100 ms requestTimeout'),
        $metadata: { attempts: 3 },
      });
      expect(endpoint.operations.slice(before)).toEqual(Array(3).fill('SendMessage'));
    } finally {
      endpoint.stalled.clear();
      sqs.destroy();
    }
  });
});
