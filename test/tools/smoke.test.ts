// `npm run smoke` end to end: the real AWS SDK clients against the loopback Lambda endpoint, which
// runs the built bundle against the Kodexa emulator and the Secrets Manager endpoint, and the
// loopback CloudFormation endpoint for --stack. The check itself runs in this process; what stops
// it from running (exit code 2) is tested as a user runs it. test/tools/command-lines.test.ts
// covers an unknown option, a stray argument and --help, as for every tool.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_SUCH_SLICE_ID } from '#functions/slice-completion/health-check.ts';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { API_KEY_SECRET_NAME } from '#tools/local/local-services.ts';
import { runSmoke, type Target } from '#tools/smoke/run.ts';
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

async function smoke(target: Target) {
  const stdout = new Captured();
  const stderr = new Captured();
  const code = await runSmoke(target, { stdout, stderr });
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
    const { code, stdout, stderr } = await smoke({ functionName: 'slice-completion' });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')).toEqual(healthyLines());
    // The client's GET, then the same again for the body of its 404, which the client does not
    // give: Kodexa's own answer for a missing slice, not a 404 for a path it does not serve.
    expect(deployed.services.kodexa.requests).toEqual([
      ...Array.from({ length: 2 }, () => ({
        method: 'GET',
        path: `/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`,
        status: 404,
      })),
    ]);
    const metricNames = functionOutput.metricLines().flatMap((line) => Object.keys(line));
    expect(metricNames).not.toContain('SliceCompletionFailed');
    expect(deployed.lambda.invocations).toEqual([{ healthCheck: true }]);
  });

  it('finds the function in the stack’s outputs with --stack', async () => {
    const { code, stdout, stderr } = await smoke({ stack: STACK_NAME });
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
    const { code, stdout, stderr } = await smoke({ stack: STACK_NAME });
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
    const { code, stdout, stderr } = await smoke({ functionName: 'slice-completion' });
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
      const { code, stderr } = await smoke({ functionName: 'slice-completion' });
      expect(code).toBe(1);
      expect(stderr).toBe(
        'smoke: invoke failed: InvalidCompletionEvent: invalid completion event: sliceId: is required; lambdaRequestId: is required (does the deployed function predate the health check? deploy again)\n',
      );
    } finally {
      await older.close();
    }
  });
});

describe('as a user runs it', () => {
  const node = (args: string[], env: Record<string, string | undefined> = {}) =>
    deployed.runTool('tools/smoke.ts', args, env);

  it('exits 0 on a healthy deployment', async () => {
    const { code, stdout, stderr } = await node(['--stack', STACK_NAME]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim().split('\n').at(-1)).toBe('healthy');
  });

  it('exits 1 naming the failed step', async () => {
    deployed.services.kodexa.setApiKey('a-key-kodexa-has-moved-on-to');
    const { code, stderr } = await node(['--stack', STACK_NAME]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^smoke: kodexa failed: KodexaAuthError: .+\n$/);
  });

  it('names a function that does not exist, exit code 2', async () => {
    const { code, stdout, stderr } = await node(['--function-name', 'nope']);
    expect({ code, stdout }).toEqual({
      code: 2,
      stdout: 'invoke         nope with {"healthCheck":true}, synchronously\n',
    });
    expect(stderr).toMatch(
      /^smoke: function nope not found \(AWS says: Function not found: .+\)\n$/,
    );
  });

  it('names a stack that does not exist, exit code 2', async () => {
    const { code, stdout, stderr } = await node(['--stack', 'NoSuchStack']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
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
    [['--stack'], "Option '--stack <value>' argument missing"],
  ])('%o: one line naming the mistake, then the usage, exit code 2', async (args, problem) => {
    const { code, stdout, stderr } = await node(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      `smoke: ${problem}\nusage: npm run smoke -- (--function-name NAME | --stack NAME)\n`,
    );
    expect(deployed.lambda.invocations).toEqual([]);
  });

  it.each([
    [{ AWS_REGION: undefined }, 'smoke: no AWS region: set AWS_REGION'],
    [
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      'smoke: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ],
  ])('%o: one line naming the problem, exit code 2, no stack trace', async (env, problem) => {
    const { code, stdout, stderr } = await node(['--stack', STACK_NAME], env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(problem)).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
