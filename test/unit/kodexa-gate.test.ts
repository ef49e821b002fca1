import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  GateAnswer,
  Invocation,
  KodexaGate,
} from '#functions/slice-completion/kodexa-client.ts';
import { createKodexaGate } from '#functions/slice-completion/kodexa-gate.ts';

const start = Date.parse('2026-12-04T12:00:00Z');
const REQUEST = 'GET https://kodexa.example.com/api/orchestrator-execution-slices/s';

beforeEach(() => {
  vi.useFakeTimers({ now: start });
});
afterEach(() => {
  vi.useRealTimers();
});

/** For a gate that has no backoff to jitter: Kodexa answers, or says how long to wait. */
function undrawn(): number {
  throw new Error('the gate drew a random number');
}

function invocation(): Invocation {
  return { deadline: Date.now() + 60_000, statusCodes: [], retries: 0, conflicts: 0 };
}

/** A request that may wait up to `budgetMs`. */
function enter(gate: KodexaGate, budgetMs = 60_000, into: Invocation = invocation()) {
  return gate.enter(into, REQUEST, Date.now() + budgetMs);
}

/** When each of `count` requests entered, in ms from now, all asked for at once. */
async function entryTimes(gate: KodexaGate, count: number, answer?: GateAnswer) {
  const from = Date.now();
  const times: number[] = [];
  const entered = Array.from({ length: count }, () =>
    enter(gate).then((answered) => {
      times.push(Date.now() - from);
      if (answer) answered(answer);
    }),
  );
  await vi.advanceTimersByTimeAsync(60_000);
  await Promise.all(entered);
  return times;
}

/** A request let through, after the clock moved on as far as the gate made it wait. */
async function entered(gate: KodexaGate) {
  let done = false;
  const entry = enter(gate).finally(() => {
    done = true;
  });
  await Promise.resolve();
  while (!done) await vi.advanceTimersToNextTimerAsync();
  return entry;
}

/** `successes` answered requests, then one answered `pushback`. */
async function pushedBack(gate: KodexaGate, successes: number, pushback: GateAnswer) {
  for (let i = 0; i < successes; i++) (await entered(gate))({ status: 200 });
  (await entered(gate))(pushback);
}

