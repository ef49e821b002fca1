// Minification renames classes, and AWS's runtime names the error of a failed invocation in its
// own log line by `error.constructor.name`: each named error must keep its name on its class in
// the built bundle (test/runtime checks the log line itself under the real runtime client).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';
import { errorClassNames } from '../support/error-classes.ts';
import { namedFailures } from '../support/named-failures.ts';

let services: LocalServices;
const envBefore = { ...process.env };
captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
});
afterAll(() => services.close());
afterEach(() => {
  services.kodexa.clearFaults();
  for (const name of Object.keys(process.env)) {
    if (!(name in envBefore)) delete process.env[name];
  }
  Object.assign(process.env, envBefore);
});

it('has a way to make each error of errors.ts happen', () => {
  expect(namedFailures.map((failure) => failure.name).sort()).toEqual(errorClassNames);
});

it.each(namedFailures)('$name keeps its name on its class', async (failure) => {
  for (const [name, value] of Object.entries({ ...services.env, ...failure.env })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const handler = await loadBundle();
  const slice = { id: randomUUID(), changeSequence: 1 };
  services.kodexa.slices.set(slice.id, slice);
  services.kodexa.inject(...(failure.faults?.(services.kodexa.apiKey) ?? []));

  const error = await handler(failure.event(slice.id), lambdaContext(failure.timeoutMs)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe(failure.name);
  expect((error as Error).constructor.name).toBe(failure.name);
});
