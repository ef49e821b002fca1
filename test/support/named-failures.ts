// One way to make the function fail with each of its named errors, against the local services:
// the bundle test of error names and the test under AWS's runtime client drive the same cases.
import { randomUUID } from 'node:crypto';
import type { Fault } from '#tools/local/kodexa-emulator.ts';

export interface NamedFailure {
  name: string;
  /** Variables that replace the local services' ones (undefined: left out); a cold start each. */
  env?: Record<string, string | undefined>;
  /** What the emulator does to this invocation's requests, given the key Kodexa accepts. */
  faults?(apiKey: string): Fault[];
  /** The function's remaining time when the invocation starts. */
  timeoutMs?: number;
  /** The event, given the id of a slice that Kodexa holds. */
  event(sliceId: string): unknown;
}

const completionOf = (sliceId: string) => ({ sliceId, lambdaRequestId: randomUUID() });

export const namedFailures: NamedFailure[] = [
  {
    name: 'InvalidCompletionEvent',
    event: () => ({ sliceId: 'not-a-uuid', lambdaRequestId: '' }),
  },
  {
    name: 'SliceNotFound',
    event: () => completionOf(randomUUID()),
  },
  {
    name: 'KodexaRequestRejected',
    // Kodexa quoting the key back: the error must carry it redacted.
    faults: (apiKey) => [
      {
        method: 'PUT',
        status: 400,
        body: { errorMessage: `bad request with x-api-key ${apiKey}` },
      },
    ],
    event: completionOf,
  },
  {
    name: 'KodexaAuthError',
    faults: () => [{ status: 401 }, { status: 401 }],
    event: completionOf,
  },
  {
    name: 'KodexaUnavailable',
    faults: () => Array.from({ length: 6 }, () => ({ status: 503 })),
    timeoutMs: 1500,
    event: completionOf,
  },
  {
    name: 'SliceUpdateConflict',
    faults: () =>
      Array.from({ length: 6 }, (_, i) => ({
        method: 'PUT' as const,
        concurrentWrite: { note: `other writer ${i}` },
      })),
    event: completionOf,
  },
  {
    name: 'ApiKeyUnavailable',
    env: { KODEXA_API_KEY_SECRET_ID: 'kodexa/missing' },
    event: completionOf,
  },
  {
    name: 'ConfigurationError',
    env: { KODEXA_URL: undefined },
    event: completionOf,
  },
];
