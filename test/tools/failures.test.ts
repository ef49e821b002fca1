// `npm run failures` end to end: the real AWS SDK clients against loopback SQS, Lambda and
// CloudFormation endpoints, the Lambda endpoint running the built bundle against the Kodexa
// emulator. Most cases run the tool in this process; the last ones run it as a user does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFailures } from '#tools/failures/run.ts';
import { captureOutput } from '../support/capture-output.ts';
import { startCloudFormationEndpoint } from '../support/cloudformation-endpoint.ts';
import {
  bufferDeadLetterAttributes,
  onFailureRecord,
  redrivenFromBuffer,
  sampleEvent,
  targetDeadLetterAttributes,
} from '../support/failed-events.ts';
import {
  BUFFER_DLQ,
  type FailureQueues,
  ON_FAILURE_QUEUE,
  STACK_NAME,
  startFailureQueues,
  TARGET_DLQ,
} from '../support/failure-queues.ts';

const SLICES = {
  direct: '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21',
  eventBridge: '8a2d4c6e-1b3f-4a5c-8e7d-9f0b1c2d3e4f',
  destinationSuccess: 'c4e6a8b0-2d4f-4b6d-8f0a-1c3e5a7b9d2f',
  destinationFailure: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
};
const MINUTE = 60_000;
const unavailable = {
  errorType: 'KodexaUnavailable',
  errorMessage:
    'GET /api/orchestrator-execution-slices/...: failed 6 times; last failure: HTTP 503',
};
const invalid = {
  errorType: 'InvalidCompletionEvent',
  errorMessage: 'invalid completion event: sliceId: must be a UUID',
};

// The function's EMF metric lines, which it writes to this process's stdout.
captureOutput();

let queues: FailureQueues;
let onInvoke: () => void;
beforeEach(async () => {
  onInvoke = () => undefined;
  queues = await startFailureQueues({ beforeInvoke: () => onInvoke() });
});
afterEach(() => queues.close());

class Captured {
  text = '';
  readonly isTTY: boolean;
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

async function failures(args: string[], options: { tty?: boolean; signal?: AbortSignal } = {}) {
  const stdout = new Captured();
  const stderr = new Captured(options.tty);
  const code = await runFailures(args, { stdout, stderr, signal: options.signal });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const bothQueues = () => [
  '--queue-url',
  queues.onFailureQueueUrl,
  '--queue-url',
  queues.targetDlqUrl,
];

/** One event of each shape the function takes, failed in the way each queue holds it. */
async function sendEachShape() {
  const ago = (minutes: number) => ({ sentAt: Date.now() - minutes * MINUTE - 10_000 });
  const direct = sampleEvent('1-direct-success.updated.json');
  const eventBridge = sampleEvent('2-eventbridge-completion.updated.json');
  const destinationInOnFailure = sampleEvent('4-destination-failure.updated.json');
  const eventBridgeInDlq = sampleEvent('3-eventbridge-destination-success.updated.json');
  queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(direct, unavailable), ago(134));
  queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(eventBridge, unavailable), ago(129));
  queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(destinationInOnFailure, unavailable), ago(121));
  queues.sqs.send(TARGET_DLQ, JSON.stringify(eventBridgeInDlq), {
    attributes: targetDeadLetterAttributes('THROTTLING', 'Rate Exceeded.'),
    ...ago(227),
  });
  return [direct, eventBridge, destinationInOnFailure, eventBridgeInDlq];
}

async function sendInvalid() {
  const event = sampleEvent('7-invalid.InvalidCompletionEvent.json');
  return queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(event, invalid), {
    sentAt: Date.now() - 72 * MINUTE - 10_000,
  });
}

const QUEUE_NAMES = [ON_FAILURE_QUEUE, TARGET_DLQ, BUFFER_DLQ];

function allMessages() {
  return QUEUE_NAMES.flatMap((name) => queues.sqs.messages(name));
}

function expectAllVisible(count: number) {
  expect(QUEUE_NAMES.flatMap((name) => queues.sqs.visible(name))).toHaveLength(count);
  expect(allMessages()).toHaveLength(count);
}

