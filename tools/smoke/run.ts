// `npm run smoke`: a target to an exit code. It invokes the function with its health check
// (functions/slice-completion/health-check.ts) and prints each step the function reports. The AWS
// SDK clients take credentials, region and endpoints (AWS_ENDPOINT_URL_LAMBDA, ...) from the
// environment as usual.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  HEALTH_CHECK_EVENT,
  type HealthCheckResult,
} from '#functions/slice-completion/health-check.ts';
import { oneLine } from '#functions/slice-completion/short-text.ts';
import { excerpt, invokeSynchronously } from '../failures/invoke-function.ts';
import type { Output } from '../failures/io.ts';
import { stackTargets } from '../failures/stack-targets.ts';

const HEALTHY = 0;
const UNHEALTHY = 1;

/** The function to check: by name or ARN, or the one a stack's outputs name. */
export type Target = { stack: string } | { functionName: string };

/**
 * HEALTHY, or UNHEALTHY after one line on stderr naming the failed step. Throws what stops the
 * check from running (AWS refused, no such function or stack): the caller's exit code 2.
 */
export async function runSmoke(
  target: Target,
  io: { stdout: Output; stderr: Output },
): Promise<number> {
  const lambda = new LambdaClient({});
  const cloudFormation = new CloudFormationClient({});
  const say = (step: string, text: string) => io.stdout.write(`${step.padEnd(14)} ${text}\n`);
  const unhealthy = (problem: string) => {
    io.stderr.write(`smoke: ${problem}\n`);
    return UNHEALTHY;
  };
  try {
    const functionName = await functionOf(target, cloudFormation, say);
    say('invoke', `${functionName} with ${JSON.stringify(HEALTH_CHECK_EVENT)}, synchronously`);
    const answer = await invoke(lambda, functionName);
    if ('problem' in answer) return unhealthy(`invoke failed: ${answer.problem}`);
    for (const step of answer.steps) {
      if (!step.ok) {
        return unhealthy(`${step.step} failed: ${step.error.name}: ${oneLine(step.error.message)}`);
      }
      say(step.step, `ok  ${step.detail}`);
    }
    if (!answer.healthy) return unhealthy('the function reported unhealthy without a failed step');
    io.stdout.write('healthy\n');
    return HEALTHY;
  } finally {
    lambda.destroy();
    cloudFormation.destroy();
  }
}

async function functionOf(
  target: Target,
  cloudFormation: CloudFormationClient,
  say: (step: string, text: string) => void,
): Promise<string> {
  if ('functionName' in target) return target.functionName;
  const { functionName } = await stackTargets(cloudFormation, target.stack);
  say('stack', `${target.stack}: function ${functionName}`);
  return functionName;
}

type Answer = HealthCheckResult | { problem: string };

async function invoke(lambda: LambdaClient, functionName: string): Promise<Answer> {
  const answer = await invokeSynchronously(lambda, functionName, HEALTH_CHECK_EVENT);
  if ('thrown' in answer) {
    const { errorType, errorMessage } = answer.thrown;
    const problem = `${errorType}: ${oneLine(errorMessage ?? answer.text)}`;
    // A function deployed before the health check takes it for a completion, and rejects it.
    return errorType === 'InvalidCompletionEvent'
      ? {
          problem: `${problem} (does the deployed function predate the health check? deploy again)`,
        }
      : { problem };
  }
  if (isHealthCheckResult(answer.returned)) return answer.returned;
  return {
    problem: `the function answered ${excerpt(answer.text)}, not a health check result`,
  };
}

function isHealthCheckResult(value: unknown): value is HealthCheckResult {
  const answer = value as Partial<HealthCheckResult> | null;
  return typeof answer?.healthy === 'boolean' && Array.isArray(answer.steps);
}
