import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { bundlePath, root } from '../../infra/build.ts';
import { SliceCompletion } from '../../infra/slice-completion.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kodexa/api-key-AbCdEf';
const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops';
const pipelineA = 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-a';
const pipelineB = 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-b';

const minimalContext = {
  kodexaUrl: 'https://platform.kodexa.ai',
  apiKeySecretName: 'kodexa/api-key',
};
const fullContext = {
  kodexaUrl: 'https://platform.kodexa.ai',
  apiKeySecretArn: secretArn,
  eventBusName: 'kodexa',
  completionEventSources: 'kodexa.pipeline,acme.pipeline',
  pipelineFunctionArns: `${pipelineA},${pipelineB}`,
  alarmTopicArn: topicArn,
  reservedConcurrency: '5',
  maxConcurrency: '4',
  batchSize: '5',
  maxBatchingWindowSeconds: '2',
  schemaRegistryName: 'acme-pipelines',
  completionLagAlarmMs: '60000',
};

// The feature flags in cdk.json, which `cdk synth` and `cdk deploy` apply: the template tested is
// the template deployed.
const { context: featureFlags } = JSON.parse(readFileSync(`${root}cdk.json`, 'utf8'));
const outdirs: string[] = [];

function appWith(context: Record<string, string>): App {
  const outdir = mkdtempSync(join(tmpdir(), 'slice-completion-cdk-'));
  outdirs.push(outdir);
  return createApp({ context: { ...featureFlags, ...context }, outdir });
}

/** One synthesized app, its stack's template and the logical IDs of the resources under test. */
class Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly assembly: CloudAssembly;
  readonly template: Template;
  readonly ids: {
    function: string;
    role: string;
    logGroup: string;
    buffer: string;
    bufferDeadLetterQueue: string;
    targetDeadLetterQueue: string;
    onFailureQueue: string;
  };

  constructor(context: Record<string, string>) {
    this.app = appWith(context);
    this.stack = this.app.node.findChild('SliceCompletion') as Stack;
    // Runs cdk-nag: it throws on any unacknowledged finding.
    this.assembly = this.app.synth();
    this.template = Template.fromStack(this.stack);
    const construct = this.stack.node.findChild('SliceCompletion') as SliceCompletion;
    this.ids = {
      function: this.idOf(construct.function),
      role: this.idOf(construct.function.role as IConstruct),
      logGroup: this.idOf(construct.node.findChild('LogGroup')),
      buffer: this.idOf(construct.buffer),
      bufferDeadLetterQueue: this.idOf(construct.bufferDeadLetterQueue),
      targetDeadLetterQueue: this.idOf(construct.targetDeadLetterQueue),
      onFailureQueue: this.idOf(construct.onFailureQueue),
    };
  }

  private idOf(construct: IConstruct): string {
    return this.stack.resolve((construct.node.defaultChild as CfnResource).logicalId);
  }

  policyStatements(): Array<Record<string, unknown>> {
    return Object.values(this.template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
  }
}

interface AssetManifest {
  files: Record<
    string,
    {
      source: { path: string; packaging: string };
      destinations: Record<string, { objectKey: string }>;
    }
  >;
}

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

let minimal: Synthesized;
let full: Synthesized;

beforeAll(() => {
  minimal = new Synthesized(minimalContext);
  full = new Synthesized(fullContext);
});

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

