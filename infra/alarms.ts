// The alarms of slice-completion and the topic they notify. Each alarm pages for something an
// operator must act on: completions failing for a while, a failure no retry fixes, or an event
// lost or parked in a queue. Each description says what it means and the first thing to do, and
// names its entry in docs/runbook.md (headed by the alarm's id).
import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  ApiKeyUnavailable,
  ConfigurationError,
  KodexaAuthError,
} from '../functions/slice-completion/errors.ts';
import {
  COMPLETION_LAG_METRIC,
  ERROR_NAME_DIMENSION,
  FAILURE_METRIC,
  HANDED_BACK_METRIC,
  SERVICE_NAME,
} from '../functions/slice-completion/metric-names.ts';
import { functionMetric } from './dashboard.ts';

export interface AlarmsProps {
  readonly function: lambda.IFunction;
  /** Where the function writes its own metrics (one per stage). */
  readonly metricsNamespace: string;
  /** The SQS buffer every asynchronous completion goes through. */
  readonly buffer: sqs.IQueue;
  readonly bufferDeadLetterQueue: sqs.IQueue;
  readonly targetDeadLetterQueue: sqs.IQueue;
  readonly onFailureQueue: sqs.IQueue;
  /** The EventBridge rules that deliver to the function. */
  readonly rules: events.Rule[];
  /** The bus the rules are on; undefined for the account's default bus. */
  readonly eventBus?: events.IEventBus;
  readonly completionLagAlarmThreshold?: Duration;
}

const PERIOD = Duration.minutes(5);

/** Errors page when more than this share of invocations failed... */
const ERROR_RATE_PERCENT = 5;
/** ...in each of this many 5-minute periods in a row: what Lambda's retries fix does not page. */
const ERROR_RATE_PERIODS = 3;

/**
 * Completions from the buffer page when more than this share of the records received was handed
 * back, in each of ERROR_RATE_PERIODS periods in a row. A burst that Kodexa paces with short
 * Retry-Afters is waited out inside the invocation (up to 5 s), so few of its records are handed
 * back; in an outage nearly every receive is.
 */
const HAND_BACK_RATE_PERCENT = 50;

/** Errors no retry fixes, with which every completion fails: one pages at once. */
const FATAL_ERRORS = {
  [KodexaAuthError.name]:
    'Kodexa refuses the API key in the secret, also after re-reading it: every completion fails.',
  [ApiKeyUnavailable.name]:
    'The function cannot read the Kodexa API key from Secrets Manager (secret missing, no permission, empty or not a key): every completion fails.',
  [ConfigurationError.name]:
    "The function's settings (environment) are invalid: every completion fails.",
};

/**
 * A burst drains in minutes even against a rate-limited Kodexa; an older message means the
 * mapping is stalled or too slow. SQS's age leaves out messages received more than 3 times,
 * so records being retried do not keep this alarm on, and an outage of Kodexa does not raise it:
 * BufferHandBacksAlarm watches those.
 */
const BUFFER_AGE_ALARM_THRESHOLD = Duration.minutes(15);

/** A percentile of a quiet period can rest on one slow slice: it must stay high for 15 minutes. */
const COMPLETION_LAG_ALARM_PERIODS = 3;

