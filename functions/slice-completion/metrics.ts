// What one invocation tells CloudWatch, as Embedded Metric Format lines that Powertools writes to
// stdout when the invocation ends (its `logMetrics` middleware): no API call, no IAM, and not
// subject to the log level.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SliceCompletionResult } from './complete-slice.ts';
import type { Invocation } from './kodexa-client.ts';
import {
  COMPLETION_LAG_METRIC,
  CONFLICTS_METRIC,
  ERROR_NAME_DIMENSION,
  FAILURE_METRIC,
  HANDED_BACK_METRIC,
  METRICS_NAMESPACE,
  OUTCOME_METRICS,
  RETRIES_METRIC,
  SERVICE_NAME,
} from './metric-names.ts';
import type { Completion } from './parse-event.ts';

export function createMetrics(env: Record<string, string | undefined>): Metrics {
  // Powertools prefers an explicit namespace to the environment variable, so the default goes here.
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
  });
}

/** Called as soon as the slice is done with: for `updated`, that is when Kodexa accepted the write. */
export function recordResult(
  metrics: Metrics,
  result: SliceCompletionResult,
  completion: Completion,
  invocation: Invocation,
): void {
  metrics.addMetric(OUTCOME_METRICS[result.outcome], MetricUnit.Count, 1);
  // A time the event did not give would only measure this invocation, and pull the lag down.
  if (result.outcome === 'updated' && !completion.completedAtAssumed) {
    // A time ahead of ours (clock skew) counts as on time: CloudWatch has no percentiles for a
    // period holding a negative value, which would blank the lag graph and its alarm.
    const lag = Math.max(0, Date.now() - Date.parse(completion.completedAt));
    metrics.addMetric(COMPLETION_LAG_METRIC, MetricUnit.Milliseconds, lag);
  }
  recordKodexaCounters(metrics, invocation);
}

export function recordFailure(metrics: Metrics, error: unknown, invocation: Invocation): void {
  // A dimension of its own: in the invocation's main metric set it would also split the counters.
  metrics
    .singleMetric()
    .addDimension(ERROR_NAME_DIMENSION, errorName(error))
    .addMetric(FAILURE_METRIC, MetricUnit.Count, 1);
  recordKodexaCounters(metrics, invocation);
}

/** How many records of a batch from the buffer were handed back; nothing when none was. */
export function recordHandedBack(metrics: Metrics, count: number): void {
  if (count > 0) metrics.addMetric(HANDED_BACK_METRIC, MetricUnit.Count, count);
}

/** Our errors' class names; `Error` for anything thrown without one. */
export function errorName(error: unknown): string {
  return error instanceof Error && error.name ? error.name : 'Error';
}

function recordKodexaCounters(metrics: Metrics, invocation: Invocation): void {
  metrics.addMetric(RETRIES_METRIC, MetricUnit.Count, invocation.retries);
  metrics.addMetric(CONFLICTS_METRIC, MetricUnit.Count, invocation.conflicts);
}
