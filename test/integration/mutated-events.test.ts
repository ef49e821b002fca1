// The built bundle against the Kodexa emulator, with sample events of every shape mutated: each
// ends in an outcome or a named error, a rejected one never reaches Kodexa, Kodexa refuses no
// write (the emulator answers 400 to any PUT its Java backend could not bind), and a redelivery
// writes nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Handler, lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { sampleSlices } from '#tools/local/sample-slices.ts';
import { mutatedEvent } from '../support/arbitraries.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
let handler: Handler;
captureOutput();

beforeAll(async () => {
  services = await startLocalServices();
  Object.assign(process.env, services.env);
  handler = await loadBundle();
});
afterAll(() => services.close());

async function deliver(event: unknown) {
  const before = services.kodexa.requests.length;
  const result = await handler(event, lambdaContext()).catch((error: unknown) => error);
  return {
    ending: result instanceof Error ? result.name : (result as { outcome: string }).outcome,
    requests: services.kodexa.requests.slice(before),
  };
}

it('every mutated event ends in an outcome or a named error, and an invalid one never reaches Kodexa', async () => {
  const endings = new Set<string>();
  await fc.assert(
    fc.asyncProperty(mutatedEvent, async (event) => {
      // every slice as its pipeline left it, so that each valid event writes
      for (const slice of sampleSlices()) services.kodexa.slices.set(slice.id, slice);
      const first = await deliver(event);
      endings.add(first.ending);
      expect(['updated', 'stale', 'InvalidCompletionEvent', 'SliceNotFound']).toContain(
        first.ending,
      );
      if (first.ending === 'InvalidCompletionEvent') expect(first.requests).toEqual([]);
      expect(first.requests.filter((r) => r.status !== 200).map((r) => r.status)).toEqual(
        first.ending === 'SliceNotFound' ? [404] : [],
      );
      if (first.ending !== 'updated') return;
      const again = await deliver(event);
      endings.add(again.ending);
      expect(again.ending).toBe('unchanged');
      expect(again.requests.map((r) => r.method)).toEqual(['GET']);
    }),
    { seed: 20261128, numRuns: 300 },
  );
  // each ending occurred, so the mutations reach every path
  expect([...endings].sort()).toEqual([
    'InvalidCompletionEvent',
    'SliceNotFound',
    'stale',
    'unchanged',
    'updated',
  ]);
});