describe('list', () => {
  it('groups the messages by error, leaves every one visible, deletes and invokes nothing', async () => {
    await sendEachShape();
    await sendInvalid();
    queues.sqs.send(TARGET_DLQ, JSON.stringify({ 'detail-type': 'Execution Slice Completed' }));
    queues.sqs.send(ON_FAILURE_QUEUE, 'not json at all');

    const { code, stdout, stderr } = await failures(['list', ...bothQueues()]);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`${queues.onFailureQueueUrl}  5 messages\n`);
    expect(stdout).toContain(`${queues.targetDlqUrl}  2 messages\n`);
    const rows = stdout.split('\n').map((line) => line.trim().split(/ {2,}/));
    expect(rows).toContainEqual([
      '3',
      'KodexaUnavailable',
      'RetriesExhausted',
      '2h 14m',
      `${SLICES.direct}, ${SLICES.eventBridge}, ${SLICES.destinationFailure}`,
    ]);
    expect(rows).toContainEqual([`e.g. ${unavailable.errorMessage}`]);
    expect(rows).toContainEqual([
      '1',
      'InvalidCompletionEvent',
      'RetriesExhausted',
      '1h 12m',
      '../../admin',
    ]);
    expect(rows).toContainEqual([
      '1',
      'THROTTLING',
      'MaximumRetryAttempts',
      '3h 47m',
      SLICES.destinationSuccess,
    ]);
    expect(rows).toContainEqual(['e.g. Rate Exceeded.']);
    const justSent = expect.stringMatching(/^\d+s$/);
    expect(rows).toContainEqual(['1', 'not delivered', '-', justSent, '-']);
    expect(rows).toContainEqual(['1', 'body is not JSON', '-', justSent, '-']);
    expect(stdout).toContain(
      'Read 7 messages without consuming any: all are visible in their queues again.',
    );

    expectAllVisible(7);
    expect(allMessages().filter((message) => message.receiveCount !== 1)).toEqual([]);
    expect(queues.sqs.operations.filter((op) => op.startsWith('Delete'))).toEqual([]);
    expect(queues.sqs.operations).toContain('ChangeMessageVisibilityBatch');
    expect(queues.lambda.invocations).toEqual([]);
  });

  it('says so when the queues are empty', async () => {
    const { code, stdout } = await failures(['list', ...bothQueues()]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${queues.onFailureQueueUrl}  0 messages\n`);
    expect(stdout).not.toContain('count');
    expect(stdout).toContain('Read 0 messages without consuming any');
  });
});

describe('replay', () => {
  it('replays each event shape synchronously and deletes each message once recorded', async () => {
    const events = await sendEachShape();
    const before = structuredClone(new Map(queues.services.kodexa.slices));

    const { code, stdout, stderr } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
    ]);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(queues.lambda.invocations).toEqual(events);
    expect(allMessages()).toEqual([]);
    const status = (id: string) => queues.services.kodexa.slices.get(id)?.status;
    expect(status(SLICES.direct)).toBe('SUCCEEDED');
    expect(status(SLICES.eventBridge)).toBe('SUCCEEDED');
    expect(status(SLICES.destinationFailure)).toBe('FAILED');
    expect(status(SLICES.destinationSuccess)).toBe('SUCCEEDED');
    for (const id of Object.values(SLICES)) {
      expect(before.get(id)?.status).toBe('RUNNING');
    }
    expect(stdout).toContain(
      'Replaying is safe: an event whose completion is already recorded comes back "unchanged".',
    );
    for (const id of Object.values(SLICES)) {
      expect(stdout).toContain(`  updated    ${id}  message deleted\n`);
    }
    expect(stdout).toContain('4 updated, 0 unchanged, 0 stale: 4 messages deleted.\n');
  });

  it('deletes a duplicate, which comes back unchanged, without writing the slice again', async () => {
    const direct = sampleEvent('1-direct-success.updated.json');
    const duplicate = sampleEvent('5-duplicate-of-1.unchanged.json');
    queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(direct, unavailable));
    queues.sqs.send(ON_FAILURE_QUEUE, onFailureRecord(duplicate, unavailable));

    const { code, stdout } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
    ]);

    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `updated +${SLICES.direct} +message deleted\\n +unchanged +${SLICES.direct} +message deleted`,
      ),
    );
    expect(stdout).toContain('1 updated, 1 unchanged, 0 stale: 2 messages deleted.');
    expect(allMessages()).toEqual([]);
    const puts = queues.services.kodexa.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
  });

  it('keeps an event that fails again visible in its queue, names the error and exits 1', async () => {
    const invalidId = await sendInvalid();
    queues.sqs.send(
      ON_FAILURE_QUEUE,
      onFailureRecord(sampleEvent('1-direct-success.updated.json'), unavailable),
    );

    const { code, stdout } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
    ]);

    expect(code).toBe(1);
    expect(stdout).toMatch(
      /FAILED +\.\.\/\.\.\/admin +InvalidCompletionEvent: invalid completion event: sliceId: must be a UUID; lambdaRequestId: is required.*\(message kept\)\n/,
    );
    expect(stdout).toContain('1 updated, 0 unchanged, 0 stale: 1 message deleted.\n');
    expect(stdout).toMatch(
      /1 failed again; its message is kept and visible again:\n +1 {2}InvalidCompletionEvent {2}invalid completion event: sliceId: must be a UUID/,
    );
    expect(queues.sqs.visible(ON_FAILURE_QUEUE).map((m) => m.messageId)).toEqual([invalidId]);
    expect(allMessages()).toHaveLength(1);
    expect(queues.services.kodexa.requests.filter((r) => r.path.includes('admin'))).toEqual([]);
  });

  it('--dry-run lists what would be replayed and invokes, deletes and hides nothing', async () => {
    await sendEachShape();
    const { code, stdout } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
      '--dry-run',
    ]);

    expect(code).toBe(0);
    expect(stdout).toContain('Dry run: 4 events would be replayed to slice-completion');
    expect(stdout).toContain(
      `  ${SLICES.direct}  completion, from on-failure record (KodexaUnavailable)\n`,
    );
    expect(stdout).toContain(
      `  ${SLICES.eventBridge}  EventBridge completion, from on-failure record`,
    );
    expect(stdout).toContain(
      `  ${SLICES.destinationFailure}  destination record, from on-failure record`,
    );
    expect(stdout).toContain(
      `  ${SLICES.destinationSuccess}  EventBridge destination record, from target DLQ (THROTTLING)\n`,
    );
    expect(queues.lambda.invocations).toEqual([]);
    expectAllVisible(4);
    expect(queues.sqs.operations.filter((op) => op.startsWith('Delete'))).toEqual([]);
  });

  it('says so when there is nothing to replay', async () => {
    const { code, stdout } = await failures(['replay', '--stack', STACK_NAME]);
    expect(code).toBe(0);
    expect(stdout).toBe('Nothing to replay: the queues are empty.\n');
  });

  it('--max N replays at most N events and leaves the rest visible', async () => {
    await sendEachShape();
    const { code, stdout } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
      '--max',
      '2',
    ]);
    expect(code).toBe(0);
    expect(queues.lambda.invocations).toHaveLength(2);
    expect(stdout).toContain('2 updated, 0 unchanged, 0 stale: 2 messages deleted.');
    expectAllVisible(2);
  });

  it('--stack reads the three queues and the function from the stack outputs', async () => {
    const events = await sendEachShape();
    const redriven = sampleEvent('8-eventbridge-invoked-destination-success.updated.json');
    queues.sqs.send(BUFFER_DLQ, JSON.stringify(redriven), redrivenFromBuffer(60));
    const listed = await failures(['list', '--stack', STACK_NAME]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${queues.bufferDlqUrl}  1 message\n`);
    expect(listed.stdout).toContain(`${queues.onFailureQueueUrl}  3 messages\n`);
    expect(listed.stdout).toContain(`${queues.targetDlqUrl}  1 message\n`);

    const replayed = await failures(['replay', '--stack', STACK_NAME]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`to ${queues.lambda.functionArn}, one at a time`);
    expect(queues.lambda.invocations).toEqual([redriven, ...events]);
    expect(allMessages()).toEqual([]);
  });

  it('shows a progress bar on a terminal, with a line for each event that failed again', async () => {
    await sendEachShape();
    await sendInvalid();
    const { code, stdout, stderr } = await failures(
      ['replay', ...bothQueues(), '--function-name', 'slice-completion'],
      { tty: true },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('5/5 events | 1 failed again');
    expect(stderr).toMatch(/FAILED +\.\.\/\.\.\/admin +InvalidCompletionEvent/);
    expect(stdout).not.toContain('message deleted');
    expect(stdout).toContain('4 updated, 0 unchanged, 0 stale: 4 messages deleted.');
  });

  it('stops after the event in hand on Ctrl-C and makes the rest visible again', async () => {
    await sendEachShape();
    const interrupt = new AbortController();
    onInvoke = () => interrupt.abort();
    const { code, stdout } = await failures(
      ['replay', ...bothQueues(), '--function-name', 'slice-completion'],
      { signal: interrupt.signal },
    );
    expect(code).toBe(130);
    expect(queues.lambda.invocations).toHaveLength(1);
    expect(stdout).toContain('1 updated, 0 unchanged, 0 stale: 1 message deleted.');
    expect(stdout).toContain(
      'Interrupted: 3 events not replayed; their messages are visible again.',
    );
    expectAllVisible(3);
  });
  it('warns about each message it could not make visible again', async () => {
    await sendInvalid();
    // Someone purges the queue while the tool replays its message.
    onInvoke = () => queues.sqs.messages(ON_FAILURE_QUEUE).splice(0);
    const { code, stderr } = await failures([
      'replay',
      ...bothQueues(),
      '--function-name',
      'slice-completion',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^failures: warning: could not make message [\w-]+ of \S+SliceCompletion-OnFailureQueue visible again \(ReceiptHandleIsInvalid: The input receipt handle is invalid\.\); it becomes visible by itself within 900 s\n$/,
    );
  });
});

describe('the buffer DLQ', () => {
  const rejected = {
    errorName: 'KodexaRequestRejected',
    errorMessage: 'PUT /api/orchestrator-execution-slices/...: HTTP 400: outputEvent too large',
  };
  const invalidCompletion = {
    errorName: 'InvalidCompletionEvent',
    errorMessage: 'invalid completion event: sliceId: must be a UUID',
  };

  /** What the buffer DLQ holds: the function's dead letters, and SQS's redrives. */
  function sendToBufferDlq() {
    const completion = sampleEvent('1-direct-success.updated.json');
    const destinationRecord = sampleEvent('4-destination-failure.updated.json');
    const { errorName, errorMessage } = rejected;
    queues.sqs.send(BUFFER_DLQ, JSON.stringify(completion), {
      attributes: bufferDeadLetterAttributes(errorName, errorMessage),
      sentAt: Date.now() - 95 * MINUTE - 10_000,
    });
    queues.sqs.send(BUFFER_DLQ, JSON.stringify(destinationRecord), {
      ...redrivenFromBuffer(60),
      sentAt: Date.now() - 6 * 60 * MINUTE - 10_000,
    });
    queues.sqs.send(BUFFER_DLQ, 'not json', {
      attributes: bufferDeadLetterAttributes(
        invalidCompletion.errorName,
        'invalid completion event: the body is not JSON',
      ),
    });
    return { completion, destinationRecord };
  }

  it('lists the function’s ErrorName, or how many receives SQS redrove a message after', async () => {
    sendToBufferDlq();
    const { code, stdout, stderr } = await failures(['list', '--queue-url', queues.bufferDlqUrl]);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`${queues.bufferDlqUrl}  3 messages\n`);
    const rows = stdout.split('\n').map((line) => line.trim().split(/ {2,}/));
    expect(rows).toContainEqual(['1', 'KodexaRequestRejected', '-', '1h 35m', SLICES.direct]);
    expect(rows).toContainEqual([`e.g. ${rejected.errorMessage}`]);
    expect(rows).toContainEqual([
      '1',
      'redriven after 60 receives',
      '-',
      '6h',
      SLICES.destinationFailure,
    ]);
    expect(rows).toContainEqual(['1', 'InvalidCompletionEvent', '-', expect.any(String), '-']);
    expect(rows).toContainEqual(['e.g. invalid completion event: the body is not JSON']);
    expectAllVisible(3);
  });

  it('counts the receives before this read, earlier lists included', async () => {
    queues.sqs.send(BUFFER_DLQ, '{}', redrivenFromBuffer(60));
    await failures(['list', '--queue-url', queues.bufferDlqUrl]);
    const { stdout } = await failures(['list', '--queue-url', queues.bufferDlqUrl]);
    expect(stdout).toMatch(/ 1 {2}redriven after 61 receives /);
  });

  it('replays each body as the event itself, a destination record included', async () => {
    const { completion, destinationRecord } = sendToBufferDlq();

    const { code, stdout } = await failures([
      'replay',
      '--queue-url',
      queues.bufferDlqUrl,
      '--function-name',
      'slice-completion',
    ]);

    expect(code).toBe(1);
    // The record as the pipeline's destination sent it, not its requestPayload.
    expect(queues.lambda.invocations).toEqual([completion, destinationRecord]);
    const status = (id: string) => queues.services.kodexa.slices.get(id)?.status;
    expect(status(SLICES.direct)).toBe('SUCCEEDED');
    expect(status(SLICES.destinationFailure)).toBe('FAILED');
    expect(stdout).toContain('2 updated, 0 unchanged, 0 stale: 2 messages deleted.\n');
    expect(stdout).toMatch(
      /FAILED +\(no slice id\) +UnreadableMessage: the message body is not JSON/,
    );
    expect(queues.sqs.visible(BUFFER_DLQ).map((m) => m.body)).toEqual(['not json']);
  });

  it('--dry-run names the buffer DLQ as where each event comes from', async () => {
    sendToBufferDlq();
    const { code, stdout } = await failures([
      'replay',
      '--queue-url',
      queues.bufferDlqUrl,
      '--function-name',
      'slice-completion',
      '--dry-run',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `  ${SLICES.direct}  completion, from buffer DLQ (KodexaRequestRejected)\n`,
    );
    expect(stdout).toContain(
      `  ${SLICES.destinationFailure}  destination record, from buffer DLQ (redriven after 60 receives)\n`,
    );
    expect(queues.lambda.invocations).toEqual([]);
    expectAllVisible(3);
  });
});

describe('bad input', () => {
  it('names a queue that does not exist, and leaves the other queue as it was', async () => {
    await sendEachShape();
    const missing = `${queues.sqs.url}/000000000000/no-such-queue`;
    const { code, stdout, stderr } = await failures([
      'replay',
      '--queue-url',
      queues.onFailureQueueUrl,
      '--queue-url',
      missing,
      '--function-name',
      'slice-completion',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `failures: queue ${missing} does not exist (AWS says: The specified queue does not exist.)\n`,
    );
    expect(queues.lambda.invocations).toEqual([]);
    expectAllVisible(4);
  });

  it('names a function that does not exist, and leaves every message visible', async () => {
    await sendEachShape();
    const { code, stderr } = await failures(['replay', ...bothQueues(), '--function-name', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'failures: function nope not found (AWS says: Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope)\n',
    );
    expectAllVisible(4);
  });

  it('names the outputs a stack lacks, as one deployed before the buffer does', async () => {
    const older = await startCloudFormationEndpoint({
      Older: {
        FunctionArn: queues.lambda.functionArn,
        OnFailureQueueUrl: queues.onFailureQueueUrl,
      },
    });
    const endpoint = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = older.url;
    try {
      const { code, stderr } = await failures(['list', '--stack', 'Older']);
      expect(code).toBe(2);
      expect(stderr).toBe(
        'failures: stack Older has no output BufferDeadLetterQueueUrl, TargetDeadLetterQueueUrl: is it the slice-completion stack?\n',
      );
    } finally {
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = endpoint;
      await older.close();
    }
  });

  it('names a stack that does not exist', async () => {
    const { code, stderr } = await failures(['list', '--stack', 'NoSuchStack']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'failures: stack NoSuchStack cannot be read (AWS says: Stack with id NoSuchStack does not exist)\n',
    );
  });

  it.each([
    [[], 'no command given'],
    [['purge', '--stack', 'S'], 'unknown command purge'],
    [['list', '--stack', 'S', '--verbose'], "unknown option '--verbose'"],
    [['list', '--queue-url'], "Option '--queue-url <value>' argument missing"],
    [['list'], 'give --queue-url URL (one or more) or --stack NAME'],
    [['list', '--queue-url', 'sqs/queue'], '--queue-url sqs/queue is not a URL'],
    [['list', '--stack', 'S', '--queue-url', 'https://q'], '--stack replaces --queue-url'],
    [['list', '--stack', 'S', '--dry-run'], '--dry-run is for replay, not list'],
    [['replay', '--queue-url', 'https://q'], 'replay needs --function-name NAME'],
    [['replay', '--stack', 'S', '--max', '0'], '--max must be a whole number >= 1, got "0"'],
    [['replay', '--stack', 'S', '--max', '2x'], '--max must be a whole number >= 1, got "2x"'],
  ])('%o: one line naming the problem, then the usage', async (args, problem) => {
    const { code, stdout, stderr } = await failures(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, second] = stderr.split('\n');
    expect(first?.slice(0, `failures: ${problem}`.length)).toBe(`failures: ${problem}`);
    expect(second).toBe('usage:');
    expect(queues.sqs.operations).toEqual([]);
  });
});

describe('as a user runs it', () => {
  const node = (args: string[], env: Record<string, string | undefined> = {}) =>
    queues.runTool('tools/failures.ts', args, env);

  it('replays from the stack and exits 1 when an event failed again', async () => {
    await sendEachShape();
    await sendInvalid();
    const { code, stdout, stderr } = await node(['replay', '--stack', STACK_NAME]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain(`  updated    ${SLICES.direct}  message deleted\n`);
    expect(stdout).toMatch(/FAILED +\.\.\/\.\.\/admin +InvalidCompletionEvent/);
    expect(stdout).toContain('4 updated, 0 unchanged, 0 stale: 4 messages deleted.');
    expectAllVisible(1);
  });

  it.each([
    [{ AWS_REGION: undefined }, 'failures: no AWS region: set AWS_REGION'],
    [
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      'failures: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ],
    [{}, "failures: unknown option '--bogus'", ['--bogus']],
  ])(
    '%o: one line naming the problem, exit code 2, no stack trace',
    async (env, problem, extra = []) => {
      const { code, stdout, stderr } = await node(['list', '--stack', STACK_NAME, ...extra], env);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.slice(0, problem.length)).toBe(problem);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );

  describe('with AWS_PROFILE naming a profile that gives no credentials', () => {
    const FAKE_KEY_ID = 'local-test-key-id-not-real';
    const FAKE_SECRET = 'local-test-secret-not-real';
    let home: string;
    beforeEach(async () => {
      home = await mkdtemp(join(tmpdir(), 'failures-home-'));
      await writeFile(join(home, 'empty'), '');
      // A profile with a key id whose credential_process fails with a secret on its stderr.
      await writeFile(join(home, 'helper.sh'), `#!/bin/sh\necho ${FAKE_SECRET} >&2\nexit 1\n`, {
        mode: 0o755,
      });
      await writeFile(
        join(home, 'config'),
        `[profile broken]\naws_access_key_id = ${FAKE_KEY_ID}\ncredential_process = ${join(home, 'helper.sh')}\n`,
      );
    });
    afterEach(() => rm(home, { recursive: true, force: true }));
    const withProfile = (profile: string, configFile: string) =>
      node(['list', '--stack', STACK_NAME], {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: profile,
        HOME: home,
        AWS_CONFIG_FILE: join(home, configFile),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'empty'),
      });

    it("names the profile instead of asking for AWS_PROFILE, with the SDK's words", async () => {
      const { code, stdout, stderr } = await withProfile('nope', 'empty');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n')).toEqual([
        expect.stringMatching(
          /^failures: no AWS credentials from profile nope \(AWS_PROFILE\): .*\(AWS SDK: Could not load credentials from any providers\)$/,
        ),
        '',
      ]);
      expect(stderr).not.toContain('set AWS_PROFILE');
    });

    it('shows no key material of the profile', async () => {
      const { code, stderr } = await withProfile('broken', 'config');
      expect(code).toBe(2);
      expect(stderr).toMatch(/^failures: no AWS credentials from profile broken /);
      expect(stderr).not.toContain(FAKE_KEY_ID);
      expect(stderr).not.toContain(FAKE_SECRET);
    });
  });
});
