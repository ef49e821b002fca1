// The command line of `npm run smoke`, checked whole before anything reaches AWS.
import { parseArgs } from 'node:util';
import { UsageError } from '../failures/errors.ts';
import { parseArgsProblem } from '../failures/options.ts';

export const USAGE = `usage: npm run smoke -- (--function-name NAME | --stack NAME)

Invokes the deployed slice-completion function once, synchronously, with its health check, and
prints each step: the configuration, the secret, Kodexa. It writes nothing anywhere.

options:
  --function-name NAME  the function, by name or ARN
  --stack NAME          the stack whose FunctionArn output names the function
                        (SliceCompletion, or SliceCompletion-<stage>)
  -h, --help            this help

environment: the AWS SDK's own: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY;
  AWS_REGION. Needs lambda:InvokeFunction, and cloudformation:DescribeStacks for --stack.

exit codes: 0 healthy; 1 a step failed (one line on stderr names it); 2 the check could not run
  (a wrong option, no credentials or region, no such function or stack)`;

export type Target = { stack: string } | { functionName: string };

export function parseOptions(args: string[]): Target {
  let values: { 'function-name'?: string; stack?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { 'function-name': { type: 'string' }, stack: { type: 'string' } },
    }));
  } catch (error) {
    throw new UsageError(parseArgsProblem(error));
  }
  const { 'function-name': functionName, stack } = values;
  if (functionName !== undefined && stack !== undefined) {
    throw new UsageError('give --function-name NAME or --stack NAME, not both');
  }
  if (stack) return { stack };
  if (functionName) return { functionName };
  throw new UsageError('give --function-name NAME or --stack NAME');
}