describe('the function', () => {
  it('runs the bundle on Node 24, arm64, with a 60 s timeout', () => {
    minimal.template.resourceCountIs('AWS::Lambda::Function', 1);
    minimal.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      Role: arnOf(minimal.ids.role),
    });
  });

  it('deploys exactly the bytes of dist/slice-completion/index.mjs', () => {
    // The zip the function's Code points at, as the asset manifest tells `cdk deploy` to build it.
    const fn = minimal.template.findResources('AWS::Lambda::Function')[minimal.ids.function];
    const manifest: AssetManifest = JSON.parse(
      readFileSync(`${minimal.assembly.directory}/${minimal.stack.artifactId}.assets.json`, 'utf8'),
    );
    const assets = Object.values(manifest.files).filter((file) =>
      Object.values(file.destinations).some((d) => d.objectKey === fn?.Properties.Code.S3Key),
    );
    expect(assets).toHaveLength(1);
    expect(assets[0]?.source.packaging).toBe('zip');

    const staged = `${minimal.assembly.directory}/${assets[0]?.source.path}`;
    expect(readdirSync(staged).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(readFileSync(`${staged}/index.mjs`).equals(readFileSync(bundlePath))).toBe(true);
  });

  it('gets the Kodexa URL, the secret by name when imported by name, the buffer and source maps', () => {
    minimal.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          KODEXA_URL: 'https://platform.kodexa.ai',
          KODEXA_API_KEY_SECRET_ID: 'kodexa/api-key',
          BUFFER_QUEUE_URL: { Ref: minimal.ids.buffer },
          BUFFER_DEAD_LETTER_QUEUE_URL: { Ref: minimal.ids.bufferDeadLetterQueue },
          BUFFER_MAX_RECEIVE_COUNT: '60',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('is told the maxReceiveCount the buffer’s redrive policy has', () => {
    for (const s of [minimal, full]) {
      const fn = s.template.findResources('AWS::Lambda::Function')[s.ids.function];
      const buffer = s.template.findResources('AWS::SQS::Queue')[s.ids.buffer];
      expect(fn?.Properties.Environment.Variables.BUFFER_MAX_RECEIVE_COUNT).toBe(
        String(buffer?.Properties.RedrivePolicy.maxReceiveCount),
      );
    }
  });

  it('gets the complete secret ARN when imported by ARN', () => {
    full.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KODEXA_API_KEY_SECRET_ID: secretArn }) },
    });
  });

  it('logs JSON into its own log group, with a retention period', () => {
    minimal.template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: minimal.ids.logGroup } },
    });
    minimal.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('reserves concurrency only when asked to', () => {
    minimal.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
    full.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
    });
  });
});

describe('IAM', () => {
  it('gives the function its own role, trusted by Lambda only, with no managed policy', () => {
    minimal.template.resourceCountIs('AWS::IAM::Role', 1);
    minimal.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('allows writing its logs, sending to the on-failure queue and the buffer DLQ, reading the secret and the buffer, no more', () => {
    expect(minimal.policyStatements()).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.logGroup),
      },
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.onFailureQueue),
      },
      {
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              // Secrets Manager's random suffix, unknown for a secret imported by name.
              ':secret:kodexa/api-key-??????',
            ],
          ],
        },
      },
      // Only SendMessage: the function has the URL (no GetQueueUrl, GetQueueAttributes).
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.bufferDeadLetterQueue),
      },
      // The event source mapping's: receive and delete, and the function's visibility changes.
      {
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.buffer),
      },
    ]);
  });

  it('reads the secret imported by ARN at exactly that ARN', () => {
    expect(full.policyStatements()).toContainEqual({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Effect: 'Allow',
      Resource: secretArn,
    });
  });

  it('has no wildcard action or resource anywhere', () => {
    for (const synthesized of [minimal, full]) {
      for (const statement of synthesized.policyStatements()) {
        expect([statement.Action].flat().join()).not.toContain('*');
        expect([statement.Resource].flat()).not.toContain('*');
      }
    }
  });

  it('imports the secret and never creates one', () => {
    for (const { template } of [minimal, full]) {
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    }
  });
});

