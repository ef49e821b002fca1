// `npm run invoke -- <event.json> [--kodexa-url URL --secret-id ID]`: one event through the built
// bundle, against the local emulator by default, or against a real Kodexa and Secrets Manager.
import { readFile } from 'node:fs/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import { readConfig } from '../functions/slice-completion/config.ts';
import { isSqsEvent } from '../functions/slice-completion/sqs-event.ts';
import { buildIfStale } from '../infra/build.ts';
import { awsProblem } from './aws-problem.ts';
import {
  CannotRun,
  exitCannotRun,
  problemLine,
  readCommandLine,
  type Tool,
  UsageError,
} from './cli.ts';
import {
  captureFunctionMetrics,
  type MetricsCapture,
  metricsSummary,
} from './local/function-metrics.ts';
import { type Handler, lambdaContext, loadBundle } from './local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from './local/local-services.ts';
import { runBatch } from './local/run-batch.ts';
import { sampleFaults } from './local/sample-slices.ts';
import { outcomeLine, sliceWrites } from './local/show-slice.ts';

const INVOKE = {
  command: 'npm run invoke',
  usage: ['-- <event.json> [--kodexa-url URL --secret-id ID]'],
  about:
    'One event through the built bundle (rebuilt if stale): against the Kodexa emulator, seeded\n' +
    'with the sample slices, by default; or against a real Kodexa, its API key read from Secrets\n' +
    'Manager with your AWS credentials. Prints the outcome and each field written, or the\n' +
    "function's named error on stderr, then the metrics it wrote.",
  positionals: 1,
  options: {
    'kodexa-url': {
      type: 'string',
      value: 'URL',
      help: 'a real Kodexa, e.g. https://platform.kodexa.ai (with --secret-id)',
    },
    'secret-id': {
      type: 'string',
      value: 'ID',
      help: 'name or ARN of the secret holding its API key (with --kodexa-url)',
    },
  },
  environment: {
    AWS_REGION: "with --kodexa-url: the secret's region (or a profile's region)",
    AWS_PROFILE:
      'with --kodexa-url: your credentials (or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    POWERTOOLS_LOG_LEVEL:
      "the function's log level: SILENT (default); INFO or DEBUG shows its logs",
  },
  exitCodes: {
    0: 'the function returned an outcome',
    1: 'the function threw; its named error is on stderr',
    2: 'nothing ran: a mistake on the command line, the event file, or AWS region or credentials',
  },
} satisfies Tool;

async function main(): Promise<number> {
  const {
    values,
    positionals: [file],
  } = readCommandLine(INVOKE);
  if (!file) throw new UsageError('no event file given');
  const kodexaUrl = values['kodexa-url'];
  const secretId = values['secret-id'];
  if ((kodexaUrl === undefined) !== (secretId === undefined)) {
    throw new UsageError('--kodexa-url and --secret-id go together');
  }
  if (kodexaUrl !== undefined && secretId !== undefined) {
    checkKodexaOptions(kodexaUrl, secretId);
  }
  const event = await readEvent(file);
  if (kodexaUrl !== undefined) await checkAwsAccess();

  await buildIfStale();
  let services: LocalServices | undefined;
  if (kodexaUrl && secretId) {
    Object.assign(process.env, { KODEXA_URL: kodexaUrl, KODEXA_API_KEY_SECRET_ID: secretId });
  } else {
    services = await startLocalServices();
    services.kodexa.inject(...sampleFaults());
    Object.assign(process.env, services.env);
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const metrics = captureFunctionMetrics({ show: process.env.POWERTOOLS_LOG_LEVEL !== 'SILENT' });
  try {
    const handler = await loadBundle();
    if (isSqsEvent(event)) return await invokeBatch(handler, event, services, metrics);
    const before = services && structuredClone(new Map(services.kodexa.slices));
    const result = await handler(event, lambdaContext()).catch((error: Error) => error);
    // Errors, the function's and this tool's, go to stderr.
    if (result instanceof Error) console.error(outcomeLine(result));
    else console.log(outcomeLine(result));
    if (services && before && !(result instanceof Error)) {
      const { sliceId } = result as { sliceId: string };
      console.log(sliceWrites(before.get(sliceId), services.kodexa.slices.get(sliceId)).join('\n'));
    }
    metrics.stop();
    console.log(metricsSummary(metrics.documents()));
    return result instanceof Error ? 1 : 0;
  } finally {
    metrics.stop();
    await services?.close();
  }
}

/** A batch from the buffer: the answer, and locally each record's fate; 1 if any record failed. */
async function invokeBatch(
  handler: Handler,
  event: SQSEvent,
  services: LocalServices | undefined,
  metrics: MetricsCapture,
): Promise<number> {
  let failed: boolean;
  if (services) {
    const run = await runBatch(handler, event, services, metrics);
    const answer =
      run.result instanceof Error ? outcomeLine(run.result) : JSON.stringify(run.result);
    (run.result instanceof Error ? console.error : console.log)(
      `batch of ${run.records.length}, answered ${answer}`,
    );
    for (const [i, record] of run.records.entries()) {
      console.log(`record ${i + 1}  ${record.fate.padEnd(13)} ${record.line}`);
      if (record.slice.length > 0) console.log(record.slice.join('\n'));
    }
    failed = run.result instanceof Error || run.records.some((r) => r.fate !== 'processed');
  } else {
    const result = await handler(event, lambdaContext()).catch((error: Error) => error);
    if (result instanceof Error) console.error(outcomeLine(result));
    else console.log(`answered ${JSON.stringify(result)}`);
    failed =
      result instanceof Error ||
      (result as { batchItemFailures: unknown[] }).batchItemFailures.length > 0;
  }
  metrics.stop();
  console.log(metricsSummary(metrics.documents()));
  return failed ? 1 : 0;
}

/** The URL and secret as the function will check them, named as the options that give them. */
function checkKodexaOptions(kodexaUrl: string, secretId: string): void {
  try {
    readConfig({ KODEXA_URL: kodexaUrl, KODEXA_API_KEY_SECRET_ID: secretId });
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(
      message
        .replaceAll('KODEXA_URL', '--kodexa-url')
        .replaceAll('KODEXA_API_KEY_SECRET_ID', '--secret-id'),
    );
  }
}

// Lambda gives the function a region and credentials; here they are the user's, so they are
// checked before the function runs and named as `npm run failures` names them.
async function checkAwsAccess(): Promise<void> {
  const client = new SecretsManagerClient({});
  try {
    await client.config.region();
    await client.config.credentials();
  } catch (error) {
    throw new CannotRun(awsProblem(error) ?? problemLine(error));
  } finally {
    client.destroy();
  }
}

async function readEvent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CannotRun(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CannotRun(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

process.exitCode = await main().catch((error) => exitCannotRun(INVOKE, error));
