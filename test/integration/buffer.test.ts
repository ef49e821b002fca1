// The built bundle behind the SQS buffer, as production runs it: a simulated event source mapping
// reads the loopback buffer through the real SQS client and invokes warm containers with batches,
// while Kodexa answers 429 with Retry-After, 503, resets connections, answers slowly, goes down for
// a few seconds, and containers are killed mid-batch. Completions arrive one to three times, in
// any order, with some no retry can fix among them. SQS's clock runs 25 times faster than real
// time, so the buffer keeps its real 360 s visibility timeout (14.4 s here), and the function's
// timeout is 12 s, so that no invocation outlives its messages' visibility, as in production.
// Not timed: it checks what must hold afterwards, and prints what happened. The plan comes from a
// pinned seed.
import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { merge } from '#functions/slice-completion/update-rules.ts';
import { startEventSourceMapping } from '#tools/local/event-source-mapping.ts';
import type { Fault, Slice } from '#tools/local/kodexa-emulator.ts';
import { loadBundle } from '#tools/local/lambda-runtime.ts';
import {
  BUFFER_DEAD_LETTER_QUEUE,
  BUFFER_QUEUE,
  type LocalServices,
  startLocalServices,
} from '#tools/local/local-services.ts';
import { sampleEvents } from '#tools/local/sample-events.ts';
import { sampleSlices } from '#tools/local/sample-slices.ts';
import { captureOutput } from '../support/capture-output.ts';

const SEED = 20261204;
const SLICES = 24;
/** SQS seconds in real ms: the buffer's 360 s visibility timeout passes in 14.4 s. */
const SQS_SECOND_MS = 40;
/** Shorter than the visibility timeout as SQS's faster clock counts it. */
const FUNCTION_TIMEOUT_MS = 12_000;
const OUTAGE_MS = 3_000;
const statuses = { succeeded: 'SUCCEEDED', failed: 'FAILED' };

let services: LocalServices;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [], sqsSecondMs: SQS_SECOND_MS });
  Object.assign(process.env, services.env, {
    KODEXA_REQUEST_TIMEOUT_MS: '200',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
});
afterAll(() => services.close());

const shapes = sampleEvents()
  .filter((sample) => sample.expected === 'updated')
  .map((sample) => ({ ...sample, completion: parseCompletionEvent(sample.event) }));

const fault = fc.oneof(
  fc.constant<Fault>({ status: 503, body: { errorMessage: 'Service Unavailable' } }),
  fc.constant<Fault>({ status: 429, headers: { 'retry-after': '1' } }),
  fc.constant<Fault>({ reset: true }),
  fc.constant<Fault>({ delayMs: 300 }),
);

const plan = fc.record({
  slices: fc.array(
    fc.record({
      sliceId: fc.uuid({ version: 4 }),
      requestId: fc.uuid({ version: 4 }),
      copies: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: SLICES, maxLength: SLICES },
  ),
  faults: fc.array(fault, { minLength: 40, maxLength: 40 }),
  /**
   * Invocations whose container dies once Kodexa sees a request for one of its records: one of
   * the first three, which always send some (they start together, with 10 records each and no
   * gate closed), and one later, which dies only if it sends any before it ends.
   */
  kills: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 12 })),
  order: fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
});

/** A slice without what Kodexa sets on every write. */
function withoutKodexasFields({ changeSequence, updatedOn, ...rest }: Record<string, unknown>) {
  return rest;
}

