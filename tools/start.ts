// `npm start`: every sample event in events/ through the built bundle, loaded once as a warm
// container, against the Kodexa emulator and a Secrets Manager endpoint on loopback.
// Each file is named <n>-<what>.<expected outcome or error name>.json; exits 1 if any differs.
import { readdir, readFile } from 'node:fs/promises';
import { buildIfStale, root } from '../infra/build.ts';
import { captureFunctionMetrics, metricsSummary } from './local/function-metrics.ts';
import { lambdaContext, loadBundle } from './local/lambda-runtime.ts';
import { startLocalServices } from './local/local-services.ts';
import { outcomeLine, sliceChange } from './local/show-slice.ts';

const eventsDir = `${root}events`;

await buildIfStale();
const services = await startLocalServices();
Object.assign(process.env, services.env);
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const metrics = captureFunctionMetrics({ show: process.env.POWERTOOLS_LOG_LEVEL !== 'SILENT' });
const handler = await loadBundle();

console.log(`Kodexa emulator        ${services.kodexa.url}`);
console.log(`Secrets Manager        ${services.secrets.url}`);
console.log(`function               dist/slice-completion/index.mjs, one warm container\n`);

const files = (await readdir(eventsDir)).filter((f) => f.endsWith('.json')).sort();
let unexpected = 0;
for (const file of files) {
  const expected = file.split('.').at(-2) ?? '';
  const event: unknown = JSON.parse(await readFile(`${eventsDir}/${file}`, 'utf8'));
  const before = structuredClone(new Map(services.kodexa.slices));
  const result = await handler(event, lambdaContext()).catch((error: Error) => error);
  const got = result instanceof Error ? result.name : (result as { outcome: string }).outcome;
  const ok = got === expected;
  if (!ok) unexpected++;
  console.log(`events/${file}`);
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
