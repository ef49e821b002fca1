import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KodexaEmulator, startKodexaEmulator } from '#tools/local/kodexa-emulator.ts';
import { SLICE_FIELDS } from '#tools/local/slice-schema.ts';

let kodexa: KodexaEmulator;

beforeAll(async () => {
  kodexa = await startKodexaEmulator({ apiKey: 'emulator-test-key' });
});
afterAll(() => kodexa.close());

/** A slice of its own for each test, so that no test sees what another wrote. */
function seed(): string {
  const id = randomUUID();
  kodexa.slices.set(id, { id, changeSequence: 1, status: 'RUNNING', keep: 'me' });
  return id;
}

const pathOf = (id: string) => `/api/orchestrator-execution-slices/${id}`;

function call(
  id: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(`${kodexa.url}${pathOf(id)}`, {
    method,
    signal,
    headers: {
      'x-api-key': 'emulator-test-key',
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const springError = (id: string, status: number, error: string, message: unknown) => ({
  timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  status,
  error,
  message,
  path: pathOf(id),
});

describe('the Kodexa emulator', () => {
  it('serves a slice with GET', async () => {
    const id = seed();
    const response = await call(id, 'GET');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, changeSequence: 1, status: 'RUNNING', keep: 'me' });
  });

  it('tells onRequest of each request as it arrives, before it is answered, until stopped', async () => {
    const id = seed();
    const seen: unknown[] = [];
    const stop = kodexa.onRequest((request) => {
      seen.push({ ...request, loggedBefore: kodexa.requests.some((r) => r.path === pathOf(id)) });
    });
    await call(id, 'GET');
    stop();
    await call(id, 'GET');
    expect(seen).toEqual([{ method: 'GET', path: pathOf(id), loggedBefore: false }]);
  });

  it('answers 401 to a wrong or missing x-api-key', async () => {
    const id = seed();
    expect((await call(id, 'GET', undefined, { 'x-api-key': 'wrong' })).status).toBe(401);
    const response = await fetch(`${kodexa.url}${pathOf(id)}`);
    expect(response.status).toBe(401);
  });

  it('answers 404 to an unknown slice with its own body, to an unknown path with Spring’s', async () => {
    const headers = { 'x-api-key': 'emulator-test-key' };
    const slice = await fetch(`${kodexa.url}${pathOf('nope')}`, { headers });
    expect(slice.status).toBe(404);
    expect(await slice.json()).toEqual({ errorMessage: `Not found: ${pathOf('nope')}` });
    const path = `/api${pathOf('nope')}`;
    const route = await fetch(`${kodexa.url}${path}`, { headers });
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 404,
      error: 'Not Found',
      path,
    });
  });

  it('replaces the whole slice on PUT and moves changeSequence on', async () => {
    const id = seed();
    const response = await call(id, 'PUT', { id, changeSequence: 1, status: 'SUCCEEDED' });
    expect(response.status).toBe(200);
    const stored = await response.json();
    expect(stored).toEqual({
      id,
      changeSequence: 2,
      status: 'SUCCEEDED',
      updatedOn: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(kodexa.slices.get(id)).toEqual(stored);
  });

  it('answers 409 to a PUT with a stale changeSequence, changing nothing', async () => {
    const id = seed();
    kodexa.write(id, { status: 'SUCCEEDED' });
    const before = structuredClone(kodexa.slices.get(id));
    const response = await call(id, 'PUT', { id, changeSequence: 1, status: 'FAILED' });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      errorMessage: 'Stale changeSequence 1: the slice is at 2',
    });
    expect(kodexa.slices.get(id)).toEqual(before);
  });

  it('answers 400 to a PUT whose body is not JSON or not an object', async () => {
    const id = seed();
    expect((await call(id, 'PUT', '{nope')).status).toBe(400);
    const response = await call(id, 'PUT', [{ id }]);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain(
      '`OrchestratorExecutionSlice` from Array',
    );
  });

  it('answers 415 to a PUT whose body is not declared JSON, changing nothing', async () => {
    const id = seed();
    const before = structuredClone(kodexa.slices.get(id));
    const slice = JSON.stringify({ ...before, status: 'SUCCEEDED' });
    const response = await fetch(`${kodexa.url}${pathOf(id)}`, {
      method: 'PUT',
      headers: { 'x-api-key': 'emulator-test-key' },
      body: slice,
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual(
      springError(
        id,
        415,
        'Unsupported Media Type',
        "Content-Type 'text/plain;charset=UTF-8' is not supported",
      ),
    );
    const declared = await call(id, 'PUT', slice, {
      'content-type': 'application/json; charset=UTF-8',
    });
    expect(declared.status).toBe(200);
  });

  it('answers with a body that is not JSON when told', async () => {
    const id = seed();
    kodexa.inject({ status: 502, text: '<html>\n  <body>Bad Gateway</body>\n</html>' });
    const response = await call(id, 'GET');
    expect([response.status, response.headers.get('content-type')]).toEqual([502, 'text/html']);
    expect(await response.text()).toBe('<html>\n  <body>Bad Gateway</body>\n</html>');
  });

  it('serves injected faults to the next matching request, in order', async () => {
    const id = seed();
    kodexa.inject(
      { method: 'PUT', status: 503 },
      { status: 429, headers: { 'retry-after': '3' }, body: { errorMessage: 'slow down' } },
    );
    const throttled = await call(id, 'GET');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await call(id, 'PUT', {})).status).toBe(503);
    expect((await call(id, 'GET')).status).toBe(200);
  });

  it('can answer with a redirect, changing nothing', async () => {
    const id = seed();
    const before = structuredClone(kodexa.slices.get(id));
    kodexa.inject({ method: 'PUT', redirect: 307, location: 'https://elsewhere.example/x' });
    const response = await fetch(`${kodexa.url}${pathOf(id)}`, {
      method: 'PUT',
      headers: { 'x-api-key': 'emulator-test-key', 'content-type': 'application/json' },
      body: JSON.stringify(before),
      redirect: 'manual',
    });
    expect([response.status, response.headers.get('location')]).toEqual([
      307,
      'https://elsewhere.example/x',
    ]);
    expect(kodexa.slices.get(id)).toEqual(before);
  });

  it('serves a fault to the requests for one slice only, and a persistent one until cleared', async () => {
    const id = seed();
    const other = 'b4b98c43-1083-49df-87fe-402955e58756';
    kodexa.inject({ sliceId: other, persistent: true, status: 503 });
    const forOther = () =>
      fetch(`${kodexa.url}/api/orchestrator-execution-slices/${other}`, {
        headers: { 'x-api-key': 'emulator-test-key' },
      });
    expect((await call(id, 'GET')).status).toBe(200);
    expect([(await forOther()).status, (await forOther()).status]).toEqual([503, 503]);
    expect(kodexa.clearFaults()).toHaveLength(1);
    expect((await forOther()).status).toBe(404);
  });

  it('can write between a read and a write, as a concurrent writer would', async () => {
    const id = seed();
    const read = await (await call(id, 'GET')).json();
    kodexa.inject({ method: 'PUT', concurrentWrite: { owner: 'someone else' } });
    expect((await call(id, 'PUT', read)).status).toBe(409);
    expect(kodexa.slices.get(id)).toMatchObject({ owner: 'someone else' });
  });

  it('refuses the next request with 403 and Spring Security`s body, whatever the key', async () => {
    const id = seed();
    kodexa.inject({ forbidden: true });
    const response = await call(id, 'GET');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(springError(id, 403, 'Forbidden', 'Access Denied'));
    expect((await call(id, 'GET')).status).toBe(200);
  });

  it('refuses the next PUT with 412, changing nothing, and leaves GETs alone', async () => {
    const id = seed();
    const before = structuredClone(kodexa.slices.get(id));
    kodexa.inject({ method: 'PUT', preconditionFailed: true });
    expect((await call(id, 'GET')).status).toBe(200);
    const response = await call(id, 'PUT', { ...before, status: 'SUCCEEDED' });
    expect(response.status).toBe(412);
    expect(await response.json()).toEqual(
      springError(id, 412, 'Precondition Failed', expect.stringContaining('changed')),
    );
    expect(kodexa.slices.get(id)).toEqual(before);
  });

  it('can cut an answer off after its status, before its body ends', async () => {
    const id = seed();
    kodexa.inject({ status: 503, cutOff: true });
    const response = await call(id, 'GET');
    expect(response.status).toBe(503);
    await expect(response.text()).rejects.toThrow();
  });

  it('can reset the connection', async () => {
    const id = seed();
    kodexa.inject({ reset: true });
    await expect(call(id, 'GET')).rejects.toThrow();
  });

  it('can answer late, or not at all to a client that gave up first', async () => {
    const id = seed();
    // Late enough that a client's shorter timeout fires first: both timers run in this process and
    // the client's is set first, however busy the machine.
    kodexa.inject({ delayMs: 300 });
    const late = await call(id, 'GET', undefined, {}, AbortSignal.timeout(100)).catch(
      (error: Error) => error,
    );
    expect(late).toHaveProperty('name', 'TimeoutError');
    kodexa.inject({ delayMs: 300 });
    expect((await call(id, 'GET')).status).toBe(200);
    // The server sees the first client go when its connection closes, which may take a turn.
    await expect
      .poll(() => kodexa.requests.filter((r) => r.path === pathOf(id)))
      .toEqual([
        { method: 'GET', path: pathOf(id), status: 0 },
        { method: 'GET', path: pathOf(id), status: 200 },
      ]);
  });

  it('records every request with its status, 0 for one it did not answer', async () => {
    const id = seed();
    await call(id, 'GET');
    kodexa.inject({ reset: true });
    await call(id, 'PUT', {}).catch(() => undefined);
    await call(id, 'GET', undefined, { 'x-api-key': 'wrong' });
    expect(kodexa.requests.filter((r) => r.path === pathOf(id))).toEqual([
      { method: 'GET', path: pathOf(id), status: 200 },
      { method: 'PUT', path: pathOf(id), status: 0 },
      { method: 'GET', path: pathOf(id), status: 401 },
    ]);
  });
});

