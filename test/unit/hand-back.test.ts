import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HandBack,
  handBackSeconds,
  LONGEST_HOLD_SECONDS,
  LONGEST_WAIT_SECONDS,
  setVisibility,
} from '#functions/slice-completion/hand-back.ts';
import { type SqsEndpoint, startSqsEndpoint } from '#tools/local/sqs-endpoint.ts';

const now = Date.parse('2026-12-04T12:00:00Z');
const least = () => 0;
const most = () => 0.999_999;

describe('handBackSeconds', () => {
  it('waits 2 s after the first receive, doubling with each, up to 900 s', () => {
    expect(
      [1, 2, 3, 4, 5, 9, 10, 11, 50].map((n) => handBackSeconds(n, now, undefined, now, least)),
    ).toEqual([2, 4, 8, 16, 32, 512, 900, 900, 900]);
  });

  it('waits up to half as long again, at random', () => {
    expect([1, 2, 3, 10].map((n) => handBackSeconds(n, now, undefined, now, most))).toEqual([
      3, 6, 12, 1350,
    ]);
  });

  it('waits at least until Kodexa may be asked again', () => {
    expect(handBackSeconds(1, now, now + 30_000, now, least)).toBe(30);
    expect(handBackSeconds(1, now, now + 30_001, now, least)).toBe(31);
    expect(handBackSeconds(3, now, now + 1_000, now, least)).toBe(8);
    expect(handBackSeconds(3, now, now - 5_000, now, least)).toBe(8);
  });

  // SQS counts 12 hours from the receive that handed the message out, and refuses a visibility
  // past them; the record gives only the first receive, the later ones are at most 660 s ago.
  it('never asks SQS for a visibility past 12 hours from the receive, less a second', () => {
    const day = now + 24 * 3600_000;
    expect(handBackSeconds(1, now, day, now, least)).toBe(43_199);
    expect(handBackSeconds(1, now - 100_000, day, now, least)).toBe(43_099);
    expect(handBackSeconds(1, now - 100_001, day, now, least)).toBe(43_098);
    expect(handBackSeconds(9, now - 3600_000, day, now, least)).toBe(
      43_200 - LONGEST_HOLD_SECONDS - 1,
    );
    expect(handBackSeconds(9, undefined, day, now, least)).toBe(43_200 - LONGEST_HOLD_SECONDS - 1);
    // a first receive ahead of this clock
    expect(handBackSeconds(1, now + 5_000, day, now, least)).toBe(43_199);
    // a short wait is not touched
    expect(handBackSeconds(9, now - 3600_000, undefined, now, least)).toBe(512);
  });

  it('takes a receive count below 1 as the first', () => {
    expect(handBackSeconds(0, now, undefined, now, least)).toBe(2);
  });

  it('gives a whole number of seconds SQS accepts, never shorter for a later receive', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.option(fc.integer({ min: -10_000, max: 100_000_000 })),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (receives, retryIn, random, receivedAgo) => {
          const retryAt = retryIn === null ? undefined : now + retryIn;
          const seconds = handBackSeconds(receives, now - receivedAgo, retryAt, now, () => random);
          expect(seconds).toBe(Math.trunc(seconds));
          expect(seconds).toBeGreaterThanOrEqual(2);
          // within 12 hours of this receive, which was at most 660 s ago
          const held = Math.min(receivedAgo / 1000, LONGEST_HOLD_SECONDS);
          expect(seconds + held).toBeLessThan(43_200);
          const base = Math.min(LONGEST_WAIT_SECONDS, 2 ** receives);
          expect(seconds).toBeGreaterThanOrEqual(base);
          expect(handBackSeconds(receives + 1, now, retryAt, now, least)).toBeGreaterThanOrEqual(
            handBackSeconds(receives, now, retryAt, now, least),
          );
        },
      ),
      { seed: 20261204, numRuns: 500 },
    );
  });
});

// Against SQS on loopback, through the real client: a batch request takes 1 to 10 entries, and
// SQS's JSON protocol answers without `Failed` when every entry succeeded.
describe('setVisibility', () => {
  const QUEUE = 'hand-back';
  let endpoint: SqsEndpoint;
  let sqs: SQSClient;
  let queueUrl: string;
  beforeAll(async () => {
    endpoint = await startSqsEndpoint();
    queueUrl = endpoint.createQueue(QUEUE, { visibilityTimeoutSeconds: 360 });
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

  /** `count` messages in flight, each to be hidden for its own number of seconds: 100, 101, ... */
  function inFlight(count: number): HandBack[] {
    endpoint.messages(QUEUE).splice(0);
    return Array.from({ length: count }, (_, i) => {
      const receiptHandle = `handle-${i}`;
      endpoint.received(QUEUE, { messageId: `m${i}`, receiptHandle, body: '{}', receiveCount: 1 });
      return { receiptHandle, seconds: 100 + i };
    });
  }
  /** Whole seconds until each message is visible again, in the order they were received. */
  const hiddenFor = () =>
    endpoint.messages(QUEUE).map((m) => Math.round((m.invisibleUntil - Date.now()) / 1000));
  async function requestsFor(handBacks: HandBack[]) {
    const before = endpoint.operations.length;
    const failed = await setVisibility(sqs, queueUrl, handBacks, AbortSignal.timeout(10_000));
    return { failed, requests: endpoint.operations.slice(before) };
  }

  it.each([
    [25, 3],
    [20, 2],
    [10, 1],
    [1, 1],
  ])(
    'sets the visibility of %i messages, each its own, in %i requests',
    async (count, requests) => {
      const handBacks = inFlight(count);
      expect(await requestsFor(handBacks)).toEqual({
        failed: 0,
        requests: Array(requests).fill('ChangeMessageVisibilityBatch'),
      });
      expect(hiddenFor()).toEqual(handBacks.map((h) => h.seconds));
    },
  );

  it('sends nothing when nothing was handed back', async () => {
    expect(await requestsFor([])).toEqual({ failed: 0, requests: [] });
  });

  it('counts the messages whose visibility SQS did not set, in every request', async () => {
    const handBacks = inFlight(14);
    // gone from the queue: deleted, or their receive expired and another took them
    const gone = [0, 3, 12];
    endpoint.messages(QUEUE).splice(0);
    for (const [i, handBack] of handBacks.entries()) {
      if (gone.includes(i)) continue;
      const { receiptHandle } = handBack;
      endpoint.received(QUEUE, { messageId: `m${i}`, receiptHandle, body: '{}', receiveCount: 1 });
    }
    expect(await requestsFor(handBacks)).toEqual({
      failed: 3,
      requests: ['ChangeMessageVisibilityBatch', 'ChangeMessageVisibilityBatch'],
    });
    expect(hiddenFor()).toEqual(
      handBacks.filter((_, i) => !gone.includes(i)).map((h) => h.seconds),
    );
  });
});