export function sliceCompletionAlarms(scope: Construct, props: AlarmsProps): cloudwatch.Alarm[] {
  const stack = Stack.of(scope).stackName;
  const list = `npm run failures -- list --stack ${stack}`;
  const smoke = `npm run smoke -- --stack ${stack}`;
  const fn = props.function;
  const sum = cloudwatch.Stats.SUM;

  const alarms = [
    new cloudwatch.Alarm(scope, 'ErrorsAlarm', {
      alarmDescription: describe(
        stack,
        'ErrorsAlarm',
        `More than ${ERROR_RATE_PERCENT}% of invocations failed in each of ${ERROR_RATE_PERIODS} consecutive 5-minute periods: completions keep failing, beyond what Lambda's retries fix.`,
        `see which error on the dashboard's "Failures by error", or run the saved Logs Insights query "failures by error"; then ${list}`,
      ),
      metric: new cloudwatch.MathExpression({
        expression: '100 * errors / invocations',
        usingMetrics: {
          errors: fn.metricErrors({ statistic: sum }),
          invocations: fn.metricInvocations({ statistic: sum }),
        },
        label: 'failed invocations (%)',
        period: PERIOD,
      }),
      threshold: ERROR_RATE_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: ERROR_RATE_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    ...Object.entries(FATAL_ERRORS).map(([errorName, meaning]) =>
      atOnce(
        scope,
        `${errorName}Alarm`,
        stack,
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: FAILURE_METRIC,
          // As the function writes it: its own EMF document, dimensions service and ErrorName.
          dimensionsMap: { service: SERVICE_NAME, [ERROR_NAME_DIMENSION]: errorName },
          statistic: sum,
          period: Duration.minutes(1),
        }),
        meaning,
        `${smoke}, which names what is wrong`,
      ),
    ),
    atOnce(
      scope,
      'DestinationDeliveryFailuresAlarm',
      stack,
      fn.metric('DestinationDeliveryFailures', { statistic: sum, period: PERIOD }),
      'Lambda could not send failed events to the on-failure queue: those events are lost.',
      'check that the on-failure queue exists and that the function may send to it (its role, the queue policy); the lost events must be sent again by their pipelines',
    ),
    atOnce(
      scope,
      'AsyncEventsDroppedAlarm',
      stack,
      fn.metric('AsyncEventsDropped', { statistic: sum, period: PERIOD }),
      'Lambda stopped retrying asynchronous events (retries exhausted, or older than 6 hours). AWS counts here the events it sent to the on-failure queue too: each is there, unless DestinationDeliveryFailuresAlarm fires as well.',
      list,
    ),
    new cloudwatch.Alarm(scope, 'BufferHandBacksAlarm', {
      alarmDescription: describe(
        stack,
        'BufferHandBacksAlarm',
        `More than ${HAND_BACK_RATE_PERCENT}% of the completions received from the buffer were handed back to be retried in each of ${ERROR_RATE_PERIODS} consecutive 5-minute periods: completions keep failing (Kodexa down or refusing them, most often), and wait in the buffer, retried, until they succeed or reach its dead-letter queue.`,
        `${smoke}; then see which error on the dashboard's "Failures by error"`,
      ),
      // Handed back, not thrown, so ErrorsAlarm does not see them. Every hand-back follows a
      // receive, so this stays within 100% but for a receive and its invocation's metrics falling
      // either side of a period's edge. A period with none handed back has no value: not breaching.
      metric: new cloudwatch.MathExpression({
        expression: '100 * handedBack / received',
        usingMetrics: {
          handedBack: functionMetric(props.metricsNamespace, HANDED_BACK_METRIC, sum),
          received: props.buffer.metricNumberOfMessagesReceived({ statistic: sum }),
        },
        label: 'completions handed back (% of received)',
        period: PERIOD,
      }),
      threshold: HAND_BACK_RATE_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: ERROR_RATE_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    new cloudwatch.Alarm(scope, 'BufferAgeAlarm', {
      alarmDescription: describe(
        stack,
        'BufferAgeAlarm',
        `The oldest completion in the buffer, of those received at most 3 times, has waited over ${BUFFER_AGE_ALARM_THRESHOLD.toHumanString()}: the buffer is not being read fast enough (the event source mapping disabled or throttled, or more load than its concurrency drains); completions that keep failing are left out of this age, BufferHandBacksAlarm watches them.`,
        `${smoke}; then look at the dashboard's buffer row and the mapping's state (aws lambda list-event-source-mappings)`,
      ),
      metric: props.buffer.metricApproximateAgeOfOldestMessage({ period: PERIOD }),
      threshold: BUFFER_AGE_ALARM_THRESHOLD.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // A queue holding failed events: each is one to replay once its cause is fixed.
    ...(
      [
        [
          'BufferDeadLetterQueueAlarm',
          props.bufferDeadLetterQueue,
          'Completions from the buffer wait in its dead-letter queue: failed for good (ErrorName says why) or past every retry.',
        ],
        [
          'TargetDeadLetterQueueAlarm',
          props.targetDeadLetterQueue,
          'Events that EventBridge could not deliver to the buffer wait in the target DLQ.',
        ],
        [
          'OnFailureQueueAlarm',
          props.onFailureQueue,
          'Events the function failed on, after its retries, wait in the on-failure queue.',
        ],
      ] as const
    ).map(([id, queue, meaning]) =>
      atOnce(
        scope,
        id,
        stack,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD }),
        meaning,
        `${list}; fix the cause, then npm run failures -- replay --stack ${stack}`,
      ),
    ),
    ...props.rules.flatMap((rule) => {
      const ruleMetric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap: ruleDimensions(rule, props.eventBus),
          statistic: sum,
          period: PERIOD,
        });
      const name = rule.node.id;
      return [
        atOnce(
          scope,
          `${name}FailedInvocationsAlarm`,
          stack,
          ruleMetric('FailedInvocations'),
          `EventBridge gave up delivering events of rule ${name} after its retries (2 hours). Each should be in the target DLQ; one that is not (${name}InvocationsFailedToBeSentToDlqAlarm fires too) is lost.`,
          list,
          'FailedInvocationsAlarm',
        ),
        atOnce(
          scope,
          `${name}InvocationsFailedToBeSentToDlqAlarm`,
          stack,
          ruleMetric('InvocationsFailedToBeSentToDlq'),
          `EventBridge could neither deliver events of rule ${name} nor put them in the target DLQ: those events are lost.`,
          'check that the target DLQ exists and that its policy lets the rule send to it; the lost events must be sent again by their pipelines',
          'InvocationsFailedToBeSentToDlqAlarm',
        ),
      ];
    }),
  ];
  if (props.completionLagAlarmThreshold) {
    alarms.push(
      new cloudwatch.Alarm(scope, 'CompletionLagAlarm', {
        alarmDescription: describe(
          stack,
          'CompletionLagAlarm',
          `The p99 of CompletionLag stayed above ${props.completionLagAlarmThreshold.toHumanString()} for 15 minutes: completions reach Kodexa late.`,
          'look at the dashboard\'s "Kodexa retries and conflicts", "Duration" and "Concurrent executions"',
        ),
        metric: functionMetric(
          props.metricsNamespace,
          COMPLETION_LAG_METRIC,
          cloudwatch.Stats.p(99),
        ),
        threshold: props.completionLagAlarmThreshold.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: COMPLETION_LAG_ALARM_PERIODS,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
  return alarms;
}

/** Every alarm notifies the topic. */
export function notify(alarms: cloudwatch.Alarm[], topic: sns.ITopic): void {
  const action = new cloudwatchActions.SnsAction(topic);
  for (const alarm of alarms) alarm.addAlarmAction(action);
}

/**
 * The topic the alarms notify when none is given: encrypted with its own key (CloudWatch cannot
 * publish to a topic under the AWS managed key aws/sns, whose policy nobody can change), TLS only,
 * and open to CloudWatch alarms of this account only.
 */
export function alarmTopic(scope: Construct, id: string, props: { topicName: string }): sns.Topic {
  const masterKey = new kms.Key(scope, `${id}Key`, {
    description: `Encrypts the alarm topic ${props.topicName}`,
    enableKeyRotation: true,
    // Nothing else uses the key: it goes with the topic.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const topic = new sns.Topic(scope, id, {
    topicName: props.topicName,
    masterKey,
    enforceSSL: true,
  });
  // Publishing to an encrypted topic also needs the key: grantPublish grants both.
  topic.grantPublish(
    new iam.ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
      },
    }),
  );
  return topic;
}

/**
 * EventBridge gives the metrics of a rule on a custom bus the dimensions EventBusName and RuleName,
 * and those of a rule on the default bus RuleName alone. CloudFormation's Ref of a rule on a custom
 * bus is `<bus>|<rule>`, not its name.
 */
function ruleDimensions(
  rule: events.Rule,
  bus: events.IEventBus | undefined,
): cloudwatch.DimensionsMap {
  if (!bus || bus.eventBusName === 'default') return { RuleName: rule.ruleName };
  return {
    EventBusName: bus.eventBusName,
    RuleName: Fn.select(1, Fn.split('|', rule.ruleName)),
  };
}

/** Pages on any value above 0 in one period: each of these is an event to act on. */
function atOnce(
  scope: Construct,
  id: string,
  stack: string,
  metric: cloudwatch.IMetric,
  meaning: string,
  firstStep: string,
  runbookEntry = id,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: describe(stack, runbookEntry, meaning, firstStep),
    metric,
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

function describe(stack: string, runbookEntry: string, meaning: string, firstStep: string) {
  return `${stack}: ${meaning} First: ${firstStep}. Runbook: docs/runbook.md#${runbookEntry.toLowerCase()}`;
}
