// Lambda's SQS event source mapping, simulated: pollers read the buffer on the loopback SQS
// endpoint through the real SQS client, and invoke warm containers of the built bundle with
// batches shaped as Lambda shapes them, honouring what the template sets:
// - at most `maximumConcurrency` invocations at once (ScalingConfig.MaximumConcurrency);
// - up to `batchSize` records, gathered for at most `maximumBatchingWindowSeconds`;
// - Lambda's rules for ReportBatchItemFailures: a thrown error, a timeout, a killed container or
//   an answer naming an itemIdentifier that is not in the batch (or none, or an empty one) fail
//   the whole batch; otherwise every record not named is deleted; nothing else is done to a
//   failed record, which comes back when its visibility ends (the queue's timeout, or what the
//   function set); redrive at maxReceiveCount is the queue's own (the endpoint's).
// Not simulated: the pollers' gradual scale-up, and the 6 MB payload limit.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type Handler, lambdaContext } from './lambda-runtime.ts';
import type { SqsEndpoint } from './sqs-endpoint.ts';
import { lambdaRecord, REGION } from './sqs-record.ts';

export interface MappingSettings {
  maximumConcurrency: number;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  /** The function's timeout, in real milliseconds. */
  functionTimeoutMs: number;
}

export interface MappingOptions extends MappingSettings {
  sqs: SqsEndpoint;
  queueName: string;
  /** A fresh container of the function: a new module instance, a cold start. */
  loadContainer: () => Promise<Handler>;
  /**
   * Called as each invocation starts: a promise kills its container when it resolves, if the
   * invocation is still running then.
   */
  killWhen?: (invocation: { number: number; records: SQSRecord[] }) => Promise<unknown> | undefined;
}

/** What one invocation was given and what Lambda made of its answer. */
export interface InvocationRecord {
  number: number;
  container: number;
  records: { messageId: string; receiveCount: number }[];
  ended: 'answered' | 'threw' | 'killed' | 'timed out';
  /** From the handler's call to its end (answer, throw, kill or timeout): what Lambda bills. */
  durationMs: number;
  /** What it threw. */
  error?: unknown;
  /** Why Lambda took the answer as a failure of the whole batch. */
  wholeBatchFailed?: string;
  failed: string[];
  deleted: string[];
}

export interface EventSourceMapping {
  invocations: InvocationRecord[];
  /** The most invocations that ran at once. */
  peakConcurrency(): number;
  /** Containers started (cold starts), killed ones' replacements included. */
  containers(): number;
  /** Resolves once the queue holds no message and no invocation runs. */
  drained(): Promise<void>;
  /** Stops polling and waits for the invocations in progress, killed ones included. */
  stop(): Promise<void>;
}

/** Real Lambda long-polls for 20 s; shorter here, so that stop() returns soon. */
const LONG_POLL_SECONDS = 1;

