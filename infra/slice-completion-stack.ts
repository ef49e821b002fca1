// The deployable stack: the SliceCompletion construct configured from CDK context, with the
// existing resources it names imported (never created), and the outputs operators need.
import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { SliceCompletionContext } from './context.ts';
import { SliceCompletion } from './slice-completion.ts';

export interface SliceCompletionStackProps extends StackProps {
  /** The `-c` values, read and checked by readContext. */
  readonly context: SliceCompletionContext;
}

export class SliceCompletionStack extends Stack {
  constructor(scope: Construct, id: string, props: SliceCompletionStackProps) {
    super(scope, id, props);
    const { context } = props;

    const apiKeySecret =
      'arn' in context.apiKeySecret
        ? secretsmanager.Secret.fromSecretCompleteArn(
            this,
            'ApiKeySecret',
            context.apiKeySecret.arn,
          )
        : secretsmanager.Secret.fromSecretNameV2(this, 'ApiKeySecret', context.apiKeySecret.name);
    const sliceCompletion = new SliceCompletion(this, 'SliceCompletion', {
      stage: context.stage,
      kodexaUrl: context.kodexaUrl,
      apiKeySecret,
      eventBus:
        context.eventBusName === undefined
          ? undefined
          : events.EventBus.fromEventBusName(this, 'EventBus', context.eventBusName),
      completionEventSources: context.completionEventSources,
      pipelineFunctionArns: context.pipelineFunctionArns,
      alarmTopic:
        context.alarmTopicArn === undefined
          ? undefined
          : sns.Topic.fromTopicArn(this, 'AlarmTopic', context.alarmTopicArn),
      alarmEmail: context.alarmEmail,
      memorySize: context.memorySize,
      reservedConcurrency: context.reservedConcurrency,
      maxConcurrency: context.maxConcurrency,
      batchSize: context.batchSize,
      maxBatchingWindow:
        context.maxBatchingWindowSeconds === undefined
          ? undefined
          : Duration.seconds(context.maxBatchingWindowSeconds),
      schemaRegistryName: context.schemaRegistryName,
      completionLagAlarmThreshold:
        context.completionLagAlarmMs === undefined
          ? undefined
          : Duration.millis(context.completionLagAlarmMs),
    });

    new CfnOutput(this, 'FunctionArn', {
      description:
        'Invoke it directly when the pipeline needs the answer; also what replay invokes',
      value: sliceCompletion.function.functionArn,
    });
    new CfnOutput(this, 'BufferQueueUrl', {
      description: 'SendMessage a completion (any of the three shapes) to it',
      value: sliceCompletion.buffer.queueUrl,
    });
    new CfnOutput(this, 'BufferQueueArn', {
      description:
        'Set it as a pipeline Lambda on-success/on-failure destination; grant sqs:SendMessage on it',
      value: sliceCompletion.buffer.queueArn,
    });
    new CfnOutput(this, 'BufferDeadLetterQueueUrl', {
      description:
        'Completions from the buffer that failed for good (attribute ErrorName) or past every retry',
      value: sliceCompletion.bufferDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'TargetDeadLetterQueueUrl', {
      description: 'Events EventBridge could not deliver to the buffer',
      value: sliceCompletion.targetDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'OnFailureQueueUrl', {
      description: 'Events of direct asynchronous invokes the function failed, with the error',
      value: sliceCompletion.onFailureQueue.queueUrl,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description:
        'The CloudWatch dashboard: invocations, buffer, outcomes, failures, lag, queues, alarms',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${sliceCompletion.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this topic: subscribe to it to be told',
      value: sliceCompletion.alarmTopic.topicArn,
    });
  }
}
