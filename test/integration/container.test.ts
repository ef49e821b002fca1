// Cold starts with settings or surroundings that are wrong: each gets its own container.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [{ id: randomUUID(), changeSequence: 1 }] });
});
afterAll(() => services.close());

const overridden = new Set<string>();

async function coldInvoke(env: Record<string, string | undefined>, timeoutMs = 10_000) {
  for (const name of overridden) delete process.env[name];
  for (const name of Object.keys(env)) overridden.add(name);
  for (const [name, value] of Object.entries({ ...services.env, ...env })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const handler = await loadBundle();
  const sliceId = [...services.kodexa.slices.keys()][0];
  return handler({ sliceId, lambdaRequestId: randomUUID() }, lambdaContext(timeoutMs)).then(
    () => {
      throw new Error('expected the invocation to fail');
    },
    (error: Error) => error,
  );
}

const secretReads = () => [...services.secrets.reads.values()].reduce((a, b) => a + b, 0);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('configuration', () => {
  it.each([
    [{ KODEXA_URL: undefined }, 'KODEXA_URL is required'],
    [{ KODEXA_URL: 'http://kodexa.example.com' }, 'KODEXA_URL must use https'],
    [{ KODEXA_API_KEY_SECRET_ID: '' }, 'KODEXA_API_KEY_SECRET_ID is required'],
    [{ KODEXA_REQUEST_TIMEOUT_MS: 'soon' }, 'KODEXA_REQUEST_TIMEOUT_MS must be an integer >= 1'],
  ])('%o fails with ConfigurationError', async (env, message) => {
    const error = await coldInvoke(env);
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain(message);
  });

  it('fails at once with ConfigurationError naming KODEXA_URL when fetch refuses its port', async () => {
    output.clear();
    // Port 9 is on the Fetch standard's list of bad ports: fetch never connects to it.
    const error = await coldInvoke({ KODEXA_URL: 'http://127.0.0.1:9' });
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toBe(
      'KODEXA_URL http://127.0.0.1:9: fetch refuses its port ("bad port")',
    );
    expect(output.logLines().at(-1)).toMatchObject({
      message: 'slice completion failed',
      retries: 0,
    });
  });
});

describe('surroundings', () => {
  it('fails with ApiKeyUnavailable naming the secret when it does not exist', async () => {
    const error = await coldInvoke({ KODEXA_API_KEY_SECRET_ID: 'kodexa/missing' });
    expect(error.name).toBe('ApiKeyUnavailable');
    expect(error.message).toContain('kodexa/missing');
    expect(error.message).toContain('ResourceNotFoundException');
  });

  it('fails with ApiKeyUnavailable when Secrets Manager does not answer in time', async () => {
    services.secrets.setDelay(5000);
    const answered = secretReads();
    try {
      const error = await coldInvoke({ KODEXA_REQUEST_TIMEOUT_MS: '200' });
      expect(error.name).toBe('ApiKeyUnavailable');
      expect(error.message).toMatch(/TimeoutError: .* 200 ms requestTimeout/);
      // The endpoint counts a read as it answers: none yet, so the function did not wait for it.
      expect(secretReads()).toBe(answered);
    } finally {
      services.secrets.setDelay(0);
    }
  });

  it('gives up on an unreachable Kodexa after 6 attempts, with time left', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    // The backoff's full jitter drawing 0 (Math.random is the function's random source): no wait
    // between the attempts.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    const error = await coldInvoke({ KODEXA_URL: url }).finally(() => random.mockRestore());
    expect(error.name).toBe('KodexaUnavailable');
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${url}/api/orchestrator-execution-slices/\\S+: failed 6 times; last failure: connection failed \\(ECONNREFUSED\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
      ),
    );
    expect(output.logLines().at(-1)).toMatchObject({
      message: 'slice completion failed',
      retries: 5,
      kodexaStatusCodes: [],
    });
  });
});

describe('an unusable secret', () => {
  it.each([
    ['empty', '', 'has an empty SecretString or none (binary secrets are not supported)'],
    ['JSON without apiKey', '{"key": "x"}', 'is JSON without a non-empty string "apiKey" field'],
  ])('(%s) fails with ApiKeyUnavailable before any request to Kodexa', async (_, value, says) => {
    const secretId = `kodexa/unusable-${randomUUID()}`;
    services.secrets.setSecret(secretId, value);
    const requestsBefore = services.kodexa.requests.length;
    const error = await coldInvoke({ KODEXA_API_KEY_SECRET_ID: secretId });
    expect(error.name).toBe('ApiKeyUnavailable');
    expect(error.message).toBe(`secret ${secretId} ${says}`);
    expect(services.kodexa.requests.length).toBe(requestsBefore);
  });
});
