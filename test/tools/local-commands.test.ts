// `npm start` and `npm run invoke`, run as a user runs them: a child process on the pinned Node.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from '../../infra/build.ts';

const run = promisify(execFile);

async function node(script: string, ...args: string[]) {
  const env = { ...process.env, POWERTOOLS_LOG_LEVEL: undefined };
  return run(process.execPath, [script, ...args], { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm start', () => {
  it('runs every sample event and exits 0 when each did what its file name says', async () => {
    const { code, stdout } = await node('tools/start.ts');
    expect(code).toBe(0);
    expect(stdout).toMatch(/events\/1-direct-success\.updated\.json\n {2}ok {3}updated/);
    expect(stdout).toContain('"RUNNING" -> "SUCCEEDED"');
    expect(stdout).toContain('"RUNNING" -> "FAILED"');
    expect(stdout).toMatch(/ok {3}unchanged/);
    expect(stdout).toMatch(/ok {3}stale/);
    expect(stdout).toMatch(
      /ok {3}InvalidCompletionEvent: invalid completion event: sliceId: must be a UUID/,
    );
    expect(stdout).toContain(
      '9 of 9 events did what their file names say; 1 secret read, 1 connection to Kodexa',
    );
  });
});

describe('npm run invoke', () => {
  it('sends one event to the emulator and shows the slice change', async () => {
    const { code, stdout } = await node(
      'tools/invoke.ts',
      'events/4-destination-failure.updated.json',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^updated \(changeSequence 3\)\n/);
    expect(stdout).toContain('"RUNNING" -> "FAILED"');
  });

  it('prints the named error and exits 1 when the function fails', async () => {
    const { code, stdout } = await node(
      'tools/invoke.ts',
      'events/7-invalid.InvalidCompletionEvent.json',
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^InvalidCompletionEvent: invalid completion event: sliceId: must be a UUID/,
    );
  });

  const badJson = join(tmpdir(), `invoke-bad-${process.pid}.json`);
  it.each([
    [[], 'invoke: usage: npm run invoke -- <event.json>'],
    [['events/none.json'], 'invoke: cannot read events/none.json: no such file'],
    [[badJson], `invoke: ${badJson} is not valid JSON: `],
    [['a.json', 'b.json'], 'invoke: usage:'],
    [
      ['events/1-direct-success.updated.json', '--kodexa-url', 'https://k'],
      'invoke: --kodexa-url and --secret-id go together',
    ],
    [['events/1-direct-success.updated.json', '--verbose'], "invoke: Unknown option '--verbose'"],
  ])('%o fails with one clear line and exit code 1', async (args, message) => {
    await writeFile(badJson, '{"sliceId": ');
    const { code, stdout, stderr } = await node('tools/invoke.ts', ...args);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm run emulator', () => {
  it('serves the sample slices at the URL and with the key it prints', async () => {
    const child = spawn(process.execPath, ['tools/emulator.ts', '--port', '0'], { cwd: root });
    try {
      const lines = createInterface(child.stdout);
      const [urlLine] = (await once(lines, 'line')) as [string];
      const [keyLine] = (await once(lines, 'line')) as [string];
      const url = urlLine.replace('Kodexa emulator at ', '');
      const apiKey = keyLine.replace('x-api-key: ', '');
      const slice = await fetch(
        `${url}/api/orchestrator-execution-slices/3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21`,
        { headers: { 'x-api-key': apiKey } },
      );
      expect(slice.status).toBe(200);
      expect(await slice.json()).toMatchObject({ status: 'RUNNING', changeSequence: 2 });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
