// An SQS endpoint on loopback speaking the AWS JSON 1.0 protocol that SDK v3 uses: SendMessage,
// ReceiveMessage (long polls included), DeleteMessage, ChangeMessageVisibility and their batch
// forms, with visibility timeouts, receive counts, a redrive policy and errors as SQS has them.
// The real AWS SDK reaches it through AWS_ENDPOINT_URL_SQS; the SDK checks the MD5 digests of
// bodies and message attributes it sends and receives, so the endpoint computes them as SQS does.
// Its clock can run faster than real time (`secondMs`), so that tests can keep a buffer's real
// 360 s visibility timeout without waiting 6 minutes for a message to come back.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QueuedMessage {
  messageId: string;
  body: string;
  /** String message attributes, as EventBridge sets ERROR_CODE and the function ErrorName. */
  attributes: Record<string, string>;
  /** System attributes SQS itself sets, such as DeadLetterQueueSourceArn after a redrive. */
  systemAttributes: Record<string, string>;
  sentAt: number;
  /** Epoch ms of the first receive; 0 before it. */
  firstReceivedAt: number;
  /** Epoch ms of the latest receive, from which SQS counts its 12 hours of visibility; 0 before. */
  receivedAt: number;
  receiveCount: number;
  /** Epoch ms until which a receive hid it; 0 when visible. */
  invisibleUntil: number;
  receiptHandle?: string;
}

export interface QueueSettings {
  /** What a ReceiveMessage without its own VisibilityTimeout hides a message for. */
  visibilityTimeoutSeconds?: number;
  /** SQS moves a message here when a receive would take its receive count past maxReceiveCount. */
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
  /** The longest message SendMessage takes, body and attributes; SQS's default and largest, 1 MiB. */
  maximumMessageSize?: number;
}

export interface SqsEndpoint {
  url: string;
  /** Real milliseconds per SQS second (1000 unless the endpoint was started faster). */
  secondMs: number;
  /** Creates the queue with these settings, or changes them, and returns its URL. */
  createQueue(name: string, settings?: QueueSettings): string;
  /** Creates the queue if needed and returns its URL. */
  queueUrl(name: string): string;
  queueArn(name: string): string;
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
  /**
   * Holds a message as if a receive had just handed it out with this receipt handle, as a Lambda
   * event's record names it, so that the function can change its visibility.
   */
  received(
    queueName: string,
    message: { messageId: string; receiptHandle: string; body: string; receiveCount: number },
  ): void;
  /** The queue's messages as SQS holds them now. */
  messages(queueName: string): QueuedMessage[];
  visible(queueName: string): QueuedMessage[];
  /** Operation names received, in order (`ReceiveMessage`, `DeleteMessage`, ...). */
  operations: string[];
  /**
   * Operations read but never answered, as an SQS that does not answer: the client waits until
   * its own timeout or abort.
   */
  stalled: Set<string>;
  /** TCP connections accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const DEFAULT_VISIBILITY_SECONDS = 30;
/** SQS's default and largest maximum message size: 1 MiB. */
const MAX_MESSAGE_SIZE = 1_048_576;
/** SQS's limit on a message's visibility, counted from the receive that handed it out. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** Who SQS says sent a message; any IAM principal id looks like this. */
const SENDER_ID = 'AIDAEXAMPLESENDER0001';
/** SQS's largest batch request. */
const MAX_BATCH_ENTRIES = 10;
/** How often a long poll looks for a message that became visible. */
const LONG_POLL_STEP_MS = 5;
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
  InvalidParameterValue: ['InvalidParameterValue', 'A parameter is not valid here.'],
  EmptyBatchRequest: [
    'AWS.SimpleQueueService.EmptyBatchRequest',
    'There should be at least one entry in the request.',
  ],
  TooManyEntriesInBatchRequest: [
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    'Maximum number of entries per request are 10.',
  ],
  BatchEntryIdsNotDistinct: [
    'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    'Two or more batch entries in the request have the same Id.',
  ],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 'Not served here.'],
} as const;
type SqsErrorName = keyof typeof SQS_ERRORS;

class SqsError extends Error {
  readonly type: SqsErrorName;

  constructor(type: SqsErrorName, message: string = SQS_ERRORS[type][1]) {
    super(message);
    this.type = type;
  }
}

type Request = Record<string, unknown>;
type Entry = { Id: string; ReceiptHandle: string; VisibilityTimeout?: number };
interface Queue {
  messages: QueuedMessage[];
  settings: QueueSettings;
}

