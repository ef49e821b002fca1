// The built bundle under load and faults, as Lambda and Kodexa treat it in production: several warm
// containers at once; every sample shape delivered one to three times in any order, with stale
// failures arriving late; Kodexa answering 503, 429, resetting connections, answering slowly, and
// a third party writing between our reads and writes; containers killed mid-invocation, their
// event retried as Lambda retries it. Not timed: it checks what must hold afterwards, and prints
// the figures docs/testing.md quotes. The plan comes from a pinned seed; the interleaving is whatever
// the machine makes of it, and the invariants must hold for any.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { merge } from '#functions/slice-completion/update-rules.ts';
import type { Fault, Slice } from '#tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { sampleEvents } from '#tools/local/sample-events.ts';
import { sampleSlices } from '#tools/local/sample-slices.ts';
import { captureOutput } from '../support/capture-output.ts';

const SEED = 20261128;
const CONTAINERS = 4;
const SLICES_PER_SHAPE = 5;
/** Lambda invokes an asynchronous event once and retries it twice. */
const MAX_ATTEMPTS = 3;
const statuses = { succeeded: 'SUCCEEDED', failed: 'FAILED' };

let services: LocalServices;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
  // short, so that some slow answers outlast the request timeout and are retried
  Object.assign(process.env, services.env, { KODEXA_REQUEST_TIMEOUT_MS: '150' });
});
afterAll(() => services.close());

/** The samples that complete a slice: every input shape, success and failure. */
const shapes = sampleEvents()
  .filter((sample) => sample.expected === 'updated')
  .map((sample) => ({ ...sample, completion: parseCompletionEvent(sample.event) }));

const fault = fc.oneof(
  fc.constant<Fault>({ status: 503, body: { errorMessage: 'Service Unavailable' } }),
  fc.constant<Fault>({ status: 429, body: { errorMessage: 'Too Many Requests' } }),
  fc.constant<Fault>({ reset: true }),
  fc.integer({ min: 20, max: 300 }).map((delayMs): Fault => ({ delayMs })),
  // numbered once the plan is made, so that each third-party write can be found afterwards
  fc.constant<Fault>({ method: 'PUT', concurrentWrite: {} }),
);

const slicePlan = fc.record({
  sliceId: fc.uuid({ version: 4 }),
  requestId: fc.uuid({ version: 4 }),
  copies: fc.integer({ min: 1, max: 3 }),
  /** a failure of an earlier attempt, reported late */
  staleAttempt: fc.option(fc.uuid({ version: 4 }), { freq: 2 }),
  /** a failure of another request of the same attempt, which only a success may overtake */
  otherRequestFailure: fc.option(fc.uuid({ version: 4 }), { freq: 2 }),
});

interface Delivery {
  sliceId: string;
  event: unknown;
  /** faults Kodexa starts serving as this event is first delivered */
  faults: Fault[];
  /** ms into the first attempt after which its container dies */
  killAfterMs: number | null;
}

const plan = fc
  .array(slicePlan, {
    minLength: shapes.length * SLICES_PER_SHAPE,
    maxLength: shapes.length * SLICES_PER_SHAPE,
  })
  .chain((slices) => {
    const events = slices.flatMap((s, i) => eventsFor(s, shapes[i % shapes.length] as Shape));
    const n = events.length;
    return fc.record({
      slices: fc.constant(slices),
      deliveries: fc
        .tuple(
          fc.shuffledSubarray(events, { minLength: n, maxLength: n }),
          fc.array(fc.array(fault, { maxLength: 2 }), { minLength: n, maxLength: n }),
          fc.array(
            fc.oneof(
              { weight: 9, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }) },
            ),
            {
              minLength: n,
              maxLength: n,
            },
          ),
        )
        .map(([shuffled, faults, kills]) => {
          let thirdPartyWrites = 0;
          const numbered = (f: Fault): Fault =>
            'concurrentWrite' in f
              ? { ...f, concurrentWrite: { [`thirdParty${++thirdPartyWrites}`]: thirdPartyWrites } }
              : f;
          return shuffled.map(
            (e, i): Delivery => ({
              ...e,
              faults: (faults[i] ?? []).map(numbered),
              killAfterMs: kills[i] ?? null,
            }),
          );
        }),
    });
  });

type Shape = (typeof shapes)[number];

/** A slice without what Kodexa sets on every write. */
function withoutKodexasFields({ changeSequence, updatedOn, ...rest }: Record<string, unknown>) {
  return rest;
}
type SlicePlan = typeof slicePlan extends fc.Arbitrary<infer T> ? T : never;

/** The sample's event for this slice and request, 1-3 times, and the stale failures planned. */
function eventsFor(s: SlicePlan, shape: Shape): Pick<Delivery, 'sliceId' | 'event'>[] {
  const text = JSON.stringify(shape.event)
    .replaceAll(shape.completion.sliceId, s.sliceId)
    .replaceAll(shape.completion.lambdaRequestId, s.requestId);
  const own = Array.from({ length: s.copies }, () => JSON.parse(text));
  const failure = (lambdaRequestId: string, attemptNumber: number) => ({
    sliceId: s.sliceId,
    lambdaRequestId,
    error: { message: 'worker lost its lease', type: 'LeaseExpired' },
    attemptNumber,
  });
  const stale = [
    ...(s.staleAttempt ? [failure(s.staleAttempt, 0)] : []),
    ...(s.otherRequestFailure && shape.completion.succeeded
      ? [failure(s.otherRequestFailure, 1)]
      : []),
  ];
  return [...own, ...stale].map((event) => ({ sliceId: s.sliceId, event }));
}

