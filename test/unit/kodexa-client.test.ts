// The Kodexa client from the sources in this process (so that mutation testing sees it), with the
// gate a container's batches share, against Kodexa and Secrets Manager on loopback. The gate's
// random source draws its whole range, so that its backoff after one failure is exactly 200 ms.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFromSecret } from '#functions/slice-completion/api-key.ts';
import { createKodexaClient, type Invocation } from '#functions/slice-completion/kodexa-client.ts';
import { createKodexaGate } from '#functions/slice-completion/kodexa-gate.ts';
import {
  API_KEY_SECRET_NAME,
  type LocalServices,
  startLocalServices,
} from '#tools/local/local-services.ts';

let services: LocalServices;

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
  Object.assign(process.env, services.env);
});
afterAll(() => services.close());

/** A container's client for the buffer's batches: one gate for all its requests. */
function bufferClient(requestTimeoutMs: number, gate = createKodexaGate(() => 1)) {
  return createKodexaClient({
    baseUrl: services.kodexa.url,
    requestTimeoutMs,
    apiKey: apiKeyFromSecret(API_KEY_SECRET_NAME, 300, 1_000),
    secretId: API_KEY_SECRET_NAME,
    debug: () => {},
    gate,
    random: () => 1,
  });
}

function invocation(deadlineInMs: number, waitBudgetMs?: number): Invocation {
  return {
    deadline: Date.now() + deadlineInMs,
    ...(waitBudgetMs !== undefined && { waitBudgetMs }),
    statusCodes: [],
    retries: 0,
    conflicts: 0,
  };
}

