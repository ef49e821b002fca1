// The deployed stack's surroundings on loopback, for `npm run failures`: its three dead-letter
// queues (the SQS endpoint), the function (the Lambda endpoint running the built bundle, one warm container,
// against the Kodexa emulator and the Secrets Manager endpoint) and the stack's outputs (the
// CloudFormation endpoint). The real AWS SDK reaches each through its AWS_ENDPOINT_URL_* variable.

import { loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import {
  type CloudFormationEndpoint,
  startCloudFormationEndpoint,
} from './cloudformation-endpoint.ts';
import { type LambdaEndpoint, startLambdaEndpoint } from './lambda-endpoint.ts';
import { type SqsEndpoint, startSqsEndpoint } from './sqs-endpoint.ts';

export const STACK_NAME = 'SliceCompletion';
export const ON_FAILURE_QUEUE = 'SliceCompletion-OnFailureQueue';
export const TARGET_DLQ = 'SliceCompletion-TargetDeadLetterQueue';
export const BUFFER_DLQ = 'SliceCompletion-BufferDeadLetterQueue';

export interface FailureQueues {
  services: LocalServices;
  sqs: SqsEndpoint;
  lambda: LambdaEndpoint;
  cloudFormation: CloudFormationEndpoint;
  onFailureQueueUrl: string;
  targetDlqUrl: string;
  bufferDlqUrl: string;
  /** What the tool needs: region, credentials and the three endpoints. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts everything and points this process's environment at it (the tool runs in-process too). */
export async function startFailureQueues(
  options: { beforeInvoke?: (event: unknown) => void } = {},
): Promise<FailureQueues> {
  const services = await startLocalServices();
  Object.assign(process.env, services.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const lambda = await startLambdaEndpoint(await loadBundle(), options);
  const sqs = await startSqsEndpoint();
  const onFailureQueueUrl = sqs.queueUrl(ON_FAILURE_QUEUE);
  const targetDlqUrl = sqs.queueUrl(TARGET_DLQ);
  const bufferDlqUrl = sqs.queueUrl(BUFFER_DLQ);
  const cloudFormation = await startCloudFormationEndpoint({
    [STACK_NAME]: {
      FunctionArn: lambda.functionArn,
      BufferDeadLetterQueueUrl: bufferDlqUrl,
      TargetDeadLetterQueueUrl: targetDlqUrl,
      OnFailureQueueUrl: onFailureQueueUrl,
    },
  });
  const env = {
    AWS_REGION: services.env.AWS_REGION ?? '',
    AWS_ACCESS_KEY_ID: services.env.AWS_ACCESS_KEY_ID ?? '',
    AWS_SECRET_ACCESS_KEY: services.env.AWS_SECRET_ACCESS_KEY ?? '',
    AWS_ENDPOINT_URL_SQS: sqs.url,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
  };
  Object.assign(process.env, env);
  return {
    services,
    sqs,
    lambda,
    cloudFormation,
    onFailureQueueUrl,
    targetDlqUrl,
    bufferDlqUrl,
    env,
    close: async () => {
      await Promise.all([services.close(), sqs.close(), lambda.close(), cloudFormation.close()]);
    },
  };
}
