// `npm start [-- --events DIR]`: every sample event in events/ (or DIR) through the built bundle,
// loaded once as a warm container, against the Kodexa emulator and a Secrets Manager endpoint on
// loopback. Each file is named <n>-<what>.<expected outcome or error name>.json; exits 1 if any
// file is not, is not JSON, or its event did otherwise.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildIfStale, root } from '../infra/build.ts';
import { captureFunctionMetrics, metricsSummary } from './local/function-metrics.ts';
import { lambdaContext, loadBundle } from './local/lambda-runtime.ts';
import { startLocalServices } from './local/local-services.ts';
import { outcomeLine, sliceChange } from './local/show-slice.ts';

const NAMING_RULE = '<n>-<what>.<expected outcome or error name>.json';
const NAMED = /^\d+-[^.]+\.(\w+)\.json$/;

const { eventsDir, shownDir, files } = await eventFiles();
await buildIfStale();
const services = await startLocalServices();
Object.assign(process.env, services.env);
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const metrics = captureFunctionMetrics({ show: process.env.POWERTOOLS_LOG_LEVEL !== 'SILENT' });
const handler = await loadBundle();

console.log(`Kodexa emulator        ${services.kodexa.url}`);
console.log(`Secrets Manager        ${services.secrets.url}`);
console.log(`function               dist/slice-completion/index.mjs, one warm container\n`);

let unexpected = 0;
for (const file of files) {
  const path = join(eventsDir, file);
  console.log(join(shownDir, file));
  const loaded = await eventIn(path);
  if ('problem' in loaded) {
    unexpected++;
    console.log(`  FAIL ${loaded.problem}\n`);
    continue;
  }
  const { expected, event } = loaded;
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
console.log(
  `${files.length - unexpected} of ${files.length} events did what their file names say; ` +
    `${reads} secret read, ${services.kodexa.connections()} connection to Kodexa`,
);
metrics.stop();
console.log(metricsSummary(metrics.documents()));
await services.close();
process.exitCode = unexpected === 0 ? 0 : 1;

async function eventFiles(): Promise<{ eventsDir: string; shownDir: string; files: string[] }> {
  try {
    const { values } = parseArgs({ options: { events: { type: 'string' } } });
    const eventsDir = values.events ?? `${root}events`;
    const shownDir = values.events ?? 'events';
    const files = await readdir(eventsDir).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the events directory ${eventsDir}: ${error.code}`);
    });
    return { eventsDir, shownDir, files: files.filter((f) => f.endsWith('.json')).sort() };
  } catch (error) {
    console.error(`start: ${(error as Error).message}`);
    process.exit(1);
  }
}

/** The event in a file and what the file's name says it should do, or why it cannot be run. */
async function eventIn(
  path: string,
): Promise<{ expected: string; event: unknown } | { problem: string }> {
  const expected = NAMED.exec(basename(path))?.[1];
  if (!expected) return { problem: `not named ${NAMING_RULE}, e.g. 1-direct-success.updated.json` };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { problem: `cannot read it: ${(error as NodeJS.ErrnoException).code}` };
  }
  try {
    return { expected, event: JSON.parse(text) };
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
}