describe('EventBridge delivery', () => {
  const target = (s: Synthesized) => [
    {
      Id: 'Target0',
      Arn: arnOf(s.ids.buffer),
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 },
      DeadLetterConfig: { Arn: arnOf(s.ids.targetDeadLetterQueue) },
    },
  ];

  it('routes Execution Slice Completed events from kodexa.pipeline on the default bus', () => {
    minimal.template.resourceCountIs('AWS::Events::Rule', 1);
    minimal.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: Match.objectEquals({
        source: ['kodexa.pipeline'],
        'detail-type': ['Execution Slice Completed'],
      }),
      Targets: target(minimal),
    });
  });

  it('routes them from the configured sources on the configured bus', () => {
    full.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'kodexa',
      EventPattern: Match.objectEquals({
        source: ['kodexa.pipeline', 'acme.pipeline'],
        'detail-type': ['Execution Slice Completed'],
      }),
      Targets: target(full),
    });
  });

  it('routes the pipeline Lambdas’ destination records, whatever their qualifier', () => {
    full.template.resourceCountIs('AWS::Events::Rule', 2);
    full.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'kodexa',
      EventPattern: Match.objectEquals({
        source: ['lambda'],
        'detail-type': [
          'Lambda Function Invocation Result - Success',
          'Lambda Function Invocation Result - Failure',
          'Lambda Function Invocation Result – Failure',
        ],
        detail: {
          requestContext: {
            functionArn: [
              pipelineA,
              { prefix: `${pipelineA}:` },
              pipelineB,
              { prefix: `${pipelineB}:` },
            ],
          },
        },
      }),
      Targets: target(full),
    });
  });

  it('invokes the function from no rule: every event goes through the buffer', () => {
    full.template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  const allowsOn = (queue: string) => {
    const policy = Object.values(full.template.findResources('AWS::SQS::QueuePolicy')).find(
      (p) => p.Properties.Queues[0].Ref === queue,
    );
    return policy?.Properties.PolicyDocument.Statement.filter(
      (s: { Effect: string }) => s.Effect === 'Allow',
    );
  };

  it('lets each rule, and nothing else, send to the buffer', () => {
    const rules = Object.keys(full.template.findResources('AWS::Events::Rule'));
    expect(allowsOn(full.ids.buffer)).toEqual(
      rules.map((rule) => ({
        // CDK's SqsQueue target grants as grantSendMessages does.
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule) } },
        Resource: arnOf(full.ids.buffer),
      })),
    );
  });

  it('lets each rule, and nothing else, send to the target DLQ', () => {
    const rules = Object.keys(full.template.findResources('AWS::Events::Rule'));
    expect(allowsOn(full.ids.targetDeadLetterQueue)).toEqual(
      rules.map((rule) => ({
        Sid: expect.any(String),
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule) } },
        Resource: arnOf(full.ids.targetDeadLetterQueue),
      })),
    );
  });
});

describe('the buffer’s event source mapping', () => {
  it('reads the buffer with partial batch responses, at most 5 batches of 10 at once by default', () => {
    minimal.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    minimal.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(minimal.ids.buffer),
      FunctionName: { Ref: minimal.ids.function },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  it('takes maxConcurrency, batchSize and maxBatchingWindowSeconds from the context', () => {
    full.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 2,
    });
  });
});

describe('asynchronous invocation', () => {
  it('retries twice within 6 hours, then sends the event with its error to the on-failure queue', () => {
    minimal.template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    minimal.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: minimal.ids.function },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 60 * 60,
      DestinationConfig: {
        OnFailure: { Destination: arnOf(minimal.ids.onFailureQueue) },
        OnSuccess: Match.absent(),
      },
    });
  });
});