describe('createKodexaGate', () => {
  it('lets every request go at once until Kodexa pushes back', async () => {
    const gate = createKodexaGate(undrawn);
    expect(await entryTimes(gate, 20, { status: 200 })).toEqual(Array(20).fill(0));
    expect(await entryTimes(gate, 3, { status: 404 })).toEqual([0, 0, 0]);
  });

  it('holds every request until the time a Retry-After asked for', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 40, { status: 429, retryAfter: '2' });
    const [first] = await entryTimes(gate, 1);
    expect(first).toBe(2000);
  });

  it('takes a Retry-After on a 503 too', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 40, { status: 503, retryAfter: '3' });
    expect((await entryTimes(gate, 1))[0]).toBe(3000);
  });

  it('then paces requests at 90% of what Kodexa granted over the last 2 s', async () => {
    const gate = createKodexaGate(undrawn);
    (await enter(gate))({ status: 200 });
    await vi.advanceTimersByTimeAsync(2_001);
    // 10 answers in the window: 5 a second, paced at 4.5 a second
    await pushedBack(gate, 10, { status: 429 });
    const times = await entryTimes(gate, 4);
    expect(times).toEqual([0, 222, 444, 667].map((t) => expect.closeTo(t, -1)));
  });

  it('counts over its age when younger than the window, but over 250 ms at least', async () => {
    const young = createKodexaGate(undrawn);
    (await enter(young))({ status: 200 });
    await vi.advanceTimersByTimeAsync(500);
    // 10 answers in 0.5 s: 20 a second, paced at 18 a second
    await pushedBack(young, 9, { status: 429 });
    expect((await entryTimes(young, 2))[1]).toBeCloseTo(1000 / 18, -1);
    // 10 answers at once: taken as 40 a second, paced at 36
    const newborn = createKodexaGate(undrawn);
    await pushedBack(newborn, 10, { status: 429 });
    expect((await entryTimes(newborn, 2))[1]).toBeCloseTo(1000 / 36, -1);
  });

  it.each([
    [{ status: 500 }],
    [{ status: 503 }],
    [{ status: 408 }],
    [{ status: 425 }],
    [{ status: 0 }],
  ])(
    'holds every request for a backoff after %o, doubling with each in a row, unpaced',
    async (failure) => {
      // the longest wait of full jitter: 200 ms after one failure, 400 after two, ...
      const gate = createKodexaGate(() => 1);
      await pushedBack(gate, 20, failure);
      expect(await entryTimes(gate, 2)).toEqual([200, 200]);
      await pushedBack(gate, 0, failure);
      await pushedBack(gate, 0, failure);
      expect((await entryTimes(gate, 1))[0]).toBe(800);
    },
  );

  it('takes a request the invocation cut short as no sign of how Kodexa fares', async () => {
    const gate = createKodexaGate(() => 1);
    for (let i = 0; i < 3; i++) await pushedBack(gate, 0, { cutShort: true });
    expect(await entryTimes(gate, 2)).toEqual([0, 0]);
    // nor does it end a hold, or add to it: the next failure is the second in a row
    await pushedBack(gate, 0, { status: 503 });
    await pushedBack(gate, 0, { cutShort: true });
    await pushedBack(gate, 0, { status: 503 });
    expect((await entryTimes(gate, 1))[0]).toBe(400);
  });

  it('ends the hold at the first answer, and Retry-After still rules', async () => {
    const gate = createKodexaGate(() => 1);
    for (let i = 0; i < 5; i++) await pushedBack(gate, 0, { status: 503 });
    (await entered(gate))({ status: 200 });
    await pushedBack(gate, 0, { status: 503 });
    expect((await entryTimes(gate, 1))[0]).toBe(200);
    await pushedBack(gate, 0, { status: 503, retryAfter: '3' });
    expect((await entryTimes(gate, 1))[0]).toBe(3000);
  });

  it('says why it holds a request past its budget', async () => {
    const gate = createKodexaGate(() => 1);
    for (let i = 0; i < 3; i++) await pushedBack(gate, 0, { status: 0 });
    const error = await enter(gate, 100).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      name: 'KodexaUnavailable',
      message: `${REQUEST}: not sent; Kodexa failed 3 time(s) in a row, so no requests until 2026-12-04T12:00:01.400Z, past this delivery's retry budget; left to the buffer's redelivery`,
    });
  });

  it('paces at one request a second when Kodexa granted none', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 0, { status: 429 });
    expect(await entryTimes(gate, 3)).toEqual([0, 1000, 2000]);
  });

  it('forgets answers older than 2 s', async () => {
    const gate = createKodexaGate(undrawn);
    for (let i = 0; i < 30; i++) (await enter(gate))({ status: 200 });
    await vi.advanceTimersByTimeAsync(2_001);
    await pushedBack(gate, 4, { status: 429 });
    // 4 answers in the window: 2 a second, paced at 1.8
    expect((await entryTimes(gate, 2))[1]).toBeCloseTo(1000 / 1.8, -1);
  });

  it('grows the pace while Kodexa answers: 10% of itself a second, at least 1/s a second', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 0, { status: 429 });
    // one request at a time, each answered at once: paced at 1/s, each answer a second after the
    // last adds 1/s to the turns taken after it
    const from = Date.now();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const entered = enter(gate).then((answered) => {
        times.push(Date.now() - from);
        answered({ status: 200 });
      });
      await vi.advanceTimersToNextTimerAsync();
      await entered;
    }
    expect(times).toEqual([0, 1000, 2000, 2500, 2833].map((t) => expect.closeTo(t, -1)));
  });

  it('does not grow, nor slow, on answers that arrive while a Retry-After holds', async () => {
    const gate = createKodexaGate(undrawn);
    const inFlight = await Promise.all(Array.from({ length: 10 }, () => enter(gate)));
    for (const answered of inFlight.slice(0, 5)) answered({ status: 200 });
    inFlight[5]?.({ status: 429, retryAfter: '1' });
    // answered before the Retry-After ends: requests sent before it came
    for (const answered of inFlight.slice(6)) answered({ status: 200 });
    const times = await entryTimes(gate, 3);
    // 5 answers at once when the 429 came, taken as over 250 ms: 20 a second, paced at 18
    expect(times).toEqual([1000, 1056, 1111].map((t) => expect.closeTo(t, -1)));
  });

  it('sends no request that would wait past its retry budget, and says when to come back', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 40, { status: 429, retryAfter: '5' });
    const waiting = invocation();
    const error = await enter(gate, 4_000, waiting).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      name: 'KodexaUnavailable',
      message: `${REQUEST}: not sent; Kodexa asked (Retry-After) for no requests until 2026-12-04T12:00:05.000Z, past this delivery's retry budget; left to the buffer's redelivery`,
    });
    expect(waiting.retryAt).toBe(start + 5_000);
  });

  it('hands back the requests whose paced turn is past their budget, keeping the turns for the rest', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 0, { status: 429 });
    const budget = invocation();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        enter(gate, 2_500, budget).then(
          () => 'sent',
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      ).map(async (outcome) => {
        await vi.advanceTimersByTimeAsync(10_000);
        return outcome;
      }),
    );
    const handedBack = `KodexaUnavailable: ${REQUEST}: not sent; paced at 1.0 requests/s since Kodexa answered 429, its turn would come at 2026-12-04T12:00:03.000Z, past this delivery's retry budget; left to the buffer's redelivery`;
    expect(outcomes).toEqual(['sent', 'sent', 'sent', handedBack, handedBack]);
    expect(budget.retryAt).toBe(start + 3_000);
    // the turns of the requests handed back are free for the next
    expect((await entryTimes(gate, 1))[0]).toBe(0);
  });

  it('sends a request whose turn comes just as its budget ends', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 40, { status: 429, retryAfter: '2' });
    const late = await enter(gate, 1_999).catch((e: Error) => e.name);
    expect(late).toBe('KodexaUnavailable');
    const onTime = enter(gate, 2_000).then(() => Date.now() - start);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await onTime).toBe(2_000);
  });

  // The budget is for waiting: a request that would start now goes, and when the invocation has
  // no time left for it the client ends it and says so (not a pace Kodexa never asked for).
  it('lets a request through that need not wait, even with its budget spent', async () => {
    const gate = createKodexaGate(undrawn);
    const spent = invocation();
    await expect(enter(gate, -1_000, spent)).resolves.toBeTypeOf('function');
    expect(spent.retryAt).toBeUndefined();
  });

  it('keeps the longer hold: a shorter backoff does not end a Retry-After early', async () => {
    const gate = createKodexaGate(() => 1);
    const answered = await entered(gate);
    answered({ status: 503, retryAfter: '3' });
    answered({ status: 503 });
    expect((await entryTimes(gate, 1))[0]).toBe(3000);
  });

  it('says why it holds by what set the hold; a backoff ending with it changes nothing', async () => {
    const gate = createKodexaGate(() => 1);
    const answered = await entered(gate);
    answered({ status: 503, retryAfter: '1' });
    // the second failure in a row: a backoff of up to 400 ms, ending with the Retry-After
    await vi.advanceTimersByTimeAsync(600);
    answered({ status: 503 });
    const error = await enter(gate, 100).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: `${REQUEST}: not sent; Kodexa asked (Retry-After) for no requests until 2026-12-04T12:00:01.000Z, past this delivery's retry budget; left to the buffer's redelivery`,
    });
  });

  it('counts an answer exactly 2 s old in the window', async () => {
    const gate = createKodexaGate(undrawn);
    for (let i = 0; i < 10; i++) (await enter(gate))({ status: 200 });
    await vi.advanceTimersByTimeAsync(2_000);
    await pushedBack(gate, 0, { status: 429 });
    // 10 answers over 2 s: 5 a second, paced at 4.5
    expect((await entryTimes(gate, 2))[1]).toBeCloseTo(1000 / 4.5, -1);
  });

  it('grows the pace by the time since it last grew', async () => {
    const gate = createKodexaGate(undrawn);
    await pushedBack(gate, 0, { status: 429 });
    // paced at 1/s; one answer 2 s later adds 2/s
    const answered = await entered(gate);
    await vi.advanceTimersByTimeAsync(2_000);
    answered({ status: 200 });
    expect(await entryTimes(gate, 3)).toEqual([0, 333, 667].map((t) => expect.closeTo(t, -1)));
  });
});
