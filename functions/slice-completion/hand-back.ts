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
/**
 * SQS refuses a visibility that reaches past 12 hours from the ReceiveMessage that handed the
 * message out: the limit counts from that receive, and extending does not reset it.
 */
const MAX_VISIBILITY_SECONDS = 43_200;
/**
 * The longest a record can have been received when the function hands it back: it is in flight
 * for the buffer's visibility timeout at most, which the stack sets to 6 x 60 s plus a batching
 * window of up to 300 s (infra/slice-completion.ts; its test holds it to this).
 */
export const LONGEST_HOLD_SECONDS = 660;
/** SQS's largest batch. */
const BATCH_ENTRIES = 10;

/**
 * Seconds to hide a message handed back after its `receiveCount`-th receive: 2 s after the first,
 * doubling up to 900 s, and at least until `retryAt`, when Kodexa may be asked again (Retry-After);
 * never past what SQS takes for it, 12 hours from its receive less the time since then.
 */
export function handBackSeconds(
  receiveCount: number,
  firstReceivedAt: number | undefined,
  retryAt: number | undefined,
  now: number,
  random: () => number,
): number {
  const asked = retryAt === undefined ? 0 : Math.ceil((retryAt - now) / 1000);
  const wait = Math.min(
    LONGEST_WAIT_SECONDS,
    FIRST_WAIT_SECONDS * 2 ** (Math.min(Math.max(1, receiveCount), 20) - 1),
  );
  // Up to half as long again, so that completions that failed together do not return together.
  const jittered = wait + Math.floor(random() * (wait / 2 + 1));
  return Math.min(longestVisibility(firstReceivedAt, now), Math.max(asked, jittered));
}

/**
 * The longest visibility SQS takes now. The receive it counts from is not in the record, but it
 * came after the first receive and at most LONGEST_HOLD_SECONDS ago (exact on the first receive);
 * one second more for the request's own way to SQS.
 */
function longestVisibility(firstReceivedAt: number | undefined, now: number): number {
  const sinceFirst =
    firstReceivedAt === undefined
      ? LONGEST_HOLD_SECONDS
      : Math.ceil((now - firstReceivedAt) / 1000);
  const held = Math.min(LONGEST_HOLD_SECONDS, Math.max(0, sinceFirst));
  return MAX_VISIBILITY_SECONDS - held - 1;
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
