import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KodexaEmulator, startKodexaEmulator } from '#tools/local/kodexa-emulator.ts';

const id = '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21';
let kodexa: KodexaEmulator;

beforeAll(async () => {
  kodexa = await startKodexaEmulator({
    apiKey: 'emulator-test-key',
    slices: [{ id, changeSequence: 1, status: 'RUNNING', keep: 'me' }],
  });
});
afterAll(() => kodexa.close());

function call(method: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${kodexa.url}/api/orchestrator-execution-slices/${id}`, {
    method,
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

  it('answers 400 to a PUT whose body is not JSON', async () => {
    expect((await call('PUT', '{nope')).status).toBe(400);
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

  it('can write between a read and a write, as a concurrent writer would', async () => {
    const read = await (await call('GET')).json();
    kodexa.inject({ method: 'PUT', concurrentWrite: { owner: 'someone else' } });
    expect((await call('PUT', read)).status).toBe(409);
    expect(kodexa.slices.get(id)).toMatchObject({ owner: 'someone else' });
  });

  it('can reset the connection or answer late', async () => {
    kodexa.inject({ reset: true });
    await expect(call('GET')).rejects.toThrow();
    kodexa.inject({ delayMs: 300 });
    const started = Date.now();
    expect((await call('GET')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('records every request with its status', () => {
    expect(kodexa.requests.at(-1)).toEqual({
      method: 'GET',
      path: `/api/orchestrator-execution-slices/${id}`,
      status: 200,
    });
  });
});
