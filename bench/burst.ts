// The burst, in a process of its own (bench/children.ts starts it with a BurstOptions JSON argument
// and gets a BurstResult back over IPC): 2,000 completions of every shape, duplicates and invalid
// events among them, against a Kodexa that answers after a fixed latency and may rate-limit.
// Through the buffer: dropped at once into the loopback SQS buffer and drained by the simulated
// event source mapping with the template's settings, running the built bundle in warm containers;
// then, for comparison, the direct path one completion at a time on one warm container. Or
// directly: each completion an asynchronous invocation of its own, run by a fixed number of warm
// containers as Lambda runs a function with that much reserved concurrency.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  type Completion,
  parseCompletionEvent,
} from '../functions/slice-completion/parse-event.ts';
import { startEventSourceMapping } from '../tools/local/event-source-mapping.ts';
import type { Slice } from '../tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext, loadBundle } from '../tools/local/lambda-runtime.ts';
import {
  BUFFER_DEAD_LETTER_QUEUE,
  BUFFER_QUEUE,
  startLocalServices,
} from '../tools/local/local-services.ts';
import { sampleEvents } from '../tools/local/sample-events.ts';
import { sampleSlices } from '../tools/local/sample-slices.ts';
import type { StackSettings } from './template-settings.ts';

export interface BurstOptions {
  settings: StackSettings;
  completions: number;
  /** Of the completions, how many are copies of another (delivered again, at a random place). */
  duplicates: number;
  /** Of the completions, how many no retry can fix (InvalidCompletionEvent). */
  invalid: number;
  /** Kodexa's rate limit; none when absent. */
  kodexaRequestsPerSecond?: number;
  kodexaLatencyMs: number;
  /** `direct`: the burst as asynchronous invocations, one per completion, no buffer. */
  through: 'buffer' | 'direct';
  /** Through the buffer: direct invocations to measure one at a time after it; none when 0. */
  directInvocations: number;
  /** Directly: how many warm containers run the invocations at once (reserved concurrency). */
  directContainers: number;
  seed: number;
}

export interface BurstResult {
  messages: number;
  distinct: number;
  /** Valid completions delivered, duplicates included. */
  valid: number;
  /** The fewest requests Kodexa must answer: GET + PUT per completion, one GET per duplicate. */
  requiredRequests: number;
  drainSeconds: number;
  kodexaRequests: number;
  tooManyRequests: number;
  peakInFlight: number;
  /**
   * ErrorName (or `redriven` for a message SQS moved without one) -> messages; directly, the
   * invocations Lambda gave up on after its two retries, as its on-failure destination gets them.
   */
  deadLettered: Record<string, number>;
  validDeadLettered: number;
  /** Directly: the failed invocations (each then tried again or given up), by error name. */
  failedInvocations?: Record<string, number>;
  /** Distinct valid completions whose slice does not carry their lambdaRequestId. */
  notRecorded: number;
  /** Directly, Lambda's retries of failed invocations included. */
  invocations: number;
  /** Billed milliseconds: each invocation's duration rounded up to the next millisecond. */
  billedMs: number;
  containers: number;
  peakConcurrency: number;
  /** Directly: the most invocations of one completion (Lambda tries each up to three times). */
  maxReceiveCount: number;
  /** SQS requests during the drain, by operation (the mapping's and the function's). */
  sqsRequests: Record<string, number>;
  direct?: { invocations: number; billedMs: number; p50Ms: number };
}

const options = JSON.parse(process.argv[2] ?? fail('pass BurstOptions as JSON')) as BurstOptions;
const { settings } = options;

function fail(message: string): never {
  throw new Error(message);
}

const services = await startLocalServices({
  slices: [],
  kodexaRateLimit: options.kodexaRequestsPerSecond
    ? { requestsPerSecond: options.kodexaRequestsPerSecond }
    : undefined,
  kodexaLatencyMs: options.kodexaLatencyMs,
});
const { kodexa, sqs } = services;
// The buffer and the function as the template sets them.
sqs.createQueue(BUFFER_QUEUE, {
  visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
  redrive: { deadLetterQueue: BUFFER_DEAD_LETTER_QUEUE, maxReceiveCount: settings.maxReceiveCount },
});
Object.assign(process.env, services.env, {
  BUFFER_MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});

