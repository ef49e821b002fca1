// An SQS endpoint on loopback speaking the AWS JSON 1.0 protocol that SDK v3 uses, enough for a
// dead-letter queue's reader: ReceiveMessage, DeleteMessage, ChangeMessageVisibility and their
// batch forms, with visibility timeouts and errors as SQS has them. The real AWS SDK reaches it
// through AWS_ENDPOINT_URL_SQS.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QueuedMessage {
  messageId: string;
  body: string;
  /** String message attributes, as EventBridge sets ERROR_CODE and friends on a target DLQ. */
  attributes: Record<string, string>;
  /** System attributes SQS itself sets, such as DeadLetterQueueSourceArn after a redrive. */
  systemAttributes: Record<string, string>;
  sentAt: number;
  receiveCount: number;
  /** Epoch ms until which a receive hid it; 0 when visible. */
  invisibleUntil: number;
  receiptHandle?: string;
}

export interface SqsEndpoint {
  url: string;
  /** Creates the queue if needed and returns its URL. */
  queueUrl(name: string): string;
  send(
    queueName: string,
    body: string,
    options?: {
      attributes?: Record<string, string>;
      systemAttributes?: Record<string, string>;
      sentAt?: number;
      /** Receives before this one, as a message redriven from another queue has. */
      receiveCount?: number;
    },
  ): string;
  /** The queue's messages as SQS holds them now. */
  messages(queueName: string): QueuedMessage[];
  visible(queueName: string): QueuedMessage[];
  /** Operation names received, in order (`ReceiveMessage`, `DeleteMessage`, ...). */
  operations: string[];
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const DEFAULT_VISIBILITY_SECONDS = 30;
const SQS_ERRORS = {
  QueueDoesNotExist: [
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  ],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 'The input receipt handle is invalid.'],
  MessageNotInflight: [
    'AWS.SimpleQueueService.MessageNotInflight',
    'The message is not in flight.',
  ],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 'Not served here.'],
} as const;
type SqsErrorName = keyof typeof SQS_ERRORS;

class SqsError extends Error {
  readonly type: SqsErrorName;

  constructor(type: SqsErrorName) {
    super(SQS_ERRORS[type][1]);
    this.type = type;
  }
}

type Request = Record<string, unknown>;
type Entry = { Id: string; ReceiptHandle: string; VisibilityTimeout?: number };

