// `npm run invoke -- <event.json> [--kodexa-url URL --secret-id ID]`: one event through the built
// bundle, against the local emulator by default, or against a real Kodexa and Secrets Manager.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { SQSEvent } from 'aws-lambda';
import { isSqsEvent } from '../functions/slice-completion/sqs-event.ts';
import { buildIfStale } from '../infra/build.ts';
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

const USAGE =
  'usage: npm run invoke -- <event.json> [--kodexa-url URL --secret-id SECRET_NAME_OR_ARN]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'kodexa-url': { type: 'string' },
      'secret-id': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new Error(USAGE);
  const kodexaUrl = values['kodexa-url'];
  const secretId = values['secret-id'];
  if (Boolean(kodexaUrl) !== Boolean(secretId)) {
    throw new Error(`--kodexa-url and --secret-id go together\n${USAGE}`);
  }
  if (kodexaUrl && !process.env.AWS_REGION) {
    // Lambda always sets it; the SDK needs it to find Secrets Manager.
    throw new Error(
      'with --kodexa-url, set AWS_REGION to the region of the secret, e.g. AWS_REGION=eu-west-1',
    );
  }
  const event = await readEvent(file);

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

async function readEvent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`invoke: ${error.message}`);
  return 1;
});