describe('queues', () => {
  const queue = (s: Synthesized, id: string) => s.template.findResources('AWS::SQS::Queue')[id];
  const deadLetterQueues = (s: Synthesized) => [
    s.ids.bufferDeadLetterQueue,
    s.ids.targetDeadLetterQueue,
    s.ids.onFailureQueue,
  ];

  it('are the buffer and three dead-letter queues, SQS-encrypted, the DLQs keeping messages 14 days', () => {
    minimal.template.resourceCountIs('AWS::SQS::Queue', 4);
    for (const id of deadLetterQueues(minimal)) {
      expect(queue(minimal, id)?.Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 60 * 60,
      });
    }
    expect(queue(minimal, minimal.ids.buffer)?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 7 * 24 * 60 * 60,
    });
  });

  it('give the buffer a visibility timeout of 6x the function timeout, plus the batching window', () => {
    const timeout = (s: Synthesized) =>
      s.template.findResources('AWS::Lambda::Function')[s.ids.function]?.Properties.Timeout;
    expect(queue(minimal, minimal.ids.buffer)?.Properties.VisibilityTimeout).toBe(
      6 * timeout(minimal),
    );
    expect(queue(full, full.ids.buffer)?.Properties.VisibilityTimeout).toBe(6 * timeout(full) + 2);
  });

  it('move a buffer message to the buffer DLQ after 60 receives: 6 hours of retries or more', () => {
    const { Properties } = queue(minimal, minimal.ids.buffer) ?? {};
    expect(Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(minimal.ids.bufferDeadLetterQueue),
      maxReceiveCount: 60,
    });
    // When no receive could set its own wait (crashes, timeouts); the function's waits add up to more.
    expect(Properties.VisibilityTimeout * Properties.RedrivePolicy.maxReceiveCount).toBe(6 * 3600);
  });

  it('keep a message in the buffer for days, and shorter than in its DLQ', () => {
    const buffer = queue(minimal, minimal.ids.buffer)?.Properties;
    const deadLetters = queue(minimal, minimal.ids.bufferDeadLetterQueue)?.Properties;
    // SQS keeps the enqueue time of a message it moves: it has the difference left in the DLQ.
    expect(deadLetters.MessageRetentionPeriod - buffer.MessageRetentionPeriod).toBe(
      7 * 24 * 60 * 60,
    );
  });

  it('keep the buffer and its DLQ when the stack is deleted or they are replaced', () => {
    for (const id of [minimal.ids.buffer, minimal.ids.bufferDeadLetterQueue]) {
      expect(queue(minimal, id)).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('refuse requests without TLS', () => {
    for (const queue of [minimal.ids.buffer, ...deadLetterQueues(minimal)]) {
      minimal.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'sqs:*',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: arnOf(queue),
            },
          ]),
        },
      });
    }
  });
});

describe('alarms', () => {
  const expected = (s: Synthesized) => [
    { Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', on: s.ids.function },
    { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', on: s.ids.function },
    {
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Statistic: 'Sum',
      on: s.ids.function,
    },
    {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      on: s.ids.targetDeadLetterQueue,
    },
    {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      on: s.ids.onFailureQueue,
    },
    {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      on: s.ids.bufferDeadLetterQueue,
    },
  ];

  const dimension = (s: Synthesized, on: string) =>
    on === s.ids.function
      ? { Name: 'FunctionName', Value: { Ref: on } }
      : { Name: 'QueueName', Value: { 'Fn::GetAtt': [on, 'QueueName'] } };

  it('fire on any function error, throttle or dropped event, or any message in a DLQ', () => {
    minimal.template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    for (const { on, ...metric } of expected(minimal)) {
      minimal.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...metric,
        Dimensions: [dimension(minimal, on)],
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
        AlarmActions: Match.absent(),
      });
    }
  });

  it('notify the alarm topic when one is given', () => {
    full.template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    for (const { on, ...metric } of expected(full)) {
      full.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...metric,
        Dimensions: [dimension(full, on)],
        AlarmActions: [topicArn],
      });
    }
  });

  it('fire when the oldest message in the buffer is over 15 minutes old', () => {
    for (const s of [minimal, full]) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [dimension(s, s.ids.buffer)],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 15 * 60,
        TreatMissingData: 'notBreaching',
        AlarmActions: s === full ? [topicArn] : Match.absent(),
      });
    }
  });

  it('include one on CompletionLag p99 only when completionLagAlarmMs is given', () => {
    full.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Kodexa/SliceCompletion',
      MetricName: 'CompletionLag',
      Dimensions: [{ Name: 'service', Value: 'slice-completion' }],
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 60_000,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicArn],
    });
    minimal.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'CompletionLag' },
      0,
    );
  });
});

