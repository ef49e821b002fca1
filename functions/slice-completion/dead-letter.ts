// A completion that no delivery can fix goes to the buffer's dead-letter queue at once: its body
// exactly as received, so it can be replayed once the cause is fixed, and the error, which SQS's
// own redrive would not record, as message attributes an operator reads with the message.
import {
  SendMessageCommand,
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorName } from './metrics.ts';

/** Enough for any of our messages; far below SQS's message size, which the body shares. */
export const MAX_ERROR_MESSAGE_CHARS = 1_000;

export function deadLetterMessage(
  queueUrl: string,
  body: string,
  error: unknown,
): SendMessageCommandInput {
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

export async function sendToDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  error: unknown,
  abortSignal: AbortSignal,
): Promise<void> {
  await sqs.send(new SendMessageCommand(deadLetterMessage(queueUrl, body, error)), {
    abortSignal,
  });
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
  const characters = [...allowed];
  if (characters.length === 0) return '(none)';
  if (characters.length <= MAX_ERROR_MESSAGE_CHARS) return allowed;
  return `${characters.slice(0, MAX_ERROR_MESSAGE_CHARS - 3).join('')}...`;
}
