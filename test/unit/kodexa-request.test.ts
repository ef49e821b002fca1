// One request to Kodexa and its answer read, against the emulator on loopback: the time limit
// covers the whole answer, body included, and ends with it, in every way a request ends.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readAnswer, requestKodexa } from '#functions/slice-completion/kodexa-request.ts';
import { type KodexaEmulator, startKodexaEmulator } from '#tools/local/kodexa-emulator.ts';

let kodexa: KodexaEmulator;
const slicePath = '/api/orchestrator-execution-slices/';

beforeAll(async () => {
  kodexa = await startKodexaEmulator({ slices: [{ id: 'slice-1', changeSequence: 1 }] });
});
afterAll(() => kodexa.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  kodexa.clearFaults();
});

/**
 * Fakes the clock for timers set from now on, and returns what counts the aborts of requests once
 * the clock has run past every time limit.
 */
function clockRunPastTimeLimits(): () => number {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const abort = vi.spyOn(AbortController.prototype, 'abort');
  return () => {
    vi.advanceTimersByTime(60_000);
    return abort.mock.calls.length;
  };
}

describe('requestKodexa and readAnswer', () => {
  it('end the time limit once the answer is read, so no timer fires after the request', async () => {
    const aborts = clockRunPastTimeLimits();
    const response = await requestKodexa(
      `${kodexa.url}${slicePath}slice-1`,
      'GET',
      kodexa.apiKey,
      undefined,
      5_000,
    );
    const answer = await readAnswer(response);
    expect(answer.status).toBe(200);
    expect(aborts()).toBe(0);
  });

  it('end it when an error answer is read', async () => {
    const aborts = clockRunPastTimeLimits();
    const response = await requestKodexa(
      `${kodexa.url}${slicePath}no-such-slice`,
      'GET',
      kodexa.apiKey,
      undefined,
      5_000,
    );
    expect((await readAnswer(response)).status).toBe(404);
    expect(aborts()).toBe(0);
  });

  it('end it when no answer comes', async () => {
    kodexa.inject({ reset: true });
    const aborts = clockRunPastTimeLimits();
    await expect(
      requestKodexa(`${kodexa.url}${slicePath}slice-1`, 'GET', kodexa.apiKey, undefined, 5_000),
    ).rejects.toThrow(TypeError);
    expect(aborts()).toBe(0);
  });

  it('abort a request not answered within its time limit with a TimeoutError', async () => {
    kodexa.inject({ delayMs: 1_000 });
    await expect(
      requestKodexa(`${kodexa.url}${slicePath}slice-1`, 'GET', kodexa.apiKey, undefined, 50),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout',
    });
  });

  it('read an error answer whose body is cut off as an empty body, to quote nothing', async () => {
    kodexa.inject({ status: 400, cutOff: true });
    const response = await requestKodexa(
      `${kodexa.url}${slicePath}slice-1`,
      'GET',
      kodexa.apiKey,
      undefined,
      5_000,
    );
    expect(await readAnswer(response)).toEqual({
      status: 400,
      text: '',
      retryAfter: null,
      location: null,
    });
  });
});
