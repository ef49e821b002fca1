// A batch from the SQS buffer: each record is one completion, completed by today's rules, its
// records in parallel (as many as the batch holds). A record that succeeds, or that fails for a
// reason no delivery can fix and has been dead-lettered, is processed; any other is handed back
// in batchItemFailures, with a visibility that brings it back when a retry makes sense. Nothing
// is deleted or dead-lettered until it is done with, so a container killed mid-batch, an SQS that
// does not answer or a bug that throws leave every record to be delivered again.
import { type BatchProcessor, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { completeSlice } from './complete-slice.ts';
import { completionSummary } from './completion-summary.ts';
import type { BufferConfig, Config } from './config.ts';
import { sendToDeadLetterQueue } from './dead-letter.ts';
import { isPermanent } from './failure-kind.ts';
import { type HandBack, handBackSeconds, setVisibility } from './hand-back.ts';
import type { Invocation, KodexaClient } from './kodexa-client.ts';
import { recordFailure, recordHandedBack, recordResult } from './metrics.ts';
import { type Completion, correlationOf, parseCompletionEvent } from './parse-event.ts';
import { eventInBody, firstReceivedAt, receiveCount } from './sqs-event.ts';

// The invocation's last seconds, after the records' last requests to Kodexa, go to SQS, each call
// cut off by an abort signal at its own point, whatever its requests' timeout and the SDK's
// attempts (3, of up to KODEXA_REQUEST_TIMEOUT_MS each: 15 s and more by default):
//   end - 5 s   the records' requests to Kodexa end (DEADLINE_MARGIN_MS);
//   end - 3 s   dead-lettering (SendMessage) ends: at least 2 s for it (DEAD_LETTER_MS);
//   end - 1 s   setting the visibility of the records handed back ends: 2 s (HAND_BACK_MS);
//   end         1 s to answer and write the batch's metrics (ANSWER_MS).
// A call cut off fails like an SQS that does not answer: the record is handed back without a
// visibility of its own and comes back after the buffer's, rather than the whole batch coming
// back after a timeout, its records dead-lettered twice and its metrics lost.
const ANSWER_MS = 1_000;
const HAND_BACK_MS = 2_000;
const DEAD_LETTER_MS = 2_000;
const DEADLINE_MARGIN_MS = DEAD_LETTER_MS + HAND_BACK_MS + ANSWER_MS;
/**
 * How long one request of a record may wait, on Kodexa's Retry-After, the gate's pace or retries,
 * before the record is handed back: a short fault is ridden out in the invocation, a longer one
 * waits in the buffer, where it holds no concurrency slot and costs nothing.
 */
const WAIT_BUDGET_MS = 5_000;

export interface BatchDependencies {
  logger: Logger;
  metrics: Metrics;
  processor: BatchProcessor;
  /** The configuration and the Kodexa client shared by the container's batches (with its gate). */
  runtime: () => { config: Config; kodexa: KodexaClient };
  buffer: () => { config: BufferConfig; sqs: SQSClient };
  /** The jitter of the visibility of completions handed back. */
  random: () => number;
}

export async function reportBatch(
  event: SQSEvent,
  context: Context,
  dependencies: BatchDependencies,
): Promise<SQSBatchResponse> {
  const { logger, metrics, processor } = dependencies;
  const end = Date.now() + context.getRemainingTimeInMillis();
  const deadline = end - DEADLINE_MARGIN_MS;
  /** Aborts at `at` (epoch ms), or at once when that has passed. */
  const until = (at: number) => AbortSignal.timeout(Math.max(0, at - Date.now()));
  const handBacks: HandBack[] = [];
  // Read once for the batch; when it cannot be read, every record fails with its error below.
  let buffer: ReturnType<BatchDependencies['buffer']> | undefined;
  let bufferError: unknown;
  try {
    buffer = dependencies.buffer();
  } catch (error) {
    bufferError = error;
  }

  const reportRecord = async (record: SQSRecord): Promise<void> => {
    const receives = receiveCount(record);
    // Each record's own keys, given with its log line: records of a batch run at once, so keys
    // appended to the logger would show on one another's lines. The event's own correlation keys
    // join them once the body is read.
    const keys: Record<string, unknown> = { messageId: record.messageId, receiveCount: receives };
    const invocation: Invocation = {
      deadline,
      waitBudgetMs: WAIT_BUDGET_MS,
      statusCodes: [],
      retries: 0,
      conflicts: 0,
    };
    let completion: Completion | undefined;
    try {
      if (bufferError !== undefined) throw bufferError;
      const { config, kodexa } = dependencies.runtime();
      const event = eventInBody(record.body);
      const { eventId, sentBy } = correlationOf(event);
      Object.assign(keys, { correlation_id: eventId, sentBy });
      completion = parseCompletionEvent(event);
      const result = await completeSlice(kodexa, config.statuses, completion, invocation);
      recordResult(metrics, result, completion, invocation);
      logger.info('slice completion reported', {
        ...keys,
        ...completionSummary(completion, invocation),
        outcome: result.outcome,
      });
    } catch (error) {
      recordFailure(metrics, error, invocation);
      const summary = { ...keys, ...completionSummary(completion, invocation), error };
      // On its last receive, a transient failure is dead-lettered too, with its error: SQS's
      // own redrive would move it at the next receive without saying why.
      const lastReceive = buffer !== undefined && receives >= buffer.config.maxReceiveCount;
      if (buffer && (isPermanent(error) || lastReceive)) {
        try {
          await sendToDeadLetterQueue(
            buffer.sqs,
            buffer.config.deadLetterQueueUrl,
            record.body,
            error,
            until(end - HAND_BACK_MS - ANSWER_MS),
          );
          logger.error('slice completion failed', { ...summary, deadLettered: true });
          return;
        } catch (sendError) {
          // Handed back without a visibility of its own: it returns after the buffer's.
          logger.error('slice completion failed', {
            ...summary,
            deadLettered: false,
            deadLetterError: sendError,
            handedBack: true,
          });
          throw error;
        }
      }
      const seconds = handBackSeconds(
        receives,
        firstReceivedAt(record),
        invocation.retryAt,
        Date.now(),
        dependencies.random,
      );
      handBacks.push({ receiptHandle: record.receiptHandle, seconds });
      logger.error('slice completion failed', {
        ...summary,
        handedBack: buffer ? { visibilitySeconds: seconds } : true,
      });
      throw error;
    }
  };

  const response = await processPartialResponse(event, reportRecord, processor, {
    context,
    // A batch whose every record failed is answered like any other, each record reported: a
    // thrown error would say no more, and with ReportBatchItemFailures Lambda does not slow its
    // polling for it either.
    throwOnFullBatchFailure: false,
  });
  // Every record in batchItemFailures, however it got there: Lambda counts none of them as an error.
  recordHandedBack(metrics, response.batchItemFailures.length);
  // Without the buffer's settings there is no queue to set visibilities in: the records come
  // back after the buffer's visibility timeout. setVisibility sends nothing for no hand-backs.
  if (buffer) {
    const failed = await setVisibility(
      buffer.sqs,
      buffer.config.queueUrl,
      handBacks,
      until(end - ANSWER_MS),
    ).catch((error: unknown) => {
      logger.warn('could not set the visibility of the completions handed back', { error });
      return 0;
    });
    if (failed > 0) {
      logger.warn('could not set the visibility of some completions handed back', { failed });
    }
  }
  return response;
}
