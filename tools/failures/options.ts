// The command line of `npm run failures`, checked whole before anything reaches AWS.
import { parseCommandLine, type Tool, UsageError } from '../cli.ts';

export const FAILURES = {
  command: 'npm run failures',
  usage: [
    '-- list   (--queue-url URL [--queue-url URL ...] | --stack NAME)',
    '-- replay (--queue-url URL [...] --function-name NAME | --stack NAME) [--dry-run] [--max N]',
  ],
  about:
    'list: what is in the dead-letter queues, grouped by error; nothing is consumed.\n' +
    'replay: each failed event through the function again, one at a time; its message is deleted\n' +
    'once the event is recorded, and kept when it fails again. Ctrl-C stops after the event in\n' +
    'hand and makes every held message visible again.',
  positionals: 1,
  options: {
    'queue-url': {
      type: 'string',
      multiple: true,
      value: 'URL',
      help: 'a dead-letter queue to read (one or more), instead of --stack',
    },
    'function-name': {
      type: 'string',
      value: 'NAME',
      help: 'replay: the function to send the events to, with --queue-url',
    },
    stack: {
      type: 'string',
      value: 'NAME',
      help: 'the deployed stack: its dead-letter queues and its function',
    },
    'dry-run': { type: 'boolean', help: 'replay: show what would be replayed, send nothing' },
    max: { type: 'string', value: 'N', help: 'replay: at most N events' },
  },
  environment: {
    AWS_REGION: 'the region of the stack or queues (or a profile with a region)',
    AWS_PROFILE: 'your credentials (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
  },
  exitCodes: {
    0: 'done: every event listed, or replayed and deleted',
    1: 'replay: an event failed again (its message stays in its queue)',
    2: 'nothing done: a mistake on the command line, or AWS refused (named on stderr)',
    130: 'stopped by Ctrl-C; every held message made visible again',
  },
} satisfies Tool;

/** Where the failed events are and which function replays them: given, or read from a stack. */
export type Targets = { stack: string } | { queueUrls: string[]; functionName: string | undefined };

export type Options =
  | { command: 'list'; targets: Targets }
  | { command: 'replay'; targets: Targets; dryRun: boolean; max: number | undefined };

export function parseOptions(args: string[]): Options {
  const { values, positionals } = parseCommandLine(FAILURES, args);
  const [command] = positionals;
  if (command !== 'list' && command !== 'replay') {
    throw new UsageError(command ? `unknown command ${command}` : 'no command given');
  }

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

function maxOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const max = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(max) || max < 1) {
    throw new UsageError(`--max must be a whole number >= 1, got "${value}"`);
  }
  return max;
}
