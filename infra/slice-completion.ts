// The slice-completion Lambda and the ways events reach it: every asynchronous path (EventBridge
// rules, SendMessage, Lambda destinations) through one SQS buffer that an event source mapping
// reads with bounded concurrency, and direct invocation for pipelines that need an answer. Each
// way an event can fail is caught in its own queue and alarmed on: EventBridge could not deliver
// it (target DLQ), the function failed it for good or past every retry from the buffer (buffer
// DLQ), or failed it on a direct asynchronous invoke (on-failure destination, with the error).
// The alarms are in alarms.ts, the saved Logs Insights queries in log-queries.ts.
import { readFileSync } from 'node:fs';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COMPLETION_DETAIL_TYPE } from '../functions/slice-completion/detail-types.ts';
import { alarmTopic, notify, sliceCompletionAlarms } from './alarms.ts';
import { type BufferSetting, bufferSettingProblem } from './buffer-limits.ts';
import { sliceCompletionDashboard } from './dashboard.ts';
import { logQueries } from './log-queries.ts';
import { functionDir, root } from './paths.ts';
import { BASE_NAME, metricsNamespace, stageName } from './stage.ts';

export interface SliceCompletionProps {
  /**
   * Names a second, independent copy in the same account and region: every name the construct
   * sets carries it, and the function writes its metrics to the namespace
   * `Kodexa/SliceCompletion/<stage>`, which its dashboard and alarms read.
   * @default no stage: the names and the namespace `Kodexa/SliceCompletion` of a single copy
   */
  readonly stage?: string;
  /** Base URL of the Kodexa platform, e.g. `https://platform.kodexa.ai`. */
  readonly kodexaUrl: string;
  /**
   * The existing secret holding the Kodexa API key, imported by complete ARN or by name
   * (`Secret.fromSecretNameV2`, looked up in the function's own account and region).
   */
  readonly apiKeySecret: secretsmanager.ISecret;
  /**
   * The bus completion events and pipeline destination records arrive on.
   * @default the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * `source` values of the `Execution Slice Completed` events to deliver.
   * @default ['kodexa.pipeline']
   */
  readonly completionEventSources?: string[];
  /**
   * Pipeline Lambdas whose on-success/on-failure destination is `eventBus`: their destination
   * records go to the buffer.
   * @default none
   */
  readonly pipelineFunctionArns?: string[];
  /**
   * The topic every alarm notifies.
   * @default a topic of its own, `SliceCompletion[-<stage>]-alarms`, KMS-encrypted and TLS-only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Subscribes this address to the alarm topic (it must confirm the subscription).
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * The function's memory in MB, which also sets its share of CPU.
   * @default 224
   */
  readonly memorySize?: number;
  /**
   * Caps concurrent executions of every path together (buffer, direct invokes). At least
   * `maxConcurrency`: the event source mapping does not see reserved concurrency, and its
   * invokes beyond it are throttled, which returns their messages to the buffer and uses up
   * receives.
   * @default unreserved
   */
  readonly reservedConcurrency?: number;
  /**
   * The most concurrent invocations the buffer's event source mapping makes (2 to 1000). Kodexa
   * sees at most `maxConcurrency` x `batchSize` requests in flight from the buffer.
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * The most messages in one invocation from the buffer (1 to 10).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping may gather messages before it invokes (whole seconds, up
   * to 5 minutes); every completion can wait this long.
   * @default none: invoked with what one poll returns
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Creates an EventBridge schema registry of this name, holding the schema of the
   * `Execution Slice Completed` event, from which pipeline authors download code bindings.
   * @default no registry
   */
  readonly schemaRegistryName?: string;
  /**
   * Alarm when the p99 of `CompletionLag` (a completion's `completedAt` to Kodexa accepting the
   * write) stays above this for three 5-minute periods in a row.
   * @default no such alarm
   */
  readonly completionLagAlarmThreshold?: Duration;
}

