// A completion that failed for a reason time may cure goes back to the buffer (the batch reports
// it in batchItemFailures). Its visibility decides when SQS hands it out again: what Kodexa's
// Retry-After asked for, and a wait that doubles with each receive, so that a completion that
// met a short fault comes back in seconds rather than after the buffer's visibility timeout,
// while one that keeps failing is tried ever less often. The function sets every wait, so the
// time a completion is retried for is the sum of these waits over maxReceiveCount receives, not
// the buffer's visibility timeout times maxReceiveCount (that one applies only when the function
// could not set the visibility: a killed container, SQS not answering).
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

const FIRST_WAIT_SECONDS = 2;
/** A completion that keeps failing is still tried four times an hour. */
export const LONGEST_WAIT_SECONDS = 900;
/** SQS's largest visibility timeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** SQS's largest batch. */
const BATCH_ENTRIES = 10;

/**
 * Seconds to hide a message handed back after its `receiveCount`-th receive: 2 s after the first,
 * doubling up to 900 s, and at least until `retryAt`, when Kodexa may be asked again (Retry-After).
 */
export function handBackSeconds(
  receiveCount: number,
  retryAt: number | undefined,
  now: number,
  random: () => number = Math.random,
): number {
  const asked = retryAt === undefined ? 0 : Math.ceil((retryAt - now) / 1000);
  const wait = Math.min(
    LONGEST_WAIT_SECONDS,
    FIRST_WAIT_SECONDS * 2 ** (Math.min(Math.max(1, receiveCount), 20) - 1),
  );
  // Up to half as long again, so that completions that failed together do not return together.
  const jittered = wait + Math.floor(random() * (wait / 2 + 1));
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(asked, jittered));
}

export interface HandBack {
  receiptHandle: string;
  seconds: number;
}

/**
 * Sets the visibility of every message handed back, in as few requests as SQS allows. Returns how
 * many it could not set; those come back after the buffer's visibility timeout, later but not lost.
 */
export async function setVisibility(
  sqs: SQSClient,
  queueUrl: string,
  handBacks: HandBack[],
  abortSignal: AbortSignal,
): Promise<number> {
  let failed = 0;
  for (let start = 0; start < handBacks.length; start += BATCH_ENTRIES) {
    const entries = handBacks.slice(start, start + BATCH_ENTRIES).map((handBack, i) => ({
      Id: String(i),
      ReceiptHandle: handBack.receiptHandle,
      VisibilityTimeout: handBack.seconds,
    }));
    const answer = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      { abortSignal },
    );
    failed += answer.Failed?.length ?? 0;
  }
  return failed;
}
