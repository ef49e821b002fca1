// The health check from the sources in this process (so that mutation testing sees it), against
// Kodexa and Secrets Manager on loopback: a 404 proves KODEXA_URL right only when it is Kodexa's
// own answer for a missing slice. The bundle's answers are in test/integration/health-check.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  HEALTH_CHECK_EVENT,
  type HealthCheckResult,
  isKodexaNotFound,
  NO_SUCH_SLICE_ID,
} from '#functions/slice-completion/health-check.ts';
import { type Handler, lambdaContext } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
});
afterAll(() => services.close());

async function healthCheck(
  kodexaUrl: string,
  { requestTimeoutMs = 1_000, remainingMs = 60_000 } = {},
): Promise<HealthCheckResult> {
  Object.assign(process.env, services.env, {
    KODEXA_URL: kodexaUrl,
    KODEXA_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
  });
  vi.resetModules();
  const { handler } = (await import('#functions/slice-completion/index.ts')) as {
    handler: Handler;
  };
  return (await handler(HEALTH_CHECK_EVENT, lambdaContext(remainingMs))) as HealthCheckResult;
}

const request = () =>
  `GET ${services.kodexa.url}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`;

describe('the health check’s kodexa step', () => {
  it('passes on Kodexa’s own 404 for the slice that cannot exist', async () => {
    const result = await healthCheck(services.kodexa.url);
    expect(result.healthy).toBe(true);
    expect(result.steps.at(-1)).toEqual({
      step: 'kodexa',
      ok: true,
      detail: `${request()} answered 404: reachable, and the key is accepted`,
    });
  });

  it('names each status Kodexa answered on the way', async () => {
    services.kodexa.inject({ sliceId: NO_SUCH_SLICE_ID, status: 503 });
    const result = await healthCheck(services.kodexa.url);
    expect(result.steps.at(-1)).toEqual({
      step: 'kodexa',
      ok: true,
      detail: `${request()} answered 503, 404: reachable, and the key is accepted`,
    });
  });

  // The second GET, which reads Kodexa's 404 whole, is cut at the invocation's deadline (its
  // remaining time less 500 ms) like the client's, not at the longer request timeout.
  it('fails when Kodexa answers the second GET too slowly for the invocation', async () => {
    services.kodexa.inject(
      { sliceId: NO_SUCH_SLICE_ID, delayMs: 0 },
      { sliceId: NO_SUCH_SLICE_ID, delayMs: 3_000 },
    );
    const result = await healthCheck(services.kodexa.url, {
      requestTimeoutMs: 5_000,
      remainingMs: 1_500,
    });
    expect(result.healthy).toBe(false);
    expect(result.steps.at(-1)).toEqual({
      step: 'kodexa',
      ok: false,
      error: { name: 'TimeoutError', message: expect.any(String) },
    });
  });

  it('fails on a 404 for a path Kodexa does not serve, saying the URL’s path looks wrong', async () => {
    const url = `${services.kodexa.url}/kodexa`;
    const result = await healthCheck(url);
    expect(result.healthy).toBe(false);
    expect(result.steps.at(-1)).toEqual({
      step: 'kodexa',
      ok: false,
      error: {
        name: 'ConfigurationError',
        message: `GET ${url}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID} answered 404, but not with Kodexa's error body for a missing slice (a JSON errorMessage): KODEXA_URL's path looks wrong, as nothing under it serves Kodexa's API; set KODEXA_URL to the platform's base URL, such as https://platform.kodexa.ai, without /api or any other path`,
      },
    });
  });
});

describe('isKodexaNotFound', () => {
  it.each([
    [404, '{"errorMessage": "Not found: /api/orchestrator-execution-slices/x"}', true],
    [404, '{"errorMessage": ""}', true],
    [
      404,
      '{"timestamp": "2026-12-04T12:00:00Z", "status": 404, "error": "Not Found", "path": "/x"}',
      false,
    ],
    [404, '{"errorMessage": 404}', false],
    [404, '["errorMessage"]', false],
    [404, '<html><body>404 Not Found</body></html>', false],
    [404, '', false],
    [200, '{"errorMessage": "Not found"}', false],
  ])('%i %s: %o', (status, text, expected) => {
    expect(isKodexaNotFound({ status, text })).toBe(expected);
  });
});
