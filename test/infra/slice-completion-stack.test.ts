import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONGEST_HOLD_SECONDS } from '../../functions/slice-completion/hand-back.ts';
import { createApp } from '../../infra/app.ts';
import { bundlePath, root } from '../../infra/paths.ts';
import { SliceCompletion, type SliceCompletionProps } from '../../infra/slice-completion.ts';
import { thrownBy } from '../support/thrown-by.ts';

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

interface CfnPolicies {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
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

  // Only what the function and Lambda on its behalf call: CDK's grants would add DescribeSecret
  // (grantRead), GetQueueAttributes and GetQueueUrl (SqsDestination, grantSendMessages).
  it('allows writing its logs, sending to the on-failure queue and the buffer DLQ, reading the secret and the buffer, no more', () => {
    expect(minimal.policyStatements()).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.logGroup),
      },
      // Only SendMessage: the function has the URLs (no GetQueueUrl, GetQueueAttributes). The
      // buffer DLQ's for the function, the on-failure queue's for Lambda's destination.
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arnOf(minimal.ids.bufferDeadLetterQueue), arnOf(minimal.ids.onFailureQueue)],
      },
      {
        Action: 'secretsmanager:GetSecretValue',
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
      // The event source mapping's (receive, delete, the queue's attributes), and the function's
      // visibility changes; not grantConsumeMessages' GetQueueUrl, which nothing calls.
      {
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Effect: 'Allow',
        Resource: arnOf(minimal.ids.buffer),
      },
    ]);
  });

  it('reads the secret imported by ARN at exactly that ARN', () => {
    expect(full.policyStatements()).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
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
        // SendMessage alone: CDK's SqsQueue target would add GetQueueAttributes and GetQueueUrl.
        Action: 'sqs:SendMessage',
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

  // Every queue, so also one added later: each can hold events nobody has replayed yet.
  it('are all kept when the stack is deleted or a change replaces them', () => {
    for (const { template } of [minimal, full]) {
      const queues = Object.values(template.findResources('AWS::SQS::Queue'));
      expect(queues.length).toBeGreaterThanOrEqual(2);
      for (const queue of queues) {
        expect(queue).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
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

// What docs/runbook.md's Teardown says of each resource: CloudFormation deletes what has no
// DeletionPolicy.
describe('cdk destroy', () => {
  const withEmail = () =>
    Template.fromStack(
      appWith({ ...minimalContext, alarmEmail: 'ops@example.com' }).node.findChild(
        'SliceCompletion',
      ) as Stack,
    );

  it('keeps the queues and the log group, schedules the topic’s key for deletion, deletes the rest', () => {
    const template = withEmail();
    const policies = Object.values(template.toJSON().Resources as Record<string, CfnPolicies>).map(
      ({ Type, DeletionPolicy, UpdateReplacePolicy }) => ({
        Type,
        DeletionPolicy,
        UpdateReplacePolicy,
      }),
    );
    const kept = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
    const deleted = { DeletionPolicy: undefined, UpdateReplacePolicy: undefined };
    const expected: Record<string, object> = {
      'AWS::SQS::Queue': kept,
      'AWS::Logs::LogGroup': kept,
      'AWS::KMS::Key': { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' },
    };
    for (const resource of policies) {
      expect(resource).toEqual({ Type: resource.Type, ...(expected[resource.Type] ?? deleted) });
    }
    // the resources the runbook names, each there to be deleted or kept as it says
    expect(policies.map(({ Type }) => Type)).toEqual(
      expect.arrayContaining([
        'AWS::SQS::Queue',
        'AWS::Logs::LogGroup',
        'AWS::KMS::Key',
        'AWS::SNS::Topic',
        'AWS::SNS::Subscription',
        'AWS::Logs::QueryDefinition',
        'AWS::EventSchemas::Registry',
        'AWS::EventSchemas::Schema',
      ]),
    );
    // KMS's waiting period, 30 days, unless the template sets one
    template.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: Match.absent() });
  });
});

describe('alarms', () => {
  const lambdaDimension = (s: Synthesized) => [
    { Name: 'FunctionName', Value: { Ref: s.ids.function } },
  ];
  const queueDimension = (id: string) => [
    { Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } },
  ];
  const rulesOf = (s: Synthesized) => Object.keys(s.template.findResources('AWS::Events::Rule'));

  /** Every alarm's metric, threshold and periods, by the alarm's construct id. */
  function expected(s: Synthesized, bus?: string): Record<string, Record<string, unknown>> {
    const atOnce = {
      Threshold: 0,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    };
    const fatal = (errorName: string) => ({
      Namespace: 'Kodexa/SliceCompletion',
      MetricName: 'SliceCompletionFailed',
      Dimensions: [
        { Name: 'ErrorName', Value: errorName },
        { Name: 'service', Value: 'slice-completion' },
      ],
      Statistic: 'Sum',
      Period: 60,
      ...atOnce,
    });
    const ruleAlarm = (rule: string, MetricName: string) => ({
      Namespace: 'AWS/Events',
      MetricName,
      // A rule on a custom bus: its name is the part of Ref after `<bus>|`.
      Dimensions: bus
        ? [
            { Name: 'EventBusName', Value: bus },
            {
              Name: 'RuleName',
              Value: { 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: rule }] }] },
            },
          ]
        : [{ Name: 'RuleName', Value: { Ref: rule } }],
      Statistic: 'Sum',
      Period: 300,
      ...atOnce,
    });
    const rules = Object.fromEntries(
      rulesOf(s).flatMap((rule) => {
        const id = rule.startsWith('SliceCompletionCompletionEventsRule')
          ? 'CompletionEventsRule'
          : 'DestinationRecordsRule';
        return [
          [`${id}FailedInvocationsAlarm`, ruleAlarm(rule, 'FailedInvocations')],
          [
            `${id}InvocationsFailedToBeSentToDlqAlarm`,
            ruleAlarm(rule, 'InvocationsFailedToBeSentToDlq'),
          ],
        ];
      }),
    );
    return {
      ErrorsAlarm: {
        Metrics: [
          {
            Id: 'expr_1',
            Expression: '100 * errors / invocations',
            Label: 'failed invocations (%)',
          },
          ...['errors', 'invocations'].map((id) => ({
            Id: id,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: id === 'errors' ? 'Errors' : 'Invocations',
                Dimensions: lambdaDimension(s),
              },
              Period: 300,
              Stat: 'Sum',
            },
            ReturnData: false,
          })),
        ],
        Threshold: 5,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      KodexaAuthErrorAlarm: fatal('KodexaAuthError'),
      ApiKeyUnavailableAlarm: fatal('ApiKeyUnavailable'),
      ConfigurationErrorAlarm: fatal('ConfigurationError'),
      ...Object.fromEntries(
        ['DestinationDeliveryFailures', 'AsyncEventsDropped'].map((MetricName) => [
          `${MetricName}Alarm`,
          {
            Namespace: 'AWS/Lambda',
            MetricName,
            Dimensions: lambdaDimension(s),
            Statistic: 'Sum',
            Period: 300,
            ...atOnce,
          },
        ]),
      ),
      ...Object.fromEntries(
        [
          ['TargetDeadLetterQueueAlarm', s.ids.targetDeadLetterQueue],
          ['OnFailureQueueAlarm', s.ids.onFailureQueue],
          ['BufferDeadLetterQueueAlarm', s.ids.bufferDeadLetterQueue],
        ].map(([id, queue]) => [
          id,
          {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: queueDimension(queue ?? ''),
            Statistic: 'Maximum',
            Period: 300,
            ...atOnce,
          },
        ]),
      ),
      // Records handed back are not thrown, so Lambda's Errors does not count them: their rate to
      // the buffer's receives, by ErrorsAlarm's rule.
      BufferHandBacksAlarm: {
        Metrics: [
          {
            Id: 'expr_1',
            Expression: '100 * handedBack / received',
            Label: 'completions handed back (% of received)',
          },
          {
            Id: 'handedBack',
            MetricStat: {
              Metric: {
                Namespace: 'Kodexa/SliceCompletion',
                MetricName: 'CompletionsHandedBack',
                Dimensions: [{ Name: 'service', Value: 'slice-completion' }],
              },
              Period: 300,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
          {
            Id: 'received',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'NumberOfMessagesReceived',
                Dimensions: queueDimension(s.ids.buffer),
              },
              Period: 300,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
        ],
        Threshold: 50,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      // Not draining: SQS leaves out of this age the messages received more than 3 times, so
      // records being retried do not hold it up.
      BufferAgeAlarm: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: queueDimension(s.ids.buffer),
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 15 * 60,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      ...rules,
    };
  }

  /** The template's alarms by construct id (the logical id less its path and hash). */
  function alarmsOf(s: Synthesized): Record<string, Record<string, unknown>> {
    return Object.fromEntries(
      Object.entries(s.template.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]) => [
        id.replace(/^SliceCompletion/, '').replace(/[0-9A-F]{8}$/, ''),
        alarm.Properties,
      ]),
    );
  }

  it('page on a sustained rate of errors or of records handed back, on errors no retry fixes, and on every sign of a lost event', () => {
    const alarms = alarmsOf(minimal);
    for (const [id, properties] of Object.entries(expected(minimal))) {
      expect(alarms[id], id).toMatchObject({
        ...properties,
        TreatMissingData: 'notBreaching',
      });
    }
    expect(Object.keys(alarms).sort()).toEqual(Object.keys(expected(minimal)).sort());
  });

  it('watch each rule on its custom bus, and CompletionLag p99 when completionLagAlarmMs is given', () => {
    const alarms = alarmsOf(full);
    for (const [id, properties] of Object.entries(expected(full, 'kodexa'))) {
      expect(alarms[id], id).toMatchObject(properties);
    }
    expect(alarms.CompletionLagAlarm).toMatchObject({
      Namespace: 'Kodexa/SliceCompletion',
      MetricName: 'CompletionLag',
      Dimensions: [{ Name: 'service', Value: 'slice-completion' }],
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 60_000,
      TreatMissingData: 'notBreaching',
    });
    expect(Object.keys(alarms).sort()).toEqual(
      [...Object.keys(expected(full, 'kodexa')), 'CompletionLagAlarm'].sort(),
    );
    expect(rulesOf(full)).toHaveLength(2);
  });

  it('do not page on throttling, which bounded concurrency does on purpose', () => {
    for (const { template } of [minimal, full]) {
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Throttles' }, 0);
    }
  });

  it('each notify the stack’s own topic, or the one alarmTopicArn names', () => {
    const [topic] = Object.keys(minimal.template.findResources('AWS::SNS::Topic'));
    for (const alarm of Object.values(minimal.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    }
    for (const alarm of Object.values(full.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
    }
  });

  it('each say what they mean, the first thing to do, and their entry in docs/runbook.md', () => {
    const runbook = readFileSync(`${root}docs/runbook.md`, 'utf8');
    // GitHub's anchors of the runbook's headings.
    const anchors = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
        (heading ?? '')
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const scripts = Object.keys(JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts);
    for (const s of [minimal, full]) {
      for (const [id, alarm] of Object.entries(alarmsOf(s))) {
        const description = String(alarm.AlarmDescription);
        const [, meaning, firstStep, anchor] =
          /^SliceCompletion: (.+) First: (.+)\. Runbook: docs\/runbook\.md#(.+)$/.exec(
            description,
          ) ?? [];
        expect(meaning, description).toBeTruthy();
        expect(firstStep, description).toBeTruthy();
        expect(anchors, `${id}: no runbook entry #${anchor}`).toContain(anchor);
        for (const [, script, stack] of description.matchAll(
          /npm run (\w+) -- \w* ?--stack (\S+?)[.;,]? /g,
        )) {
          expect(scripts).toContain(script);
          expect(stack).toBe('SliceCompletion');
        }
      }
    }
  });
});

describe('the alarm topic', () => {
  it('is created, named for the stack, encrypted with its own rotated key, when none is given', () => {
    minimal.template.resourceCountIs('AWS::SNS::Topic', 1);
    minimal.template.resourceCountIs('AWS::KMS::Key', 1);
    const [key] = Object.keys(minimal.template.findResources('AWS::KMS::Key'));
    minimal.template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'SliceCompletion-alarms',
      KmsMasterKeyId: arnOf(key ?? ''),
    });
    minimal.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  const fromThisAccountsAlarms = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudwatch:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':alarm:*',
          ],
        ],
      },
    },
  };

  it('takes only TLS, and publications from CloudWatch alarms of this account', () => {
    const [topic] = Object.keys(minimal.template.findResources('AWS::SNS::Topic'));
    minimal.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Action: 'sns:Publish',
            Effect: 'Deny',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { Ref: topic },
          },
          {
            Sid: Match.anyValue(),
            Action: 'sns:Publish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: fromThisAccountsAlarms,
            Resource: { Ref: topic },
          },
        ],
      },
    });
  });

  it('lets CloudWatch alarms of this account use its key, which they need to publish to it', () => {
    minimal.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: fromThisAccountsAlarms,
            Resource: '*',
          },
        ]),
      },
    });
  });

  it('is not created when alarmTopicArn names one', () => {
    full.template.resourceCountIs('AWS::SNS::Topic', 0);
    full.template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('gets an email subscription with alarmEmail, whichever topic it is', () => {
    minimal.template.resourceCountIs('AWS::SNS::Subscription', 0);
    for (const context of [minimalContext, fullContext]) {
      const template = Template.fromStack(
        appWith({ ...context, alarmEmail: 'ops@example.com' }).node.findChild(
          'SliceCompletion',
        ) as Stack,
      );
      const [created] = Object.keys(template.findResources('AWS::SNS::Topic'));
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: created ? { Ref: created } : topicArn,
      });
    }
  });
});

