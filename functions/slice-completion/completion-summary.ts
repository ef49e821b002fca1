import type { Invocation } from './kodexa-client.ts';
import type { Completion } from './parse-event.ts';

/** What a completion's log line says of it and of its exchanges with Kodexa. */
export function completionSummary(completion: Completion | undefined, invocation: Invocation) {
  return {
    sliceId: completion?.sliceId,
    lambdaRequestId: completion?.lambdaRequestId,
    kodexaStatusCodes: invocation.statusCodes,
    retries: invocation.retries,
    conflicts: invocation.conflicts,
  };
}