const sliceUrl = (id: string) => `${services.kodexa.url}/api/orchestrator-execution-slices/${id}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function seedSlice() {
  const slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING' };
  services.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}

describe('a client', () => {
  // Headers came, then the connection reset before the slice arrived whole: a failed request.
  it('retries an answer whose body is cut off, as a request that failed', async () => {
    const kodexa = bufferClient(1_000);
    const slice = seedSlice();
    services.kodexa.inject({ sliceId: slice.id, status: 200, cutOff: true });
    const call = invocation(10_000);
    expect(await kodexa.getSlice(call, slice.id)).toEqual(slice);
    expect(call).toMatchObject({ statusCodes: [200, 200], retries: 1 });
  });

  it('names the request and the cut when every answer is cut off', async () => {
    const kodexa = bufferClient(1_000);
    const slice = seedSlice();
    for (let i = 0; i < 6; i++)
      services.kodexa.inject({ sliceId: slice.id, status: 200, cutOff: true });
    await expect(kodexa.getSlice(invocation(30_000), slice.id)).rejects.toMatchObject({
      name: 'KodexaUnavailable',
      message: expect.stringContaining(`GET ${sliceUrl(slice.id)}`),
    });
  });
});

describe('a client with a gate', () => {
  // A request that may wait 100 ms is refused by a gate holding 200 ms after one failure.
  it('does not hold the next request after one the invocation’s deadline cut short', async () => {
    const kodexa = bufferClient(1_000);
    const slice = seedSlice();
    services.kodexa.inject({ sliceId: slice.id, delayMs: 2_000 });
    await expect(kodexa.getSlice(invocation(300, 5_000), slice.id)).rejects.toMatchObject({
      name: 'KodexaUnavailable',
      message: expect.stringMatching(/no response within \d+ ms/),
    });
    expect(await kodexa.getSlice(invocation(10_000, 100), slice.id)).toEqual(slice);
  });

  it('holds the next request after Kodexa did not answer within its own request timeout', async () => {
    const kodexa = bufferClient(100);
    const slice = seedSlice();
    services.kodexa.inject({ sliceId: slice.id, delayMs: 2_000 });
    await expect(kodexa.getSlice(invocation(10_000, 150), slice.id)).rejects.toMatchObject({
      name: 'KodexaUnavailable',
      message: expect.stringContaining('last failure: no response within 100 ms'),
    });
    await expect(kodexa.getSlice(invocation(10_000, 100), slice.id)).rejects.toMatchObject({
      name: 'KodexaUnavailable',
      message: expect.stringContaining('not sent; Kodexa failed 1 time(s) in a row'),
    });
  });

  // The gate counts Kodexa's failures in a row (its backoff doubles with each): a request our own
  // deadline ended says nothing of Kodexa, so it neither adds to them nor, as an answer would,
  // ends them. Two clients of one container share the gate: one whose own request timeout
  // Kodexa misses, one whose requests the deadline cuts shorter than its timeout.
  it.each([
    ['cut short by the deadline', 300],
    ['given no time at all', -1],
  ])('neither counts nor ends the failures in a row for a request %s', async (_, deadlineInMs) => {
    const gate = createKodexaGate(() => 1);
    const [failing, cut] = [bufferClient(100, gate), bufferClient(1_000, gate)];
    const slice = seedSlice();
    services.kodexa.inject({ sliceId: slice.id, delayMs: 2_000, persistent: true });
    try {
      const missed = expect.objectContaining({
        message: expect.stringContaining('last failure: no response within 100 ms'),
      });
      await expect(failing.getSlice(invocation(10_000, 150), slice.id)).rejects.toEqual(missed);
      // past the gate's hold after one failure, 200 ms
      await sleep(250);
      await expect(cut.getSlice(invocation(deadlineInMs, 5_000), slice.id)).rejects.toMatchObject({
        name: 'KodexaUnavailable',
        message: expect.stringMatching(/no response within \d+ ms|no time left in this invocation/),
      });
      await expect(failing.getSlice(invocation(10_000, 150), slice.id)).rejects.toEqual(missed);
      await expect(failing.getSlice(invocation(10_000, 100), slice.id)).rejects.toMatchObject({
        message: expect.stringContaining('not sent; Kodexa failed 2 time(s) in a row'),
      });
    } finally {
      services.kodexa.clearFaults();
    }
  });
});

describe('a client without a gate', () => {
  it('gives up with no time left when re-reading the key took the rest, naming the last failure', async () => {
    const apiKey = apiKeyFromSecret(API_KEY_SECRET_NAME, 300, 5_000);
    await apiKey();
    const kodexa = createKodexaClient({
      baseUrl: services.kodexa.url,
      requestTimeoutMs: 1_000,
      apiKey,
      secretId: API_KEY_SECRET_NAME,
      debug: () => {},
      random: () => 0,
    });
    const slice = seedSlice();
    // a 503, retried at once, then a 401: the key is read again, slowly
    services.kodexa.inject({ sliceId: slice.id, status: 503 }, { sliceId: slice.id, status: 401 });
    services.secrets.setDelay(1_500);
    try {
      await expect(kodexa.getSlice(invocation(1_000), slice.id)).rejects.toMatchObject({
        name: 'KodexaUnavailable',
        message: `GET ${sliceUrl(slice.id)}: no time left in this invocation (last failure: HTTP 503)`,
      });
    } finally {
      services.secrets.setDelay(0);
      services.kodexa.clearFaults();
    }
  });

  it('tells DEBUG of no failure to retry when fetch refuses the port: the error says it', async () => {
    const told: unknown[] = [];
    const kodexa = createKodexaClient({
      // Port 9 is on the Fetch standard's list of bad ports: fetch never connects to it.
      baseUrl: 'http://127.0.0.1:9',
      requestTimeoutMs: 1_000,
      apiKey: apiKeyFromSecret(API_KEY_SECRET_NAME, 300, 1_000),
      secretId: API_KEY_SECRET_NAME,
      debug: (message, details) => told.push({ message, ...details }),
      random: () => 0,
    });
    await expect(kodexa.getSlice(invocation(10_000), randomUUID())).rejects.toMatchObject({
      name: 'ConfigurationError',
    });
    expect(told).toEqual([]);
  });
});