it('records every valid completion once, dead-letters the others at once, and leaves nothing in the buffer', async () => {
  const [{ slices, faults, kills, order }] = fc.sample(plan, { seed: SEED, numRuns: 1 }) as [
    typeof plan extends fc.Arbitrary<infer T> ? T : never,
  ];
  const seeded = new Map<string, Slice>();
  const valid: { sliceId: string; body: string }[] = [];
  for (const [i, s] of slices.entries()) {
    const shape = shapes[i % shapes.length] as (typeof shapes)[number];
    const slice: Slice = { ...(sampleSlices()[0] as Slice), id: s.sliceId, changeSequence: 2 };
    seeded.set(s.sliceId, slice);
    services.kodexa.slices.set(s.sliceId, structuredClone(slice));
    const body = JSON.stringify(shape.event)
      .replaceAll(shape.completion.sliceId, s.sliceId)
      .replaceAll(shape.completion.lambdaRequestId, s.requestId);
    for (let copy = 0; copy < s.copies; copy++) valid.push({ sliceId: s.sliceId, body });
  }
  const unbindable = randomUUID();
  services.kodexa.slices.set(unbindable, { id: unbindable, changeSequence: 1, sliceOrder: 'x' });
  const permanent = [
    { body: '{"sliceId": ', errorName: 'InvalidCompletionEvent' },
    { body: 'completed', errorName: 'InvalidCompletionEvent' },
    { body: JSON.stringify({ sliceId: '../admin' }), errorName: 'InvalidCompletionEvent' },
    {
      body: JSON.stringify({ sliceId: randomUUID(), lambdaRequestId: randomUUID() }),
      errorName: 'SliceNotFound',
    },
    {
      body: JSON.stringify({ sliceId: unbindable, lambdaRequestId: randomUUID() }),
      errorName: 'KodexaRequestRejected',
    },
  ];
  const bodies = [...valid.map((v) => v.body), ...permanent.map((p) => p.body)];
  const shuffled = bodies
    .map((body, i) => ({ body, key: order.next().value as number, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ body }) => body);
  const messageIds = new Map<string, string[]>();
  for (const body of shuffled) {
    const id = services.sqs.send(BUFFER_QUEUE, body);
    messageIds.set(body, [...(messageIds.get(body) ?? []), id]);
  }
  services.kodexa.inject(...faults);
  const planned = new Set<number>(kills);
  /** Resolves when Kodexa sees a request for the slice of one of these records. */
  const requestFor = (records: SQSRecord[]) =>
    new Promise<void>((resolve) => {
      const stop = services.kodexa.onRequest(({ path }) => {
        const sliceId = decodeURIComponent(path.split('/').at(-1) ?? '');
        if (sliceId && records.some((record) => record.body.includes(sliceId))) {
          stop();
          resolve();
        }
      });
    });

  const mapping = startEventSourceMapping({
    sqs: services.sqs,
    queueName: BUFFER_QUEUE,
    loadContainer: loadBundle,
    maximumConcurrency: 3,
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    killWhen: ({ number, records }) => (planned.has(number) ? requestFor(records) : undefined),
  });
  // Kodexa goes down for a few seconds while the first batches run.
  const outage: Fault = { persistent: true, status: 503, body: { errorMessage: 'down' } };
  await new Promise((resolve) => setTimeout(resolve, 200));
  services.kodexa.inject(outage);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  services.kodexa.inject(...services.kodexa.clearFaults().filter((f) => f !== outage));
  await mapping.drained();
  await mapping.stop();
  const unusedFaults = services.kodexa.clearFaults();

  // Never more invocations at once than MaximumConcurrency; Lambda took every answer as an
  // answer: no thrown error, no unknown itemIdentifier.
  expect(mapping.peakConcurrency()).toBeLessThanOrEqual(3);
  const { invocations } = mapping;
  expect(invocations.filter((i) => i.ended === 'threw' || i.wholeBatchFailed)).toEqual([]);
  // The first round's planned container dies, mid-batch; no container dies unplanned.
  const killed = invocations.filter((i) => i.ended === 'killed').map((i) => i.number);
  expect(killed).toContain(kills[0]);
  expect(killed.filter((number) => !planned.has(number))).toEqual([]);

  // Every valid completion recorded, once, as the update rules write it.
  for (const s of slices) {
    const body = valid.find((v) => v.sliceId === s.sliceId)?.body as string;
    const expected = merge(
      seeded.get(s.sliceId) as Slice,
      parseCompletionEvent(JSON.parse(body)),
      statuses,
    );
    const after = services.kodexa.slices.get(s.sliceId) as Slice;
    expect(withoutKodexasFields(after)).toEqual(withoutKodexasFields(expected));
    const writes = services.kodexa.requests.filter(
      (r) => r.method === 'PUT' && r.status === 200 && r.path.endsWith(s.sliceId),
    );
    expect(writes, s.sliceId).toHaveLength(1);
  }

  // Nothing left in the buffer; in the dead-letter queue, only what no retry can fix, with why,
  // sent the first time the function met its error: at the first receive for a bad event, at the
  // first Kodexa answered for the others (a 503 or a timeout first is a transient failure).
  expect(services.sqs.messages(BUFFER_QUEUE)).toEqual([]);
  const deadLettered = services.sqs.messages(BUFFER_DEAD_LETTER_QUEUE);
  const lines = output
    .logLines()
    .filter((line) => String(line.message).startsWith('slice completion'));
  for (const { body, errorName } of permanent) {
    const copies = deadLettered.filter((m) => m.body === body);
    for (const copy of copies) {
      expect(copy.attributes).toEqual({ ErrorName: errorName, ErrorMessage: expect.any(String) });
    }
    const [messageId] = messageIds.get(body) ?? [];
    const fates = lines
      .filter((line) => line.messageId === messageId)
      .map((line) => ({
        error: (line.error as { name: string }).name,
        deadLettered: line.deadLettered,
        handedBack: line.handedBack !== undefined,
      }));
    for (const fate of fates) {
      expect(fate, body).toEqual(
        fate.error === errorName
          ? { error: errorName, deadLettered: true, handedBack: false }
          : { error: 'KodexaUnavailable', deadLettered: undefined, handedBack: true },
      );
    }
    // The function dead-letters it once, or again for each container killed holding it; the
    // queue may hold more copies, as the SDK retries a SendMessage whose answer came too late.
    const killedHolding = invocations.filter(
      (i) => i.ended === 'killed' && i.records.some((r) => r.messageId === messageId),
    ).length;
    const sent = fates.filter((fate) => fate.deadLettered).length;
    expect(sent, body).toBeGreaterThanOrEqual(1);
    expect(sent, body).toBeLessThanOrEqual(1 + killedHolding);
    expect(copies.length, body).toBeGreaterThanOrEqual(sent);
    // a bad event needs no answer from Kodexa: dead-lettered at every receive it was met
    if (errorName === 'InvalidCompletionEvent') {
      expect(fates.filter((fate) => fate.error !== errorName)).toEqual([]);
    }
  }
  expect(deadLettered.filter((m) => !permanent.some((p) => p.body === m.body))).toEqual([]);

  const receives = invocations.flatMap((i) => i.records);
  const handedBack = lines.filter((line) => line.handedBack).length;
  const requests = services.kodexa.requests;
  console.log(
    [
      `buffer (seed ${SEED}): ${shuffled.length} messages (${permanent.length} that no retry can fix) for ${slices.length} slices, 3 containers at most, batches of up to 10`,
      `${invocations.length} invocations, ${mapping.peakConcurrency()} at most at once, on ${mapping.containers()} containers (${invocations.filter((i) => i.ended === 'killed').length} killed mid-batch), ${receives.length} receives, at most ${Math.max(...receives.map((r) => r.receiveCount))} of one message; ${handedBack} hand-backs, ${deadLettered.length} dead-lettered`,
      `${requests.length} Kodexa requests (${requests.filter((r) => r.status === 429).length} x 429, ${requests.filter((r) => r.status === 503).length} x 503), ${(requests.length / shuffled.length).toFixed(1)} per message; ${unusedFaults.length} of ${faults.length} faults left unused`,
    ].join('\n'),
  );
}, 120_000);