describe('dashboard', () => {
  interface Widget {
    type: string;
    properties: {
      title: string;
      alarms?: string[];
      metrics?: Array<Array<string | { expression?: string; stat?: string }>>;
    };
  }

  /** The dashboard's widgets, each CloudFormation reference written as `<logicalId>`. */
  function widgets(s: Synthesized): Widget[] {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
    const parts: unknown[] = dashboard?.Properties.DashboardBody['Fn::Join'][1];
    const body = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const { Ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
        return `<${Ref ?? getAtt?.join('.')}>`;
      })
      .join('');
    return JSON.parse(body).widgets;
  }

  /** Each metric of a graph as `namespace name dimension=value... statistic`, or its expression. */
  function graphs(s: Synthesized): Map<string, string[]> {
    return new Map(
      widgets(s)
        .filter((w) => w.type === 'metric')
        .map((w) => [
          w.properties.title,
          (w.properties.metrics ?? []).map((metric) => {
            const options = metric.at(-1) as { expression?: string; stat?: string };
            if (options.expression) return options.expression;
            const [namespace, name, ...dimensions] = metric.slice(0, -1) as string[];
            const pairs = dimensions.flatMap((d, i) =>
              i % 2 ? [] : [`${d}=${dimensions[i + 1]}`],
            );
            return [namespace, name, ...pairs, options.stat].join(' ');
          }),
        ]),
    );
  }

  it('shows the function’s invocations, errors, throttles, cold starts, duration and concurrency', () => {
    const fn = `FunctionName=<${minimal.ids.function}>`;
    expect(Object.fromEntries(graphs(minimal))).toMatchObject({
      Invocations: [
        `AWS/Lambda Invocations ${fn} Sum`,
        `AWS/Lambda Errors ${fn} Sum`,
        `AWS/Lambda Throttles ${fn} Sum`,
        `Kodexa/SliceCompletion ColdStart function_name=<${minimal.ids.function}> service=slice-completion Sum`,
      ],
      Duration: [`AWS/Lambda Duration ${fn} p50`, `AWS/Lambda Duration ${fn} p99`],
      'Concurrent executions': [`AWS/Lambda ConcurrentExecutions ${fn} Maximum`],
    });
  });

  it('shows the function’s own metrics: outcomes, failures by ErrorName, retries, conflicts, lag', () => {
    const own = (name: string, stat: string) =>
      `Kodexa/SliceCompletion ${name} service=slice-completion ${stat}`;
    expect(Object.fromEntries(graphs(minimal))).toMatchObject({
      Outcomes: [
        own('SliceUpdated', 'Sum'),
        own('SliceUnchanged', 'Sum'),
        own('SliceStale', 'Sum'),
      ],
      'Failures by error': [
        `SEARCH('{Kodexa/SliceCompletion,ErrorName,service} MetricName="SliceCompletionFailed" service="slice-completion"', 'Sum', 300)`,
      ],
      'Kodexa retries and conflicts': [own('KodexaRetries', 'Sum'), own('KodexaConflicts', 'Sum')],
      'Completion lag (completedAt to written)': [
        own('CompletionLag', 'p50'),
        own('CompletionLag', 'p99'),
      ],
    });
  });

  const queue = (name: string, id: string, stat = 'Maximum') =>
    `AWS/SQS ${name} QueueName=<${id}.QueueName> ${stat}`;

  it('shows the buffer’s depth, the age of its oldest message, and what goes in and out', () => {
    const { buffer } = minimal.ids;
    expect(Object.fromEntries(graphs(minimal))).toMatchObject({
      'Buffer: messages': [
        queue('ApproximateNumberOfMessagesVisible', buffer),
        queue('ApproximateNumberOfMessagesNotVisible', buffer),
      ],
      'Buffer: age of oldest message': [queue('ApproximateAgeOfOldestMessage', buffer)],
      'Buffer: sent and done': [
        queue('NumberOfMessagesSent', buffer, 'Sum'),
        queue('NumberOfMessagesDeleted', buffer, 'Sum'),
      ],
    });
  });

  it('shows failed events waiting in the three dead-letter queues and the age of the oldest', () => {
    const { bufferDeadLetterQueue, targetDeadLetterQueue, onFailureQueue } = minimal.ids;
    const dlqs = [bufferDeadLetterQueue, targetDeadLetterQueue, onFailureQueue];
    expect(Object.fromEntries(graphs(minimal))).toMatchObject({
      'Failed events waiting': dlqs.map((id) => queue('ApproximateNumberOfMessagesVisible', id)),
      'Age of oldest failed event': dlqs.map((id) => queue('ApproximateAgeOfOldestMessage', id)),
    });
  });

  it('shows the state of every alarm', () => {
    for (const s of [minimal, full]) {
      const alarms = Object.keys(s.template.findResources('AWS::CloudWatch::Alarm'));
      const [widget] = widgets(s).filter((w) => w.type === 'alarm');
      expect(widget?.properties.alarms?.sort()).toEqual(alarms.map((id) => `<${id}.Arn>`).sort());
    }
  });
});