/** Props out of range: every problem, each naming its prop, as readContext names `-c` values. */
export class InvalidSliceCompletionProps extends Error {
  override readonly name = 'InvalidSliceCompletionProps';
}

const DESTINATION_DETAIL_TYPES = [
  'Lambda Function Invocation Result - Success',
  'Lambda Function Invocation Result - Failure',
  // AWS has been seen to write the failure detail-type with an en dash.
  'Lambda Function Invocation Result – Failure',
];

/** Room for the function's own retries against Kodexa, within one invocation. */
const FUNCTION_TIMEOUT = Duration.seconds(60);

/**
 * The buffer's event source mapping. 5 concurrent batches of 10: at most 50 requests in flight
 * to Kodexa, which at a GET + PUT of 200 ms drains 5,000 completions in about 20 s, while using
 * 5 of the account's 1,000 concurrent executions. No batching window: a burst fills batches
 * anyway, and a lone completion is not kept waiting.
 */
export const DEFAULT_MAX_CONCURRENCY = 5;
const DEFAULT_BATCH_SIZE = 10;

/**
 * AWS's guidance for a queue read by Lambda: a visibility timeout of at least 6x the function
 * timeout, room for the mapping to retry a throttled batch. Plus the batching window, during
 * which the mapping already holds the messages it gathers.
 */
const VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT = 6;
/**
 * Receives before a message leaves the buffer for its DLQ, long enough to ride out a Kodexa
 * outage of hours. Between receives a message waits the time the function sets when it hands it
 * back (2 s doubling to 15 minutes), or the visibility timeout when it could not (a crash, a
 * timeout): 60 receives are about 13 hours of retries, and at least 6 (59 x 6 minutes). The
 * function dead-letters what no retry can fix at its first receive, and the last one itself.
 */
const BUFFER_MAX_RECEIVE_COUNT = 60;
/**
 * A message waits in the buffer through a stalled mapping (the age alarm fires after 15
 * minutes) for a week. Shorter than a DLQ's 14 days, as AWS advises: SQS keeps a message's
 * original enqueue time when it moves it to the DLQ, so it has at least 7 days there.
 */
const BUFFER_RETENTION = Duration.days(7);
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * Lambda's handling of direct asynchronous invocations (`Event` invokes, destinations set to
 * the function rather than the buffer), both at their maximum: a failed event is retried twice,
 * a minute and then two apart, before the on-failure queue; and a throttled event (see
 * `reservedConcurrency`) waits up to 6 hours, so a burst is slowed down rather than moved to the
 * on-failure queue.
 */
const ASYNC_RETRY_ATTEMPTS = 2;
const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/**
 * EventBridge only fails to deliver when SQS refuses the message (throttled, missing
 * permission, queue gone): retry for a while, then park the event in the target DLQ so it can
 * be replayed once the cause is fixed.
 */
const TARGET_RETRY_ATTEMPTS = 10;
const TARGET_MAX_EVENT_AGE = Duration.hours(2);

/**
 * The smallest size at which the function's peak RSS, under the V8 limits Lambda sets for the size,
 * stays within 70% of it over a warm run of direct invocations and batches (`npm run bench`,
 * docs/performance.md): about 63% here, over 70% at 192 MB.
 */
export const DEFAULT_MEMORY_SIZE = 224;

/** The whole `Execution Slice Completed` event in JSON Schema draft 4 (`npm run schema`). */
const EVENT_SCHEMA_FILE = `${root}schema/execution-slice-completed.draft4.schema.json`;

