import type { Fault, Slice } from './kodexa-emulator.ts';

/**
 * The sample slice that another writer changes before each of our writes, locally, so that a
 * completion for it fails for a reason that may pass (SliceUpdateConflict) and goes back to the
 * buffer: the transient failure in the sample batch.
 */
const CONTESTED_SLICE_ID = '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';

/** Slices as Kodexa holds them while their pipeline Lambdas run; the files in events/ report on them. */
export function sampleSlices(): Slice[] {
  const running = (id: string, sliceOrder: number, startedAt: string): Slice => ({
    id,
    changeSequence: 2,
    createdOn: '2026-11-28T09:00:00.000Z',
    updatedOn: startedAt,
    pipelineExecution: { id: '0b7e6a54-3c1e-4c55-9a0e-5f7f3c2a9d10' },
    sliceOrder,
    inputEvent: { documentFamilyIds: [`family-${sliceOrder}`] },
    status: 'RUNNING',
    attemptNumber: 1,
    startedAt,
    lambdaRequestId: null,
    outputEvent: null,
    durationMs: null,
    completedAt: null,
    errorMessage: null,
    errorDetails: {},
  });
  return [
    running('3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21', 1, '2026-11-28T10:00:00.000Z'),
    running('8a2d4c6e-1b3f-4a5c-8e7d-9f0b1c2d3e4f', 2, '2026-11-28T10:00:05.000Z'),
    running('c4e6a8b0-2d4f-4b6d-8f0a-1c3e5a7b9d2f', 3, '2026-11-28T10:00:10.000Z'),
    running('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b', 4, '2026-11-28T10:00:15.000Z'),
    running('5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', 5, '2026-11-28T10:00:20.000Z'),
    running('a7b8c9d0-e1f2-4a3b-9c4d-5e6f7a8b9c0d', 6, '2026-11-28T10:00:25.000Z'),
    running('6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c', 7, '2026-11-28T10:00:30.000Z'),
    running(CONTESTED_SLICE_ID, 8, '2026-11-28T10:00:35.000Z'),
  ];
}

/** What `npm start` and `npm run invoke` have the emulator do to the sample slices. */
export function sampleFaults(): Fault[] {
  return [
    {
      sliceId: CONTESTED_SLICE_ID,
      method: 'PUT',
      persistent: true,
      concurrentWrite: { assignee: { name: 'another writer' } },
    },
  ];
}