export async function startSqsEndpoint(): Promise<SqsEndpoint> {
  const queues = new Map<string, QueuedMessage[]>();
  const operations: string[] = [];
  let base = '';

  const queueOf = (request: Request): QueuedMessage[] => {
    const url = String(request.QueueUrl ?? '');
    const name = url.startsWith(`${base}/${ACCOUNT}/`)
      ? url.slice(base.length + ACCOUNT.length + 2)
      : '';
    const queue = queues.get(name);
    if (!queue) throw new SqsError('QueueDoesNotExist');
    return queue;
  };
  const inFlight = (queue: QueuedMessage[], receiptHandle: string): QueuedMessage => {
    const message = queue.find((m) => m.receiptHandle === receiptHandle);
    if (!message) throw new SqsError('ReceiptHandleIsInvalid');
    if (message.invisibleUntil <= Date.now()) throw new SqsError('MessageNotInflight');
    return message;
  };
  const remove = (queue: QueuedMessage[], receiptHandle: string) => {
    const at = queue.findIndex((m) => m.receiptHandle === receiptHandle);
    if (at < 0) throw new SqsError('ReceiptHandleIsInvalid');
    queue.splice(at, 1);
  };
  const changeVisibility = (queue: QueuedMessage[], receiptHandle: string, seconds: number) => {
    inFlight(queue, receiptHandle).invisibleUntil = seconds > 0 ? Date.now() + seconds * 1000 : 0;
  };
  // Each entry succeeds or fails on its own, as in SQS.
  const batch = (entries: Entry[], apply: (entry: Entry) => void) => {
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      try {
        apply(entry);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        const [Code, Message] = SQS_ERRORS[error.type];
        Failed.push({ Id: entry.Id, SenderFault: true, Code, Message });
      }
    }
    return { Successful, Failed };
  };

  const operationsServed: Record<string, (request: Request) => unknown> = {
    ReceiveMessage: (request) => {
      const queue = queueOf(request);
      const max = Number(request.MaxNumberOfMessages ?? 1);
      const seconds = Number(request.VisibilityTimeout ?? DEFAULT_VISIBILITY_SECONDS);
      const now = Date.now();
      // Nothing else sends while a reader drains a DLQ, so a long poll would end empty anyway:
      // answering at once only saves the wait.
      const received = queue.filter((m) => m.invisibleUntil <= now).slice(0, max);
      const systemNames = [
        ...((request.MessageSystemAttributeNames as string[] | undefined) ?? []),
        ...((request.AttributeNames as string[] | undefined) ?? []),
      ];
      const attributeNames = (request.MessageAttributeNames as string[] | undefined) ?? [];
      const Messages = received.map((message) => {
        message.receiveCount++;
        message.invisibleUntil = seconds > 0 ? now + seconds * 1000 : 0;
        message.receiptHandle = `${message.messageId}#${randomUUID()}`;
        const attributes = pick(message.attributes, attributeNames);
        const system = pick(
          {
            ...message.systemAttributes,
            SentTimestamp: String(message.sentAt),
            ApproximateReceiveCount: String(message.receiveCount),
          },
          systemNames,
        );
        return {
          MessageId: message.messageId,
          ReceiptHandle: message.receiptHandle,
          MD5OfBody: md5(Buffer.from(message.body)),
          Body: message.body,
          ...(Object.keys(system).length > 0 && { Attributes: system }),
          ...(Object.keys(attributes).length > 0 && {
            MD5OfMessageAttributes: md5OfMessageAttributes(attributes),
            MessageAttributes: Object.fromEntries(
              Object.entries(attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          }),
        };
      });
      return Messages.length > 0 ? { Messages } : {};
    },
    DeleteMessage: (request) => {
      remove(queueOf(request), String(request.ReceiptHandle));
      return {};
    },
    DeleteMessageBatch: (request) => {
      const queue = queueOf(request);
      return batch(request.Entries as Entry[], (entry) => remove(queue, entry.ReceiptHandle));
    },
    ChangeMessageVisibility: (request) => {
      changeVisibility(
        queueOf(request),
        String(request.ReceiptHandle),
        Number(request.VisibilityTimeout),
      );
      return {};
    },
    ChangeMessageVisibilityBatch: (request) => {
      const queue = queueOf(request);
      return batch(request.Entries as Entry[], (entry) =>
        changeVisibility(queue, entry.ReceiptHandle, Number(entry.VisibilityTimeout)),
      );
    },
  };

  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    operations.push(operation);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
      res.end(JSON.stringify(payload));
    };
    try {
      const serve = operationsServed[operation];
      if (!serve) throw new SqsError('UnsupportedOperation');
      reply(200, serve(JSON.parse(body || '{}') as Request));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      const [queryCode, message] = SQS_ERRORS[error.type];
      // SQS answers JSON clients with the error's JSON name and, for clients that knew it
      // under the query protocol, its old code in x-amzn-query-error.
      reply(
        400,
        { __type: `com.amazonaws.sqs#${error.type}`, message },
        { 'x-amzn-query-error': `${queryCode};Sender` },
      );
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const queueNamed = (name: string): QueuedMessage[] => {
    let queue = queues.get(name);
    if (!queue) {
      queue = [];
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    url: base,
    queueUrl: (name) => {
      queueNamed(name);
      return `${base}/${ACCOUNT}/${name}`;
    },
    send: (queueName, body, options = {}) => {
      const messageId = randomUUID();
      queueNamed(queueName).push({
        messageId,
        body,
        attributes: options.attributes ?? {},
        systemAttributes: options.systemAttributes ?? {},
        sentAt: options.sentAt ?? Date.now(),
        receiveCount: options.receiveCount ?? 0,
        invisibleUntil: 0,
      });
      return messageId;
    },
    messages: (queueName) => queueNamed(queueName),
    visible: (queueName) => queueNamed(queueName).filter((m) => m.invisibleUntil <= Date.now()),
    operations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** SQS's digest of message attributes: each, by name, as length-prefixed name, type and value. */
function md5OfMessageAttributes(attributes: Record<string, string>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    lengthPrefixed(name);
    lengthPrefixed('String');
    parts.push(Buffer.from([1])); // transport type 1: a string value
    lengthPrefixed(attributes[name] ?? '');
  }
  return md5(Buffer.concat(parts));
}

/** The entries asked for by name, or all of them for `All` (or `.*` for message attributes). */
function pick(values: Record<string, string>, names: string[]): Record<string, string> {
  if (names.includes('All') || names.includes('.*')) return values;
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.includes(name)));
}
