// Every tool answers a mistake on its command line the same way, run as a user runs it, through
// npm: one line naming the mistake, then the usage, exit code 2, before it builds, starts a
// server or reaches AWS. And --help lists every option, the environment and the exit codes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from '../../infra/paths.ts';

const run = promisify(execFile);

/** `npm <args>` in the project; stderr without npm's own warnings. */
async function npm(...args: string[]) {
  // Not the variables of an npm that runs these tests: the tools read npm's.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')),
  );
  const { code, stdout, stderr } = await run('npm', ['--silent', ...args], { cwd: root, env }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  const ownLines = stderr.split('\n').filter((line) => !line.startsWith('npm warn'));
  return { code, stdout, stderr: ownLines.join('\n') };
}

const TOOLS = [
  {
    command: 'npm start',
    usage: 'usage: npm start [-- --events DIR]',
    options: ['--events DIR'],
    environment: ['POWERTOOLS_LOG_LEVEL'],
    exitCodes: [0, 1, 2],
    stray: ['extra'],
    // `npm start --events events`: npm keeps --events, and events reaches the tool alone.
    npm: ['--events', 'events'],
    npmLine:
      "unexpected argument events (npm needs -- before the tool's options: npm start -- --events events)",
  },
  {
    command: 'npm run invoke',
    usage: 'usage: npm run invoke -- <event.json> [--kodexa-url URL --secret-id ID]',
    options: ['--kodexa-url URL', '--secret-id ID'],
    environment: ['AWS_REGION', 'AWS_PROFILE', 'POWERTOOLS_LOG_LEVEL'],
    exitCodes: [0, 1, 2],
    stray: ['events/1-direct-success.updated.json', 'extra'],
    npm: ['events/1-direct-success.updated.json', '--kodexa-url', 'https://platform.kodexa.ai'],
    npmLine:
      "unexpected argument https://platform.kodexa.ai (npm needs -- before the tool's options: npm run invoke -- events/1-direct-success.updated.json --kodexa-url https://platform.kodexa.ai)",
  },
  {
    command: 'npm run emulator',
    usage: 'usage: npm run emulator [-- --port N --key KEY]',
    options: ['--port N', '--key KEY'],
    environment: [],
    exitCodes: [0, 2],
    stray: ['extra'],
    npm: ['--port', '9000'],
    npmLine:
      "unexpected argument 9000 (npm needs -- before the tool's options: npm run emulator -- --port 9000)",
  },
  {
    command: 'npm run failures',
    usage: 'usage:',
    options: ['--queue-url URL', '--function-name NAME', '--stack NAME', '--dry-run', '--max N'],
    environment: ['AWS_REGION', 'AWS_PROFILE'],
    exitCodes: [0, 1, 2, 130],
    stray: ['list', 'extra'],
    npm: ['list', '--stack', 'SliceCompletion'],
    npmLine:
      "unexpected argument SliceCompletion (npm needs -- before the tool's options: npm run failures -- list --stack SliceCompletion)",
  },
  {
    command: 'npm run smoke',
    usage: 'usage: npm run smoke -- (--function-name NAME | --stack NAME)',
    options: ['--function-name NAME', '--stack NAME'],
    environment: ['AWS_REGION', 'AWS_PROFILE'],
    exitCodes: [0, 1, 2],
    stray: ['--stack', 'SliceCompletion', 'extra'],
    npm: ['--stack', 'SliceCompletion'],
    npmLine:
      "unexpected argument SliceCompletion (npm needs -- before the tool's options: npm run smoke -- --stack SliceCompletion)",
  },
  {
    command: 'npm run bench',
    usage: 'usage: npm run bench [-- --check] [--size-only | --burst]',
    options: ['--check', '--size-only', '--burst'],
    environment: [],
    exitCodes: [0, 1, 2],
    stray: ['extra'],
    // A flag alone leaves no stray value: without the check, the tool would measure for a minute.
    npm: ['--check'],
    npmLine:
      "--check went to npm, not to bench (npm needs -- before the tool's options: npm run bench -- --check)",
  },
  {
    command: 'npm run schema',
    usage: 'usage: npm run schema',
    options: [],
    environment: [],
    exitCodes: [0, 2],
    stray: ['extra'],
    // No option that npm could take from it.
    npm: undefined,
    npmLine: undefined,
  },
];

// Each test starts npm, which takes seconds on a busy machine.
describe.concurrent.each(TOOLS)('$command', { timeout: 60_000 }, (tool) => {
  const [, ...script] = tool.command.split(' ');
  const name = script.at(-1);

  /** One line naming the mistake, then the usage, exit code 2, nothing on stdout. */
  function expectMistake(
    { code, stdout, stderr }: Awaited<ReturnType<typeof npm>>,
    problem: string,
  ) {
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    const [line, usage] = stderr.split('\n');
    expect(line).toBe(`${name}: ${problem}`);
    expect(usage).toBe(tool.usage);
    expect(stderr).not.toMatch(/\n\s+at /);
  }

  it('names an unknown option, then the usage, exit code 2', async () => {
    expectMistake(await npm(...script, '--', '--verbose'), "unknown option '--verbose'");
  });

  it('names a stray argument, then the usage, exit code 2', async () => {
    expectMistake(await npm(...script, '--', ...tool.stray), 'unexpected argument extra');
  });

  // `npm run emulator --port 9000`: npm keeps --port as its own config and passes 9000 on.
  const { npm: npmArgs, npmLine } = tool;
  if (npmArgs && npmLine) {
    it('says npm needs -- when an option went to npm instead', async () => {
      expectMistake(await npm(...script, ...npmArgs), npmLine);
    });
  }

  it('--help lists every option, the environment that matters and the exit codes', async () => {
    const { code, stdout, stderr } = await npm(...script, '--', '--help');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.startsWith(tool.usage)).toBe(true);
    const section = (title: string) =>
      stdout.trimEnd().split(`\n${title}:\n`)[1]?.split('\n\n')[0]?.split('\n') ?? [];
    const options = [...tool.options, '-h, --help'];
    expect(section('options')).toEqual(
      options.map((option) => expect.stringMatching(new RegExp(`^ {2}${option} +\\S`))),
    );
    expect(section('environment')).toEqual(
      tool.environment.map((variable) =>
        expect.stringMatching(new RegExp(`^ {2}${variable} +\\S`)),
      ),
    );
    expect(section('exit codes')).toEqual(
      tool.exitCodes.map((exitCode) => expect.stringMatching(new RegExp(`^ {2}${exitCode} +\\S`))),
    );
  });
});
