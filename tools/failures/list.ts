// `list`: what is in the queues, grouped by error; nothing is deleted or invoked.
import { readFailedMessage } from './failed-message.ts';
import { failureTable, groupFailures } from './failure-table.ts';
import { plural } from './format.ts';
import type { Io } from './io.ts';
import type { QueueReader } from './queue-reader.ts';

export async function listFailures(
  reader: QueueReader,
  queueUrls: readonly string[],
  io: Io,
): Promise<void> {
  const events = [];
  const counts: string[] = [];
  for (const queueUrl of queueUrls) {
    const messages = await reader.receiveAll(queueUrl, Infinity, io.signal);
    events.push(...messages.map((message) => readFailedMessage(message, queueUrl)));
    counts.push(`${queueUrl}  ${plural(messages.length, 'message')}`);
  }
  const now = Date.now();
  const released = await io.release();
  if (io.signal?.aborted) {
    io.stdout.write('Interrupted; every message read is visible in its queue again.\n');
    return;
  }
  io.stdout.write(`${counts.join('\n')}\n\n`);
  if (events.length > 0) {
    io.stdout.write(`${failureTable(groupFailures(events), now).join('\n')}\n\n`);
  }
  io.stdout.write(
    `Read ${plural(events.length, 'message')} without consuming any${released ? ': all are visible in their queues again' : ''}.\n`,
  );
}