export class SliceCompletion extends Construct {
  readonly function: lambda.Function;
  /**
   * Every asynchronous completion: the EventBridge rules' targets, and a pipeline's SendMessage
   * (any of the three shapes as the body) or Lambda destination. Read by the function's event
   * source mapping.
   */
  readonly buffer: sqs.Queue;
  /**
   * What the function failed for good (original body; attributes `ErrorName`, `ErrorMessage`),
   * and what SQS moved here after `maxReceiveCount` receives (no attributes).
   */
  readonly bufferDeadLetterQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the buffer. */
  readonly targetDeadLetterQueue: sqs.Queue;
  /** Events the function failed to process after all async retries, with the error. */
  readonly onFailureQueue: sqs.Queue;
  /** The `Execution Slice Completed` event's schema, when `schemaRegistryName` is given. */
  readonly eventSchema?: eventschemas.CfnSchema;
  /** The function's Lambda metrics, its own metrics and the queues, with the alarms. */
  readonly dashboard: cloudwatch.Dashboard;
  /** What every alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SliceCompletionProps) {
    super(scope, id);

    const namespace = metricsNamespace(props.stage);
    const names = stageName(BASE_NAME, props.stage);

    checkProps(this, props);
    const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;

    this.targetDeadLetterQueue = deadLetterQueue(this, 'TargetDeadLetterQueue');
    this.onFailureQueue = deadLetterQueue(this, 'OnFailureQueue');
    this.bufferDeadLetterQueue = new sqs.Queue(this, 'BufferDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(0);
    this.buffer = new sqs.Queue(this, 'Buffer', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: BUFFER_RETENTION,
      visibilityTimeout: Duration.seconds(
        VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT * FUNCTION_TIMEOUT.toSeconds() +
          maxBatchingWindow.toSeconds(),
      ),
      deadLetterQueue: {
        queue: this.bufferDeadLetterQueue,
        maxReceiveCount: BUFFER_MAX_RECEIVE_COUNT,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    // Its own role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // Exactly the bundle the tests load: cdk.json's `build` step writes it before every synth.
      code: lambda.Code.fromAsset(functionDir),
      timeout: FUNCTION_TIMEOUT,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        KODEXA_URL: props.kodexaUrl,
        KODEXA_API_KEY_SECRET_ID: secretId(props.apiKeySecret),
        BUFFER_QUEUE_URL: this.buffer.queueUrl,
        BUFFER_DEAD_LETTER_QUEUE_URL: this.bufferDeadLetterQueue.queueUrl,
        BUFFER_MAX_RECEIVE_COUNT: String(BUFFER_MAX_RECEIVE_COUNT),
        NODE_OPTIONS: '--enable-source-maps',
        // Only with a stage: without one, the function's own default is the namespace.
        ...(props.stage && { POWERTOOLS_METRICS_NAMESPACE: namespace }),
      },
      reservedConcurrentExecutions: props.reservedConcurrency,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: ASYNC_MAX_EVENT_AGE,
      onFailure: sendOnlyDestination(this.onFailureQueue),
    });
    // GetSecretValue only: grantRead would add DescribeSecret, which the function never calls.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnForPolicies(props.apiKeySecret)],
      }),
    );

    // SendMessage alone: the function has the URL, so not grantSendMessages' GetQueueUrl and
    // GetQueueAttributes.
    this.bufferDeadLetterQueue.grant(this.function, 'sqs:SendMessage');
    // On the buffer, what the event source mapping calls with the function's role (AWS's Lambda
    // guide: ReceiveMessage, DeleteMessage, GetQueueAttributes), and the visibility changes the
    // function makes on the records it hands back (ChangeMessageVisibilityBatch is allowed by
    // ChangeMessageVisibility). The L2 EventSourceMapping grants nothing itself, and
    // grantConsumeMessages would add GetQueueUrl, which nothing calls.
    this.buffer.grant(
      this.function,
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ChangeMessageVisibility',
    );
    // A mapping of its own id rather than addEventSource's, whose logical id carries the stack's
    // name: a stage's copy and the stack without one keep the same logical ids.
    new lambda.EventSourceMapping(this, 'BufferEventSourceMapping', {
      target: this.function,
      eventSourceArn: this.buffer.queueArn,
      reportBatchItemFailures: true,
      maxConcurrency,
      batchSize: props.batchSize ?? DEFAULT_BATCH_SIZE,
      maxBatchingWindow: maxBatchingWindow.toSeconds() > 0 ? maxBatchingWindow : undefined,
    });

    const completionRule = new events.Rule(this, 'CompletionEventsRule', {
      description: 'Execution Slice Completed events, to the slice-completion buffer',
      eventBus: props.eventBus,
      eventPattern: {
        source: props.completionEventSources ?? ['kodexa.pipeline'],
        detailType: [COMPLETION_DETAIL_TYPE],
      },
      targets: [this.target()],
    });

    const pipelineFunctionArns = props.pipelineFunctionArns ?? [];
    let destinationRule: events.Rule | undefined;
    if (pipelineFunctionArns.length > 0) {
      destinationRule = new events.Rule(this, 'DestinationRecordsRule', {
        description: 'Pipeline Lambda destination records, to the slice-completion buffer',
        eventBus: props.eventBus,
        eventPattern: {
          source: ['lambda'],
          detailType: DESTINATION_DETAIL_TYPES,
          detail: {
            requestContext: {
              // The record's functionArn carries the invoked qualifier (`:$LATEST`, a version or
              // an alias); the `:` keeps pipeline-a from also matching pipeline-ab.
              functionArn: pipelineFunctionArns.flatMap((arn) => [arn, { prefix: `${arn}:` }]),
            },
          },
        },
        targets: [this.target()],
      });
    }

    if (props.schemaRegistryName) {
      this.eventSchema = eventSchema(this, props.schemaRegistryName);
    }

    this.alarms = sliceCompletionAlarms(this, {
      function: this.function,
      metricsNamespace: namespace,
      buffer: this.buffer,
      bufferDeadLetterQueue: this.bufferDeadLetterQueue,
      targetDeadLetterQueue: this.targetDeadLetterQueue,
      onFailureQueue: this.onFailureQueue,
      rules: destinationRule ? [completionRule, destinationRule] : [completionRule],
      eventBus: props.eventBus,
      completionLagAlarmThreshold: props.completionLagAlarmThreshold,
    });
    this.alarmTopic =
      props.alarmTopic ?? alarmTopic(this, 'AlarmTopic', { topicName: `${names}-alarms` });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    notify(this.alarms, this.alarmTopic);

    logQueries(this, { folder: names, logGroup });

    this.dashboard = sliceCompletionDashboard(this, 'Dashboard', {
      // Named only with a stage, so that the dashboard of a stack without one stays where it is.
      dashboardName: props.stage && names,
      metricsNamespace: namespace,
      function: this.function,
      buffer: this.buffer,
      bufferDeadLetterQueue: this.bufferDeadLetterQueue,
      targetDeadLetterQueue: this.targetDeadLetterQueue,
      onFailureQueue: this.onFailureQueue,
      alarms: this.alarms,
    });
  }

  /**
   * Lets a pipeline send completions to the buffer: `SendMessage` with any of the three shapes as
   * the body, or a Lambda destination (the grantee is then the pipeline's execution role).
   * SendMessage only: a sender has the URL (output `BufferQueueUrl`).
   */
  grantSendCompletions(grantee: iam.IGrantable): iam.Grant {
    return this.buffer.grant(grantee, 'sqs:SendMessage');
  }

