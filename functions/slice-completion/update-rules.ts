// What to write, decided from the slice as Kodexa holds it now. Pure: the same slice and
// completion always give the same answer, so a redelivered event can never move a slice twice.
import type { SliceStatuses } from './config.ts';
import { INT32_MAX } from './int32.ts';
import type { JsonObject } from './json-object.ts';
import type { Completion } from './parse-event.ts';

export type Slice = JsonObject;
export type Decision = 'update' | 'unchanged' | 'stale';

export function decide(slice: Slice, completion: Completion, statuses: SliceStatuses): Decision {
  const target = completion.succeeded ? statuses.succeeded : statuses.failed;
  if (slice.lambdaRequestId === completion.lambdaRequestId && slice.status === target) {
    return 'unchanged';
  }
  // An event without an attempt number counts as reporting the slice's current attempt.
  const sliceAttempt = slice.attemptNumber;
  if (
    typeof sliceAttempt === 'number' &&
    (completion.attemptNumber ?? sliceAttempt) < sliceAttempt
  ) {
    return 'stale';
  }
  if (
    !completion.succeeded &&
    slice.status === statuses.succeeded &&
    slice.lambdaRequestId !== completion.lambdaRequestId
  ) {
    return 'stale';
  }
  return 'update';
}

/** The whole slice to PUT back: every field not owned by the completion stays exactly as read. */
export function merge(slice: Slice, completion: Completion, statuses: SliceStatuses): Slice {
  const durationMs =
    completion.durationMs ?? derivedDuration(slice.startedAt, completion.completedAt);
  const common = {
    lambdaRequestId: completion.lambdaRequestId,
    completedAt: completion.completedAt,
    durationMs: durationMs ?? null,
  };
  if (completion.succeeded) {
    return {
      ...slice,
      ...common,
      status: statuses.succeeded,
      outputEvent: completion.outputEvent ?? {},
      errorMessage: null,
      errorDetails: {},
    };
  }
  return {
    ...slice,
    ...common,
    status: statuses.failed,
    errorMessage: completion.errorMessage ?? null,
    errorDetails: completion.errorDetails ?? {},
  };
}

/** A duration that does not fit Kodexa's int32 is written as null. */
function derivedDuration(startedAt: unknown, completedAt: string): number | undefined {
  if (typeof startedAt !== 'string') return undefined;
  const ms = Date.parse(completedAt) - Date.parse(startedAt);
  return ms >= 0 && ms <= INT32_MAX ? ms : undefined;
}
