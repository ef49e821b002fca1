// The operator's view of slice-completion, one dashboard beside its alarms: what Lambda measures
// of the function, what the function itself reports (its EMF metrics, named in
// functions/slice-completion/metric-names.ts), what waits in the buffer, and what waits in the
// three dead-letter queues.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  COLD_START_METRIC,
  COMPLETION_LAG_METRIC,
  CONFLICTS_METRIC,
  ERROR_NAME_DIMENSION,
  FAILURE_METRIC,
  HANDED_BACK_METRIC,
  OUTCOME_METRICS,
  RETRIES_METRIC,
  SERVICE_NAME,
} from '../functions/slice-completion/metric-names.ts';

export interface DashboardProps {
  /** @default a name CloudFormation generates */
  readonly dashboardName?: string;
  /** Where the function writes its own metrics (one per stage). */
  readonly metricsNamespace: string;
  readonly function: lambda.IFunction;
  readonly buffer: sqs.IQueue;
  readonly bufferDeadLetterQueue: sqs.IQueue;
  readonly targetDeadLetterQueue: sqs.IQueue;
  readonly onFailureQueue: sqs.IQueue;
  readonly alarms: cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);
const WIDTH = 8;

/** One of the function's own metrics, as Powertools writes it: dimension `service` only. */
export function functionMetric(namespace: string, name: string, statistic: string, label?: string) {
  return new cloudwatch.Metric({
    namespace,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period: PERIOD,
    label,
  });
}

export function sliceCompletionDashboard(
  scope: Construct,
  id: string,
  props: DashboardProps,
): cloudwatch.Dashboard {
  const fn = props.function;
  const namespace = props.metricsNamespace;
  const own = (name: string, statistic: string, label: string) =>
    functionMetric(namespace, name, statistic, label);
  const sum = cloudwatch.Stats.SUM;
  const { buffer } = props;
  const queues = [
    { queue: props.bufferDeadLetterQueue, label: 'buffer DLQ (failed for good or retries spent)' },
    { queue: props.targetDeadLetterQueue, label: 'target DLQ (EventBridge could not deliver)' },
    { queue: props.onFailureQueue, label: 'on-failure queue (a direct invoke failed)' },
  ];
  const graph = (title: string, left: cloudwatch.IMetric[], unit?: string) =>
    new cloudwatch.GraphWidget({
      title,
      left,
      width: WIDTH,
      leftYAxis: { min: 0, label: unit },
    });

  return new cloudwatch.Dashboard(scope, id, {
    dashboardName: props.dashboardName,
    widgets: [
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24 })],
      [
        graph('Invocations', [
          fn.metricInvocations({ label: 'invocations' }),
          fn.metricErrors({ label: 'errors' }),
          fn.metricThrottles({ label: 'throttles' }),
          new cloudwatch.Metric({
            namespace,
            metricName: COLD_START_METRIC,
            dimensionsMap: { service: SERVICE_NAME, function_name: fn.functionName },
            statistic: sum,
            period: PERIOD,
            label: 'cold starts',
          }),
        ]),
        graph(
          'Duration',
          ['p50', 'p99'].map((p) => fn.metricDuration({ statistic: p, label: p })),
          'ms',
        ),
        graph('Concurrent executions', [
          fn.metric('ConcurrentExecutions', {
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'max concurrent executions',
          }),
        ]),
      ],
      [
        graph('Buffer: messages', [
          buffer.metricApproximateNumberOfMessagesVisible({ label: 'waiting' }),
          buffer.metricApproximateNumberOfMessagesNotVisible({
            label: 'in flight or waiting to be retried',
          }),
        ]),
        graph(
          'Buffer: age of oldest message',
          [buffer.metricApproximateAgeOfOldestMessage({ label: 'age of oldest message' })],
          's',
        ),
        graph('Buffer: in, received, handed back, done', [
          buffer.metricNumberOfMessagesSent({ label: 'sent (completions in)' }),
          buffer.metricNumberOfMessagesReceived({ label: 'received (retries included)' }),
          own(HANDED_BACK_METRIC, sum, 'handed back (to be retried)'),
          buffer.metricNumberOfMessagesDeleted({ label: 'deleted (completions done)' }),
        ]),
      ],
      [
        graph('Outcomes', [
          own(OUTCOME_METRICS.updated, sum, 'updated'),
          own(OUTCOME_METRICS.unchanged, sum, 'unchanged (duplicate delivery)'),
          own(OUTCOME_METRICS.stale, sum, 'stale (superseded)'),
        ]),
        graph('Failures by error', [
          // ErrorName takes whatever names the function throws: found by search, not listed.
          new cloudwatch.SearchExpression({
            expression: `SEARCH('{${namespace},${ERROR_NAME_DIMENSION},service} MetricName="${FAILURE_METRIC}" service="${SERVICE_NAME}"', 'Sum', ${PERIOD.toSeconds()})`,
            label: `\${PROP('Dim.${ERROR_NAME_DIMENSION}')}`,
            period: PERIOD,
          }),
        ]),
        graph('Kodexa retries and conflicts', [
          own(RETRIES_METRIC, sum, 'retried requests (429, 5xx, timeouts)'),
          own(CONFLICTS_METRIC, sum, 're-reads after 409/412'),
        ]),
      ],
      [
        graph(
          'Completion lag (completedAt to written)',
          ['p50', 'p99'].map((p) => own(COMPLETION_LAG_METRIC, p, p)),
          'ms',
        ),
        graph(
          'Failed events waiting',
          queues.map(({ queue, label }) =>
            queue.metricApproximateNumberOfMessagesVisible({ label }),
          ),
        ),
        graph(
          'Age of oldest failed event',
          queues.map(({ queue, label }) => queue.metricApproximateAgeOfOldestMessage({ label })),
          's',
        ),
      ],
    ],
  });
}