  private target(): events.IRuleTarget {
    return sendOnlyQueueTarget(this.buffer, {
      retryAttempts: TARGET_RETRY_ATTEMPTS,
      maxEventAge: TARGET_MAX_EVENT_AGE,
      deadLetterQueue: this.targetDeadLetterQueue,
    });
  }
}

/**
 * What the function passes to GetSecretValue. A complete ARN when known. Otherwise (imported by
 * name) the plain name rather than the partial ARN: Secrets Manager resolves a partial ARN by
 * prefix and takes one whose name ends in `-` and six characters for a complete ARN, while a name
 * in the function's own account and region is an exact match.
 */
function secretId(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}

/**
 * The secret's ARN for a policy. Imported by name, only the partial ARN is known, and the secret's
 * complete ARN ends in `-` and six random characters, which the wildcard stands for.
 */
function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * The on-failure destination, allowed only what Lambda calls: SendMessage, as AWS's Lambda guide
 * lists for an SQS destination. SqsDestination's grant adds GetQueueAttributes and GetQueueUrl.
 */
function sendOnlyDestination(queue: sqs.Queue): lambda.IDestination {
  return {
    bind: (_scope, fn) => {
      queue.grant(fn, 'sqs:SendMessage');
      return { destination: queue.queueArn };
    },
  };
}