// The burst: each distinct completion for a slice of its own, in every shape that updates a slice.
const shapes = sampleEvents()
  .filter((sample) => sample.expected === 'updated')
  .map((sample) => ({ event: sample.event, completion: parseCompletionEvent(sample.event) }));
const invalidBodies = [
  'not JSON',
  JSON.stringify(
    sampleEvents().find((sample) => sample.expected === 'InvalidCompletionEvent')?.event,
  ),
  JSON.stringify({ sliceId: randomUUID() }),
];
/** The i-th shape's event for a new completion, of a new RUNNING slice in Kodexa. */
function newCompletion(i: number): { completion: Completion; body: string } {
  const shape = shapes[i % shapes.length] as (typeof shapes)[number];
  const sliceId = randomUUID();
  kodexa.slices.set(sliceId, { ...(sampleSlices()[0] as Slice), id: sliceId, changeSequence: 2 });
  const body = JSON.stringify(shape.event)
    .replaceAll(shape.completion.sliceId, sliceId)
    .replaceAll(shape.completion.lambdaRequestId, randomUUID());
  return { completion: parseCompletionEvent(JSON.parse(body)), body };
}

const distinct = options.completions - options.duplicates - options.invalid;
const valid = Array.from({ length: distinct }, (_, i) => newCompletion(i));
// The same event again at a random later place, as EventBridge's at-least-once delivery does,
// and the invalid ones anywhere; the order from the pinned seed.
const [keys] = fc.sample(
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
    minLength: options.completions,
    maxLength: options.completions,
  }),
  { seed: options.seed, numRuns: 1 },
) as [number[]];
const bodies = [
  ...valid.map((v, i) => ({ body: v.body, key: (keys[i] as number) / 2 })),
  ...Array.from({ length: options.duplicates }, (_, i) => ({
    body: (valid[i % distinct] as (typeof valid)[number]).body,
    key: 0.5 + (keys[distinct + i] as number) / 2,
  })),
  ...Array.from({ length: options.invalid }, (_, i) => ({
    body: invalidBodies[i % invalidBodies.length] as string,
    key: keys[distinct + options.duplicates + i] as number,
  })),
].sort((a, b) => a.key - b.key);
const validBodies = new Set(valid.map((v) => v.body));

/** How the burst went, whichever way it was delivered. */
type Delivery = Pick<
  BurstResult,
  | 'drainSeconds'
  | 'deadLettered'
  | 'validDeadLettered'
  | 'failedInvocations'
  | 'invocations'
  | 'billedMs'
  | 'containers'
  | 'peakConcurrency'
  | 'maxReceiveCount'
  | 'sqsRequests'
>;
const delivery = options.through === 'direct' ? await deliverDirectly() : await drainBuffer();
const burst = {
  kodexaRequests: kodexa.requests.length,
  tooManyRequests: kodexa.requests.filter((r) => r.status === 429).length,
  peakInFlight: kodexa.peakInFlight(),
};

const direct = options.directInvocations > 0 ? await measureDirect() : undefined;

const result: BurstResult = {
  messages: bodies.length,
  distinct,
  valid: distinct + options.duplicates,
  requiredRequests: 2 * distinct + options.duplicates,
  ...delivery,
  ...burst,
  notRecorded: valid.filter(
    (v) =>
      kodexa.slices.get(v.completion.sliceId)?.lambdaRequestId !== v.completion.lambdaRequestId,
  ).length,
  direct,
};
await services.close();
if (!process.send) fail('start with an IPC channel: the result goes back over it');
// Exit at once: fetch's pooled keep-alive connections would hold the process open.
process.send(result, () => process.exit(0));

