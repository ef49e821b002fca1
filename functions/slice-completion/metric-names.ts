// The function's CloudWatch metrics as dashboards and alarms name them: renaming one breaks them.
// No imports but types, so the CDK app (infra/dashboard.ts) can share these names with the function.
import type { CompletionOutcome } from './complete-slice.ts';

/** Default namespace; `POWERTOOLS_METRICS_NAMESPACE` overrides it. */
export const METRICS_NAMESPACE = 'Kodexa/SliceCompletion';

/** Powertools puts it on every metric as the `service` dimension. */
export const SERVICE_NAME = 'slice-completion';

export const OUTCOME_METRICS = {
  updated: 'SliceUpdated',
  unchanged: 'SliceUnchanged',
  stale: 'SliceStale',
} as const satisfies Record<CompletionOutcome, string>;

export const FAILURE_METRIC = 'SliceCompletionFailed';
export const ERROR_NAME_DIMENSION = 'ErrorName';
export const RETRIES_METRIC = 'KodexaRetries';
export const CONFLICTS_METRIC = 'KodexaConflicts';
export const COMPLETION_LAG_METRIC = 'CompletionLag';
/**
 * Records of a batch from the buffer handed back in batchItemFailures, to be received again:
 * failed, but not thrown, so Lambda's `Errors` does not count them.
 */
export const HANDED_BACK_METRIC = 'CompletionsHandedBack';
/** Written by Powertools itself, with dimensions `service` and `function_name`. */
export const COLD_START_METRIC = 'ColdStart';
