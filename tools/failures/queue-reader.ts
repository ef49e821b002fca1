// Reads queues without consuming them: each message is received with a visibility timeout, which
// hides it so that the next receive brings the next ones, and is made visible again (timeout 0)
// when the tool is done, unless the tool deleted it because its event was replayed.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { rethrowNamed } from './errors.ts';

const BATCH = 10; // SQS's most per receive and per batch request
// A long poll asks every SQS server, so an empty answer means the queue has no visible message
// (a short poll samples only some servers and can come back empty while messages wait).
const WAIT_SECONDS = 1;

export class QueueReader {
  readonly #sqs: SQSClient;
  readonly #hideSeconds: number;
  /** Messages received and not yet deleted or released, per queue URL, by message id. */
  readonly #held = new Map<string, Map<string, Message>>();

  /** `hideSeconds` must cover the whole run: a message seen again would be counted twice. */
  constructor(sqs: SQSClient, hideSeconds: number) {
    this.#sqs = sqs;
    this.#hideSeconds = hideSeconds;
  }

  /** Every visible message of the queue, up to `max`, each hidden until released or deleted. */
  async receiveAll(queueUrl: string, max = Infinity, signal?: AbortSignal): Promise<Message[]> {
    const held = this.#heldIn(queueUrl);
    const received = new Map<string, Message>();
    while (received.size < max && !signal?.aborted) {
      const messages = await this.#receive(queueUrl, Math.min(BATCH, max - received.size));
      let fresh = 0;
      for (const message of messages) {
        const id = message.MessageId ?? '';
        if (!received.has(id)) fresh++;
        // A message seen again comes with a new receipt handle, and only the newest one works.
        received.set(id, message);
        held.set(id, message);
      }
      if (fresh === 0) break;
    }
    return [...received.values()];
  }

  async delete(queueUrl: string, messageId: string, receiptHandle: string): Promise<void> {
    await this.#sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }),
    );
    this.#heldIn(queueUrl).delete(messageId);
  }

  /** Makes every held message visible again; returns what could not be, one line each. */
  async releaseAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const [queueUrl, held] of this.#held) {
      const messages = [...held.values()];
      for (let at = 0; at < messages.length; at += BATCH) {
        const chunk = messages.slice(at, at + BATCH);
        problems.push(...(await this.#release(queueUrl, chunk)));
      }
      held.clear();
    }
    return problems;
  }

  async #receive(queueUrl: string, max: number): Promise<Message[]> {
    try {
      const { Messages = [] } = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          VisibilityTimeout: this.#hideSeconds,
          WaitTimeSeconds: WAIT_SECONDS,
          // The last two tell a message SQS's redrive moved to the buffer DLQ, and after how
          // many receives.
          MessageSystemAttributeNames: [
            'SentTimestamp',
            'DeadLetterQueueSourceArn',
            'ApproximateReceiveCount',
          ],
          MessageAttributeNames: ['All'],
        }),
      );
      return Messages;
    } catch (error) {
      return rethrowNamed(error, 'QueueDoesNotExist', `queue ${queueUrl} does not exist`);
    }
  }

  async #release(queueUrl: string, messages: Message[]): Promise<string[]> {
    const later = `it becomes visible by itself within ${this.#hideSeconds} s`;
    try {
      const { Failed = [] } = await this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, i) => ({
            Id: String(i),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      return (
        Failed
          // Not in flight: its visibility timeout already ran out, so it is visible.
          .filter((failure) => !failure.Code?.endsWith('MessageNotInflight'))
          .map(
            (failure) =>
              `could not make message ${messages[Number(failure.Id)]?.MessageId} of ${queueUrl} visible again (${failure.Code}: ${failure.Message}); ${later}`,
          )
      );
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return [
        `could not make ${messages.length} message(s) of ${queueUrl} visible again (${reason}); ${later}`,
      ];
    }
  }

  #heldIn(queueUrl: string): Map<string, Message> {
    let held = this.#held.get(queueUrl);
    if (!held) {
      held = new Map();
      this.#held.set(queueUrl, held);
    }
    return held;
  }
}
