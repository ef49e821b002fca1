// How `npm start` and `npm run invoke` run a batch from the SQS buffer through the function on
// loopback: its records are held in the local buffer as just received (so the function can set
// their visibility), and each record's fate is read from where Lambda and SQS would show it: the
// answer's batchItemFailures (handed back, and when it will be visible again), the buffer's
// dead-letter queue (with ErrorName and ErrorMessage), or neither (processed).
import type { SQSEvent } from 'aws-lambda';
import { isCompletionOutcome } from '../../functions/slice-completion/complete-slice.ts';
import { parseCompletionEvent } from '../../functions/slice-completion/parse-event.ts';
import { eventInBody, receiveCount } from '../../functions/slice-completion/sqs-event.ts';
import { completionOutcomes, type MetricsCapture } from './function-metrics.ts';
import { type Handler, lambdaContext } from './lambda-runtime.ts';
import { BUFFER_DEAD_LETTER_QUEUE, BUFFER_QUEUE, type LocalServices } from './local-services.ts';
import { outcomeLine, sliceChange } from './show-slice.ts';

export interface RecordFate {
  fate: 'processed' | 'dead-lettered' | 'handed back';
  line: string;
  /** The slice before and after, for a record processed. */
  slice: string[];
  errorName?: string;
}

export interface BatchRun {
  /** The answer, or what the invocation threw. */
  result: unknown;
  records: RecordFate[];
  /** What the completions came to, from the metrics the invocation wrote, sorted. */
  outcomes: string[];
}

export async function runBatch(
  handler: Handler,
  event: SQSEvent,
  services: LocalServices,
  metrics: MetricsCapture,
): Promise<BatchRun> {
  const { sqs } = services;
  for (const record of event.Records) {
    sqs.received(BUFFER_QUEUE, {
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      body: record.body,
      receiveCount: receiveCount(record),
    });
  }
  const deadLetteredBefore = sqs.messages(BUFFER_DEAD_LETTER_QUEUE).length;
  const documentsBefore = metrics.documents().length;
  const slicesBefore = structuredClone(new Map(services.kodexa.slices));

  const result = await handler(event, lambdaContext()).catch((error: Error) => error);
  const outcomes = completionOutcomes(metrics.documents().slice(documentsBefore));
  const deadLettered = sqs.messages(BUFFER_DEAD_LETTER_QUEUE).slice(deadLetteredBefore);
  const handedBack = new Set(
    (result as { batchItemFailures?: { itemIdentifier: string }[] } | null)?.batchItemFailures?.map(
      (failure) => failure.itemIdentifier,
    ),
  );
  const records = event.Records.map((record): RecordFate => {
    if (handedBack.has(record.messageId)) {
      const held = sqs.messages(BUFFER_QUEUE).find((m) => m.messageId === record.messageId);
      const seconds = held && Math.ceil((held.invisibleUntil - Date.now()) / sqs.secondMs);
      return {
        fate: 'handed back',
        line: `in batchItemFailures${seconds ? `, visible again in ${seconds} s` : ''}`,
        slice: [],
      };
    }
    const at = deadLettered.findIndex((message) => message.body === record.body);
    if (at >= 0) {
      const [message] = deadLettered.splice(at, 1);
      const { ErrorName: errorName, ErrorMessage: errorMessage } = message?.attributes ?? {};
      return { fate: 'dead-lettered', line: `${errorName}: ${errorMessage}`, slice: [], errorName };
    }
    const sliceId = sliceIdIn(record.body);
    return {
      fate: 'processed',
      line: '',
      slice: sliceId
        ? sliceChange(slicesBefore.get(sliceId), services.kodexa.slices.get(sliceId))
        : [],
    };
  });
  // The metrics say what the records came to, but not which record: named where only one can be.
  const processed = outcomes.filter(isCompletionOutcome);
  const failed = outcomes.filter((outcome) => !isCompletionOutcome(outcome));
  for (const record of records) {
    const named = record.errorName ? failed.indexOf(record.errorName) : -1;
    if (named >= 0) failed.splice(named, 1);
  }
  const only = (names: string[]) => (new Set(names).size === 1 ? names[0] : undefined);
  for (const record of records) {
    if (record.fate === 'processed') record.line = only(processed) ?? 'processed';
    if (record.fate === 'handed back') {
      record.errorName = only(failed);
      record.line = `${record.errorName ?? 'failed'}; ${record.line}`;
    }
  }
  return { result, records, outcomes };
}

/** Whether the run did what `expected` says, record by record (see sample-events.ts). */
export function batchAsExpected(run: BatchRun, expected: string[]): string | undefined {
  if (run.result instanceof Error) return `the batch failed as a whole: ${outcomeLine(run.result)}`;
  if (expected.length !== run.records.length) {
    return `the file name expects ${expected.length} records, the batch has ${run.records.length}`;
  }
  if (run.outcomes.join() !== [...expected].sort().join()) {
    return `expected ${[...expected].sort().join(', ')}; the function reported ${run.outcomes.join(', ')}`;
  }
  for (const [i, record] of run.records.entries()) {
    const want = expected[i] as string;
    const wrong = isCompletionOutcome(want)
      ? record.fate !== 'processed'
      : record.fate === 'processed' ||
        (record.errorName !== undefined && record.errorName !== want);
    if (wrong) return `record ${i + 1}: expected ${want}, got ${record.line}`;
  }
  return undefined;
}

function sliceIdIn(body: string): string | undefined {
  try {
    return parseCompletionEvent(eventInBody(body)).sliceId;
  } catch {
    return undefined;
  }
}
