// The API key must never show, at any log level, in any log line or error, whatever happens.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Slice } from '#tools/local/kodexa-emulator.ts';
import { lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';

const firstKey = `first-key-${randomUUID()}`;
const rotatedKey = `rotated-key-${randomUUID()}`;
const slices: Slice[] = Array.from({ length: 4 }, () => ({ id: randomUUID(), changeSequence: 1 }));
let services: LocalServices;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices, apiKey: firstKey });
  Object.assign(process.env, services.env, { POWERTOOLS_LOG_LEVEL: 'DEBUG' });
});
afterAll(() => services.close());

it('stays out of DEBUG logs and error messages through success, rotation, refusal and bad input', async () => {
  const handler = await loadBundle();
  const run = (event: unknown) => handler(event, lambdaContext()).catch((e: Error) => e);
  const [a, b, c, d] = slices.map((s) => s.id);
  const results: unknown[] = [];

  results.push(await run({ sliceId: a, lambdaRequestId: 'ok' }));
  services.rotateApiKey(rotatedKey);
  results.push(await run({ sliceId: b, lambdaRequestId: 'after-rotation' }));
  // Kodexa echoing the key back in an error body must not carry it into our error.
  services.kodexa.inject({ method: 'PUT', status: 400, body: { error: `bad key ${rotatedKey}` } });
  results.push(await run({ sliceId: c, lambdaRequestId: 'echo' }));
  services.kodexa.setApiKey('something-else');
  results.push(await run({ sliceId: d, lambdaRequestId: 'refused' }));
  results.push(await run({ sliceId: 'not-a-uuid', apiKey: rotatedKey }));

  const names = results.map((r) => (r instanceof Error ? r.name : 'ok'));
  expect(names).toEqual([
    'ok',
    'ok',
    'KodexaRequestRejected',
    'KodexaAuthError',
    'InvalidCompletionEvent',
  ]);
  expect(output.logLines()).toContainEqual(expect.objectContaining({ level: 'DEBUG' }));
  const everything = `${output.text()}\n${results
    .map((r) => (r instanceof Error ? `${r.message}\n${r.stack}` : JSON.stringify(r)))
    .join('\n')}`;
  expect(everything).toContain('[redacted]');
  expect(everything).not.toContain(firstKey);
  expect(everything).not.toContain(rotatedKey);
});