describe('the construct in another CDK app', () => {
  const build = (props: { reservedConcurrency?: number; maxConcurrency?: number } = {}) => {
    const stack = new Stack(new App(), 'Pipelines');
    const sliceCompletion = new SliceCompletion(stack, 'SliceCompletion', {
      kodexaUrl: 'https://platform.kodexa.ai',
      apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'kodexa/api-key'),
      ...props,
    });
    return { stack, sliceCompletion };
  };

  it('grantSendCompletions lets a pipeline’s role send to the buffer, and nothing more', () => {
    const { stack, sliceCompletion } = build();
    const pipelineRole = new iam.Role(stack, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    sliceCompletion.grantSendCompletions(pipelineRole);
    const template = Template.fromStack(stack);
    const idOf = (construct: IConstruct) =>
      stack.resolve((construct.node.defaultChild as CfnResource).logicalId);
    const [roleId, buffer] = [idOf(pipelineRole), idOf(sliceCompletion.buffer)];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
    );
    expect(policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement)).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(buffer) },
    ]);
  });

  it('refuses a reservedConcurrency below maxConcurrency, which would throttle the mapping', () => {
    expect(() => build({ reservedConcurrency: 4 })).toThrow(
      'reservedConcurrency (4) is below maxConcurrency (5)',
    );
    expect(() => build({ reservedConcurrency: 9, maxConcurrency: 10 })).toThrow(
      'reservedConcurrency (9) is below maxConcurrency (10)',
    );
    expect(() => build({ reservedConcurrency: 10, maxConcurrency: 10 })).not.toThrow();
  });
});