async function drainBuffer(): Promise<Delivery> {
  for (const { body } of bodies) sqs.send(BUFFER_QUEUE, body);
  const operationsBefore = sqs.operations.length;
  const started = performance.now();
  const mapping = startEventSourceMapping({
    sqs,
    queueName: BUFFER_QUEUE,
    loadContainer: loadBundle,
    maximumConcurrency: settings.maximumConcurrency,
    batchSize: settings.batchSize,
    maximumBatchingWindowSeconds: settings.maximumBatchingWindowSeconds,
    functionTimeoutMs: settings.functionTimeoutSeconds * 1000,
  });
  await mapping.drained();
  const drainSeconds = (performance.now() - started) / 1000;
  await mapping.stop();

  const sqsRequests: Record<string, number> = {};
  for (const operation of sqs.operations.slice(operationsBefore)) {
    sqsRequests[operation] = (sqsRequests[operation] ?? 0) + 1;
  }
  const deadLettered: Record<string, number> = {};
  let validDeadLettered = 0;
  for (const message of sqs.messages(BUFFER_DEAD_LETTER_QUEUE)) {
    const name = message.attributes.ErrorName ?? 'redriven';
    deadLettered[name] = (deadLettered[name] ?? 0) + 1;
    if (validBodies.has(message.body)) validDeadLettered++;
  }
  return {
    drainSeconds,
    deadLettered,
    validDeadLettered,
    invocations: mapping.invocations.length,
    billedMs: mapping.invocations.reduce((sum, i) => sum + Math.ceil(i.durationMs), 0),
    containers: mapping.containers(),
    peakConcurrency: mapping.peakConcurrency(),
    maxReceiveCount: Math.max(
      ...mapping.invocations.flatMap((i) => i.records.map((r) => r.receiveCount)),
    ),
    sqsRequests,
  };
}

/**
 * Without the buffer: every completion an asynchronous invocation of its own, all at once, run by
 * `directContainers` warm containers (Lambda queues the rest of a function's asynchronous
 * invocations while its reserved concurrency is in use, without charge). An invocation that
 * throws is tried again as often as the template allows (twice), then goes to the on-failure destination. Lambda
 * waits about one and then two minutes before those retries, after a burst this size has passed,
 * so here each retry round starts once the round before has finished, without the wait.
 */
async function deliverDirectly(): Promise<Delivery> {
  const handlers = await Promise.all(
    Array.from({ length: options.directContainers }, () => loadBundle()),
  );
  const billed: number[] = [];
  const deadLettered: Record<string, number> = {};
  const failedInvocations: Record<string, number> = {};
  let validDeadLettered = 0;
  let round = bodies.map(({ body }) => body);
  // Lambda's first try and the retries the template allows.
  const attemptsAllowed = 1 + settings.asyncRetryAttempts;
  let attempts = 0;
  const started = performance.now();
  while (round.length > 0 && attempts < attemptsAllowed) {
    attempts++;
    const queue = [...round];
    const failed: { body: string; error: unknown }[] = [];
    await Promise.all(
      handlers.map(async (handler) => {
        for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
          const context = lambdaContext(settings.functionTimeoutSeconds * 1000);
          const invoked = performance.now();
          try {
            await handler(asyncPayload(body), context);
          } catch (error) {
            failed.push({ body, error });
            const { name } = error as Error;
            failedInvocations[name] = (failedInvocations[name] ?? 0) + 1;
          }
          billed.push(Math.ceil(performance.now() - invoked));
        }
      }),
    );
    round = failed.map((f) => f.body);
    if (attempts < attemptsAllowed) continue;
    for (const { body, error } of failed) {
      const name = (error as Error).name;
      deadLettered[name] = (deadLettered[name] ?? 0) + 1;
      if (validBodies.has(body)) validDeadLettered++;
    }
  }
  return {
    drainSeconds: (performance.now() - started) / 1000,
    deadLettered,
    validDeadLettered,
    failedInvocations,
    invocations: billed.length,
    billedMs: billed.reduce((a, b) => a + b, 0),
    containers: handlers.length,
    peakConcurrency: handlers.length,
    maxReceiveCount: attempts,
    sqsRequests: {},
  };
}

/** An asynchronous invocation's payload is JSON: a body that is not arrives as a JSON string. */
function asyncPayload(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * Today's direct path against the same Kodexa: a warm container, one completion per invocation,
 * one at a time (under the rate limit, so each costs what it costs when Kodexa is not pushing back).
 */
async function measureDirect(): Promise<BurstResult['direct']> {
  const handler: Handler = await loadBundle();
  let invocations = 0;
  const invoke = async () => {
    const event = JSON.parse(newCompletion(invocations++).body);
    const context = lambdaContext(settings.functionTimeoutSeconds * 1000);
    const invoked = performance.now();
    await handler(event, context);
    return performance.now() - invoked;
  };
  // The first invocation of a container is its cold start's; then warm ones.
  for (let i = 0; i < 5; i++) await invoke();
  const durations: number[] = [];
  for (let i = 0; i < options.directInvocations; i++) durations.push(await invoke());
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    invocations: durations.length,
    billedMs: durations.reduce((sum, ms) => sum + Math.ceil(ms), 0),
    p50Ms: sorted[Math.floor(sorted.length / 2)] as number,
  };
}
