// The built bundle under AWS's own Lambda runtime client (aws-lambda-ric, as in the managed
// Node.js runtimes), fed by a loopback Runtime API, against the Kodexa emulator and the Secrets
// Manager endpoint: what it posts (for a failure, the on-failure record's responsePayload), what
// the runtime itself logs, Powertools' cold-start flag, and never the API key.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Slice } from '#tools/local/kodexa-emulator.ts';
import { lambdaContext } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { type NamedFailure, namedFailures } from '../support/named-failures.ts';
import { type Container, startContainer } from './container.ts';

const apiKey = `runtime-test-key-${randomUUID()}`;
let services: LocalServices;
let warm: Container;
const containers: Container[] = [];

async function container(env: Record<string, string | undefined> = {}): Promise<Container> {
  const started = await startContainer({
    ...services.env,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    KODEXA_REQUEST_TIMEOUT_MS: '1000',
    ...env,
  });
  containers.push(started);
  return started;
}

beforeAll(async () => {
  services = await startLocalServices({ slices: [], apiKey });
  warm = await container();
});
afterAll(async () => {
  await Promise.all(containers.map((c) => c.close()));
  await services?.close();
});
afterEach(() => {
  services.kodexa.clearFaults();
  // Everything that left the function: its output and every body and header it posted.
  const seen = containers.flatMap((c) => [c.output(), JSON.stringify(c.posted())]).join('\n');
  expect(seen).toContain('"level":"DEBUG"');
  expect(seen).not.toContain(apiKey);
});

function seedSlice(): Slice {
  const slice: Slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING' };
  services.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}

/** The function's one line about the invocation: its outcome or its error. */
const summaryLine = (c: Container, requestId: string) =>
  c.functionLog(requestId).find((line) => line.level === 'INFO' || line.level === 'ERROR');

describe('a completion', () => {
  it('is answered with the outcome, and its duplicate with unchanged', async () => {
    const slice = seedSlice();
    const event = { sliceId: slice.id, lambdaRequestId: randomUUID() };

    const first = await warm.invoke(event);
    expect(first).toMatchObject({
      kind: 'response',
      body: { sliceId: slice.id, outcome: 'updated', changeSequence: 2 },
    });
    expect(summaryLine(warm, first.requestId)).toMatchObject({
      level: 'INFO',
      outcome: 'updated',
      cold_start: warm.invocations() === 1,
    });

    const duplicate = await warm.invoke(event);
    expect(duplicate).toMatchObject({
      kind: 'response',
      body: { sliceId: slice.id, outcome: 'unchanged', changeSequence: 2 },
    });
    expect(summaryLine(warm, duplicate.requestId)).toMatchObject({
      outcome: 'unchanged',
      cold_start: false,
    });
    // The runtime logs nothing of its own for an invocation that succeeds.
    expect([first, duplicate].flatMap((o) => warm.runtimeLog(o.requestId))).toEqual([]);
  });
});

describe.each(namedFailures)('$name', (failure: NamedFailure) => {
  it('is posted as the error, and the runtime logs it by name', async () => {
    const c = failure.env ? await container(failure.env) : warm;
    const slice = seedSlice();
    services.kodexa.inject(...(failure.faults?.(apiKey) ?? []));

    const outcome = await c.invoke(failure.event(slice.id), lambdaContext(failure.timeoutMs));

    // An invocation error (for ConfigurationError too: init succeeded), whose body Lambda puts
    // in the on-failure record as responsePayload.
    expect(outcome.kind).toBe('error');
    const posted = outcome.body as { errorType: string; errorMessage: string; trace: string[] };
    expect(posted).toEqual({
      errorType: failure.name,
      errorMessage: expect.any(String),
      trace: expect.any(Array),
    });
    expect(posted.trace[0]).toBe(`${failure.name}: ${posted.errorMessage}`);
    expect(posted.trace).toContainEqual(expect.stringContaining('functions/slice-completion/'));

    // The runtime's own line, the one CloudWatch shows for every failed invocation.
    expect(c.runtimeLog(outcome.requestId)).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: expect.objectContaining({
          errorType: failure.name,
          errorMessage: posted.errorMessage,
        }),
      }),
    ]);

    expect(summaryLine(c, outcome.requestId)).toMatchObject({
      level: 'ERROR',
      message: 'slice completion failed',
      error: { name: failure.name, message: posted.errorMessage },
      cold_start: c.invocations() === 1,
    });
  });
});
