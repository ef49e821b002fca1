// The handler's path for batches from the SQS buffer, loaded from the sources into this process
// (so that mutation testing sees it), against Kodexa, Secrets Manager and SQS on loopback: records
// received from the local buffer through the real SQS client, as Lambda hands them over. Each test
// gets a container of its own (a fresh module instance), as the per-container gate is shared state.
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { completionOutcomes, type EmfDocument } from '#tools/local/function-metrics.ts';
import type { Slice } from '#tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext } from '#tools/local/lambda-runtime.ts';
import {
  BUFFER_DEAD_LETTER_QUEUE,
  BUFFER_QUEUE,
  type LocalServices,
  startLocalServices,
} from '#tools/local/local-services.ts';
import { lambdaRecord } from '#tools/local/sqs-record.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
let sqs: SQSClient;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: services.sqs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  sqs.destroy();
  await services.close();
});
afterEach(() => {
  output.clear();
  services.kodexa.clearFaults();
  services.sqs.messages(BUFFER_QUEUE).splice(0);
  services.sqs.messages(BUFFER_DEAD_LETTER_QUEUE).splice(0);
});

/** A fresh container of the function from its sources, with these settings. */
async function container(env: Record<string, string | undefined> = {}): Promise<Handler> {
  for (const [name, value] of Object.entries({
    ...services.env,
    KODEXA_REQUEST_TIMEOUT_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...env,
  })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  vi.resetModules();
  return ((await import('#functions/slice-completion/index.ts')) as { handler: Handler }).handler;
}

function seedSlice(fields: Record<string, unknown> = {}): Slice {
  const slice: Slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING', ...fields };
  services.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}

const completion = (sliceId: string) =>
  JSON.stringify({ sliceId, lambdaRequestId: randomUUID(), outputEvent: { pages: 3 } });

/**
 * The bodies sent to the local buffer and received from it, as Lambda's event source mapping does;
 * `receivedBefore` times already.
 */
async function batchOf(bodies: string[], { receivedBefore = 0 } = {}): Promise<SQSEvent> {
  for (const body of bodies) services.sqs.send(BUFFER_QUEUE, body);
  for (const message of services.sqs.messages(BUFFER_QUEUE)) message.receiveCount = receivedBefore;
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: services.sqs.queueUrl(BUFFER_QUEUE),
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  expect(Messages.map((message) => message.Body)).toEqual(bodies);
  return {
    Records: Messages.map((message) => lambdaRecord(message, services.sqs.queueArn(BUFFER_QUEUE))),
  };
}

async function answer(
  handler: Handler,
  event: SQSEvent,
  context = lambdaContext(),
): Promise<string[]> {
  const response = (await handler(event, context)) as SQSBatchResponse;
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

const deadLettered = () =>
  services.sqs
    .messages(BUFFER_DEAD_LETTER_QUEUE)
    .map(({ body, attributes }) => ({ body, attributes }));

/** Seconds until the message is visible in the buffer again. */
const hiddenFor = (messageId: string) => {
  const message = services.sqs.messages(BUFFER_QUEUE).find((m) => m.messageId === messageId);
  return ((message?.invisibleUntil ?? 0) - Date.now()) / 1000;
};

const outcomes = () => completionOutcomes(output.metricLines() as EmfDocument[]);
/** Each value of CompletionsHandedBack the function wrote, as CloudWatch would read it. */
const handedBack = () =>
  (output.metricLines() as EmfDocument[]).flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
      Metrics.filter(({ Name }) => Name === 'CompletionsHandedBack').map(({ Name, Unit }) => ({
        namespace: Namespace,
        dimensions: Object.fromEntries(Dimensions.flat().map((key) => [key, document[key]])),
        value: document[Name],
        unit: Unit,
      })),
    ),
  );
const handedBackCount = (value: number) => ({
  namespace: 'Kodexa/SliceCompletion',
  dimensions: { service: 'slice-completion' },
  value,
  unit: 'Count',
});
const completionLines = () =>
  output.logLines().filter((line) => String(line.message).startsWith('slice completion'));