/**
 * The ranges the `-c` values are held to (buffer-limits.ts), for a user of the construct, whom
 * context.ts never sees; a value CDK resolves only at deploy time (a token) is left to CloudFormation.
 */
function checkProps(scope: Construct, props: SliceCompletionProps): void {
  const problems: string[] = [];
  const check = (setting: BufferSetting, value: number | undefined, name?: string) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    const problem = bufferSettingProblem(setting, value, { name });
    if (problem) problems.push(problem);
  };
  check('maxConcurrency', props.maxConcurrency);
  check('batchSize', props.batchSize);
  const window = props.maxBatchingWindow;
  if (window && !Token.isUnresolved(window)) {
    check('maxBatchingWindowSeconds', window.toSeconds({ integral: false }), 'maxBatchingWindow');
  }
  const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (props.reservedConcurrency !== undefined && props.reservedConcurrency < maxConcurrency) {
    problems.push(
      `reservedConcurrency (${props.reservedConcurrency}) is below maxConcurrency (${maxConcurrency}): the buffer's event source mapping would be throttled`,
    );
  }
  if (problems.length > 0) {
    throw new InvalidSliceCompletionProps(
      `Invalid props for the SliceCompletion construct ${scope.node.path}:\n- ${problems.join('\n- ')}`,
    );
  }
}

/**
 * The queue as a rule's target, as CDK's SqsQueue target binds it, but allowing each rule only
 * SendMessage, all EventBridge calls: SqsQueue grants as grantSendMessages does, which adds
 * GetQueueAttributes and GetQueueUrl. For a queue without a KMS key (the buffer's is SQS-managed).
 */
function sendOnlyQueueTarget(queue: sqs.Queue, props: targets.TargetBaseProps): events.IRuleTarget {
  return {
    bind: (rule) => {
      queue.grant(
        new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { ArnEquals: { 'aws:SourceArn': events.CfnRule.arnForRule(rule) } },
        }),
        'sqs:SendMessage',
      );
      if (props.deadLetterQueue) {
        targets.addToDeadLetterQueueResourcePolicy(rule, props.deadLetterQueue);
      }
      return { ...targets.bindBaseTargetConfig(props), arn: queue.queueArn, targetResource: queue };
    },
  };
}

function eventSchema(scope: Construct, registryName: string): eventschemas.CfnSchema {
  const content = readFileSync(EVENT_SCHEMA_FILE, 'utf8');
  const { title, 'x-amazon-events-source': source } = JSON.parse(content);
  const registry = new eventschemas.CfnRegistry(scope, 'SchemaRegistry', {
    registryName,
    description: 'Events that pipeline Lambdas send to the slice-completion function',
  });
  return new eventschemas.CfnSchema(scope, 'EventSchema', {
    registryName: registry.attrRegistryName,
    // Named as EventBridge names the schemas it discovers: <source>@<DetailType>.
    schemaName: `${source}@${title}`,
    type: 'JSONSchemaDraft4',
    content,
    description: `${COMPLETION_DETAIL_TYPE}: what a pipeline Lambda reports when it has finished a slice`,
  });
}

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
    // It holds events nobody has replayed yet: `cdk destroy`, or a change that replaces it, must
    // not delete them (docs/runbook.md, Teardown).
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue: nothing redrives from it automatically.',
  });
  return queue;
}