it('keeps every completion and every third-party write through load, faults and killed containers', async () => {
  const [{ slices, deliveries }] = fc.sample(plan, { seed: SEED, numRuns: 1 }) as [
    { slices: SlicePlan[]; deliveries: Delivery[] },
  ];
  const seeded = new Map<string, Slice>();
  for (const s of slices) {
    const slice: Slice = { ...sampleSlices()[0], id: s.sliceId, changeSequence: 2 };
    seeded.set(s.sliceId, slice);
    services.kodexa.slices.set(s.sliceId, structuredClone(slice));
  }

  const queue = deliveries.map((delivery) => ({ delivery, attempt: 1 }));
  const failedPastRetries: unknown[] = [];
  const zombies: Promise<unknown>[] = [];
  let invocations = 0;
  let killed = 0;
  let inFlight = 0;

  async function container(): Promise<void> {
    let handler: Handler = await loadBundle();
    for (;;) {
      const next = queue.shift();
      if (!next) {
        if (inFlight === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      inFlight++;
      const { delivery, attempt } = next;
      if (attempt === 1) services.kodexa.inject(...delivery.faults);
      invocations++;
      const invocation = handler(delivery.event, lambdaContext()).then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      );
      const killAfterMs = attempt === 1 ? delivery.killAfterMs : null;
      const ended =
        killAfterMs === null
          ? await invocation
          : await Promise.race([
              invocation,
              new Promise<'killed'>((resolve) => setTimeout(resolve, killAfterMs, 'killed')),
            ]);
      if (ended === 'killed') {
        // What it had sent may still reach Kodexa, as a request in flight does when Lambda
        // kills its container; Lambda then retries the event, on another container.
        killed++;
        zombies.push(invocation);
        handler = await loadBundle();
      }
      if (ended === 'killed' || 'error' in ended) {
        if (attempt < MAX_ATTEMPTS) queue.push({ delivery, attempt: attempt + 1 });
        else failedPastRetries.push({ delivery, ended });
      }
      inFlight--;
    }
  }

  await Promise.all(Array.from({ length: CONTAINERS }, container));
  await Promise.all(zombies);
  const unusedFaults = services.kodexa.clearFaults();

  expect(failedPastRetries).toEqual([]);
  const unusedThirdPartyWrites = new Set(
    unusedFaults.flatMap((f) => ('concurrentWrite' in f ? Object.keys(f.concurrentWrite) : [])),
  );
  const thirdPartyWrites = deliveries
    .flatMap((d) => d.faults)
    .flatMap((f) => ('concurrentWrite' in f ? Object.entries(f.concurrentWrite) : []))
    .filter(([key]) => !unusedThirdPartyWrites.has(key));
  const stored = slices.map((s) => services.kodexa.slices.get(s.sliceId) as Slice);

  // every third-party write that happened is still there, on exactly one slice
  for (const [key, value] of thirdPartyWrites) {
    expect(stored.filter((slice) => slice[key] === value)).toHaveLength(1);
  }
  for (const [i, s] of slices.entries()) {
    const after = withoutKodexasFields(services.kodexa.slices.get(s.sliceId) as Slice);
    const theirs = Object.entries(after).filter(([key]) => key.startsWith('thirdParty'));
    // its own completion, as the update rules write it on the slice as seeded, and the third
    // party's writes; nothing else
    const own = eventsFor(s, shapes[i % shapes.length] as Shape)[0]?.event;
    const expected = merge(seeded.get(s.sliceId) as Slice, parseCompletionEvent(own), statuses);
    expect(after).toEqual({ ...withoutKodexasFields(expected), ...Object.fromEntries(theirs) });
  }
  expect(services.kodexa.requests.filter((r) => r.status === 400)).toEqual([]);

  const logLines = output
    .logLines()
    .filter(
      (line) =>
        line.message === 'slice completion reported' || line.message === 'slice completion failed',
    );
  const sum = (field: string) => logLines.reduce((n, line) => n + Number(line[field] ?? 0), 0);
  const faultCounts = new Map<string, number>();
  for (const f of deliveries.flatMap((d) => d.faults)) {
    const kind =
      'status' in f
        ? String(f.status)
        : 'reset' in f
          ? 'reset'
          : 'delayMs' in f
            ? 'slow'
            : 'third-party write';
    faultCounts.set(kind, (faultCounts.get(kind) ?? 0) + 1);
  }
  const requests = services.kodexa.requests.length;
  console.log(
    [
      `load and faults (seed ${SEED}): ${slices.length} slices, ${deliveries.length} deliveries on ${CONTAINERS} warm containers`,
      `${invocations} invocations: ${invocations - deliveries.length} Lambda retries, ${killed} containers killed mid-invocation`,
      `${requests} Kodexa requests, ${(requests / deliveries.length).toFixed(1)} per delivery; ${sum('retries')} retries within invocations, ${sum('conflicts')} conflicts`,
      `faults injected: ${[...faultCounts].map(([kind, n]) => `${kind} x${n}`).join(', ')} (${unusedFaults.length} left unused)`,
    ].join('\n'),
  );
});
