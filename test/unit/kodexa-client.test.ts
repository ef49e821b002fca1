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
function bufferClient(requestTimeoutMs: number) {
  return createKodexaClient({
    baseUrl: services.kodexa.url,
    requestTimeoutMs,
    apiKey: apiKeyFromSecret(API_KEY_SECRET_NAME, 300, 1_000),
    secretId: API_KEY_SECRET_NAME,
    debug: () => {},
    gate: createKodexaGate(() => 1),
    random: () => 1,
  });
}

function invocation(deadlineInMs: number, waitBudgetMs: number): Invocation {
  return {
    deadline: Date.now() + deadlineInMs,
    waitBudgetMs,
    statusCodes: [],
    retries: 0,
    conflicts: 0,
  };
}

function seedSlice() {
  const slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING' };
  services.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}

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
});