describe('the Kodexa emulator with a rate limit', () => {
  it('answers 429 with Retry-After past the limit, and counts the most requests it held at once', async () => {
    const limited = await startKodexaEmulator({
      apiKey: 'emulator-test-key',
      slices: [{ id: 'one', changeSequence: 1 }],
      rateLimit: { requestsPerSecond: 1 },
      // Every answer held long enough that all three are in at once, however busy the machine.
      latencyMs: 200,
    });
    try {
      const get = () =>
        fetch(`${limited.url}${pathOf('one')}`, { headers: { 'x-api-key': 'emulator-test-key' } });
      // A bucket of one second's worth, here one request: of three at once, two come too soon.
      const answers = await Promise.all([get(), get(), get()]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 429, 429]);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.map((a) => a.headers.get('retry-after'))).toEqual(['1', '1']);
      expect(await refused[0]?.json()).toEqual({ errorMessage: 'Too Many Requests' });
      expect(limited.peakInFlight()).toBe(3);
      expect(limited.requests.map((r) => r.status).sort()).toEqual([200, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('the Kodexa emulator some distance away', () => {
  it('answers every request, refusals and faults too, latencyMs after it arrived', async () => {
    const id = randomUUID();
    const far = await startKodexaEmulator({
      apiKey: 'emulator-test-key',
      slices: [{ id, changeSequence: 1 }],
      latencyMs: 150,
    });
    try {
      far.inject({ status: 503 });
      const timed = async (headers: Record<string, string>) => {
        const started = performance.now();
        const { status } = await fetch(`${far.url}${pathOf(id)}`, { headers });
        return { status, ms: performance.now() - started };
      };
      const answers = [
        await timed({ 'x-api-key': 'emulator-test-key' }),
        await timed({ 'x-api-key': 'emulator-test-key' }),
        await timed({ 'x-api-key': 'wrong' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([503, 200, 401]);
      // Node may fire a timer up to a millisecond before its time.
      for (const { ms } of answers) expect(ms).toBeGreaterThanOrEqual(149);
      const gaveUp = await fetch(`${far.url}${pathOf(id)}`, {
        signal: AbortSignal.timeout(20),
      }).catch((error: Error) => error.name);
      expect(gaveUp).toBe('TimeoutError');
      await expect
        .poll(() => far.requests.at(-1))
        .toEqual({ method: 'GET', path: pathOf(id), status: 0 });
    } finally {
      await far.close();
    }
  });
});

// Kodexa's Java backend binds a PUT body to typed fields; what does not bind is Spring's 400.
describe('the Kodexa emulator refuses a slice Kodexa could not store', () => {
  const put = (id: string, fields: Record<string, unknown>) =>
    call(id, 'PUT', { ...kodexa.slices.get(id), ...fields });
  const fieldsOf = (type: string) =>
    Object.entries(SLICE_FIELDS)
      .filter(([, t]) => t === type)
      .map(([field]) => field);

  const refused: [string, unknown, string][] = [
    ...fieldsOf('int32').flatMap((field): [string, unknown, string][] => [
      [field, 2147483648, 'Numeric value (2147483648) out of range of int'],
      [field, -2147483649, 'Numeric value (-2147483649) out of range of int'],
      [field, 5e9, 'out of range of int (-2147483648 - 2147483647)'],
      [field, 1.5, '`java.lang.Integer` from Floating-point value (1.5)'],
      [field, '12', '`java.lang.Integer` from String value ("12")'],
    ]),
    ...fieldsOf('date-time').flatMap((field): [string, unknown, string][] =>
      [
        'yesterday',
        '2026-11-28',
        '2026-11-28 10:00:00Z',
        '2026-11-28T10:00:00',
        '2026-02-29T10:00:00Z',
        '1900-02-29T10:00:00Z',
        '2026-11-28T10:00:00.1234567890Z',
        '2026-11-28T10:00:00+18:01',
        '2026-11-28T24:00:00Z',
      ].map((text): [string, unknown, string] => [
        field,
        text,
        `\`java.time.OffsetDateTime\` from String value (${JSON.stringify(text)})`,
      ]),
    ),
    ...fieldsOf('date-time').map((field): [string, unknown, string] => [
      field,
      1764324000000,
      '`java.time.OffsetDateTime` from Integer',
    ]),
    ...fieldsOf('object').flatMap((field): [string, unknown, string][] => [
      [field, ['a'], '`java.util.LinkedHashMap` from Array value'],
      [field, 'x', '`java.util.LinkedHashMap` from String value ("x")'],
    ]),
    ...fieldsOf('string').flatMap((field): [string, unknown, string][] => [
      [field, 42, '`java.lang.String` from Integer value (42)'],
      [field, { a: 1 }, '`java.lang.String` from Object value'],
    ]),
  ];

  it.each(refused)(
    '%s: %j gets 400 naming the field, and changes nothing',
    async (field, value, why) => {
      const id = seed();
      const before = structuredClone(kodexa.slices.get(id));
      const response = await put(id, { [field]: value });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { message: string };
      expect(body).toEqual(springError(id, 400, 'Bad Request', expect.stringContaining(why)));
      expect(body.message).toMatch(/^JSON parse error: /);
      expect(body.message).toContain(
        `(through reference chain: OrchestratorExecutionSlice["${field}"])`,
      );
      expect(kodexa.slices.get(id)).toEqual(before);
    },
  );

  const accepted: [string, unknown][] = [
    // id, changeSequence and updatedOn are Kodexa's to set
    ...Object.keys(SLICE_FIELDS)
      .filter((field) => !['id', 'changeSequence', 'updatedOn'].includes(field))
      .map((field): [string, unknown] => [field, null]),
    ...fieldsOf('int32')
      .filter((field) => field !== 'changeSequence')
      .flatMap((field): [string, unknown][] => [
        [field, 2147483647],
        [field, -2147483648],
        [field, 0],
      ]),
    ...[
      '2026-11-28T10:00:00Z',
      '2024-02-29T10:00:00.123456789+18:00',
      '2000-02-29T10:00-05:30',
      '2026-11-28T10:00:00+01:00:30',
    ].map((text): [string, unknown] => ['completedAt', text]),
    ['outputEvent', {}],
    ['errorDetails', { nested: [1, { deep: null }] }],
    ['someFieldKodexaDoesNotType', [1, 'two']],
  ];

  it.each(accepted)('%s: %j is stored', async (field, value) => {
    const id = seed();
    const response = await put(id, { [field]: value });
    expect(response.status).toBe(200);
    expect(kodexa.slices.get(id)?.[field]).toEqual(value);
  });
});