export async function startSqsEndpoint(options: { secondMs?: number } = {}): Promise<SqsEndpoint> {
  const secondMs = options.secondMs ?? 1000;
  const queues = new Map<string, Queue>();
  const operations: string[] = [];
  const stalled = new Set<string>();
  let base = '';

  const queueNamed = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = { messages: [], settings: {} };
      queues.set(name, queue);
    }
    return queue;
  };
  const queueOf = (request: Request): Queue => {
    const url = String(request.QueueUrl ?? '');
    const name = url.startsWith(`${base}/${ACCOUNT}/`)
      ? url.slice(base.length + ACCOUNT.length + 2)
      : '';
    const queue = queues.get(name);
    if (!queue) throw new SqsError('QueueDoesNotExist');
    return queue;
  };
  const hideFor = (seconds: number, now = Date.now()) =>
    seconds > 0 ? now + seconds * secondMs : 0;
  const inFlight = (queue: Queue, receiptHandle: string): QueuedMessage => {
    const message = queue.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) throw new SqsError('ReceiptHandleIsInvalid');
    if (message.invisibleUntil <= Date.now()) throw new SqsError('MessageNotInflight');
    return message;
  };
  const remove = (queue: Queue, receiptHandle: string) => {
    const at = queue.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (at < 0) throw new SqsError('ReceiptHandleIsInvalid');
    queue.messages.splice(at, 1);
  };
  const changeVisibility = (queue: Queue, receiptHandle: string, seconds: number) => {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    }
    const message = inFlight(queue, receiptHandle);
    // SQS counts 12 hours from the receive that handed the message out; extending does not reset it.
    const now = Date.now();
    if (now + seconds * secondMs > message.receivedAt + MAX_VISIBILITY_SECONDS * secondMs) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
      );
    }
    message.invisibleUntil = hideFor(seconds, now);
  };
  const enqueue = (
    queue: Queue,
    body: string,
    options: {
      attributes?: Record<string, string>;
      systemAttributes?: Record<string, string>;
      sentAt?: number;
      receiveCount?: number;
    },
  ) => {
    const messageId = randomUUID();
    queue.messages.push({
      messageId,
      body,
      attributes: options.attributes ?? {},
      systemAttributes: options.systemAttributes ?? {},
      sentAt: options.sentAt ?? Date.now(),
      firstReceivedAt: 0,
      receivedAt: 0,
      receiveCount: options.receiveCount ?? 0,
      invisibleUntil: 0,
    });
    return messageId;
  };
  /** The visible messages a receive may take, after moving those past maxReceiveCount, as SQS does. */
  const receivable = (queue: Queue, now: number): QueuedMessage[] => {
    const visible = queue.messages.filter((m) => m.invisibleUntil <= now);
    const redrive = queue.settings.redrive;
    if (!redrive) return visible;
    const spent = visible.filter((m) => m.receiveCount >= redrive.maxReceiveCount);
    for (const message of spent) {
      queue.messages.splice(queue.messages.indexOf(message), 1);
      // The same message, id, body, attributes and receive count, as SQS's redrive keeps them,
      // and the queue it came from, which SQS adds.
      const source = [...queues].find(([, q]) => q === queue)?.[0] ?? '';
      queueNamed(redrive.deadLetterQueue).messages.push({
        ...message,
        systemAttributes: {
          ...message.systemAttributes,
          DeadLetterQueueSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${source}`,
        },
        invisibleUntil: 0,
        receiptHandle: undefined,
      });
    }
    return visible.filter((m) => !spent.includes(m));
  };
  // Each entry succeeds or fails on its own, as in SQS, in a request of 1 to 10 entries with
  // distinct ids. SQS's JSON protocol leaves out a list that is empty: no `Failed` when all succeed.
  const batch = (entries: Entry[] | undefined, apply: (entry: Entry) => void) => {
    if (!entries?.length) throw new SqsError('EmptyBatchRequest');
    if (entries.length > MAX_BATCH_ENTRIES) throw new SqsError('TooManyEntriesInBatchRequest');
    if (new Set(entries.map((entry) => entry.Id)).size < entries.length) {
      throw new SqsError('BatchEntryIdsNotDistinct');
    }
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      try {
        apply(entry);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        const [Code] = SQS_ERRORS[error.type];
        Failed.push({ Id: entry.Id, SenderFault: true, Code, Message: error.message });
      }
    }
    return {
      ...(Successful.length > 0 && { Successful }),
      ...(Failed.length > 0 && { Failed }),
    };
  };

  const operationsServed: Record<string, (request: Request) => unknown> = {
    SendMessage: (request) => {
      const queue = queueOf(request);
      const body = request.MessageBody;
      if (typeof body !== 'string' || body === '') {
        throw new SqsError('InvalidParameterValue', 'The request must contain a MessageBody.');
      }
      const attributes = stringAttributes(request.MessageAttributes);
      // SQS counts the body and each attribute's name, type and value, in UTF-8 bytes.
      const limit = queue.settings.maximumMessageSize ?? MAX_MESSAGE_SIZE;
      const size = Object.entries(attributes).reduce(
        (total, [name, value]) =>
          total + Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value),
        Buffer.byteLength(body),
      );
      if (size > limit) {
        throw new SqsError(
          'InvalidParameterValue',
          `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
        );
      }
      const messageId = enqueue(queue, body, { attributes });
      return {
        MessageId: messageId,
        MD5OfMessageBody: md5(Buffer.from(body)),
        ...(Object.keys(attributes).length > 0 && {
          MD5OfMessageAttributes: md5OfMessageAttributes(attributes),
        }),
      };
    },
    ReceiveMessage: async (request) => {
      const queue = queueOf(request);
      const max = Number(request.MaxNumberOfMessages ?? 1);
      const seconds = Number(
        request.VisibilityTimeout ??
          queue.settings.visibilityTimeoutSeconds ??
          DEFAULT_VISIBILITY_SECONDS,
      );
      const waitUntil = Date.now() + Number(request.WaitTimeSeconds ?? 0) * secondMs;
      let received = receivable(queue, Date.now()).slice(0, max);
      while (received.length === 0 && Date.now() < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, LONG_POLL_STEP_MS));
        received = receivable(queue, Date.now()).slice(0, max);
      }
      const now = Date.now();
      const systemNames = [
        ...((request.MessageSystemAttributeNames as string[] | undefined) ?? []),
        ...((request.AttributeNames as string[] | undefined) ?? []),
      ];
      const attributeNames = (request.MessageAttributeNames as string[] | undefined) ?? [];
      const Messages = received.map((message) => {
        message.receiveCount++;
        message.firstReceivedAt ||= now;
        message.receivedAt = now;
        message.invisibleUntil = hideFor(seconds, now);
        message.receiptHandle = `${message.messageId}#${randomUUID()}`;
        const attributes = pick(message.attributes, attributeNames);
        const system = pick(
          {
            ...message.systemAttributes,
            SenderId: SENDER_ID,
            SentTimestamp: String(message.sentAt),
            ApproximateReceiveCount: String(message.receiveCount),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
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
      return batch(request.Entries as Entry[] | undefined, (entry) =>
        remove(queue, entry.ReceiptHandle),
      );
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
      return batch(request.Entries as Entry[] | undefined, (entry) =>
        changeVisibility(queue, entry.ReceiptHandle, Number(entry.VisibilityTimeout)),
      );
    },
  };

  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    operations.push(operation);
    if (stalled.has(operation)) return;
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
      res.end(JSON.stringify(payload));
    };
    try {
      const serve = operationsServed[operation];
      if (!serve) throw new SqsError('UnsupportedOperation');
      reply(200, await serve(JSON.parse(body || '{}') as Request));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      const [queryCode] = SQS_ERRORS[error.type];
      // SQS answers JSON clients with the error's JSON name and, for clients that knew it
      // under the query protocol, its old code in x-amzn-query-error.
      reply(
        400,
        { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
        { 'x-amzn-query-error': `${queryCode};Sender` },
      );
    }
  });

  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const urlOf = (name: string) => {
    queueNamed(name);
    return `${base}/${ACCOUNT}/${name}`;
  };

  return {
    url: base,
    secondMs,
    createQueue: (name, settings = {}) => {
      queueNamed(name).settings = settings;
      return urlOf(name);
    },
    queueUrl: urlOf,
    queueArn: (name) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
    send: (queueName, body, options = {}) => enqueue(queueNamed(queueName), body, options),
    received: (queueName, message) => {
      const queue = queueNamed(queueName);
      const now = Date.now();
      queue.messages.push({
        ...message,
        attributes: {},
        systemAttributes: {},
        sentAt: now,
        firstReceivedAt: now,
        receivedAt: now,
        invisibleUntil: hideFor(
          queue.settings.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS,
          now,
        ),
      });
    },
    messages: (queueName) => queueNamed(queueName).messages,
    visible: (queueName) =>
      queueNamed(queueName).messages.filter((m) => m.invisibleUntil <= Date.now()),
    operations,
    stalled,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request's message attributes; only String ones are served here, as all we send are. */
function stringAttributes(value: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, attribute] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    const { DataType, StringValue } = attribute as { DataType?: unknown; StringValue?: unknown };
    if (DataType !== 'String' || typeof StringValue !== 'string') {
      throw new SqsError(
        'InvalidParameterValue',
        `message attribute ${name}: only DataType String with a StringValue is served here`,
      );
    }
    attributes[name] = StringValue;
  }
  return attributes;
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
