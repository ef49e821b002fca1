// `--stack NAME`: the queues and the function from the deployed stack's outputs (see infra/).
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { rethrowNamed, TargetError } from './errors.ts';

export interface StackTargets {
  queueUrls: string[];
  functionName: string;
}

const QUEUE_OUTPUTS = [
  'BufferDeadLetterQueueUrl',
  'OnFailureQueueUrl',
  'TargetDeadLetterQueueUrl',
] as const;
const FUNCTION_OUTPUT = 'FunctionArn';

export async function stackTargets(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<StackTargets> {
  let outputs: Map<string, string>;
  try {
    const { Stacks = [] } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = new Map(
      (Stacks[0]?.Outputs ?? []).map(({ OutputKey, OutputValue }) => [
        OutputKey ?? '',
        OutputValue ?? '',
      ]),
    );
  } catch (error) {
    // CloudFormation reports a missing stack as a ValidationError.
    return rethrowNamed(error, 'ValidationError', `stack ${stackName} cannot be read`);
  }
  const missing = [...QUEUE_OUTPUTS, FUNCTION_OUTPUT].filter((key) => !outputs.get(key));
  if (missing.length > 0) {
    throw new TargetError(
      `stack ${stackName} has no output ${missing.join(', ')}: is it the slice-completion stack?`,
    );
  }
  return {
    queueUrls: QUEUE_OUTPUTS.map((key) => outputs.get(key) ?? ''),
    functionName: outputs.get(FUNCTION_OUTPUT) ?? '',
  };
}
