// `npm start` and `npm run invoke`, run as a user runs them: a child process on the pinned Node.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBatches, sampleEvents } from '#tools/local/sample-events.ts';
import { root } from '../../infra/paths.ts';

const run = promisify(execFile);

async function node(script: string, ...args: string[]) {
  return nodeWith({}, script, ...args);
}

async function nodeWith(
  vars: Record<string, string | undefined>,
  script: string,
  ...args: string[]
) {
  const env = { ...process.env, POWERTOOLS_LOG_LEVEL: undefined, ...vars };
  return run(process.execPath, [script, ...args], { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm start', () => {
  // One run serves every test of it.
  let run: ReturnType<typeof node> | undefined;
  const start = () => {
    run ??= node('tools/start.ts');
    return run;
  };

  it('runs every sample event and exits 0 when each did what its file name says', async () => {
    const { code, stdout } = await start();
    expect(code).toBe(0);
    expect(stdout).toMatch(/events\/1-direct-success\.updated\.json\n {2}ok {3}updated/);
    expect(stdout).toContain('"RUNNING" -> "SUCCEEDED"');
    expect(stdout).toContain('"RUNNING" -> "FAILED"');
    expect(stdout).toMatch(/ok {3}unchanged/);
    expect(stdout).toMatch(/ok {3}stale/);
    expect(stdout).toMatch(
      /ok {3}InvalidCompletionEvent: invalid completion event: sliceId: must be a UUID/,
    );
    // The batch's records run at once, each on a connection of its own.
    expect(stdout).toMatch(
      /\n10 of 10 events did what their file names say; 1 secret read, [23] connections to Kodexa\n/,
    );
  });

  it('runs a batch from the buffer and shows its answer and what became of each record', async () => {
    const { stdout } = await start();
    const file = 'events/10-sqs-batch.updated+InvalidCompletionEvent+SliceUpdateConflict.json';
    const shown = stdout
      .slice(stdout.indexOf(`${file}\n`))
      .split('\n\n')[0]
      ?.split('\n');
    expect(shown).toEqual([
      file,
      '  ok   batch of 3, answered {"batchItemFailures":[{"itemIdentifier":"4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b"}]}',
      '  record 1  processed     updated',
      '    status           "RUNNING" -> "SUCCEEDED"',
      '    lambdaRequestId  null -> "d4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f7a"',
      '    durationMs       null -> 2950',
      '    completedAt      null -> "2026-11-28T10:00:32.950Z"',
      '    changed          changeSequence, updatedOn, status, lambdaRequestId, outputEvent, durationMs, completedAt',
      '  record 2  dead-lettered InvalidCompletionEvent: invalid completion event: body: must be JSON',
      expect.stringMatching(
        /^ {2}record 3 {2}handed back {3}SliceUpdateConflict; in batchItemFailures, visible again in [23] s$/,
      ),
    ]);
  });

  it('ends with a summary of the metrics the function wrote, and no EMF lines', async () => {
    const expected = [...sampleEvents(), ...sampleBatches()].flatMap((sample) =>
      sample.expected.split('+'),
    );
    const outcomes = ['updated', 'unchanged', 'stale'];
    const n = (outcome: string) => expected.filter((e) => e === outcome).length;
    const errors = expected.filter((e) => !outcomes.includes(e));

    const { stdout } = await start();
    const summary = stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(summary).toMatch(
      new RegExp(
        `^metrics: ${n('updated')} updated, ${n('unchanged')} unchanged, ${n('stale')} stale, ` +
          // the batch's SliceUpdateConflict, handed back: the first write and 5 re-reads after a
          // conflict
          `${errors.length} failed \\(.+\\), 1 handed back; 0 retries, 5 conflicts, 1 cold start$`,
      ),
    );
    for (const error of errors) expect(summary).toContain(error);
    expect(stdout).not.toContain('"_aws"');
  });
});

describe('npm start -- --events DIR', () => {
  it('names each file it cannot run, runs the others and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'start-events-'));
    try {
      await copyFile(
        `${root}events/1-direct-success.updated.json`,
        `${dir}/1-direct-success.updated.json`,
      );
      await writeFile(`${dir}/2-broken.updated.json`, '{"sliceId": ');
      await writeFile(`${dir}/3-my-event.json`, '{}');
      const { code, stdout } = await node('tools/start.ts', '--events', dir);
      expect(code).toBe(1);
      expect(stdout).toContain(`${dir}/1-direct-success.updated.json\n  ok   updated`);
      expect(stdout).toContain(
        `${dir}/2-broken.updated.json\n  FAIL not valid JSON: Unexpected end of JSON input\n`,
      );
      expect(stdout).toContain(
        `${dir}/3-my-event.json\n  FAIL not named <n>-<what>.<expected outcome or error name, one per record joined by +>.json`,
      );
      expect(stdout).toContain('1 of 3 events did what their file names say');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  const empty = mkdtempSync(join(tmpdir(), 'start-empty-'));
  afterAll(() => rm(empty, { recursive: true }));

  it.each([
    [['--events', '/no/such/dir'], 'start: cannot read the events directory /no/such/dir: ENOENT'],
    [['--events', empty], `start: no .json files in ${empty}: nothing to run`],
  ])('%o fails with one line naming the problem, exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await node('tools/start.ts', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
  });
});

describe('npm run invoke', () => {
  it('sends one event to the emulator and shows each value it wrote, long ones shortened', async () => {
    const { code, stdout, stderr } = await node(
      'tools/invoke.ts',
      'events/4-destination-failure.updated.json',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const [outcome, ...fields] = stdout.trimEnd().split('\n');
    expect(outcome).toBe('updated (changeSequence 3)');
    expect(fields).toEqual([
      '  changeSequence   2 -> 3',
      expect.stringMatching(/^ {2}updatedOn {8}"2026-11-28T10:00:15\.000Z" -> "[\d-]+T[\d:.]+Z"$/),
      '  status           "RUNNING" -> "FAILED"',
      '  lambdaRequestId  null -> "2f3e4d5c-6b7a-4988-a776-655443322110"',
      '  durationMs       null -> 6500',
      '  completedAt      null -> "2026-11-28T10:00:21.500Z"',
      '  errorMessage     null -> "page 3 of family-4 is not a valid PDF"',
      '  errorDetails     {} -> {"errorType":"DocumentParseError","stackTrace":["Document...',
      'metrics: 1 updated, 0 unchanged, 0 stale, 0 failed; 0 retries, 0 conflicts, 1 cold start',
    ]);
  });

  it('prints the named error to stderr, as its own errors, and exits 1 when the function fails', async () => {
    const { code, stdout, stderr } = await node(
      'tools/invoke.ts',
      'events/7-invalid.InvalidCompletionEvent.json',
    );
    expect(code).toBe(1);
    expect(stdout).toBe(
      'metrics: 0 updated, 0 unchanged, 0 stale, 1 failed (InvalidCompletionEvent); 0 retries, 0 conflicts, 1 cold start\n',
    );
    expect(stderr).toMatch(
      /^InvalidCompletionEvent: invalid completion event: sliceId: must be a UUID/,
    );
  });

  it('runs a batch from the buffer, shows each record, and exits 1 when one failed', async () => {
    const { code, stdout, stderr } = await node(
      'tools/invoke.ts',
      'events/10-sqs-batch.updated+InvalidCompletionEvent+SliceUpdateConflict.json',
    );
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line) => !line.startsWith(' '))).toEqual([
      'batch of 3, answered {"batchItemFailures":[{"itemIdentifier":"4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b"}]}',
      'record 1  processed     updated',
      'record 2  dead-lettered InvalidCompletionEvent: invalid completion event: body: must be JSON',
      expect.stringMatching(
        /^record 3 {2}handed back {3}SliceUpdateConflict; in batchItemFailures, visible again in [23] s$/,
      ),
      'metrics: 1 updated, 0 unchanged, 0 stale, 2 failed (InvalidCompletionEvent, SliceUpdateConflict), 1 handed back; 0 retries, 5 conflicts, 1 cold start',
    ]);
  });

  describe('against a real Kodexa', () => {
    const realKodexa = (url: string) => [
      'events/1-direct-success.updated.json',
      '--kodexa-url',
      url,
      '--secret-id',
      'kodexa/api-key',
    ];
    // Nothing on this machine may supply a region or credentials behind the test's back.
    const noAws = {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    it.each([
      [
        'a --kodexa-url without a scheme, before anything about AWS',
        {},
        'platform.kodexa.ai',
        'invoke: --kodexa-url must be an absolute URL such as https://platform.kodexa.ai\nusage: npm run invoke',
      ],
      [
        'a --kodexa-url over plain http',
        {},
        'http://platform.kodexa.ai',
        'invoke: --kodexa-url must use https (plain http is allowed only for loopback hosts)\nusage:',
      ],
      [
        'the region to set',
        {},
        'https://platform.kodexa.ai',
        'invoke: no AWS region: set AWS_REGION, or AWS_PROFILE to a profile that has a region\n',
      ],
      [
        'the credentials to set, as npm run failures does',
        { AWS_REGION: 'eu-west-1' },
        'https://platform.kodexa.ai',
        'invoke: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      ],
    ])('names %s, exit code 2', async (_, env, url, message) => {
      const { code, stdout, stderr } = await nodeWith(
        { ...noAws, ...env },
        'tools/invoke.ts',
        ...realKodexa(url),
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.startsWith(message)).toBe(true);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  });

  // Made while the tests are collected: the table below names the file.
  const scratch = mkdtempSync(join(tmpdir(), 'invoke-'));
  const badJson = join(scratch, 'bad.json');
  beforeAll(() => writeFile(badJson, '{"sliceId": '));
  afterAll(() => rm(scratch, { recursive: true }));
  it.each([
    [[], 'invoke: no event file given\nusage: npm run invoke -- <event.json>'],
    [['events/none.json'], 'invoke: cannot read events/none.json: no such file\n'],
    [[badJson], `invoke: ${badJson} is not valid JSON: `],
    [
      ['events/1-direct-success.updated.json', '--kodexa-url', 'https://k'],
      'invoke: --kodexa-url and --secret-id go together\nusage:',
    ],
  ])('%o fails with one clear line and exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await node('tools/invoke.ts', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.slice(0, message.length)).toBe(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm run emulator', () => {
  const sliceUrl = (url: string) =>
    `${url}/api/orchestrator-execution-slices/3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21`;

  /** The URL and key the emulator prints, once it has printed both. */
  async function printed(child: ChildProcessWithoutNullStreams) {
    let url = '';
    for await (const line of createInterface(child.stdout)) {
      if (line.startsWith('Kodexa emulator at ')) url = line.replace('Kodexa emulator at ', '');
      if (line.startsWith('x-api-key: ')) return { url, apiKey: line.replace('x-api-key: ', '') };
    }
    throw new Error('the emulator exited without printing its URL and key');
  }

  it('serves the sample slices at the URL and with the key it prints', async () => {
    const child = spawn(process.execPath, ['tools/emulator.ts', '--port', '0'], { cwd: root });
    try {
      const { url, apiKey } = await printed(child);
      const slice = await fetch(sliceUrl(url), { headers: { 'x-api-key': apiKey } });
      expect(slice.status).toBe(200);
      expect(await slice.json()).toMatchObject({ status: 'RUNNING', changeSequence: 2 });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('takes its key from --key, and stops serving when npm gets SIGTERM', async () => {
    // Its own process group, so that whatever npm started can be ended if the test fails.
    const npm = spawn('npm', ['run', 'emulator', '--', '--port', '0', '--key', 'my-key'], {
      cwd: root,
      detached: true,
    });
    try {
      const { url, apiKey } = await printed(npm);
      expect(apiKey).toBe('my-key');
      const slice = await fetch(sliceUrl(url), { headers: { 'x-api-key': 'my-key' } });
      expect(slice.status).toBe(200);

      npm.kill('SIGTERM');
      await once(npm, 'exit');
      const error = await fetch(sliceUrl(url)).then(
        () => new Error('still serving'),
        (error: Error) => error,
      );
      expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
    } finally {
      try {
        if (npm.pid) process.kill(-npm.pid, 'SIGKILL');
      } catch {
        // ESRCH: nothing of the group is left, as it should be
      }
    }
  });

  it.each([
    [['--port', 'abc'], 'emulator: --port must be an integer from 0 to 65535, got "abc"'],
    [['--port', '70000'], 'emulator: --port must be an integer from 0 to 65535, got "70000"'],
    [['--key', ''], 'emulator: --key must not be empty'],
  ])('%o fails with one line naming the problem, the usage, exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await node('tools/emulator.ts', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\nusage: npm run emulator [-- --port N --key KEY]\n`);
  });

  it('says so when the port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await node('tools/emulator.ts', '--port', String(port));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `emulator: port ${port} is already in use; choose another with --port N\n`,
      );
    } finally {
      taken.close();
    }
  });
});
