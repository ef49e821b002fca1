// Read, decide, merge, write: the slice's changeSequence goes back as read, so Kodexa refuses the
// write if anyone changed the slice in between, and the whole cycle runs again on what they wrote.
import type { SliceStatuses } from './config.ts';
import { SliceUpdateConflict } from './errors.ts';
import type { Invocation, KodexaClient } from './kodexa-client.ts';
import type { Completion } from './parse-event.ts';
import { decide, merge } from './update-rules.ts';

/** What became of a completion Kodexa has the slice of: written, already there, or older. */
export const COMPLETION_OUTCOMES = ['updated', 'unchanged', 'stale'] as const;
export type CompletionOutcome = (typeof COMPLETION_OUTCOMES)[number];

export function isCompletionOutcome(value: unknown): value is CompletionOutcome {
  return COMPLETION_OUTCOMES.some((outcome) => outcome === value);
}

export interface SliceCompletionResult {
  sliceId: string;
  outcome: CompletionOutcome;
  changeSequence: unknown;
}

export const MAX_CONFLICT_RETRIES = 5;

export async function completeSlice(
  kodexa: KodexaClient,
  statuses: SliceStatuses,
  completion: Completion,
  invocation: Invocation,
): Promise<SliceCompletionResult> {
  const { sliceId } = completion;
  for (;;) {
    const slice = await kodexa.getSlice(invocation, sliceId);
    const decision = decide(slice, completion, statuses);
    if (decision !== 'update') {
      return { sliceId, outcome: decision, changeSequence: slice.changeSequence };
    }
    const merged = merge(slice, completion, statuses);
    const written = await kodexa.putSlice(invocation, sliceId, merged);
    if (written !== 'conflict') {
      return { sliceId, outcome: 'updated', changeSequence: written.changeSequence ?? null };
    }
    if (invocation.conflicts === MAX_CONFLICT_RETRIES) {
      throw new SliceUpdateConflict(
        `slice ${sliceId} changed under every write: Kodexa answered 409/412 to ${MAX_CONFLICT_RETRIES + 1} PUTs in a row`,
      );
    }
    invocation.conflicts++;
  }
}