describe('saved Logs Insights queries', () => {
  it('look up a slice’s history, count failures by error over time, and find the most retried', () => {
    minimal.template.resourceCountIs('AWS::Logs::QueryDefinition', 3);
    const queries = Object.values(minimal.template.findResources('AWS::Logs::QueryDefinition'));
    for (const query of queries) {
      expect(query.Properties.LogGroupNames).toEqual([{ Ref: minimal.ids.logGroup }]);
    }
    expect(
      Object.fromEntries(queries.map((q) => [q.Properties.Name, q.Properties.QueryString])),
    ).toEqual({
      'SliceCompletion/slice history': [
        'fields @timestamp, outcome, error.name, error.message, lambdaRequestId, retries, conflicts, sentBy, correlation_id, function_request_id',
        '| filter sliceId = "PUT-THE-SLICE-ID-HERE"',
        '| sort @timestamp asc',
      ].join('\n'),
      'SliceCompletion/failures by error': [
        'filter message = "slice completion failed"',
        '| stats count(*) as failures by bin(5m), error.name',
      ].join('\n'),
      'SliceCompletion/completions with the most Kodexa retries': [
        'fields @timestamp, sliceId, retries, conflicts, outcome, error.name, sentBy, function_request_id',
        '| filter message in ["slice completion reported", "slice completion failed"]',
        '| filter retries > 0 or conflicts > 0',
        '| sort retries desc',
        '| limit 100',
      ].join('\n'),
    });
  });
});

