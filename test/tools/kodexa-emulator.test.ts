import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KodexaEmulator, startKodexaEmulator } from '#tools/local/kodexa-emulator.ts';
import { SLICE_FIELDS } from '#tools/local/slice-schema.ts';

const id = '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21';
let kodexa: KodexaEmulator;

beforeAll(async () => {
  kodexa = await startKodexaEmulator({
    apiKey: 'emulator-test-key',
    slices: [{ id, changeSequence: 1, status: 'RUNNING', keep: 'me' }],
  });
});
afterAll(() => kodexa.close());

function call(
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(`${kodexa.url}/api/orchestrator-execution-slices/${id}`, {
    method,
    signal,
    headers: { 'x-api-key': 'emulator-test-key', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('the Kodexa emulator', () => {
  it('serves a slice with GET', async () => {
    const response = await call('GET');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, changeSequence: 1, status: 'RUNNING', keep: 'me' });
  });

  it('answers 401 to a wrong or missing x-api-key', async () => {
    expect((await call('GET', undefined, { 'x-api-key': 'wrong' })).status).toBe(401);
    const response = await fetch(`${kodexa.url}/api/orchestrator-execution-slices/${id}`);
    expect(response.status).toBe(401);
  });

  it('answers 404 to an unknown slice or path', async () => {
    const headers = { 'x-api-key': 'emulator-test-key' };
    expect(
      (await fetch(`${kodexa.url}/api/orchestrator-execution-slices/nope`, { headers })).status,
    ).toBe(404);
    expect((await fetch(`${kodexa.url}/api/other`, { headers })).status).toBe(404);
  });

  it('replaces the whole slice on PUT and moves changeSequence on', async () => {
    const response = await call('PUT', { id, changeSequence: 1, status: 'SUCCEEDED' });
    expect(response.status).toBe(200);
    const stored = await response.json();
    expect(stored).toMatchObject({ id, changeSequence: 2, status: 'SUCCEEDED' });
    expect(stored).not.toHaveProperty('keep');
    expect(kodexa.slices.get(id)).toEqual(stored);
  });

  it('answers 409 to a PUT with a stale changeSequence, changing nothing', async () => {
    const before = structuredClone(kodexa.slices.get(id));
    const response = await call('PUT', { id, changeSequence: 1, status: 'FAILED' });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ errorMessage: expect.stringContaining('Stale') });
    expect(kodexa.slices.get(id)).toEqual(before);
  });

  it('answers 400 to a PUT whose body is not JSON or not an object', async () => {
    expect((await call('PUT', '{nope')).status).toBe(400);
    const response = await call('PUT', [{ id }]);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain(
      '`OrchestratorExecutionSlice` from Array',
    );
  });

  it('serves injected faults to the next matching request, in order', async () => {
    kodexa.inject(
      { method: 'PUT', status: 503 },
      { status: 429, headers: { 'retry-after': '3' }, body: { errorMessage: 'slow down' } },
    );
    const throttled = await call('GET');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await call('PUT', {})).status).toBe(503);
    expect((await call('GET')).status).toBe(200);
  });

  it('serves a fault to the requests for one slice only, and a persistent one until cleared', async () => {
    const other = 'b4b98c43-1083-49df-87fe-402955e58756';
    kodexa.inject({ sliceId: other, persistent: true, status: 503 });
    const forOther = () =>
      fetch(`${kodexa.url}/api/orchestrator-execution-slices/${other}`, {
        headers: { 'x-api-key': 'emulator-test-key' },
      });
    expect((await call('GET')).status).toBe(200);
    expect([(await forOther()).status, (await forOther()).status]).toEqual([503, 503]);
    expect(kodexa.clearFaults()).toHaveLength(1);
    expect((await forOther()).status).toBe(404);
  });

  it('can write between a read and a write, as a concurrent writer would', async () => {
    const read = await (await call('GET')).json();
    kodexa.inject({ method: 'PUT', concurrentWrite: { owner: 'someone else' } });
    expect((await call('PUT', read)).status).toBe(409);
    expect(kodexa.slices.get(id)).toMatchObject({ owner: 'someone else' });
  });

  it('can reset the connection or answer late', async () => {
    kodexa.inject({ reset: true });
    await expect(call('GET')).rejects.toThrow();
    // Late enough that a client's shorter timeout fires first: both timers run in this process and
    // the client's is set first, however busy the machine.
    kodexa.inject({ delayMs: 300 });
    const late = await call('GET', undefined, {}, AbortSignal.timeout(100)).catch(
      (error: Error) => error,
    );
    expect(late).toHaveProperty('name', 'TimeoutError');
    kodexa.inject({ delayMs: 300 });
    expect((await call('GET')).status).toBe(200);
  });

  it('records every request with its status', () => {
    expect(kodexa.requests.at(-1)).toEqual({
      method: 'GET',
      path: `/api/orchestrator-execution-slices/${id}`,
      status: 200,
    });
  });
});

// Kodexa's Java backend binds a PUT body to typed fields; what does not bind is Spring's 400.
describe('the Kodexa emulator refuses a slice Kodexa could not store', () => {
  const current = () => kodexa.slices.get(id)?.changeSequence;
  const put = (fields: Record<string, unknown>) =>
    call('PUT', { ...kodexa.slices.get(id), changeSequence: current(), ...fields });
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
      const before = structuredClone(kodexa.slices.get(id));
      const response = await put({ [field]: value });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { message: string };
      expect(body).toEqual({
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        status: 400,
        error: 'Bad Request',
        message: expect.stringContaining(why),
        path: `/api/orchestrator-execution-slices/${id}`,
      });
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
    const response = await put({ [field]: value });
    expect(response.status).toBe(200);
    expect(kodexa.slices.get(id)?.[field]).toEqual(value);
  });
});
