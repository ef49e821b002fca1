// How every tool reads its command line and answers a mistake: one line naming it, then the
// usage, exit code 2. `--help` lists each option, the environment variables that matter and the
// exit codes. A tool declares itself once (a `Tool`) and reads its command line with
// `readCommandLine`; what stops it later goes to `exitCannotRun`.
import { writeSync } from 'node:fs';
import { type ParseArgsOptionDescriptor, parseArgs } from 'node:util';

/** Exit code when a tool could not do its job: a mistake on the command line, or what it needs. */
export const CANNOT_RUN = 2;

/** Something the tool needs is wrong or missing; the message says what, in the operator's words. */
export class CannotRun extends Error {
  override readonly name: string = 'CannotRun';
}

/** The command line is wrong; nothing was done. The usage follows the message. */
export class UsageError extends CannotRun {
  override readonly name = 'UsageError';
}

export interface Option extends ParseArgsOptionDescriptor {
  /** The value's name in the help, for a string option: URL, N, DIR. */
  value?: string;
  /** One line for --help. */
  help: string;
}

export interface Tool<O extends Record<string, Option> = Record<string, Option>> {
  /** How a user runs it: `npm start`, `npm run invoke`. Its last word starts each error line. */
  command: string;
  /** Each way to call it, after the command: `-- <event.json> [--kodexa-url URL]`. */
  usage: string[];
  /** What it does, in a line or two. */
  about: string;
  /** How many arguments that are not options it takes; any after them is stray. */
  positionals?: number;
  options: O;
  /** The environment variables that matter, and what each does here. */
  environment?: Record<string, string>;
  exitCodes: Record<number, string>;
}

export type CommandLine<O extends Record<string, Option>> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true }>
>;

const HELP: Option = { type: 'boolean', short: 'h', help: 'this help' };

export function toolName(tool: Tool): string {
  return tool.command.split(' ').at(-1) ?? tool.command;
}

export function usageText(tool: Tool): string {
  const lines = tool.usage.map((usage) => `${tool.command} ${usage}`.trimEnd());
  return lines.length === 1 ? `usage: ${lines[0]}` : ['usage:', ...lines].join('\n  ');
}

export function helpText(tool: Tool): string {
  const options = Object.entries({ ...tool.options, help: HELP }).map(
    ([name, option]) =>
      [
        [option.short && `-${option.short},`, `--${name}`, option.value].filter(Boolean).join(' '),
        option.help,
      ] as const,
  );
  const exitCodes = Object.entries(tool.exitCodes);
  return [
    usageText(tool),
    '',
    tool.about,
    '',
    'options:',
    ...columns(options),
    ...(tool.environment ? ['', 'environment:', ...columns(Object.entries(tool.environment))] : []),
    '',
    'exit codes:',
    ...columns(exitCodes),
  ].join('\n');
}

function columns(rows: (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** Whether the command line asks for the help, whatever else is on it. */
export function wantsHelp(args: string[]): boolean {
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  return options.includes('--help') || options.includes('-h');
}

/** The options and arguments; throws a UsageError naming the first mistake. */
export function parseCommandLine<O extends Record<string, Option>>(
  tool: Tool<O>,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): CommandLine<O> {
  let commandLine: CommandLine<O>;
  try {
    commandLine = parseArgs({ args, options: tool.options, allowPositionals: true });
  } catch (error) {
    // parseArgs goes on to explain how to pass an argument that starts with a dash; only its
    // first sentence is about what the user typed.
    const message = (error as Error).message;
    throw new UsageError(
      (message.split(/\.\s/)[0] ?? message).replace(/^Unknown option/, 'unknown option'),
    );
  }
  const { positionals } = commandLine;
  // Only when npm ran this very tool: nested processes inherit npm's variables.
  const byNpm = env.npm_lifecycle_event === toolName(tool);
  const took = byNpm ? optionsNpmTook(tool, env) : [];
  const stray = positionals[tool.positionals ?? 0];
  if (took.length > 0) {
    const problem = stray
      ? `unexpected argument ${stray}`
      : `${took.map((name) => `--${name}`).join(' and ')} went to npm, not to ${toolName(tool)}`;
    throw new UsageError(`${problem} ${npmHint(tool, positionals, took)}`);
  }
  if (stray) throw new UsageError(`unexpected argument ${stray}`);
  return commandLine;
}

// Without `--`, npm keeps each option it does not know as its own config (npm_config_port=true) and
// passes the option's value on to the tool as an argument.
function optionsNpmTook(tool: Tool, env: NodeJS.ProcessEnv): string[] {
  return Object.keys(tool.options).filter(
    (name) => env[`npm_config_${name.replaceAll('-', '_')}`] === 'true',
  );
}

/** The command as it should have been typed, the values taken from the end of the arguments. */
function npmHint(tool: Tool, positionals: string[], took: string[]): string {
  const withValue = took.filter((name) => tool.options[name]?.type === 'string');
  // Which value was whose is known only when one option lost its value.
  const knownValue = withValue.length === 1 && positionals.length > 0;
  const kept = positionals.slice(0, positionals.length - withValue.length);
  const options = took.map((name) => {
    const option = tool.options[name];
    if (option?.type !== 'string') return `--${name}`;
    return `--${name} ${knownValue ? positionals.at(-1) : (option.value ?? 'VALUE')}`;
  });
  return `(npm needs -- before the tool's options: ${[tool.command, '--', ...kept, ...options].join(' ')})`;
}

/** One line naming what stopped the tool. */
export function problemLine(error: unknown): string {
  if (error instanceof CannotRun) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** What a tool writes to stderr when it cannot run: the problem, and the usage after a mistake. */
export function cannotRunText(tool: Tool, error: unknown, line = problemLine(error)): string {
  const usage = error instanceof UsageError ? `${usageText(tool)}\n` : '';
  return `${toolName(tool)}: ${line}\n${usage}`;
}

/**
 * This process's command line, read by `tool`. After --help, the process ends here with the help
 * (exit code 0); after a mistake, with one line naming it and the usage (exit code 2).
 */
export function readCommandLine<O extends Record<string, Option>>(tool: Tool<O>): CommandLine<O> {
  const args = process.argv.slice(2);
  if (wantsHelp(args)) {
    writeSync(1, `${helpText(tool)}\n`);
    process.exit(0);
  }
  try {
    return parseCommandLine(tool, args);
  } catch (error) {
    return exitCannotRun(tool, error);
  }
}

/**
 * Ends the process with what stopped the tool: one line (then the usage after a mistake), exit 2.
 * A tool that talks to AWS passes `awsProblem(error) ?? problemLine(error)` as the line.
 */
export function exitCannotRun(tool: Tool, error: unknown, line = problemLine(error)): never {
  // Written synchronously: process.exit does not wait for a pipe to take asynchronous writes.
  writeSync(2, cannotRunText(tool, error, line));
  process.exit(CANNOT_RUN);
}
