// `npm start [-- --events DIR]`: every sample event in events/ (or DIR) through the built bundle,
// loaded once as a warm container, against the Kodexa emulator and a Secrets Manager endpoint on
// loopback. Each file is named <n>-<what>.<expected outcome or error name>.json; exits 1 if any
// file is not, is not JSON, or its event did otherwise.
import { join } from 'node:path';
import { isSqsEvent } from '../functions/slice-completion/sqs-event.ts';
import { buildIfStale } from '../infra/build.ts';
import { root } from '../infra/paths.ts';
import { CannotRun, exitCannotRun, readCommandLine, type Tool } from './cli.ts';
import { captureFunctionMetrics, metricsSummary } from './local/function-metrics.ts';
import { lambdaContext, loadBundle } from './local/lambda-runtime.ts';
import { startLocalServices } from './local/local-services.ts';
import { batchAsExpected, runBatch } from './local/run-batch.ts';
import { readSampleEvents } from './local/sample-events.ts';
import { sampleFaults } from './local/sample-slices.ts';
import { outcomeLine, sliceChange } from './local/show-slice.ts';

const START = {
  command: 'npm start',
  usage: ['[-- --events DIR]'],
  about:
    'Every sample event through the built bundle (rebuilt if stale), one warm container, against\n' +
    'the Kodexa emulator and a Secrets Manager endpoint on loopback: each outcome, and the slice\n' +
    'before and after. Files are named <n>-<what>.<expected outcome or error name>.json.',
  options: {
    events: { type: 'string', value: 'DIR', help: 'the directory of events (default events/)' },
  },
  environment: {
    POWERTOOLS_LOG_LEVEL:
      "the function's log level: SILENT (default); INFO or DEBUG shows its logs",
  },
  exitCodes: {
    0: 'every event did what its file name says',
    1: 'a file could not be run, or its event did otherwise',
    2: 'nothing ran: a mistake on the command line, or no events to run',
  },
} satisfies Tool;

const { shownDir, samples } = eventFiles();
await buildIfStale();
const services = await startLocalServices();
services.kodexa.inject(...sampleFaults());
Object.assign(process.env, services.env);
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const metrics = captureFunctionMetrics({ show: process.env.POWERTOOLS_LOG_LEVEL !== 'SILENT' });
const handler = await loadBundle();

console.log(`Kodexa emulator        ${services.kodexa.url}`);
console.log(`Secrets Manager        ${services.secrets.url}`);
console.log(`function               dist/slice-completion/index.mjs, one warm container\n`);

let unexpected = 0;
for (const sample of samples) {
  console.log(join(shownDir, sample.file));
  if ('problem' in sample) {
    unexpected++;
    console.log(`  FAIL ${sample.problem}\n`);
    continue;
  }
  const { expected, event } = sample;
  if (isSqsEvent(event)) {
    const run = await runBatch(handler, event, services, metrics);
    const problem = batchAsExpected(run, expected.split('+'));
    if (problem) unexpected++;
    const answer =
      run.result instanceof Error ? outcomeLine(run.result) : JSON.stringify(run.result);
    console.log(
      `  ${problem ? 'FAIL' : 'ok  '} batch of ${run.records.length}, answered ${answer}`,
    );
    if (problem) console.log(`       ${problem}`);
    for (const [i, record] of run.records.entries()) {
      console.log(`  record ${i + 1}  ${record.fate.padEnd(13)} ${record.line}`);
      if (record.slice.length > 0) console.log(record.slice.map((line) => `  ${line}`).join('\n'));
    }
    console.log();
    continue;
  }
  const before = structuredClone(new Map(services.kodexa.slices));
  const result = await handler(event, lambdaContext()).catch((error: Error) => error);
  const got = result instanceof Error ? result.name : (result as { outcome: string }).outcome;
  const ok = got === expected;
  if (!ok) unexpected++;
  console.log(
    `  ${ok ? 'ok  ' : 'FAIL'} ${outcomeLine(result)}${ok ? '' : ` (expected ${expected})`}`,
  );
  if (!(result instanceof Error)) {
    const { sliceId } = result as { sliceId: string };
    console.log(sliceChange(before.get(sliceId), services.kodexa.slices.get(sliceId)).join('\n'));
  }
  console.log();
}

const reads = [...services.secrets.reads.values()].reduce((a, b) => a + b, 0);
const connections = services.kodexa.connections();
console.log(
  `${samples.length - unexpected} of ${samples.length} events did what their file names say; ` +
    `${reads} secret read, ${connections} connection${connections === 1 ? '' : 's'} to Kodexa`,
);
metrics.stop();
console.log(metricsSummary(metrics.documents()));
await services.close();
process.exitCode = unexpected === 0 ? 0 : 1;

function eventFiles(): { shownDir: string; samples: ReturnType<typeof readSampleEvents> } {
  const { values } = readCommandLine(START);
  const shownDir = values.events ?? 'events';
  try {
    const samples = readSampleEvents(values.events ?? `${root}events`);
    if (samples.length === 0) throw new CannotRun(`no .json files in ${shownDir}: nothing to run`);
    return { shownDir, samples };
  } catch (error) {
    return exitCannotRun(START, error);
  }
}