describe('memory', () => {
  it('is 224 MB unless memorySize says otherwise', () => {
    minimal.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 224 });
    const sized = Template.fromStack(
      appWith({ ...minimalContext, memorySize: '1769' }).node.findChild('SliceCompletion') as Stack,
    );
    sized.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
  });
});

describe('stages', () => {
  const staged = (stage: string) => {
    const app = appWith({ ...minimalContext, stage });
    const stack = app.node.findChild(`SliceCompletion-${stage}`) as Stack;
    return { app, stack, template: Template.fromStack(stack) };
  };

  /** Every name a resource is given, as `Type Property=value`, left to CloudFormation or not. */
  function physicalNames(template: Template): string[] {
    return Object.values(template.toJSON().Resources as Record<string, CfnResourceJson>).flatMap(
      ({ Type, Properties = {} }) =>
        Object.entries(Properties)
          .filter(([key, value]) => /Name$/.test(key) && typeof value === 'string')
          // Not a name in the account and region: a metric's; a schema's, within its registry; an
          // inline policy's, within its role.
          .filter(([key]) => !['MetricName', 'SchemaName', 'PolicyName'].includes(key))
          .map(([key, value]) => `${Type} ${key}=${value}`),
    );
  }

  it('deploy side by side: stacks named for their stage, sharing no physical name', () => {
    const staging = staged('staging');
    const production = staged('production');
    expect([minimal.stack, staging.stack, production.stack].map((s) => s.stackName)).toEqual([
      'SliceCompletion',
      'SliceCompletion-staging',
      'SliceCompletion-production',
    ]);
    const names = [minimal.template, staging.template, production.template].map(physicalNames);
    expect(names[1]).toEqual(
      expect.arrayContaining([
        'AWS::SNS::Topic TopicName=SliceCompletion-staging-alarms',
        'AWS::CloudWatch::Dashboard DashboardName=SliceCompletion-staging',
        'AWS::EventSchemas::Registry RegistryName=kodexa-pipeline-staging',
        'AWS::Logs::QueryDefinition Name=SliceCompletion-staging/slice history',
      ]),
    );
    const all = names.flat().map((name) => name.split('=')[1]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('write and read their own metrics namespace: the function, every alarm and the dashboard', () => {
    const { template } = staged('staging');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_METRICS_NAMESPACE: 'Kodexa/SliceCompletion/staging',
        }),
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // Each metric an alarm reads, alone or in its math.
    const metrics = alarms.flatMap(({ Properties: p }) => [
      { Namespace: p.Namespace, MetricName: p.MetricName },
      ...(p.Metrics ?? []).map(
        (m: { MetricStat?: { Metric: Record<string, unknown> } }) => m.MetricStat?.Metric ?? {},
      ),
    ]);
    const own = metrics.filter((metric) =>
      ['SliceCompletionFailed', 'CompletionsHandedBack'].includes(String(metric.MetricName)),
    );
    expect(own).toHaveLength(4);
    for (const metric of own) expect(metric.Namespace).toBe('Kodexa/SliceCompletion/staging');
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('{Kodexa/SliceCompletion/staging,ErrorName,service}');
    expect(
      body.match(/Kodexa\/SliceCompletion[^,"\\]*/g)?.every((n) => n.endsWith('/staging')),
    ).toBe(true);
  });

  it('without a stage, keep today’s stack id, logical ids, names and metrics', () => {
    const staging = staged('staging');
    expect(minimal.stack.stackName).toBe('SliceCompletion');
    // The ids of a rule's invoke permissions carry the stack's name, so differ between stacks.
    const ids = (template: Template) =>
      Object.keys(template.toJSON().Resources)
        .filter((id) => !id.includes('AllowEventRule'))
        .sort();
    expect(ids(minimal.template)).toEqual(ids(staging.template));
    minimal.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Dashboard',
      { DashboardName: Match.anyValue() },
      0,
    );
    minimal.template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'kodexa-pipeline',
    });
    // No POWERTOOLS_METRICS_NAMESPACE: the function's default, Kodexa/SliceCompletion.
    const [fn] = Object.values(minimal.template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).not.toHaveProperty('POWERTOOLS_METRICS_NAMESPACE');
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

  it('shows the buffer’s depth, the age of its oldest message, and what goes in, back and out', () => {
    const { buffer } = minimal.ids;
    expect(Object.fromEntries(graphs(minimal))).toMatchObject({
      'Buffer: messages': [
        queue('ApproximateNumberOfMessagesVisible', buffer),
        queue('ApproximateNumberOfMessagesNotVisible', buffer),
      ],
      'Buffer: age of oldest message': [queue('ApproximateAgeOfOldestMessage', buffer)],
      'Buffer: in, received, handed back, done': [
        queue('NumberOfMessagesSent', buffer, 'Sum'),
        queue('NumberOfMessagesReceived', buffer, 'Sum'),
        'Kodexa/SliceCompletion CompletionsHandedBack service=slice-completion Sum',
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
  const build = (props: Partial<SliceCompletionProps> = {}) => {
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

  // The function caps the visibility it sets so that SQS takes it: 12 hours from the receive,
  // which it knows to be at most LONGEST_HOLD_SECONDS ago, the buffer's longest visibility timeout.
  it('keeps the buffer’s visibility timeout within what the function takes a receive to be held', () => {
    const { stack, sliceCompletion } = build({ maxBatchingWindow: Duration.minutes(5) });
    const buffer = stack.resolve(
      (sliceCompletion.buffer.node.defaultChild as CfnResource).logicalId,
    );
    const queues = Template.fromStack(stack).findResources('AWS::SQS::Queue');
    expect(queues[buffer]?.Properties.VisibilityTimeout).toBe(LONGEST_HOLD_SECONDS);
  });

  // CDK's own checks let maxConcurrency 0 (no bound at all) and any batchSize through.
  it.each([
    ['maxConcurrency 0', { maxConcurrency: 0 }, 'from 2 to 1000, got "0"'],
    ['maxConcurrency 1', { maxConcurrency: 1 }, 'from 2 to 1000, got "1"'],
    ['maxConcurrency 1001', { maxConcurrency: 1001 }, 'from 2 to 1000, got "1001"'],
    ['maxConcurrency 2.5', { maxConcurrency: 2.5 }, 'from 2 to 1000, got "2.5"'],
    ['batchSize 0', { batchSize: 0 }, 'from 1 to 10, got "0"'],
    ['batchSize 11', { batchSize: 11 }, 'from 1 to 10, got "11"'],
    [
      'maxBatchingWindow 301 s',
      { maxBatchingWindow: Duration.seconds(301) },
      'from 0 to 300 (seconds), got "301"',
    ],
    [
      'maxBatchingWindow 1.5 s',
      { maxBatchingWindow: Duration.millis(1500) },
      'from 0 to 300 (seconds), got "1.5"',
    ],
  ])('refuses %s in the words -c values are refused in', (what, props, range) => {
    const prop = what.split(' ')[0];
    expect(thrownBy(() => build(props))).toMatchObject({
      name: 'InvalidSliceCompletionProps',
      message: `Invalid props for the SliceCompletion construct Pipelines/SliceCompletion:\n- ${prop} must be an integer ${range}`,
    });
  });

  it('takes the -c ranges’ ends, and names every wrong prop at once', () => {
    for (const props of [
      { maxConcurrency: 2, batchSize: 1, maxBatchingWindow: Duration.seconds(0) },
      { maxConcurrency: 1000, batchSize: 10, maxBatchingWindow: Duration.minutes(5) },
    ]) {
      expect(() => build({ ...props, reservedConcurrency: 1000 })).not.toThrow();
    }
    expect(thrownBy(() => build({ maxConcurrency: 1, batchSize: 20 })).message).toBe(
      [
        'Invalid props for the SliceCompletion construct Pipelines/SliceCompletion:',
        '- maxConcurrency must be an integer from 2 to 1000, got "1"',
        '- batchSize must be an integer from 1 to 10, got "20"',
      ].join('\n'),
    );
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
  it('give the function ARN, the buffer’s URL and ARN, the dead-letter queue URLs, the dashboard URL and the alarm topic', () => {
    const [topic] = Object.keys(minimal.template.findResources('AWS::SNS::Topic'));
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
      AlarmTopicArn: { Description: expect.any(String), Value: { Ref: topic } },
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
