// A completion that no delivery can fix goes to the buffer's dead-letter queue at once: its body
// exactly as received, so it can be replayed once the cause is fixed, and the error, which SQS's
// own redrive would not record, as message attributes an operator reads with the message.
import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorName } from './errors.ts';
import { shorten } from './short-text.ts';

/** Enough for any of our messages; far below SQS's message size, which the body shares. */
export const MAX_ERROR_MESSAGE_CHARS = 1_000;

/** The message with both of its attributes. */
export interface DeadLetterMessage extends SendMessageCommandInput {
  MessageAttributes: { ErrorName: MessageAttributeValue; ErrorMessage: MessageAttributeValue };
}

export function deadLetterMessage(
  queueUrl: string,
  body: string,
  error: unknown,
): DeadLetterMessage {
  const message = error instanceof Error ? error.message : String(error);
  return {
    QueueUrl: queueUrl,
    MessageBody: body,
    MessageAttributes: {
      ErrorName: { DataType: 'String', StringValue: attributeText(errorName(error)) },
      ErrorMessage: { DataType: 'String', StringValue: attributeText(message) },
    },
  };
}

/**
 * Sends the message with both attributes or, when SQS refuses it, with ErrorName alone, then with
 * none: a body near the buffer's size limit leaves no room for them, as the dead-letter queue has
 * the same limit (SQS counts attributes in a message's size). Without the error it is still
 * dead-lettered now, rather than handed back to fail the same way at every receive for hours,
 * until SQS's redrive moves it without a reason either; the log line says why.
 */
export async function sendToDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  error: unknown,
  abortSignal: AbortSignal,
): Promise<void> {
  const message = deadLetterMessage(queueUrl, body, error);
  const { ErrorName } = message.MessageAttributes;
  const attributeSets = [message.MessageAttributes, { ErrorName }, undefined];
  for (const [i, MessageAttributes] of attributeSets.entries()) {
    try {
      await sqs.send(new SendMessageCommand({ ...message, MessageAttributes }), { abortSignal });
      return;
    } catch (sendError) {
      // What SQS answers a message longer than the queue's maximum message size. The client
      // rejects with an Error, whatever failed.
      const refused = (sendError as Error).name === 'InvalidParameterValue';
      if (!refused || i === attributeSets.length - 1) throw sendError;
    }
  }
}

/**
 * A value SQS takes for a String attribute: not empty, only the characters SQS allows (others,
 * such as control characters from a field name in a bad event, become U+FFFD), at most
 * MAX_ERROR_MESSAGE_CHARS characters.
 */
export function attributeText(text: string): string {
  const allowed = text.replace(
    /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu,
    '\uFFFD',
  );
  return allowed ? shorten(allowed, MAX_ERROR_MESSAGE_CHARS) : '(none)';
}
