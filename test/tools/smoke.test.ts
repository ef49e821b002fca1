// `npm run smoke` end to end: the real AWS SDK clients against the loopback Lambda endpoint, which
// runs the built bundle against the Kodexa emulator and the Secrets Manager endpoint, and the
// loopback CloudFormation endpoint for --stack. Most cases run the tool in this process; the last
// ones run it as a user does.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_SUCH_SLICE_ID } from '#functions/slice-completion/health-check.ts';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { API_KEY_SECRET_NAME } from '#tools/local/local-services.ts';
import { runSmoke } from '#tools/smoke/run.ts';
import { root } from '../../infra/paths.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type FailureQueues, STACK_NAME, startFailureQueues } from '../support/failure-queues.ts';
import { startLambdaEndpoint } from '../support/lambda-endpoint.ts';

// What the function writes to this process's stdout: its log line and EMF metrics.
const functionOutput = captureOutput();

let deployed: FailureQueues;
beforeEach(async () => {
  deployed = await startFailureQueues();
  functionOutput.clear();
});
afterEach(() => deployed.close());

class Captured {
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

async function smoke(args: string[]) {
  const stdout = new Captured();
  const stderr = new Captured();
  const code = await runSmoke(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const healthyLines = () => {
  const { kodexa } = deployed.services;
  return [
    'invoke         slice-completion with {"healthCheck":true}, synchronously',
    `configuration  ok  KODEXA_URL ${kodexa.url}, secret ${API_KEY_SECRET_NAME}`,
    `secret         ok  ${API_KEY_SECRET_NAME} read`,
    `kodexa         ok  GET ${kodexa.url}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID} answered 404: reachable, and the key is accepted`,
    'healthy',
    '',
  ];
};

describe('a healthy deployment', () => {
  it('prints each step and exits 0, having written nothing and recorded no failure', async () => {
    const { code, stdout, stderr } = await smoke(['--function-name', 'slice-completion']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')).toEqual(healthyLines());
    expect(deployed.services.kodexa.requests).toEqual([
      {
        method: 'GET',
        path: `/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`,
        status: 404,
      },
    ]);
    const metricNames = functionOutput.metricLines().flatMap((line) => Object.keys(line));
    expect(metricNames).not.toContain('SliceCompletionFailed');
    expect(deployed.lambda.invocations).toEqual([{ healthCheck: true }]);
  });

  it('finds the function in the stack’s outputs with --stack', async () => {
    const { code, stdout, stderr } = await smoke(['--stack', STACK_NAME]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const { functionArn } = deployed.lambda;
    expect(stdout.split('\n')).toEqual([
      `stack          ${STACK_NAME}: function ${functionArn}`,
      ...healthyLines().map((line) => line.replace(' slice-completion ', ` ${functionArn} `)),
    ]);
  });
});

describe('an unhealthy deployment', () => {
  it('with a key Kodexa refuses: exits 1, one line on stderr naming the step and the error', async () => {
    deployed.services.kodexa.setApiKey('a-key-kodexa-has-moved-on-to');
    const { code, stdout, stderr } = await smoke(['--stack', STACK_NAME]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `smoke: kodexa failed: KodexaAuthError: GET ${deployed.services.kodexa.url}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}: Kodexa answered 401 to the API key from secret ${API_KEY_SECRET_NAME}, also after re-reading the secret\n`,
    );
    expect(stdout).toContain(`secret         ok  ${API_KEY_SECRET_NAME} read\n`);
    expect(stdout).not.toContain('kodexa         ok');
    expect(stdout).not.toContain('healthy');
  });

  it('with a secret that cannot be read: names the secret step and AWS’s error', async () => {
    process.env.KODEXA_API_KEY_SECRET_ID = 'no/such/secret';
    const { code, stdout, stderr } = await smoke(['--function-name', 'slice-completion']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^smoke: secret failed: ApiKeyUnavailable: could not read the Kodexa API key from secret no\/such\/secret: ResourceNotFoundException: .+\n$/,
    );
    expect(stdout).toContain('configuration  ok');
    expect(deployed.services.kodexa.requests).toEqual([]);
  });

  it('with a function that takes the health check for a completion: says it may predate it', async () => {
    // What a function deployed before the health check existed does with it.
    const older = await startLambdaEndpoint(async (event) => parseCompletionEvent(event));
    process.env.AWS_ENDPOINT_URL_LAMBDA = older.url;
    try {
      const { code, stderr } = await smoke(['--function-name', 'slice-completion']);
      expect(code).toBe(1);
      expect(stderr).toBe(
        'smoke: invoke failed: InvalidCompletionEvent: invalid completion event: sliceId: is required; lambdaRequestId: is required (does the deployed function predate the health check? deploy again)\n',
      );
    } finally {
      await older.close();
    }
  });
});

describe('when it cannot run', () => {
  it('names a function that does not exist, exit code 2', async () => {
    const { code, stdout, stderr } = await smoke(['--function-name', 'nope']);
    expect({ code, stdout }).toEqual({
      code: 2,
      stdout: 'invoke         nope with {"healthCheck":true}, synchronously\n',
    });
    expect(stderr).toMatch(
      /^smoke: function nope not found \(AWS says: Function not found: .+\)\n$/,
    );
  });

  it('names a stack that does not exist, exit code 2', async () => {
    const { code, stderr } = await smoke(['--stack', 'NoSuchStack']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'smoke: stack NoSuchStack cannot be read (AWS says: Stack with id NoSuchStack does not exist)\n',
    );
  });

  it.each([
    [[], 'give --function-name NAME or --stack NAME'],
    [
      ['--stack', 'S', '--function-name', 'f'],
      'give --function-name NAME or --stack NAME, not both',
    ],
    [['--stack', 'S', '--verbose'], "unknown option '--verbose'"],
    [['--stack'], "Option '--stack <value>' argument missing"],
    [['--stack', 'S', 'extra'], "Unexpected argument 'extra'"],
  ])('%o: one line naming the problem, then the usage, exit code 2', async (args, problem) => {
    const { code, stdout, stderr } = await smoke(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    const [first, second] = stderr.split('\n');
    expect(first).toBe(`smoke: ${problem}`);
    expect(second).toBe('usage: npm run smoke -- (--function-name NAME | --stack NAME)');
    expect(deployed.lambda.invocations).toEqual([]);
  });

  it('--help prints the options, the environment and the exit codes', async () => {
    const { code, stdout, stderr } = await smoke(['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const part of ['--function-name NAME', '--stack NAME', 'AWS_REGION', 'exit codes: 0']) {
      expect(stdout).toContain(part);
    }
    expect(deployed.lambda.invocations).toEqual([]);
  });
});

describe('as a user runs it', () => {
  const run = promisify(execFile);
  const node = (args: string[], env: Record<string, string | undefined>) =>
    run(process.execPath, ['tools/smoke.ts', ...args], { cwd: root, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  // Nothing on this machine may supply a region or credentials behind the test's back.
  const isolated = () => ({
    ...deployed.env,
    PATH: process.env.PATH,
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  it('exits 0 on a healthy deployment', async () => {
    const { code, stdout, stderr } = await node(['--stack', STACK_NAME], isolated());
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim().split('\n').at(-1)).toBe('healthy');
  });

  it.each([
    [{ AWS_REGION: undefined }, 'smoke: no AWS region: set AWS_REGION'],
    [
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      'smoke: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ],
  ])('%o: one line naming the problem, exit code 2, no stack trace', async (env, problem) => {
    const { code, stdout, stderr } = await node(['--stack', STACK_NAME], {
      ...isolated(),
      ...env,
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(problem)).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
