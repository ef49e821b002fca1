// The shared command line of the tools: what they cannot show through npm in a few runs.
import { describe, expect, it } from 'vitest';
import {
  CannotRun,
  cannotRunText,
  helpText,
  parseCommandLine,
  type Tool,
  UsageError,
  wantsHelp,
} from '#tools/cli.ts';

const TOOL = {
  command: 'npm run try',
  usage: ['-- <file> [--url URL --id ID --dry-run]'],
  about: 'A tool to try the command line with.',
  positionals: 1,
  options: {
    url: { type: 'string', value: 'URL', help: 'where' },
    id: { type: 'string', value: 'ID', help: 'which' },
    'dry-run': { type: 'boolean', help: 'send nothing' },
  },
  exitCodes: { 0: 'done', 2: 'not done' },
} satisfies Tool;

/** The message of the UsageError the command line is answered with. */
function mistake(args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseCommandLine(TOOL, args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${args.join(' ')} was taken`);
}

describe('parseCommandLine', () => {
  it('gives the options and the arguments', () => {
    const { values, positionals } = parseCommandLine(TOOL, ['f.json', '--url', 'u', '--dry-run']);
    expect({ values, positionals }).toEqual({
      values: { url: 'u', 'dry-run': true },
      positionals: ['f.json'],
    });
  });

  it.each([
    [['--verbose'], "unknown option '--verbose'"],
    [['f.json', '--url'], "Option '--url <value>' argument missing"],
    [['f.json', '--dry-run=yes'], "Option '--dry-run' does not take an argument"],
    [['f.json', 'g.json'], 'unexpected argument g.json'],
  ])('%o: names the mistake in one line', (args, message) => {
    expect(mistake(args)).toBe(message);
  });

  // npm run try f.json --url u --id i --dry-run: npm keeps the three options, passes u and i on.
  const npmTook = (...names: string[]) => ({
    npm_lifecycle_event: 'try',
    ...Object.fromEntries(names.map((name) => [`npm_config_${name}`, 'true'])),
  });

  it.each([
    [
      ['f.json', 'u'],
      npmTook('url'),
      "unexpected argument u (npm needs -- before the tool's options: npm run try -- f.json --url u)",
    ],
    [
      ['f.json', 'u', 'i'],
      npmTook('url', 'id', 'dry_run'),
      "unexpected argument u (npm needs -- before the tool's options: npm run try -- f.json --url URL --id ID --dry-run)",
    ],
    [
      ['f.json'],
      npmTook('dry_run'),
      "--dry-run went to npm, not to try (npm needs -- before the tool's options: npm run try -- f.json --dry-run)",
    ],
  ])('%o, with %o: says which options npm took, and how to type them', (args, env, message) => {
    expect(mistake(args, env)).toBe(message);
  });

  it('leaves npm out when npm ran another script, whose variables the tool inherits', () => {
    expect(mistake(['f.json', 'u'], { ...npmTook('url'), npm_lifecycle_event: 'test' })).toBe(
      'unexpected argument u',
    );
  });
});

describe('--help', () => {
  it('is asked for anywhere before --', () => {
    expect(wantsHelp(['f.json', '--url', 'u', '-h'])).toBe(true);
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('lists the usage, each option, and the exit codes, in columns', () => {
    expect(helpText(TOOL)).toBe(
      [
        'usage: npm run try -- <file> [--url URL --id ID --dry-run]',
        '',
        'A tool to try the command line with.',
        '',
        'options:',
        '  --url URL   where',
        '  --id ID     which',
        '  --dry-run   send nothing',
        '  -h, --help  this help',
        '',
        'exit codes:',
        '  0  done',
        '  2  not done',
      ].join('\n'),
    );
  });
});

describe('cannotRunText', () => {
  it('adds the usage after a mistake on the command line, not after what the tool needs', () => {
    expect(cannotRunText(TOOL, new UsageError('no file given'))).toBe(
      'try: no file given\nusage: npm run try -- <file> [--url URL --id ID --dry-run]\n',
    );
    expect(cannotRunText(TOOL, new CannotRun('cannot read f.json: no such file'))).toBe(
      'try: cannot read f.json: no such file\n',
    );
    expect(cannotRunText(TOOL, new TypeError('x is undefined'))).toBe(
      'try: TypeError: x is undefined\n',
    );
  });
});
