// The command line of `npm run failures`, checked whole before anything reaches AWS.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export const USAGE = `usage:
  npm run failures -- list   (--queue-url URL [--queue-url URL ...] | --stack NAME)
  npm run failures -- replay (--queue-url URL [...] --function-name NAME | --stack NAME) [--dry-run] [--max N]`;

/** Where the failed events are and which function replays them: given, or read from a stack. */
export type Targets = { stack: string } | { queueUrls: string[]; functionName: string | undefined };

export type Options =
  | { command: 'list'; targets: Targets }
  | { command: 'replay'; targets: Targets; dryRun: boolean; max: number | undefined };

export function parseOptions(args: string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(parseArgsProblem(error));
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (command !== 'list' && command !== 'replay') {
    throw new UsageError(command ? `unknown command ${command}` : 'no command given');
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);

  const queueUrls = values['queue-url'] ?? [];
  const functionName = values['function-name'];
  const { stack } = values;
  if (stack !== undefined && (queueUrls.length > 0 || functionName !== undefined)) {
    throw new UsageError('--stack replaces --queue-url and --function-name: give one or the other');
  }
  if (stack === undefined && queueUrls.length === 0) {
    throw new UsageError('give --queue-url URL (one or more) or --stack NAME');
  }
  for (const url of queueUrls) {
    if (!URL.canParse(url)) {
      throw new UsageError(
        `--queue-url ${url} is not a URL (a queue URL looks like https://sqs.eu-west-1.amazonaws.com/123456789012/name)`,
      );
    }
  }
  const targets: Targets = stack !== undefined ? { stack } : { queueUrls, functionName };

  if (command === 'list') {
    for (const option of ['function-name', 'dry-run', 'max'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} is for replay, not list`);
    }
    return { command, targets };
  }
  if (stack === undefined && !functionName) {
    throw new UsageError('replay needs --function-name NAME (or --stack NAME)');
  }
  return { command, targets, dryRun: values['dry-run'] ?? false, max: maxOption(values.max) };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      'queue-url': { type: 'string', multiple: true },
      'function-name': { type: 'string' },
      stack: { type: 'string' },
      'dry-run': { type: 'boolean' },
      max: { type: 'string' },
    },
  });
}

function maxOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const max = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(max) || max < 1) {
    throw new UsageError(`--max must be a whole number >= 1, got "${value}"`);
  }
  return max;
}

// parseArgs explains how to pass a positional that starts with a dash; only the first sentence
// is about what the user typed.
export function parseArgsProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split(/\.\s/)[0] ?? message).replace(/^Unknown option/, 'unknown option');
}