export function startEventSourceMapping(options: MappingOptions): EventSourceMapping {
  const sqs = new SQSClient({
    region: REGION,
    endpoint: options.sqs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queueUrl = options.sqs.queueUrl(options.queueName);
  const queueArn = options.sqs.queueArn(options.queueName);
  const idle: { id: number; handler: Handler }[] = [];
  const invocations: InvocationRecord[] = [];
  const unfinished = new Set<Promise<unknown>>();
  let containers = 0;
  let running = 0;
  let peak = 0;
  let stopped = false;

  const container = async () => {
    const warm = idle.pop();
    if (warm) return warm;
    const handler = await options.loadContainer();
    return { id: ++containers, handler };
  };

  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return answer.Messages ?? [];
  };

  /** A batch as Lambda gathers it: up to batchSize, for at most the batching window. */
  const gather = async (): Promise<Message[]> => {
    const batch = await receive(options.batchSize, LONG_POLL_SECONDS);
    if (batch.length === 0) return batch;
    const windowEnds = Date.now() + options.maximumBatchingWindowSeconds * options.sqs.secondMs;
    while (batch.length < options.batchSize && Date.now() < windowEnds && !stopped) {
      const more = await receive(options.batchSize - batch.length, 0);
      if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      batch.push(...more);
    }
    return batch;
  };

  const invoke = async (messages: Message[]) => {
    const records = messages.map((message) => lambdaRecord(message, queueArn));
    // Numbered as they start, before the wait for a container: a cold start takes a while, and
    // the invocations of the first batches would otherwise share a number.
    const number = invocations.length + 1;
    const record: InvocationRecord = {
      number,
      container: 0,
      records: records.map((r) => ({
        messageId: r.messageId,
        receiveCount: Number(r.attributes.ApproximateReceiveCount),
      })),
      ended: 'answered',
      durationMs: 0,
      failed: [],
      deleted: [],
    };
    invocations.push(record);
    const { id, handler } = await container();
    record.container = id;
    const started = performance.now();
    const answer = handler({ Records: records }, lambdaContext(options.functionTimeoutMs)).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    unfinished.add(answer);
    void answer.then(() => unfinished.delete(answer));
    const killed = options.killWhen?.({ number, records });
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      answer,
      ...(killed ? [killed.then(() => 'killed' as const)] : []),
      new Promise<'timed out'>((resolve) => {
        timer = setTimeout(resolve, options.functionTimeoutMs, 'timed out');
      }),
    ]);
    record.durationMs = performance.now() - started;
    clearTimeout(timer);
    // A killed or timed-out container is gone; what it still has in flight may yet land, as
    // requests in flight do when Lambda stops an execution environment.
    if (ended === 'killed' || ended === 'timed out') {
      record.ended = ended;
      return;
    }
    idle.push({ id, handler });
    if ('error' in ended) {
      record.ended = 'threw';
      record.error = ended.error;
      return;
    }
    const judged = judge(ended.result, records);
    if ('wholeBatchFailed' in judged) {
      record.wholeBatchFailed = judged.wholeBatchFailed;
      return;
    }
    record.failed = judged.failed;
    const done = records.filter((r) => !judged.failed.includes(r.messageId));
    for (let start = 0; start < done.length; start += 10) {
      const entries = done.slice(start, start + 10);
      const answer = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
      for (const ok of answer.Successful ?? []) {
        record.deleted.push(entries[Number(ok.Id)]?.messageId ?? '');
      }
    }
  };

  const poller = async () => {
    while (!stopped) {
      const messages = await gather();
      if (messages.length === 0) continue;
      running++;
      peak = Math.max(peak, running);
      try {
        await invoke(messages);
      } finally {
        running--;
      }
    }
  };
  const pollers = Array.from({ length: options.maximumConcurrency }, poller);

  return {
    invocations,
    peakConcurrency: () => peak,
    containers: () => containers,
    drained: async () => {
      while (options.sqs.messages(options.queueName).length > 0 || running > 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: async () => {
      stopped = true;
      await Promise.all(pollers);
      await Promise.all(unfinished);
      sqs.destroy();
    },
  };
}

/** Lambda's reading of a ReportBatchItemFailures answer. */
export function judge(
  result: unknown,
  records: SQSRecord[],
): { failed: string[] } | { wholeBatchFailed: string } {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)
    ?.batchItemFailures;
  if (failures === undefined || failures === null) return { failed: [] };
  if (!Array.isArray(failures)) return { wholeBatchFailed: 'batchItemFailures is not a list' };
  const ids = new Set(records.map((r) => r.messageId));
  const failed: string[] = [];
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return {
        wholeBatchFailed: `an itemIdentifier that is missing or empty: ${JSON.stringify(failure)}`,
      };
    }
    if (!ids.has(id)) return { wholeBatchFailed: `itemIdentifier ${id} is not in the batch` };
    failed.push(id);
  }
  return { failed };
}
