// A stage is a second, independent copy of the stack in the same account and region (-c stage):
// every name the stack sets carries it, and so does the namespace of the function's metrics, so
// that a stage's dashboard and alarms read only its own. Without a stage every name is today's.
import { METRICS_NAMESPACE } from '../functions/slice-completion/metric-names.ts';

/** The stack's name, and the prefix of the names it sets. */
export const BASE_NAME = 'SliceCompletion';

export function stageName(name: string, stage: string | undefined): string {
  return stage ? `${name}-${stage}` : name;
}

/** A namespace per stage rather than a dimension: every metric, alarm and search stays as it is. */
export function metricsNamespace(stage: string | undefined): string {
  return stage ? `${METRICS_NAMESPACE}/${stage}` : METRICS_NAMESPACE;
}
