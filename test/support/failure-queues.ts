// The deployed stack's surroundings on loopback, for `npm run failures`: its three dead-letter
// queues (the SQS endpoint), the function (the Lambda endpoint running the built bundle, one warm container,
// against the Kodexa emulator and the Secrets Manager endpoint) and the stack's outputs (the
// CloudFormation endpoint). The real AWS SDK reaches each through its AWS_ENDPOINT_URL_* variable.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import type { SqsEndpoint } from '#tools/local/sqs-endpoint.ts';
import { root } from '../../infra/paths.ts';
import {
  type CloudFormationEndpoint,
  startCloudFormationEndpoint,
} from './cloudformation-endpoint.ts';
import { type LambdaEndpoint, startLambdaEndpoint } from './lambda-endpoint.ts';

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
  /**
   * `node script ...args` in the project, as a user runs a tool against this deployment: with
   * `env` and nothing else of this machine's that could supply a region or credentials.
   */
  runTool(
    script: string,
    args: string[],
    env?: Record<string, string | undefined>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

const run = promisify(execFile);

/** Starts everything and points this process's environment at it (the tool runs in-process too). */
export async function startFailureQueues(
  options: { beforeInvoke?: (event: unknown) => void } = {},
): Promise<FailureQueues> {
  const services = await startLocalServices();
  Object.assign(process.env, services.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const lambda = await startLambdaEndpoint(await loadBundle(), options);
  const { sqs } = services;
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
    runTool: (script, args, overrides = {}) =>
      run(process.execPath, [script, ...args], {
        cwd: root,
        env: {
          ...env,
          PATH: process.env.PATH,
          AWS_CONFIG_FILE: '/nonexistent/config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...overrides,
        },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      ),
    close: async () => {
      await Promise.all([services.close(), lambda.close(), cloudFormation.close()]);
    },
  };
}