describe('the event schema registry', () => {
  const committedSchema = readFileSync(
    `${root}schema/execution-slice-completed.draft4.schema.json`,
    'utf8',
  );

  it('holds the committed draft-4 schema of the Execution Slice Completed event', () => {
    minimal.template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    minimal.template.resourceCountIs('AWS::EventSchemas::Schema', 1);
    const [registryId] = Object.keys(minimal.template.findResources('AWS::EventSchemas::Registry'));
    minimal.template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'kodexa-pipeline',
    });
    minimal.template.hasResourceProperties('AWS::EventSchemas::Schema', {
      RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
      SchemaName: 'kodexa.pipeline@ExecutionSliceCompleted',
      Type: 'JSONSchemaDraft4',
      Content: committedSchema,
    });
  });

  it('describes the events the completion rule routes, detail fields included', () => {
    const [schema] = Object.values(minimal.template.findResources('AWS::EventSchemas::Schema'));
    const content = JSON.parse(schema?.Properties.Content);
    const [rule] = Object.values(minimal.template.findResources('AWS::Events::Rule'));
    expect(rule?.Properties.EventPattern['detail-type']).toEqual(
      content.properties['detail-type'].enum,
    );
    expect(content.properties.detail.$ref).toBe('#/definitions/ExecutionSliceCompleted');
    expect(content.definitions.ExecutionSliceCompleted.required).toEqual([
      'sliceId',
      'lambdaRequestId',
    ]);
  });

  it('takes its name from schemaRegistryName, or is left out with none', () => {
    full.template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'acme-pipelines',
    });
    const without = Template.fromStack(
      appWith({ ...minimalContext, schemaRegistryName: 'none' }).node.findChild(
        'SliceCompletion',
      ) as Stack,
    );
    without.resourceCountIs('AWS::EventSchemas::Registry', 0);
    without.resourceCountIs('AWS::EventSchemas::Schema', 0);
  });
});

describe('outputs', () => {
  it('give the function ARN, the buffer’s URL and ARN, the dead-letter queue URLs and the dashboard URL', () => {
    expect(minimal.template.toJSON().Outputs).toEqual({
      FunctionArn: { Description: expect.any(String), Value: arnOf(minimal.ids.function) },
      BufferQueueUrl: { Description: expect.any(String), Value: { Ref: minimal.ids.buffer } },
      BufferQueueArn: { Description: expect.any(String), Value: arnOf(minimal.ids.buffer) },
      BufferDeadLetterQueueUrl: {
        Description: expect.any(String),
        Value: { Ref: minimal.ids.bufferDeadLetterQueue },
      },
      TargetDeadLetterQueueUrl: {
        Description: expect.any(String),
        Value: { Ref: minimal.ids.targetDeadLetterQueue },
      },
      OnFailureQueueUrl: {
        Description: expect.any(String),
        Value: { Ref: minimal.ids.onFailureQueue },
      },
      DashboardUrl: { Description: expect.any(String), Value: expect.anything() },
    });
  });
});

describe('the dashboard URL', () => {
  it('opens the stack’s dashboard in the CloudWatch console of its region', () => {
    const [dashboard] = Object.keys(minimal.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(minimal.template.toJSON().Outputs.DashboardUrl.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://console.aws.amazon.com/cloudwatch/home?region=',
          { Ref: 'AWS::Region' },
          '#dashboards/dashboard/',
          { Ref: dashboard },
        ],
      ],
    });
  });
});

describe('synth', () => {
  it('is environment-agnostic and looks nothing up', () => {
    for (const { stack, assembly } of [minimal, full]) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
      expect(assembly.manifest.missing).toBeUndefined();
    }
  });

  it('acknowledges only SQS3, and only on the dead-letter queues', () => {
    const acknowledged: Array<[string, string]> = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const rule of Object.keys(entry.data)) {
            acknowledged.push([construct.node.path, rule.replace(/^annotation::/i, '')]);
          }
        }
      }
      for (const child of construct.node.children) visit(child);
    };
    visit(full.app);
    expect(acknowledged).toEqual([
      ['SliceCompletion/SliceCompletion/TargetDeadLetterQueue', 'AwsSolutions-SQS3'],
      ['SliceCompletion/SliceCompletion/OnFailureQueue', 'AwsSolutions-SQS3'],
    ]);
  });

  it('fails on an unacknowledged cdk-nag finding', () => {
    const app = appWith(minimalContext);
    const stack = app.node.findChild('SliceCompletion') as Stack;
    new sqs.Queue(stack, 'Unchecked');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*SliceCompletion\/Unchecked/);
  });
});