describe('a batch from the buffer', () => {
  it('completes each record, dead-letters those no retry can fix and hands back the others', async () => {
    const handler = await container();
    const updated = seedSlice();
    const unbindable = seedSlice({ sliceOrder: 'first' });
    const contested = seedSlice();
    services.kodexa.inject({
      sliceId: contested.id,
      method: 'PUT',
      persistent: true,
      concurrentWrite: { owner: 'someone else' },
    });
    const bodies = [
      completion(updated.id),
      '{"sliceId": "not closed',
      completion(randomUUID()),
      completion(unbindable.id),
      completion(contested.id),
    ];
    const event = await batchOf(bodies);
    const ids = event.Records.map((record) => record.messageId);

    expect(await answer(handler, event)).toEqual([ids[4]]);
    expect(services.kodexa.slices.get(updated.id)).toMatchObject({ outputEvent: { pages: 3 } });
    expect(deadLettered()).toEqual([
      {
        body: bodies[1],
        attributes: {
          ErrorName: 'InvalidCompletionEvent',
          ErrorMessage: 'invalid completion event: body: must be JSON (it is not, at character 23)',
        },
      },
      {
        body: bodies[2],
        attributes: {
          ErrorName: 'SliceNotFound',
          ErrorMessage: expect.stringMatching(/^slice [\w-]+ was not found in Kodexa/),
        },
      },
      {
        body: bodies[3],
        attributes: {
          ErrorName: 'KodexaRequestRejected',
          ErrorMessage: expect.stringContaining('Kodexa answered 400'),
        },
      },
    ]);
    // handed back after its first receive: 2 s, or up to half as long again
    expect(hiddenFor(ids[4] as string)).toBeGreaterThan(1.5);
    expect(hiddenFor(ids[4] as string)).toBeLessThanOrEqual(3);
    expect(outcomes()).toEqual([
      'InvalidCompletionEvent',
      'KodexaRequestRejected',
      'SliceNotFound',
      'SliceUpdateConflict',
      'updated',
    ]);
    // Lambda counts no error for it: the buffer's alarm reads this count instead.
    expect(handedBack()).toEqual([handedBackCount(1)]);
  });

  it('counts no record handed back when each was processed or dead-lettered', async () => {
    const handler = await container();
    const slice = seedSlice();
    const event = await batchOf([completion(slice.id), 'not json', completion(randomUUID())]);
    expect(await answer(handler, event)).toEqual([]);
    expect(outcomes()).toEqual(['InvalidCompletionEvent', 'SliceNotFound', 'updated']);
    expect(handedBack()).toEqual([]);
  });

  it('reads the secret once for a whole batch on a cold container, and once again on a rotated key', async () => {
    const handler = await container();
    const reads = () => [...services.secrets.reads.values()].reduce((a, b) => a + b, 0);
    const before = reads();
    const slices = Array.from({ length: 8 }, () => seedSlice());
    expect(await answer(handler, await batchOf(slices.map((s) => completion(s.id))))).toEqual([]);
    expect(reads() - before).toBe(1);

    const key = services.kodexa.apiKey;
    services.rotateApiKey('rotated-local-key');
    try {
      expect(await answer(handler, await batchOf(slices.map((s) => completion(s.id))))).toEqual([]);
      expect(reads() - before).toBe(2);
    } finally {
      services.rotateApiKey(key);
    }
  });

  it('reads the buffer settings once per container, and one SQS connection serves its batches', async () => {
    const handler = await container();
    const events = [];
    for (let i = 0; i < 3; i++) events.push(await batchOf(['not json']));
    const connections = services.sqs.connections();
    for (const event of events) expect(await answer(handler, event)).toEqual([]);
    expect(deadLettered()).toHaveLength(3);
    expect(services.sqs.connections() - connections).toBe(1);
  });

  it('writes one log line per record, with its message id and receive count and what became of it', async () => {
    const handler = await container();
    const slice = seedSlice();
    const contested = seedSlice();
    services.kodexa.inject({
      sliceId: contested.id,
      method: 'PUT',
      persistent: true,
      concurrentWrite: {},
    });
    const body = completion(slice.id);
    const first = await batchOf([body, 'not json', completion(contested.id)]);
    await answer(handler, first);
    services.sqs.messages(BUFFER_QUEUE).splice(0);
    const second = await batchOf([body]);
    await answer(handler, second);
    const [ok, invalid, conflict, again] = [...first.Records, ...second.Records].map(
      (record) => record.messageId,
    );

    const lines = completionLines().map(
      ({ message, messageId, receiveCount, outcome, ...rest }) => ({
        message,
        messageId,
        receiveCount,
        outcome,
        deadLettered: rest.deadLettered,
        handedBack: rest.handedBack,
        error: (rest.error as { name?: string } | undefined)?.name,
      }),
    );
    // in the order the records finished: they run at once
    const byRecord = [ok, invalid, conflict, again].map((id) =>
      lines.find((l) => l.messageId === id),
    );
    expect(lines).toHaveLength(4);
    expect(byRecord).toEqual([
      { message: 'slice completion reported', messageId: ok, receiveCount: 1, outcome: 'updated' },
      {
        message: 'slice completion failed',
        messageId: invalid,
        receiveCount: 1,
        deadLettered: true,
        error: 'InvalidCompletionEvent',
      },
      {
        message: 'slice completion failed',
        messageId: conflict,
        receiveCount: 1,
        handedBack: { visibilitySeconds: expect.any(Number) },
        error: 'SliceUpdateConflict',
      },
      {
        message: 'slice completion reported',
        messageId: again,
        receiveCount: 1,
        outcome: 'unchanged',
      },
    ]);
  });

  it("gives each record's line its own correlation keys and Kodexa's answers, as its records run at once", async () => {
    const handler = await container();
    const [first, second, direct] = [seedSlice(), seedSlice(), seedSlice()];
    const viaEventBridge = (slice: Slice, id: string, source: string) =>
      JSON.stringify({
        version: '0',
        id,
        'detail-type': 'Execution Slice Completed',
        source,
        detail: { sliceId: slice.id, lambdaRequestId: randomUUID() },
      });
    const event = await batchOf([
      viaEventBridge(first, 'event-1', 'kodexa.pipeline'),
      viaEventBridge(second, 'event-2', 'acme.pipeline'),
      completion(direct.id),
    ]);
    expect(await answer(handler, event)).toEqual([]);
    const lines = completionLines().map(
      ({ sliceId, correlation_id, sentBy, kodexaStatusCodes }) => ({
        sliceId,
        correlation_id,
        sentBy,
        kodexaStatusCodes,
      }),
    );
    // in the order the records finished
    expect(lines).toEqual(
      expect.arrayContaining([
        {
          sliceId: first.id,
          correlation_id: 'event-1',
          sentBy: 'kodexa.pipeline',
          kodexaStatusCodes: [200, 200],
        },
        {
          sliceId: second.id,
          correlation_id: 'event-2',
          sentBy: 'acme.pipeline',
          kodexaStatusCodes: [200, 200],
        },
        {
          sliceId: direct.id,
          correlation_id: undefined,
          sentBy: undefined,
          kodexaStatusCodes: [200, 200],
        },
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it('holds every request of the container when Kodexa answers 429 with Retry-After, and hands the records back until then', async () => {
    const handler = await container();
    const limited = seedSlice();
    const others = [seedSlice(), seedSlice()];
    services.kodexa.inject({
      sliceId: limited.id,
      persistent: true,
      status: 429,
      headers: { 'retry-after': '30' },
    });
    const first = await batchOf([completion(limited.id)]);
    expect(await answer(handler, first)).toEqual([first.Records[0]?.messageId]);
    expect(hiddenFor(first.Records[0]?.messageId as string)).toBeGreaterThan(29);

    const requests = services.kodexa.requests.length;
    services.sqs.messages(BUFFER_QUEUE).splice(0);
    const second = await batchOf(others.map((slice) => completion(slice.id)));
    const ids = second.Records.map((record) => record.messageId);
    expect((await answer(handler, second)).sort()).toEqual([...ids].sort());
    expect(services.kodexa.requests.length).toBe(requests);
    for (const id of ids) expect(hiddenFor(id)).toBeGreaterThan(28);
  });

  it('hands back at once, until then, a record whose Retry-After reaches past the invocation', async () => {
    const handler = await container();
    const limited = seedSlice();
    services.kodexa.inject({
      sliceId: limited.id,
      persistent: true,
      status: 429,
      headers: { 'retry-after': '120' },
    });
    const event = await batchOf([completion(limited.id)]);
    const id = event.Records[0]?.messageId as string;
    const operations = services.sqs.operations.length;
    // 60 s of invocation: Kodexa's 120 s cannot be waited out in it
    expect(await answer(handler, event)).toEqual([id]);
    expect(services.kodexa.requests.filter((r) => r.path.endsWith(limited.id))).toEqual([
      expect.objectContaining({ method: 'GET', status: 429 }),
    ]);
    expect(services.sqs.operations.slice(operations)).toEqual(['ChangeMessageVisibilityBatch']);
    expect(hiddenFor(id)).toBeGreaterThan(119);
    expect(completionLines()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          name: 'KodexaUnavailable',
          message: expect.stringContaining(
            "is left to the buffer's redelivery; last failure: HTTP 429",
          ),
        }),
      }),
    ]);
  });

  it('hands back for a day-long Retry-After only as long as SQS takes: 12 hours from the receive', async () => {
    const handler = await container();
    const limited = seedSlice();
    services.kodexa.inject({
      sliceId: limited.id,
      persistent: true,
      status: 429,
      headers: { 'retry-after': String(24 * 3600) },
    });
    await answer(handler, await batchOf([completion(limited.id)]));
    services.sqs.messages(BUFFER_QUEUE).splice(0);
    // The container's gate holds the next batch's requests for the day Kodexa asked.
    const event = await batchOf([completion(seedSlice().id)]);
    const id = event.Records[0]?.messageId as string;
    expect(await answer(handler, event)).toEqual([id]);
    expect(hiddenFor(id)).toBeGreaterThan(43_200 - 5);
    expect(hiddenFor(id)).toBeLessThan(43_200);
    expect(output.logLines().filter((line) => line.level === 'WARN')).toEqual([]);
  });

  it('dead-letters a transient failure on its last receive, with its error, as SQS would not', async () => {
    const handler = await container({ BUFFER_MAX_RECEIVE_COUNT: '3' });
    const slice = seedSlice();
    services.kodexa.inject({
      sliceId: slice.id,
      persistent: true,
      status: 429,
      headers: { 'retry-after': '30' },
    });
    const body = completion(slice.id);
    const event = await batchOf([body], { receivedBefore: 2 });
    expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe('3');

    expect(await answer(handler, event)).toEqual([]);
    expect(deadLettered()).toEqual([
      {
        body,
        attributes: {
          ErrorName: 'KodexaUnavailable',
          ErrorMessage: expect.stringContaining('HTTP 429'),
        },
      },
    ]);
    expect(handedBack()).toEqual([]);
  });

  // The DLQ's limit is the buffer's (1 MiB), and SQS counts attributes in a message's size.
  it.each([
    // the attributes take 37 + 62 bytes: ErrorName, String, InvalidCompletionEvent; ErrorMessage,
    // String and the 44 characters of `invalid completion event: body: must be JSON`
    [99, { ErrorName: 'InvalidCompletionEvent', ErrorMessage: expect.any(String) }],
    [98, { ErrorName: 'InvalidCompletionEvent' }],
    [37, { ErrorName: 'InvalidCompletionEvent' }],
    [36, {}],
    [10, {}],
  ])(
    'dead-letters a body %i bytes short of the size limit with as much of its error as fits',
    async (short, attributes) => {
      const handler = await container();
      const body = `x${'y'.repeat(1_048_576 - short - 1)}`;
      const event = await batchOf([body]);
      expect(await answer(handler, event)).toEqual([]);
      expect(deadLettered()).toEqual([{ body, attributes }]);
      expect(completionLines()).toEqual([
        expect.objectContaining({
          error: expect.objectContaining({ name: 'InvalidCompletionEvent' }),
          deadLettered: true,
        }),
      ]);
    },
  );

  it('keeps a record whose dead-lettering fails, to be delivered again, and says why', async () => {
    const handler = await container({
      BUFFER_DEAD_LETTER_QUEUE_URL: services.sqs
        .queueUrl('no-such-queue')
        .replace('no-such', 'gone'),
    });
    const event = await batchOf(['not json']);
    expect(await answer(handler, event)).toEqual([event.Records[0]?.messageId]);
    expect(deadLettered()).toEqual([]);
    const [line] = completionLines();
    expect(line).toMatchObject({
      message: 'slice completion failed',
      error: { name: 'InvalidCompletionEvent' },
      deadLettered: false,
      deadLetterError: { name: 'QueueDoesNotExist' },
      handedBack: true,
    });
    expect(handedBack()).toEqual([handedBackCount(1)]);
  });

  it('answers when the visibility of the records handed back cannot be set; they come back later', async () => {
    const handler = await container({
      BUFFER_QUEUE_URL: services.sqs.queueUrl('no-such-queue').replace('no-such', 'gone'),
    });
    const contested = seedSlice();
    services.kodexa.inject({
      sliceId: contested.id,
      method: 'PUT',
      persistent: true,
      concurrentWrite: {},
    });
    const event = await batchOf([completion(contested.id)]);
    const id = event.Records[0]?.messageId as string;
    expect(await answer(handler, event)).toEqual([id]);
    // still hidden for the buffer's own visibility timeout
    expect(hiddenFor(id)).toBeGreaterThan(300);
    expect(output.logLines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'could not set the visibility of the completions handed back',
      }),
    );
  });

  // SQS's calls take the invocation's last seconds, cut off before its end: with the SDK's own
  // 3 attempts of 5 s, an SQS that does not answer would take 15 s, past these invocations' end.
  it('answers before the invocation ends when SQS does not answer a dead-lettering', async () => {
    const handler = await container({ KODEXA_REQUEST_TIMEOUT_MS: '5000' });
    const event = await batchOf(['not json']);
    const context = lambdaContext(4_000);
    services.sqs.stalled.add('SendMessage');
    try {
      const response = (await handler(event, context)) as SQSBatchResponse;
      expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    } finally {
      services.sqs.stalled.clear();
    }
    expect(completionLines()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ name: 'InvalidCompletionEvent' }),
        deadLettered: false,
        deadLetterError: expect.objectContaining({ name: 'AbortError' }),
      }),
    ]);
    expect(outcomes()).toEqual(['InvalidCompletionEvent']);
  });

  it('answers before the invocation ends when SQS does not answer the visibility change', async () => {
    const handler = await container({ KODEXA_REQUEST_TIMEOUT_MS: '5000' });
    const slice = seedSlice();
    const event = await batchOf([completion(slice.id)]);
    // 3 s: too little for any request to Kodexa, so the record is handed back at once.
    const context = lambdaContext(3_000);
    services.sqs.stalled.add('ChangeMessageVisibilityBatch');
    try {
      const response = (await handler(event, context)) as SQSBatchResponse;
      expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    } finally {
      services.sqs.stalled.clear();
    }
    expect(output.logLines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'could not set the visibility of the completions handed back',
        error: expect.objectContaining({ name: 'AbortError' }),
      }),
    );
    expect(handedBack()).toEqual([handedBackCount(1)]);
  });

  // Kodexa's requests end 5 s before the invocation does: 2 s for dead-lettering, 2 for the
  // visibility of the records handed back and 1 to answer.
  it('sends no request to Kodexa in the last 5 s of the invocation, and hands the record back', async () => {
    const handler = await container();
    const slice = seedSlice();
    const event = await batchOf([completion(slice.id)]);
    const id = event.Records[0]?.messageId as string;
    expect(await answer(handler, event, lambdaContext(4_500))).toEqual([id]);
    expect(services.kodexa.requests.filter((r) => r.path.endsWith(slice.id))).toEqual([]);
    expect(completionLines()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          name: 'KodexaUnavailable',
          message: `GET ${services.kodexa.url}/api/orchestrator-execution-slices/${slice.id}: no time left in this invocation`,
        }),
        handedBack: { visibilitySeconds: expect.any(Number) },
      }),
    ]);
    expect(hiddenFor(id)).toBeLessThanOrEqual(3);
  });

  it('leaves the visibility of the records handed back 2 s after a dead-lettering SQS does not answer', async () => {
    const handler = await container({ KODEXA_REQUEST_TIMEOUT_MS: '5000' });
    const slice = seedSlice();
    // 4 s: no time for Kodexa, so the completion is handed back at once; the dead-lettering of the
    // other record is cut off 3 s before the end, leaving 2 s to set the visibility
    const event = await batchOf(['not json', completion(slice.id)]);
    const id = event.Records[1]?.messageId as string;
    services.sqs.stalled.add('SendMessage');
    try {
      expect((await answer(handler, event, lambdaContext(4_000))).sort()).toEqual(
        event.Records.map((record) => record.messageId).sort(),
      );
    } finally {
      services.sqs.stalled.clear();
    }
    // hidden for its own 2-3 s after the first receive, not the buffer's 360 s
    expect(hiddenFor(id)).toBeLessThanOrEqual(3);
    expect(output.logLines().filter((line) => line.level === 'WARN')).toEqual([]);
  });

  it('says how many visibilities SQS did not set, when it sets the others', async () => {
    const handler = await container();
    const contested = seedSlice();
    services.kodexa.inject({
      sliceId: contested.id,
      method: 'PUT',
      persistent: true,
      concurrentWrite: {},
    });
    const event = await batchOf([completion(contested.id), completion(contested.id)]);
    // The first record's receive expired before the batch ended: no longer in flight.
    const [expired, held] = event.Records.map((record) => record.messageId);
    const queued = services.sqs.messages(BUFFER_QUEUE);
    const message = queued.find((m) => m.messageId === expired);
    if (message) message.invisibleUntil = 0;
    expect((await answer(handler, event)).sort()).toEqual([expired, held].sort());
    expect(hiddenFor(held as string)).toBeLessThanOrEqual(3);
    expect(output.logLines().filter((line) => line.level === 'WARN')).toEqual([
      expect.objectContaining({
        message: 'could not set the visibility of some completions handed back',
        failed: 1,
      }),
    ]);
  });

  it('answers a batch whose every record failed, naming each', async () => {
    const handler = await container();
    const contested = seedSlice();
    services.kodexa.inject({
      sliceId: contested.id,
      method: 'PUT',
      persistent: true,
      concurrentWrite: {},
    });
    const event = await batchOf([completion(contested.id), completion(contested.id)]);
    expect((await answer(handler, event)).sort()).toEqual(
      event.Records.map((record) => record.messageId).sort(),
    );
  });

  it('hands back a record that Kodexa redirects, as ConfigurationError: fixing KODEXA_URL cures it', async () => {
    const handler = await container();
    const slice = seedSlice();
    services.kodexa.inject({
      sliceId: slice.id,
      redirect: 301,
      location: 'https://kodexa.example.com/api/orchestrator-execution-slices/x',
    });
    const event = await batchOf([completion(slice.id)]);
    const id = event.Records[0]?.messageId as string;
    expect(await answer(handler, event)).toEqual([id]);
    expect(deadLettered()).toEqual([]);
    expect(completionLines()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          name: 'ConfigurationError',
          message: expect.stringContaining(
            'Kodexa answered 301 redirecting to https://kodexa.example.com; redirects are refused',
          ),
        }),
        handedBack: { visibilitySeconds: expect.any(Number) },
      }),
    ]);
    expect(services.kodexa.requests.filter((r) => r.path.endsWith(slice.id))).toEqual([
      expect.objectContaining({ method: 'GET', status: 301 }),
    ]);
  });

  it('fails every record with ConfigurationError without the buffer settings; a direct invocation still works', async () => {
    const handler = await container({
      BUFFER_QUEUE_URL: undefined,
      BUFFER_DEAD_LETTER_QUEUE_URL: undefined,
      BUFFER_MAX_RECEIVE_COUNT: undefined,
    });
    const slice = seedSlice();
    const event = await batchOf([completion(slice.id), 'not json']);
    expect((await answer(handler, event)).sort()).toEqual(
      event.Records.map((record) => record.messageId).sort(),
    );
    expect(services.kodexa.requests.filter((r) => r.path.endsWith(slice.id))).toEqual([]);
    expect(completionLines()).toHaveLength(2);
    for (const line of completionLines()) {
      expect(line).toMatchObject({
        error: {
          name: 'ConfigurationError',
          message:
            'BUFFER_QUEUE_URL is required; BUFFER_DEAD_LETTER_QUEUE_URL is required; BUFFER_MAX_RECEIVE_COUNT is required',
        },
        handedBack: true,
      });
    }
    expect(outcomes()).toEqual(['ConfigurationError', 'ConfigurationError']);
    expect(handedBack()).toEqual([handedBackCount(2)]);

    const direct = await handler(
      { sliceId: slice.id, lambdaRequestId: randomUUID() },
      lambdaContext(),
    );
    expect(direct).toMatchObject({ sliceId: slice.id, outcome: 'updated' });
  });
});
