// The health check `npm run smoke` sends, answered by the built bundle against Kodexa and Secrets
// Manager on loopback: each step's result, no write, no failure metric, and never a thrown error.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HEALTH_CHECK_EVENT,
  type HealthCheckResult,
  NO_SUCH_SLICE_ID,
} from '#functions/slice-completion/health-check.ts';
import { lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import {
  API_KEY_SECRET_NAME,
  type LocalServices,
  startLocalServices,
} from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices();
  Object.assign(process.env, services.env, {
    POWERTOOLS_LOG_LEVEL: 'INFO',
    KODEXA_REQUEST_TIMEOUT_MS: '1000',
  });
});
afterAll(() => services.close());
afterEach(() => {
  output.clear();
  Object.assign(process.env, services.env);
});

/** The health check in a fresh container (the function reads its settings once per container). */
async function healthCheck(env: Record<string, string | undefined> = {}) {
  Object.assign(process.env, env);
  for (const [name, value] of Object.entries(env))
    if (value === undefined) delete process.env[name];
  const handler = await loadBundle();
  output.clear();
  const requestsBefore = services.kodexa.requests.length;
  const result = (await handler(HEALTH_CHECK_EVENT, lambdaContext())) as HealthCheckResult;
  return {
    result,
    requests: services.kodexa.requests.slice(requestsBefore),
    failureMetrics: output
      .metricLines()
      .filter((line) => 'SliceCompletionFailed' in line || 'SliceUpdated' in line),
    logLines: output.logLines(),
  };
}

describe('the health check', () => {
  it('passes each step, reading a slice that cannot exist, and writes nothing', async () => {
    const { result, requests, failureMetrics, logLines } = await healthCheck();
    expect(result).toEqual({
      healthy: true,
      steps: [
        {
          step: 'configuration',
          ok: true,
          detail: `KODEXA_URL ${services.kodexa.url}, secret ${API_KEY_SECRET_NAME}`,
        },
        { step: 'secret', ok: true, detail: `${API_KEY_SECRET_NAME} read` },
        {
          step: 'kodexa',
          ok: true,
          detail: `GET ${services.kodexa.url}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID} answered 404: reachable, and the key is accepted`,
        },
      ],
    });
    // The client's GET, then the same again for the body of its 404, which the client does not
    // give: Kodexa's own answer for a missing slice, not a 404 for a path it does not serve.
    expect(requests).toEqual([
      ...Array.from({ length: 2 }, () => ({
        method: 'GET',
        path: `/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`,
        status: 404,
      })),
    ]);
    expect(failureMetrics).toEqual([]);
    expect(logLines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'health check', healthy: true }),
    ]);
  });

  it('reads the secret afresh, bypassing the cache of a warm container', async () => {
    const handler = await loadBundle();
    const reads = () => services.secrets.reads.get(API_KEY_SECRET_NAME) ?? 0;
    const before = reads();
    await handler(HEALTH_CHECK_EVENT, lambdaContext());
    await handler(HEALTH_CHECK_EVENT, lambdaContext());
    expect(reads() - before).toBe(2);
  });

  it('fails at kodexa with KodexaAuthError when Kodexa refuses the key', async () => {
    const keyInSecret = services.kodexa.apiKey;
    services.kodexa.setApiKey('a-key-kodexa-has-moved-on-to');
    try {
      const { result, requests, failureMetrics, logLines } = await healthCheck();
      expect(result.healthy).toBe(false);
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['configuration', true],
        ['secret', true],
        ['kodexa', false],
      ]);
      expect(result.steps[2]).toMatchObject({
        error: {
          name: 'KodexaAuthError',
          message: expect.stringContaining(
            `Kodexa answered 401 to the API key from secret ${API_KEY_SECRET_NAME}`,
          ),
        },
      });
      expect(JSON.stringify(result)).not.toContain(keyInSecret);
      expect(requests.every((r) => r.method === 'GET')).toBe(true);
      expect(failureMetrics).toEqual([]);
      expect(logLines).toEqual([
        expect.objectContaining({ level: 'ERROR', message: 'health check', healthy: false }),
      ]);
    } finally {
      services.kodexa.setApiKey(keyInSecret);
    }
  });

  it('fails at secret with ApiKeyUnavailable, before any call to Kodexa', async () => {
    const { result, requests } = await healthCheck({ KODEXA_API_KEY_SECRET_ID: 'no/such/secret' });
    expect(result).toMatchObject({
      healthy: false,
      steps: [
        { step: 'configuration', ok: true },
        {
          step: 'secret',
          ok: false,
          error: { name: 'ApiKeyUnavailable', message: expect.stringContaining('no/such/secret') },
        },
      ],
    });
    expect(result.steps).toHaveLength(2);
    expect(requests).toEqual([]);
  });

  it('fails at configuration with ConfigurationError naming the variable', async () => {
    const { result, requests } = await healthCheck({ KODEXA_URL: undefined });
    expect(result).toEqual({
      healthy: false,
      steps: [
        {
          step: 'configuration',
          ok: false,
          error: { name: 'ConfigurationError', message: 'KODEXA_URL is required' },
        },
      ],
    });
    expect(requests).toEqual([]);
  });

  it('is only the exact event: a completion that also says healthCheck is a completion', async () => {
    const handler = await loadBundle();
    const error = await handler({ ...HEALTH_CHECK_EVENT, sliceId: 'x' }, lambdaContext()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'InvalidCompletionEvent' });
  });
});
