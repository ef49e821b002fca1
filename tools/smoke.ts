// `npm run smoke -- --function-name NAME | --stack NAME`: after a deploy, proves that the function
// can do its job (docs/runbook.md, "Smoke test"): its configuration is valid, its secret readable,
// Kodexa reachable and the key accepted. Writes nothing.
import { awsProblem } from './aws-problem.ts';
import { exitCannotRun, problemLine, readCommandLine, type Tool, UsageError } from './cli.ts';
import { runSmoke, type Target } from './smoke/run.ts';

const SMOKE = {
  command: 'npm run smoke',
  usage: ['-- (--function-name NAME | --stack NAME)'],
  about:
    'Invokes the deployed slice-completion function once, synchronously, with its health check,\n' +
    'and prints each step: the configuration, the secret, Kodexa. It writes nothing anywhere.\n' +
    'Needs lambda:InvokeFunction, and cloudformation:DescribeStacks for --stack.',
  options: {
    'function-name': { type: 'string', value: 'NAME', help: 'the function, by name or ARN' },
    stack: {
      type: 'string',
      value: 'NAME',
      help: 'the stack (SliceCompletion[-<stage>]) whose FunctionArn output names it',
    },
  },
  environment: {
    AWS_REGION: "the function's region (or a profile with a region)",
    AWS_PROFILE: 'your credentials (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
  },
  exitCodes: {
    0: 'healthy',
    1: 'a step failed (one line on stderr names it)',
    2: 'not checked: a mistake on the command line, no AWS credentials or region, no such function or stack',
  },
} satisfies Tool;

async function main(): Promise<number> {
  const { values } = readCommandLine(SMOKE);
  const { 'function-name': functionName, stack } = values;
  if (functionName !== undefined && stack !== undefined) {
    throw new UsageError('give --function-name NAME or --stack NAME, not both');
  }
  let target: Target;
  if (stack) target = { stack };
  else if (functionName) target = { functionName };
  else throw new UsageError('give --function-name NAME or --stack NAME');
  return runSmoke(target, { stdout: process.stdout, stderr: process.stderr });
}

process.exitCode = await main().catch((error) =>
  exitCannotRun(SMOKE, error, awsProblem(error) ?? problemLine(error)),
);
