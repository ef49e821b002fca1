// `replay`: each failed event through the function again, one at a time and synchronously; a
// message is deleted once its event is recorded, and kept (visible again) when it fails again.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  COMPLETION_OUTCOMES,
  type CompletionOutcome,
} from '#functions/slice-completion/complete-slice.ts';
import { type FailedEvent, readFailedMessage } from './failed-message.ts';
import { exampleLine, plural } from './format.ts';
import { type InvocationResult, invokeFunction } from './invoke-function.ts';
import type { Io } from './io.ts';
import { showProgress } from './progress.ts';
import type { QueueReader } from './queue-reader.ts';

export interface ReplayOptions {
  queueUrls: readonly string[];
  functionName: string;
  dryRun: boolean;
  max: number | undefined;
}

/** Exit code 1 when an event failed again, so scripts and CI notice. */
const FAILED_AGAIN = 1;
export const INTERRUPTED = 130;
const UUID_LENGTH = 36;

export async function replayFailures(
  reader: QueueReader,
  lambda: LambdaClient,
  options: ReplayOptions,
  io: Io,
): Promise<number> {
  const { stdout, signal } = io;
  const events: FailedEvent[] = [];
  for (const queueUrl of options.queueUrls) {
    const left = (options.max ?? Infinity) - events.length;
    if (left <= 0) break;
    const messages = await reader.receiveAll(queueUrl, left, signal);
    events.push(...messages.map((message) => readFailedMessage(message, queueUrl)));
  }
  if (options.dryRun) return dryRun(events, options.functionName, io);
  if (events.length === 0) {
    await io.release();
    stdout.write(
      signal?.aborted
        ? 'Interrupted before any event was replayed.\n'
        : 'Nothing to replay: the queues are empty.\n',
    );
    return signal?.aborted ? INTERRUPTED : 0;
  }

  stdout.write(
    `Replaying ${plural(events.length, 'event')} to ${options.functionName}, one at a time, waiting for each outcome.\n` +
      'Replaying is safe: an event whose completion is already recorded comes back "unchanged".\n\n',
  );
  const outcomes = new Map<CompletionOutcome, number>(COMPLETION_OUTCOMES.map((o) => [o, 0]));
  const failedAgain = new Map<string, { count: number; example: string }>();
  const progress = showProgress(events.length, stdout, io.stderr);
  let done = 0;
  try {
    for (const event of events) {
      if (signal?.aborted) break;
      const result: InvocationResult =
        event.event === undefined
          ? { errorType: 'UnreadableMessage', errorMessage: 'the message body is not JSON' }
          : await invokeFunction(lambda, options.functionName, event.event);
      const slice = sliceColumn(event);
      if ('outcome' in result) {
        await reader.delete(event.queueUrl, event.messageId, event.receiptHandle);
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
        progress.step(`  ${result.outcome.padEnd(9)}  ${slice}  message deleted`, false);
      } else {
        const seen = failedAgain.get(result.errorType);
        failedAgain.set(result.errorType, {
          count: (seen?.count ?? 0) + 1,
          example: seen?.example ?? result.errorMessage,
        });
        progress.step(
          `  ${'FAILED'.padEnd(9)}  ${slice}  ${result.errorType}: ${result.errorMessage}  (message kept)`,
          true,
        );
      }
      done++;
    }
  } finally {
    progress.finish();
    const released = await io.release();
    // On an error from AWS the summary shows how far the run got, before the error line.
    if (done > 0) summarize(outcomes, failedAgain, released, stdout);
  }
  if (done < events.length) {
    stdout.write(
      `Interrupted: ${plural(events.length - done, 'event')} not replayed; their messages are visible again.\n`,
    );
    return INTERRUPTED;
  }
  return failedAgain.size > 0 ? FAILED_AGAIN : 0;
}

function summarize(
  outcomes: Map<CompletionOutcome, number>,
  failedAgain: Map<string, { count: number; example: string }>,
  released: boolean,
  stdout: Io['stdout'],
): void {
  const replayed = [...outcomes.values()].reduce((a, b) => a + b, 0);
  const failed = [...failedAgain.values()].reduce((a, b) => a + b.count, 0);
  const counts = [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
  stdout.write(`\n${counts}: ${plural(replayed, 'message')} deleted.\n`);
  if (failed === 0) return;
  stdout.write(
    `${failed} failed again; ${failed === 1 ? 'its message is' : 'their messages are'} kept${released ? ' and visible again' : ''}:\n`,
  );
  const width = Math.max(...[...failedAgain.keys()].map((name) => name.length));
  for (const [errorType, { count, example }] of failedAgain) {
    stdout.write(
      `  ${String(count).padStart(4)}  ${errorType.padEnd(width)}  ${exampleLine(example)}\n`,
    );
  }
}

async function dryRun(events: FailedEvent[], functionName: string, io: Io): Promise<number> {
  const released = await io.release();
  if (io.signal?.aborted) return INTERRUPTED;
  io.stdout.write(
    `Dry run: ${plural(events.length, 'event')} would be replayed to ${functionName}; nothing is invoked or deleted.\n\n`,
  );
  for (const event of events) {
    io.stdout.write(
      `  ${sliceColumn(event)}  ${event.shape}, from ${event.source} (${event.errorName})\n`,
    );
  }
  io.stdout.write(
    `\n${released ? 'Every message is visible in its queue again.' : 'Some messages could not be made visible again at once (see above).'}\n`,
  );
  return 0;
}

function sliceColumn(event: FailedEvent): string {
  return (event.sliceId ?? '(no slice id)').padEnd(UUID_LENGTH);
}
